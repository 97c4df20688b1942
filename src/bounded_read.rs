//! Reading a file or stream the user names with a size bound: `/dev/zero`, an endless pipe or a
//! huge file given by mistake ends in a one-line error instead of exhausting memory.
// Values from the user, the network and saved reports: a bad one is an error, never a panic.
#![cfg_attr(
    not(test),
    deny(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::indexing_slicing,
        clippy::panic,
        clippy::string_slice
    )
)]

use std::io::Read;

/// Why a bounded read gave nothing.
#[derive(Debug)]
pub enum ReadError {
    Io(std::io::Error),
    /// More than the bound (in bytes) was there.
    TooLarge(usize),
}

impl std::fmt::Display for ReadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ReadError::Io(e) => write!(f, "{e}"),
            ReadError::TooLarge(max) => write!(f, "larger than {}", size_words(*max)),
        }
    }
}

/// All of `input` when it holds at most `max` bytes; reads `max + 1` bytes at most.
pub fn read_at_most(input: impl Read, max: usize) -> Result<Vec<u8>, ReadError> {
    let mut bytes = Vec::new();
    input
        .take(max as u64 + 1)
        .read_to_end(&mut bytes)
        .map_err(ReadError::Io)?;
    if bytes.len() > max {
        return Err(ReadError::TooLarge(max));
    }
    Ok(bytes)
}

/// [`read_at_most`] of the file at `path`.
pub fn file_at_most(path: &std::path::Path, max: usize) -> Result<Vec<u8>, ReadError> {
    std::fs::File::open(path)
        .map_err(ReadError::Io)
        .and_then(|f| read_at_most(f, max))
}

/// "16 MiB", "64 KiB", "100 bytes".
pub fn size_words(bytes: usize) -> String {
    match bytes {
        b if b >= 1 << 20 && b % (1 << 20) == 0 => format!("{} MiB", b >> 20),
        b if b >= 1 << 10 && b % (1 << 10) == 0 => format!("{} KiB", b >> 10),
        b => format!("{b} bytes"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_up_to_the_bound_and_no_further() {
        assert_eq!(read_at_most(&b"abc"[..], 3).unwrap(), b"abc");
        assert!(matches!(
            read_at_most(&b"abcd"[..], 3),
            Err(ReadError::TooLarge(3))
        ));
        let endless = std::io::repeat(0);
        assert!(matches!(
            read_at_most(endless, 1 << 20),
            Err(ReadError::TooLarge(_))
        ));
        assert_eq!(size_words(16 << 20), "16 MiB");
        assert_eq!(size_words(64 << 10), "64 KiB");
        assert_eq!(size_words(100), "100 bytes");
        assert_eq!(
            ReadError::TooLarge(1 << 20).to_string(),
            "larger than 1 MiB"
        );
    }
}
