//! The domain list: one domain per line, `#` to the end of a line is a comment, blank lines
//! are skipped. Read line by line with a bounded line length, so a list of a million domains
//! (or a file that is no list at all) never sits in memory.

use std::io::{BufRead, Read};

/// Longest line kept: a domain is at most 253 octets, an internationalised one a little more
/// in UTF-8, plus room for a comment.
pub const MAX_LINE_BYTES: usize = 4096;

/// One non-blank line of the list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Entry {
    /// A domain, as its lower-cased A-label.
    Domain { line: u64, name: String },
    /// A line that names no domain; the reason quotes it escaped and bounded.
    Bad { line: u64, why: String },
}

/// The entries of the list, in order.
pub struct Entries<R> {
    reader: R,
    line: u64,
    buf: Vec<u8>,
}

impl<R: BufRead> Entries<R> {
    pub fn new(reader: R) -> Entries<R> {
        Entries {
            reader,
            line: 0,
            buf: Vec::with_capacity(256),
        }
    }

    /// The next entry; `Err` only when reading itself fails.
    pub fn next_entry(&mut self) -> std::io::Result<Option<Entry>> {
        loop {
            self.buf.clear();
            let n = std::io::Read::by_ref(&mut self.reader)
                .take(MAX_LINE_BYTES as u64 + 1)
                .read_until(b'\n', &mut self.buf)?;
            if n == 0 {
                return Ok(None);
            }
            self.line += 1;
            let line = self.line;
            if self.buf.len() > MAX_LINE_BYTES && self.buf.last() != Some(&b'\n') {
                skip_rest_of_line(&mut self.reader)?;
                return Ok(Some(Entry::Bad {
                    line,
                    why: format!("longer than {MAX_LINE_BYTES} bytes"),
                }));
            }
            let Ok(text) = std::str::from_utf8(&self.buf) else {
                return Ok(Some(Entry::Bad {
                    line,
                    why: "not UTF-8".into(),
                }));
            };
            if let Some(entry) = parse_line(line, text) {
                return Ok(Some(entry));
            }
        }
    }
}

fn skip_rest_of_line(reader: &mut impl BufRead) -> std::io::Result<()> {
    loop {
        let chunk = reader.fill_buf()?;
        if chunk.is_empty() {
            return Ok(());
        }
        match chunk.iter().position(|b| *b == b'\n') {
            Some(i) => {
                reader.consume(i + 1);
                return Ok(());
            }
            None => {
                let len = chunk.len();
                reader.consume(len);
            }
        }
    }
}

/// A line's entry; `None` for a blank or comment-only line.
pub fn parse_line(line: u64, text: &str) -> Option<Entry> {
    let text = text.split('#').next().unwrap_or_default().trim();
    if text.is_empty() {
        return None;
    }
    let bad = |why: String| Some(Entry::Bad { line, why });
    if text.split_whitespace().nth(1).is_some() {
        return bad(format!(
            "{} holds more than one name (one domain per line)",
            crate::escape::echo(text)
        ));
    }
    match crate::names::validate_host(text) {
        Err(why) => bad(why),
        Ok(name) if name.parse::<std::net::IpAddr>().is_ok() => bad(format!(
            "{} is an IP address, not a mail domain",
            crate::escape::echo(text)
        )),
        Ok(name) => Some(Entry::Domain { line, name }),
    }
}

/// Domains already audited in this run, by 64-bit hash: 16 bytes or so per domain rather
/// than the names themselves.
#[derive(Default)]
pub struct Seen(std::collections::HashSet<u64>);

impl Seen {
    /// True the first time `name` is offered.
    pub fn first(&mut self, name: &str) -> bool {
        self.0.insert(super::shard::fnv1a(name.as_bytes()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn all(text: &[u8]) -> Vec<Entry> {
        let mut e = Entries::new(text);
        let mut out = Vec::new();
        while let Some(x) = e.next_entry().unwrap() {
            out.push(x);
        }
        out
    }

    #[test]
    fn comments_blanks_and_bad_lines_with_their_numbers() {
        let got = all(
            b"# customers\n\nExample.COM.\n  good.test   # ours\nbad..name\n192.0.2.1\na b\n\xff\xfe\n\xd0\xbf\xd0\xbe\xd1\x87\xd1\x82\xd0\xb0.test\nlast.test",
        );
        let domain = |line, name: &str| Entry::Domain {
            line,
            name: name.into(),
        };
        assert_eq!(got[0], domain(3, "example.com"));
        assert_eq!(got[1], domain(4, "good.test"));
        assert!(
            matches!(&got[2], Entry::Bad { line: 5, why } if why.contains("empty label")),
            "{:?}",
            got[2]
        );
        assert!(matches!(&got[3], Entry::Bad { line: 6, why } if why.contains("IP address")));
        assert!(matches!(&got[4], Entry::Bad { line: 7, why } if why.contains("more than one")));
        assert!(matches!(&got[5], Entry::Bad { line: 8, why } if why == "not UTF-8"));
        assert_eq!(got[6], domain(9, "xn--80a1acny.test"));
        assert_eq!(got[7], domain(10, "last.test"));
        assert_eq!(got.len(), 8);
    }

    #[test]
    fn an_overlong_line_is_skipped_whole() {
        let mut text = vec![b'a'; MAX_LINE_BYTES * 3];
        text.extend_from_slice(b"\nnext.test\n");
        let got = all(&text);
        assert!(matches!(&got[0], Entry::Bad { line: 1, why } if why.contains("longer than")));
        assert_eq!(
            got[1],
            Entry::Domain {
                line: 2,
                name: "next.test".into()
            }
        );
    }

    #[test]
    fn duplicates_are_seen_once() {
        let mut seen = Seen::default();
        assert!(seen.first("a.test"));
        assert!(seen.first("b.test"));
        assert!(!seen.first("a.test"));
    }
}
