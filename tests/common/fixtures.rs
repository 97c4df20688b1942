//! The saved runs shipped in fixtures/ (server, domain and check reports), for the tests that
//! go over every one of them.

#![allow(dead_code)]

use std::path::{Path, PathBuf};

/// Every fixture report, sorted by path.
pub fn all() -> Vec<PathBuf> {
    let mut all = Vec::new();
    for dir in ["server", "domain", "check"] {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("fixtures")
            .join(dir);
        for e in std::fs::read_dir(&dir).unwrap() {
            let p = e.unwrap().path();
            if p.extension().is_some_and(|x| x == "json") {
                all.push(p);
            }
        }
    }
    all.sort();
    assert!(all.len() >= 50, "fixtures missing: {}", all.len());
    all
}
