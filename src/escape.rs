//! Text from servers, DNS, saved reports and the command line made safe for a terminal.
//!
//! A banner, certificate subject or TXT record is attacker-controlled: an ESC in it can retitle
//! the window, move the cursor over earlier lines, write to the clipboard (OSC 52) or fake a
//! finding; a newline can forge a whole report line; bidi overrides can make `moc.evil` read
//! as `live.com`. Every human renderer shows such text through [`visible`], and the finished
//! report goes through [`terminal_output`] as a last guard. JSON keeps the data as received
//! (serde escapes control characters there).
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

use std::borrow::Cow;
use std::fmt::Write;

/// Characters a terminal acts on instead of printing: C0 controls (newline and tab
/// included), DEL, C1 controls, and the Unicode bidi marks, embeddings, overrides and
/// isolates, plus the line and paragraph separators.
pub fn is_unsafe(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{061C}'
                | '\u{200E}'
                | '\u{200F}'
                | '\u{2028}'
                | '\u{2029}'
                | '\u{202A}'..='\u{202E}'
                | '\u{2066}'..='\u{2069}'
        )
}

/// `s` with every [unsafe](is_unsafe) character in a visible escaped form: `\e` for ESC,
/// `\n`, `\r`, `\t`, `\x07` for the other ASCII controls, `\u{202e}` beyond ASCII.
pub fn visible(s: &str) -> Cow<'_, str> {
    if !s.chars().any(is_unsafe) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        push_visible(&mut out, c);
    }
    Cow::Owned(out)
}

fn push_visible(out: &mut String, c: char) {
    if !is_unsafe(c) {
        out.push(c);
        return;
    }
    let _ = match c {
        '\u{1b}' => out.write_str("\\e"),
        '\n' => out.write_str("\\n"),
        '\r' => out.write_str("\\r"),
        '\t' => out.write_str("\\t"),
        c if c.is_ascii() => write!(out, "\\x{:02x}", c as u32),
        c => write!(out, "\\u{{{:x}}}", c as u32),
    };
}

/// The whole rendered report: line breaks kept, and with `keep_sgr` the colour sequences
/// (`ESC [ digits ; … m`) the renderer itself wrote; anything else unsafe is escaped. Text
/// that went through [`visible`] passes unchanged.
pub fn terminal_output(text: &str, keep_sgr: bool) -> Cow<'_, str> {
    if !text.chars().any(|c| c != '\n' && is_unsafe(c)) {
        return Cow::Borrowed(text);
    }
    let bytes = text.as_bytes();
    let mut out = String::with_capacity(text.len() + 16);
    let mut skip_to = 0;
    for (at, c) in text.char_indices() {
        if at < skip_to {
            continue;
        }
        if c == '\n' {
            out.push(c);
            continue;
        }
        if keep_sgr && c == '\u{1b}' {
            let sgr = sgr_len(bytes.get(at..).unwrap_or_default())
                .and_then(|len| Some((len, text.get(at..at + len)?)));
            if let Some((len, sequence)) = sgr {
                out.push_str(sequence);
                skip_to = at + len;
                continue;
            }
        }
        push_visible(&mut out, c);
    }
    Cow::Owned(out)
}

/// The length of a Select Graphic Rendition sequence at the start of `b`, if it is one.
fn sgr_len(b: &[u8]) -> Option<usize> {
    let [0x1b, b'[', rest @ ..] = b else {
        return None;
    };
    if rest.is_empty() {
        return None;
    }
    // Colour sequences are short; a long run of digits is not ours.
    let params = rest
        .iter()
        .take(32)
        .take_while(|x| x.is_ascii_digit() || **x == b';')
        .count();
    (b.get(2 + params) == Some(&b'm')).then_some(3 + params)
}

/// How much of a user-supplied value an error message quotes.
pub const ECHO_CHARS: usize = 64;

/// A value the user gave, as an error message quotes it: in quotes, control characters
/// escaped, and past [`ECHO_CHARS`] cut with its full length, so a 10,000-character host name
/// or a 10 MB variable gives a one-line error. Never pass a secret.
pub fn echo(value: &str) -> String {
    let chars = value.chars().count();
    if chars <= ECHO_CHARS {
        return format!("\"{}\"", visible(value));
    }
    let head: String = value.chars().take(ECHO_CHARS).collect();
    format!("\"{}…\" ({} bytes)", visible(&head), value.len())
}

/// A whole message bounded to `max` characters (then "… (N bytes)"), control characters
/// escaped: the last guard for errors that quote something mxray did not check.
pub fn clip(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return visible(text).into_owned();
    }
    let head: String = text.chars().take(max).collect();
    format!("{}… ({} bytes)", visible(&head), text.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn controls_and_bidi_become_visible() {
        assert_eq!(visible("mail.example.com"), "mail.example.com");
        assert!(matches!(visible("plain ✓ ünïcode"), Cow::Borrowed(_)));
        assert_eq!(visible("a\u{1b}]0;pwn\u{7}b"), "a\\e]0;pwn\\x07b");
        assert_eq!(visible("x\r\ny\tz\u{7f}"), "x\\r\\ny\\tz\\x7f");
        assert_eq!(visible("\u{9b}31m"), "\\u{9b}31m");
        assert_eq!(
            visible("evil\u{202e}moc.\u{2066}"),
            "evil\\u{202e}moc.\\u{2066}"
        );
        assert_eq!(visible("\u{0}"), "\\x00");
    }

    #[test]
    fn the_output_guard_keeps_lines_and_own_colours_only() {
        let ours = "\u{1b}[1;31mFAIL\u{1b}[0m\nnext line\n";
        assert_eq!(terminal_output(ours, true), ours);
        assert_eq!(
            terminal_output(ours, false),
            "\\e[1;31mFAIL\\e[0m\nnext line\n"
        );
        assert_eq!(
            terminal_output("\u{1b}]52;c;ZXZpbA==\u{7}\u{1b}[2J\r", true),
            "\\e]52;c;ZXZpbA==\\x07\\e[2J\\r"
        );
        assert_eq!(terminal_output("a\u{1b}[", true), "a\\e[");
        assert_eq!(terminal_output("\u{202e}x", true), "\\u{202e}x");
        let escaped = visible("\u{1b}[31mred\u{1b}[0m").into_owned();
        assert_eq!(terminal_output(&escaped, true), escaped);
    }
}
