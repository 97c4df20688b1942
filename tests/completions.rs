//! Shell integration from the clap definitions: a completion script for every shell that
//! knows the commands and their flags, and manual pages that `man` renders.

use std::io::Write;
use std::process::{Command, Stdio};

fn mxray(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_mxray"))
        .args(args)
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

const COMMANDS: &[&str] = &[
    "server",
    "domain",
    "check",
    "diagnose",
    "explain",
    "run",
    "completions",
    "man",
];

#[test]
fn bash_completion_knows_every_command_and_the_run_flags() {
    let (code, script, _) = mxray(&["completions", "bash"]);
    assert_eq!(code, 0);
    assert!(script.contains("complete -F _mxray"), "registers for mxray");
    for c in COMMANDS {
        assert!(script.contains(&format!("mxray,{c})")), "bash: {c}");
    }
    for flag in [
        "--config",
        "--min-cert-days",
        "--dmarc-policy",
        "--required-ports",
    ] {
        assert!(script.contains(flag), "bash: {flag}");
    }
    // The script is valid bash: bash parses it without running anything.
    if let Ok(mut bash) = Command::new("bash")
        .args(["-n"])
        .stdin(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
    {
        bash.stdin
            .take()
            .unwrap()
            .write_all(script.as_bytes())
            .unwrap();
        let out = bash.wait_with_output().unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

#[test]
fn every_shell_gets_its_own_script() {
    for (shell, marker) in [
        ("zsh", "#compdef mxray"),
        ("fish", "complete -c mxray"),
        ("powershell", "Register-ArgumentCompleter"),
        ("elvish", "edit:completion:arg-completer[mxray]"),
    ] {
        let (code, script, _) = mxray(&["completions", shell]);
        assert_eq!(code, 0, "{shell}");
        assert!(script.contains(marker), "{shell}: {marker}");
        assert!(script.contains("run"), "{shell}: the run command");
    }
    let (code, _, err) = mxray(&["completions", "tcsh"]);
    assert_eq!(code, 2);
    assert!(err.contains("invalid value 'tcsh'"), "{err}");
}

/// The page as `man` shows it, when man is installed.
fn rendered(roff: &str) -> Option<String> {
    let mut man = Command::new("man")
        .args(["-l", "-"])
        .env("MANWIDTH", "100")
        .env("MANPAGER", "cat")
        .env("PAGER", "cat")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .ok()?;
    man.stdin.take()?.write_all(roff.as_bytes()).ok()?;
    let out = man.wait_with_output().ok()?;
    // Justified text: words are compared with single spaces between them.
    out.status.success().then(|| {
        String::from_utf8_lossy(&out.stdout)
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
    })
}

#[test]
fn the_man_page_is_roff_that_man_renders() {
    let (code, roff, _) = mxray(&["man"]);
    assert_eq!(code, 0);
    assert!(
        roff.starts_with(".ie \\n(.g .ds Aq"),
        "clap_mangen's roff preamble"
    );
    assert!(roff.contains(".TH mxray 1"), "title");
    for section in [".SH NAME", ".SH SYNOPSIS", ".SH SUBCOMMANDS", ".SH VERSION"] {
        assert!(roff.contains(section), "{section}");
    }
    for c in COMMANDS {
        assert!(
            roff.contains(&format!("mxray\\-{c}(1)")),
            "cross-reference to {c}"
        );
    }
    if let Some(text) = rendered(&roff) {
        assert!(text.contains("NAME"), "{text}");
        assert!(text.contains("mxray - Why won't my mail send?"), "{text}");
        assert!(!text.contains(".TH"), "roff was interpreted");
    }
}

#[test]
fn each_command_has_its_page() {
    let (code, roff, _) = mxray(&["man", "run"]);
    assert_eq!(code, 0);
    assert!(
        roff.contains(".TH mxray-run 1"),
        "{}",
        &roff[..roff.len().min(400)]
    );
    for flag in ["\\-\\-config", "\\-\\-min\\-cert\\-days", "\\-\\-fail\\-on"] {
        assert!(roff.contains(flag), "{flag}");
    }
    if let Some(text) = rendered(&roff) {
        assert!(
            text.contains("mxray-run - Check every target of mxray.toml"),
            "{text}"
        );
        assert!(text.contains("--min-cert-days <DAYS>"), "{text}");
    }
    let (code, _, err) = mxray(&["man", "nosuch"]);
    assert_eq!(code, 2);
    assert_eq!(
        err.trim(),
        "mxray: no command \"nosuch\": `mxray --help` lists them"
    );
}
