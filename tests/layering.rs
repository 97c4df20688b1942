//! The import rule of ARCHITECTURE.md, checked over the source: probing records facts,
//! diagnosis turns them into findings without I/O, rendering formats; the bottom modules
//! (names, escape, evidence, findings, policy, knowledge) never reach up. Test code (files
//! named *_tests.rs and what follows `#[cfg(test)]`) may build its inputs from any layer.

use std::path::Path;

/// (module, the modules it must not use)
const RULES: &[(&str, &[&str])] = &[
    (
        "escape",
        &[
            "names",
            "evidence",
            "findings",
            "policy",
            "knowledge",
            "settings",
            "probe",
            "diagnose",
            "render",
            "report",
            "cli",
            "app",
        ],
    ),
    (
        "names",
        &[
            "evidence",
            "findings",
            "policy",
            "knowledge",
            "settings",
            "probe",
            "diagnose",
            "render",
            "report",
            "cli",
            "app",
        ],
    ),
    (
        "evidence",
        &[
            "settings", "probe", "diagnose", "render", "report", "cli", "app",
        ],
    ),
    (
        "findings",
        &[
            "settings", "probe", "diagnose", "render", "report", "cli", "app",
        ],
    ),
    (
        "advice",
        &[
            "settings", "probe", "diagnose", "render", "report", "cli", "app",
        ],
    ),
    (
        "policy",
        &[
            "settings", "probe", "diagnose", "render", "report", "cli", "app",
        ],
    ),
    (
        "knowledge",
        &[
            "settings", "probe", "diagnose", "render", "report", "cli", "app",
        ],
    ),
    (
        "settings",
        &["probe", "diagnose", "render", "report", "cli", "app"],
    ),
    (
        "probe",
        &["settings", "diagnose", "render", "report", "cli", "app"],
    ),
    ("diagnose", &["settings", "probe", "render", "cli", "app"]),
    ("render", &["probe", "settings", "cli", "app"]),
    ("report", &["probe", "settings", "render", "cli", "app"]),
];

fn sources(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            sources(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

/// The top-level module a source file belongs to: `src/probe/tls.rs` → probe.
fn module(src: &Path, file: &Path) -> String {
    let rel = file.strip_prefix(src).unwrap();
    let first = rel
        .components()
        .next()
        .unwrap()
        .as_os_str()
        .to_string_lossy();
    first.trim_end_matches(".rs").to_string()
}

#[test]
fn no_layer_imports_a_layer_above_it() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    sources(&src, &mut files);
    let mut broken = Vec::new();
    for f in &files {
        if f.to_string_lossy().ends_with("_tests.rs")
            || f.components().any(|c| c.as_os_str() == "tests")
        {
            continue;
        }
        let m = module(&src, f);
        let Some((_, banned)) = RULES.iter().find(|(name, _)| *name == m) else {
            continue;
        };
        let text = std::fs::read_to_string(f).unwrap();
        let code = text.split("#[cfg(test)]").next().unwrap_or("");
        for (n, line) in code.lines().enumerate() {
            let line = line.trim_start();
            if line.starts_with("//") {
                continue;
            }
            for b in banned.iter() {
                if line.contains(&format!("crate::{b}::"))
                    || line.contains(&format!("crate::{b};"))
                    || line.contains(&format!("crate::{b}}}"))
                    || line.contains(&format!("crate::{b},"))
                {
                    broken.push(format!("{}:{}: {m} uses {b}: {line}", f.display(), n + 1));
                }
            }
        }
    }
    assert!(
        broken.is_empty(),
        "imports against the layering:\n{}",
        broken.join("\n")
    );
}

/// Every string in the source shaped like a finding code (`"tls.cert-expired"`, in rule
/// tables and matches as well as in `code!`) names a catalogued code.
#[test]
fn every_code_named_in_the_source_is_catalogued() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    sources(&src, &mut files);
    let areas: std::collections::BTreeSet<&str> = mxray::findings::catalogue::CATALOGUE
        .iter()
        .map(|c| mxray::findings::catalogue::area(c.code))
        .collect();
    // Host names that happen to look like codes.
    const HOSTS: &[&str] = &["dns.google", "smtp.cz"];
    let mut unknown = Vec::new();
    for f in &files {
        let path = f.to_string_lossy();
        if path.ends_with("tests.rs") || path.contains("ispdb_data") {
            continue;
        }
        let text = std::fs::read_to_string(f).unwrap();
        for piece in text.split('"').skip(1).step_by(2) {
            let Some((area, name)) = piece.split_once('.') else {
                continue;
            };
            let shaped = areas.contains(area)
                && !name.is_empty()
                && name
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
            if shaped
                && !HOSTS.contains(&piece)
                && mxray::findings::catalogue::lookup(piece).is_none()
            {
                unknown.push(format!("{}: {piece}", f.display()));
            }
        }
    }
    assert!(
        unknown.is_empty(),
        "not catalogued:\n{}",
        unknown.join("\n")
    );
}
