//! The syntax error of an SPF record: which term, where, and why.

use serde::{Deserialize, Serialize};
use std::fmt;

/// Where and why a record does not parse. `index` is the term's position: 0 for the version,
/// then 1, 2, … for the terms after it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SyntaxError {
    pub index: usize,
    pub offset: usize,
    pub term: String,
    pub message: String,
}

impl fmt::Display for SyntaxError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.index == 0 {
            f.write_str("version `")?;
        } else {
            write!(f, "term {} `", self.index)?;
        }
        for c in self.term.chars() {
            if c.is_control() {
                write!(f, "{}", c.escape_default())?;
            } else {
                write!(f, "{c}")?;
            }
        }
        write!(f, "` at byte {}: {}", self.offset, self.message)
    }
}

impl std::error::Error for SyntaxError {}
