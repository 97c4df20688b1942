//! mxray.toml: read (bounded), parsed with unknown keys and wrong types named by file, line and
//! key, and turned into one command line per target, parsed by the same clap definitions as
//! `mxray server`, `mxray domain` and `mxray check`, so a target means what its flags mean.

use crate::cli::{self, Cli, Command, DmarcPolicy, PortItem, RunSettings};
use crate::diagnose::expect::{self, Expect};
use crate::policy::dmarc::Policy;
use crate::report::FailOn;
use clap::Parser;
use std::path::{Path, PathBuf};

/// A configuration file is a few KB; `/dev/zero` must not fill memory.
const MAX_CONFIG_BYTES: usize = 1024 * 1024;
/// More targets than this in one file is a mistake, not a CI job (bulk audits have their own
/// command).
const MAX_TARGETS: usize = 256;

/// One target, ready to run: its kind and name, the parsed command, and what it must meet.
pub(super) struct Job {
    pub label: String,
    /// The line of the target's `[[server]]`, `[[domain]]` or `[[check]]` header.
    pub line: usize,
    /// The file and table it came from, for errors.
    pub origin: String,
    pub command: Command,
    pub expect: Expect,
    pub ignore: Vec<String>,
    pub fail_on: FailOn,
}

/// The configuration file: `--config FILE`, else mxray.toml in the working directory.
pub(super) fn path(given: Option<&Path>) -> PathBuf {
    given.map_or_else(|| PathBuf::from("mxray.toml"), Path::to_path_buf)
}

/// The settings and the file's text.
pub(super) fn load(path: &Path) -> anyhow::Result<(RunSettings, String)> {
    let name = path.display().to_string();
    let bytes = crate::bounded_read::file_at_most(path, MAX_CONFIG_BYTES).map_err(|e| {
        let missing = matches!(&e, crate::bounded_read::ReadError::Io(io) if io.kind() == std::io::ErrorKind::NotFound);
        if missing && path == Path::new("mxray.toml") {
            anyhow::anyhow!("no mxray.toml in the working directory (give one with --config FILE)")
        } else {
            anyhow::anyhow!("cannot read {}: {e}", cli::echo(&name))
        }
    })?;
    let text = String::from_utf8(bytes)
        .map_err(|_| anyhow::anyhow!("{} is not UTF-8 text", cli::echo(&name)))?;
    Ok((parse(&name, &text)?, text))
}

/// The line of the `n`th (from 0) `[[kind]]` header in `text`, or 1.
fn header_line(text: &str, kind: &str, n: usize) -> usize {
    let header = format!("[[{kind}]]");
    text.lines()
        .enumerate()
        .filter(|(_, l)| l.trim_start().starts_with(&header))
        .nth(n)
        .map_or(1, |(i, _)| i + 1)
}

/// Parses the text of `name`; an error names the file, the line and the key.
pub fn parse(name: &str, text: &str) -> anyhow::Result<RunSettings> {
    toml::from_str::<RunSettings>(text).map_err(|e| {
        let message = e.message().trim().replace('\n', " ");
        let Some(span) = e.span() else {
            return anyhow::anyhow!("{name}: {message}");
        };
        let start = span.start.min(text.len());
        let line_no = text.get(..start).unwrap_or(text).matches('\n').count() + 1;
        let line = text.lines().nth(line_no - 1).unwrap_or("");
        let key = line
            .split_once('=')
            .map(|(k, _)| k.trim())
            .filter(|k| !k.is_empty() && !k.starts_with('['));
        match key {
            Some(k) if !message.contains(&format!("`{k}`")) => {
                anyhow::anyhow!("{name}:{line_no}: {}: {message}", cli::clip(k, 64))
            }
            _ => anyhow::anyhow!("{name}:{line_no}: {message}"),
        }
    })
}

/// The flags over the file: a flag wins over a target's key, which wins over the top level;
/// ignored codes add up.
struct Layers<'a> {
    flags: &'a RunSettings,
    file: &'a RunSettings,
}

struct TargetExpect<'a> {
    ignore: &'a [String],
    fail_on: Option<FailOn>,
    min_cert_days: Option<u32>,
    min_tls_version: Option<&'a str>,
    dmarc_policy: Option<DmarcPolicy>,
    required_ports: Option<&'a [u16]>,
}

/// The expectation keys every target table has, read the same way for each kind.
macro_rules! target_expect {
    ($t:expr) => {
        TargetExpect {
            ignore: &$t.ignore,
            fail_on: $t.fail_on,
            min_cert_days: $t.min_cert_days,
            min_tls_version: $t.min_tls_version.as_deref(),
            dmarc_policy: $t.dmarc_policy,
            required_ports: $t.required_ports.as_deref(),
        }
    };
}

impl Layers<'_> {
    fn expect(&self, what: &str, t: TargetExpect) -> anyhow::Result<(Expect, Vec<String>, FailOn)> {
        let (f, g) = (self.flags, self.file);
        let tls = f
            .min_tls_version
            .as_deref()
            .or(t.min_tls_version)
            .or(g.min_tls_version.as_deref());
        let min_tls_minor = match tls {
            None => None,
            Some(v) => Some(expect::tls_minor(v).ok_or_else(|| {
                anyhow::anyhow!(
                    "{what}: min_tls_version {} is not 1.0, 1.1, 1.2 or 1.3",
                    cli::echo(v)
                )
            })?),
        };
        let nonempty = |v: &[u16]| (!v.is_empty()).then(|| v.to_vec());
        let required_ports = nonempty(&f.required_ports)
            .or(t.required_ports.map(<[u16]>::to_vec))
            .or_else(|| nonempty(&g.required_ports))
            .unwrap_or_default();
        let policy = f.dmarc_policy.or(t.dmarc_policy).or(g.dmarc_policy);
        let mut ignore: Vec<String> = g.ignore.clone();
        ignore.extend(t.ignore.iter().cloned());
        ignore.extend(f.ignore.iter().cloned());
        for code in &ignore {
            if crate::findings::catalogue::lookup(code).is_none() {
                anyhow::bail!(
                    "{what}: ignore {} is not a finding code (`mxray explain --list`)",
                    cli::echo(code)
                );
            }
        }
        let fail_on = f.fail_on.or(t.fail_on).or(g.fail_on).unwrap_or_default();
        Ok((
            Expect {
                min_cert_days: f.min_cert_days.or(t.min_cert_days).or(g.min_cert_days),
                min_tls_minor,
                dmarc_policy: policy.map(|p| match p {
                    DmarcPolicy::None => Policy::None,
                    DmarcPolicy::Quarantine => Policy::Quarantine,
                    DmarcPolicy::Reject => Policy::Reject,
                }),
                required_ports,
            },
            ignore,
            fail_on,
        ))
    }

    /// The network flags every target shares.
    fn net_argv(&self) -> Vec<String> {
        let (f, g) = (self.flags, self.file);
        let mut argv = vec![
            "--format".to_string(),
            "json".into(),
            "--color".into(),
            "never".into(),
        ];
        if let Some(t) = f.timeout.or(g.timeout) {
            argv.extend(["--timeout".into(), t.to_string()]);
        }
        let resolvers = if f.resolver.is_empty() {
            &g.resolver
        } else {
            &f.resolver
        };
        for r in resolvers {
            argv.extend(["--resolver".into(), r.clone()]);
        }
        if let Some(c) = f.ca_file.as_ref().or(g.ca_file.as_ref()) {
            argv.extend(["--ca-file".into(), c.display().to_string()]);
        }
        if let Some(h) = f.helo.as_ref().or(g.helo.as_ref()) {
            argv.extend(["--helo".into(), h.clone()]);
        }
        argv
    }
}

/// `scheme://user:password@host…`: a password written into the file.
fn url_has_password(url: &str) -> bool {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    authority
        .rsplit_once('@')
        .is_some_and(|(userinfo, _)| userinfo.contains(':'))
}

fn ports_arg(ports: &[PortItem]) -> Vec<String> {
    if ports.is_empty() {
        return Vec::new();
    }
    let list: Vec<String> = ports.iter().map(PortItem::text).collect();
    vec!["--ports".into(), list.join(",")]
}

fn opt(argv: &mut Vec<String>, flag: &str, value: &Option<String>) {
    if let Some(v) = value {
        argv.extend([flag.to_string(), v.clone()]);
    }
}

/// Parses one target's command line with the CLI's own definitions.
fn parse_command(what: &str, argv: Vec<String>) -> anyhow::Result<Command> {
    Cli::try_parse_from(std::iter::once("mxray".to_string()).chain(argv))
        .map(|c| c.command)
        .map_err(|e| {
            let text = e.to_string();
            let first = text
                .lines()
                .next()
                .unwrap_or("")
                .trim_start_matches("error: ");
            anyhow::anyhow!("{what}: {}", cli::clip(first, 300))
        })
}

/// Every target of the file as a job, in the file's order; the first bad one is the error.
pub(super) fn jobs(
    file_name: &str,
    text: &str,
    file: &RunSettings,
    flags: &RunSettings,
) -> anyhow::Result<Vec<Job>> {
    let layers = Layers { flags, file };
    let count = file.server.len() + file.domain.len() + file.check.len();
    if count == 0 {
        anyhow::bail!("{file_name} has no target: add a [[server]], [[domain]] or [[check]] table");
    }
    if count > MAX_TARGETS {
        anyhow::bail!("{file_name} has {count} targets; at most {MAX_TARGETS} are run");
    }
    let net = layers.net_argv();
    let mut out = Vec::new();
    for (i, t) in file.server.iter().enumerate() {
        let what = format!(
            "{file_name}: [[server]] #{} ({})",
            i + 1,
            cli::clip(&t.host, 64)
        );
        let mut argv = vec!["server".to_string()];
        argv.extend(ports_arg(&t.ports));
        opt(&mut argv, "--tls-name", &t.tls_name);
        argv.extend(net.iter().cloned());
        argv.extend(["--".into(), t.host.clone()]);
        let (expect, ignore, fail_on) = layers.expect(&what, target_expect!(t))?;
        out.push(Job {
            line: header_line(text, "server", i),
            label: format!("server {}", t.host),
            command: parse_command(&what, argv)?,
            origin: what,
            expect,
            ignore,
            fail_on,
        });
    }
    for (i, t) in file.domain.iter().enumerate() {
        let what = format!(
            "{file_name}: [[domain]] #{} ({})",
            i + 1,
            cli::clip(&t.name, 64)
        );
        let mut argv = vec!["domain".to_string()];
        argv.extend(ports_arg(&t.ports));
        for s in &t.dkim_selectors {
            argv.extend(["--dkim-selector".into(), s.clone()]);
        }
        for ip in &t.sending_ips {
            argv.extend(["--sending-ip".into(), ip.clone()]);
        }
        opt(&mut argv, "--mail-from", &t.mail_from);
        if t.no_probe {
            argv.push("--no-probe".into());
        }
        argv.extend(net.iter().cloned());
        argv.extend(["--".into(), t.name.clone()]);
        let (expect, ignore, fail_on) = layers.expect(&what, target_expect!(t))?;
        out.push(Job {
            line: header_line(text, "domain", i),
            label: format!("domain {}", t.name),
            command: parse_command(&what, argv)?,
            origin: what,
            expect,
            ignore,
            fail_on,
        });
    }
    for (i, t) in file.check.iter().enumerate() {
        let shown = t
            .url
            .as_deref()
            .or(t.host.as_deref())
            .unwrap_or("(no url or host)");
        // A URL may carry a password: the label and errors show only its host part.
        let shown = shown.rsplit('@').next().unwrap_or(shown);
        let what = format!(
            "{file_name}: [[check]] #{} ({})",
            i + 1,
            cli::clip(shown, 64)
        );
        if t.url.is_none() && t.host.is_none() {
            anyhow::bail!("{what}: give url or host");
        }
        if t.url.as_deref().is_some_and(url_has_password) {
            anyhow::bail!(
                "{what}: the url carries a password; keep it out of the file and name its environment variable with password_env"
            );
        }
        // Never a prompt in CI: the password comes from password_env or not at all.
        let mut argv = vec!["check".to_string(), "--no-password-prompt".into()];
        opt(&mut argv, "--host", &t.host);
        opt(&mut argv, "--port", &t.port.as_ref().map(PortItem::text));
        opt(&mut argv, "--security", &t.security);
        opt(&mut argv, "--user", &t.user);
        opt(&mut argv, "--password-env", &t.password_env);
        opt(&mut argv, "--from", &t.from);
        opt(&mut argv, "--send-to", &t.send_to);
        opt(&mut argv, "--auth-mech", &t.auth_mech);
        opt(&mut argv, "--tls-name", &t.tls_name);
        for (on, flag) in [
            (t.imap, "--imap"),
            (t.pop3, "--pop3"),
            (t.insecure, "--insecure"),
        ] {
            if on {
                argv.push(flag.into());
            }
        }
        argv.extend(net.iter().cloned());
        if let Some(u) = &t.url {
            argv.extend(["--".into(), u.clone()]);
        }
        let (expect, ignore, fail_on) = layers.expect(&what, target_expect!(t))?;
        out.push(Job {
            line: header_line(text, "check", i),
            label: format!("check {shown}"),
            command: parse_command(&what, argv)?,
            origin: what,
            expect,
            ignore,
            fail_on,
        });
    }
    Ok(out)
}
