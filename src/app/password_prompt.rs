//! The no-echo password prompt. rpassword shows the prompt and only then turns the terminal's
//! echo off, so a password typed or pasted the moment the prompt appears was echoed; here the
//! echo goes off first and comes back as it was, whatever happens.

/// Shows `prompt` on the terminal and reads a line without echo.
pub(super) fn ask(prompt: &str) -> std::io::Result<String> {
    let _quiet = EchoOff::new();
    rpassword::prompt_password(prompt)
}

/// The controlling terminal with echo off until dropped; `None` without a terminal, where
/// rpassword reports the error itself.
#[cfg(unix)]
struct EchoOff {
    tty: std::fs::File,
    saved: libc::termios,
}

#[cfg(unix)]
impl EchoOff {
    fn new() -> Option<EchoOff> {
        use std::os::fd::AsRawFd;
        let tty = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .open("/dev/tty")
            .ok()?;
        let mut saved = std::mem::MaybeUninit::<libc::termios>::uninit();
        // SAFETY: the descriptor is open for the whole call and tcgetattr fills the struct
        // completely when it returns 0, the only case in which it is read.
        let saved = unsafe {
            if libc::tcgetattr(tty.as_raw_fd(), saved.as_mut_ptr()) != 0 {
                return None;
            }
            saved.assume_init()
        };
        let mut quiet = saved;
        quiet.c_lflag &= !libc::ECHO;
        quiet.c_lflag |= libc::ECHONL;
        // SAFETY: a valid descriptor and a termios obtained from tcgetattr.
        if unsafe { libc::tcsetattr(tty.as_raw_fd(), libc::TCSANOW, &quiet) } != 0 {
            return None;
        }
        Some(EchoOff { tty, saved })
    }
}

#[cfg(unix)]
impl Drop for EchoOff {
    fn drop(&mut self) {
        use std::os::fd::AsRawFd;
        // SAFETY: the descriptor is still open (owned by self) and `saved` came from tcgetattr.
        unsafe {
            libc::tcsetattr(self.tty.as_raw_fd(), libc::TCSANOW, &self.saved);
        }
    }
}

#[cfg(not(unix))]
struct EchoOff;

#[cfg(not(unix))]
impl EchoOff {
    fn new() -> Option<EchoOff> {
        None
    }
}
