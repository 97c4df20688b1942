//! Command-line interface (clap) and its validation into one [`Config`].
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

use crate::evidence::{Family, PortSpec, Role};
use crate::render::Format;
use crate::report::FailOn;
use clap::{Args, Parser, Subcommand, ValueEnum};
// Host, address and quoting checks live in the bottom modules every layer may use; these
// re-exports keep the command-line paths.
pub use crate::escape::{clip, echo, ECHO_CHARS};
pub use crate::names::{looks_like_address, parse_address, validate_address, validate_host};
use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;

mod run_args;
pub use run_args::{CheckTarget, DmarcPolicy, DomainTarget, PortItem, RunSettings, ServerTarget};

#[derive(Parser, Debug)]
#[command(
    name = "mxray",
    version,
    about = "Why won't my mail send? Is this mail server set up securely?"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Probe a mail server: DNS, SMTP/submission/IMAP/POP3 ports, TLS and certificates.
    Server(ServerArgs),
    /// Audit a domain's mail setup: MX hosts (probed on port 25), SPF, DKIM, DMARC, MTA-STS, TLS-RPT.
    Domain(DomainArgs),
    /// Why won't my mail send? Check a mail client's or app's settings (SMTP; IMAP/POP3 with --imap/--pop3) against the server, or discover them from an address alone.
    Check(CheckArgs),
    /// Diagnose a saved JSON report (from --save or --format json) again, offline.
    Diagnose(DiagnoseArgs),
    /// Explain a finding code and its fix.
    Explain(ExplainArgs),
    /// Check every target of mxray.toml (or --config FILE) concurrently against its
    /// expectations, for CI: exit 1 when any target fails.
    Run(RunArgs),
    /// Print a shell completion script (bash, zsh, fish, powershell, elvish).
    Completions(CompletionsArgs),
    /// Print the manual page (roff) to the standard output: `mxray man | man -l -`; with a
    /// command, that command's page (`mxray man run`).
    Man(ManArgs),
    /// Merge the NDJSON outputs of `mxray domain --from` runs (shards) into one summary.
    Report(ReportArgs),
}

#[derive(Args, Debug)]
pub struct ManArgs {
    /// A command whose page to print (server, domain, check, run, …).
    pub command: Option<String>,
}

#[derive(Args, Debug)]
pub struct CompletionsArgs {
    /// The shell to complete for.
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

#[derive(Args, Debug)]
pub struct RunArgs {
    /// The configuration file (default: mxray.toml in the working directory).
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    #[command(flatten)]
    pub settings: RunSettings,
    #[arg(long, value_enum, default_value_t = Format::Human)]
    pub format: Format,
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,
    /// Write the --format output to FILE; the human report still goes to the terminal.
    #[arg(long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Show each port's protocol dialogue.
    #[arg(short = 'v', long = "transcript")]
    pub transcript: bool,
}

#[derive(Args, Debug)]
pub struct ServerArgs {
    /// Host name or IP address of the mail server.
    pub host: String,
    /// Ports to probe, e.g. `25,587,2525` or `4465/smtps,9993/imaps`. Roles: smtp, submission,
    /// submissions (smtps), imap, imaps, pop3, pop3s. Unknown ports without a role are sniffed.
    #[arg(long, value_name = "LIST")]
    pub ports: Option<String>,
    #[command(flatten)]
    pub net: NetArgs,
    #[command(flatten)]
    pub output: OutputArgs,
}

#[derive(Args, Debug)]
pub struct DomainArgs {
    /// The mail domain, e.g. `example.com`.
    #[arg(required_unless_present = "from", conflicts_with = "from")]
    pub domain: Option<String>,
    #[command(flatten)]
    pub bulk: BulkArgs,
    /// Ports to probe on each MX host (default 25), as for `mxray server`.
    #[arg(long, value_name = "LIST")]
    pub ports: Option<String>,
    /// DNS only: do not connect to the MX hosts.
    #[arg(long)]
    pub no_probe: bool,
    /// DKIM selector to check (repeatable); without it, selectors are guessed.
    #[arg(long = "dkim-selector", value_name = "SELECTOR")]
    pub dkim_selectors: Vec<String>,
    /// Evaluate the SPF policy for this sending server address (repeatable): pass, fail, …
    /// with the path through the tree that decided it.
    #[arg(long = "sending-ip", value_name = "IP")]
    pub sending_ips: Vec<std::net::IpAddr>,
    /// MAIL FROM for `--sending-ip` evaluation and macros (default postmaster@DOMAIN; '' is
    /// the null sender, evaluated as postmaster@HELO).
    #[arg(long, value_name = "ADDR")]
    pub mail_from: Option<String>,
    /// Look the mail servers' addresses up in DNS blocklists (a default list of well-known zones).
    #[arg(long)]
    pub dnsbl: bool,
    /// Blocklist zone to query instead of the default list (repeatable; implies --dnsbl).
    #[arg(long = "dnsbl-zone", value_name = "ZONE")]
    pub dnsbl_zones: Vec<String>,
    #[command(flatten)]
    pub net: NetArgs,
    #[command(flatten)]
    pub output: OutputArgs,
}

#[derive(Args, Debug, Clone)]
pub struct CheckArgs {
    /// The settings as a URL or DSN: `smtp://user@host:587`, `smtps://user@host:465`,
    /// `smtp://user:pass@host:port?encryption=tls` (a password here is visible to `ps`); or
    /// only an e-mail address (`alice@example.com`) to discover the settings and probe them.
    pub url: Option<String>,
    /// Server host name (the SMTP server; with --imap/--pop3 the incoming server).
    #[arg(long)]
    pub host: Option<String>,
    /// Server port (default from the security mode: 587/465, 143/993, 110/995).
    #[arg(long)]
    pub port: Option<String>,
    /// tls (= ssl, implicit: TLS from the first byte), starttls, or none.
    #[arg(long)]
    pub security: Option<String>,
    /// Username as configured in the client.
    #[arg(long)]
    pub user: Option<String>,
    /// The From address the client sends as.
    #[arg(long)]
    pub from: Option<String>,
    /// Read the settings from the environment (SMTP_*, Django EMAIL_*, Laravel MAIL_*, MAILER_DSN).
    #[arg(long)]
    pub env: bool,
    /// Read the settings from a .env file.
    #[arg(long, value_name = "FILE")]
    pub env_file: Option<PathBuf>,
    /// Take the password from this environment variable (never from a flag).
    #[arg(long, value_name = "VAR")]
    pub password_env: Option<String>,
    /// The login method (SASL mechanism) for the login test, any case: PLAIN; LOGIN (username
    /// and password each after a server prompt, as most clients do); LOGIN-IR (LOGIN with the
    /// username sent in the AUTH command itself, an RFC 4954 initial response); CRAM-MD5;
    /// XOAUTH2 or OAUTHBEARER (with --oauth-token-env). Default: with a token XOAUTH2 if
    /// offered, else OAUTHBEARER; with a password PLAIN if offered, else LOGIN.
    #[arg(long, value_name = "MECH", ignore_case = true,
          value_parser = ["PLAIN", "LOGIN", "LOGIN-IR", "CRAM-MD5", "XOAUTH2", "OAUTHBEARER"])]
    pub auth_mech: Option<String>,
    /// After a successful login, send one short test message to this address (with a unique
    /// Message-ID) and report the server's acceptance and queue id. Without it, nothing is sent.
    #[arg(long, value_name = "ADDR")]
    pub send_to: Option<String>,
    /// Take an OAuth 2.0 access token from this environment variable (never from a flag) and
    /// log in with XOAUTH2 or OAUTHBEARER.
    #[arg(long, value_name = "VAR")]
    pub oauth_token_env: Option<String>,
    /// Never ask for the password. Without it, mxray asks (without echo) when a username is
    /// known, no password was given and the standard input is a terminal.
    #[arg(long)]
    pub no_password_prompt: bool,
    /// Log in even when the connection is not encrypted (the password then crosses the network
    /// in clear).
    #[arg(long)]
    pub allow_plaintext_auth: bool,
    /// Log in even when the server's certificate fails verification (untrusted, expired or
    /// for another name): the password may then reach whoever is in the middle.
    #[arg(long)]
    pub insecure: bool,
    /// The settings are the incoming IMAP server's (993 SSL/TLS, 143 STARTTLS); the
    /// environment is read as IMAP_HOST, IMAP_PORT, IMAP_USER, IMAP_PASSWORD, IMAP_SECURE. An
    /// imap:// or imaps:// URL implies it.
    #[arg(long, conflicts_with = "pop3")]
    pub imap: bool,
    /// The settings are the incoming POP3 server's (995 SSL/TLS, 110 STARTTLS); the environment
    /// is read as POP3_* (or POP_*). A pop3:// or pop3s:// URL implies it.
    #[arg(long)]
    pub pop3: bool,
    #[command(flatten)]
    pub net: NetArgs,
    #[command(flatten)]
    pub output: OutputArgs,
}

/// `mxray domain --from FILE`: many domains in one run, one NDJSON report per line.
#[derive(Args, Debug, Clone)]
pub struct BulkArgs {
    /// Audit the domains listed in FILE (`-`: the standard input), one per line; `#` starts a
    /// comment. Writes one NDJSON report per line as each domain finishes, and a summary on
    /// stderr.
    #[arg(long, value_name = "FILE")]
    pub from: Option<PathBuf>,
    /// Domains audited at once with --from (default 32, or 256 with --no-probe: DNS alone
    /// opens no connection to the mail servers, and far resolvers need many questions in flight).
    #[arg(long, value_name = "N", requires = "from")]
    pub concurrency: Option<usize>,
    /// Keep only the domains of shard K of N (1-based; `auto/N` takes K from a Kubernetes
    /// Indexed Job's JOB_COMPLETION_INDEX + 1). N runs, K = 1…N, cover every domain once.
    #[arg(long, value_name = "K/N", requires = "from")]
    pub shard: Option<String>,
}

#[derive(Args, Debug)]
pub struct ReportArgs {
    /// NDJSON files written by `mxray domain --from` (`-`: the standard input).
    #[arg(required = true, value_name = "FILE.ndjson")]
    pub files: Vec<PathBuf>,
    /// `human` (default) or `json`.
    #[arg(long, value_enum, default_value_t = SummaryFormat::Human)]
    pub format: SummaryFormat,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SummaryFormat {
    Human,
    Json,
}

#[derive(Args, Debug)]
pub struct DiagnoseArgs {
    /// A report saved with --save (or --format json output).
    pub file: PathBuf,
    #[command(flatten)]
    pub output: OutputArgs,
}

#[derive(Args, Debug)]
pub struct ExplainArgs {
    /// A finding code such as `tls.cert-expired`.
    #[arg(required_unless_present = "list")]
    pub code: Option<String>,
    /// List every code with its severity and title.
    #[arg(long)]
    pub list: bool,
}

#[derive(Args, Debug, Clone)]
pub struct NetArgs {
    /// DNS server to use instead of the system resolver, `IP` or `IP:PORT` (repeatable).
    #[arg(long, value_name = "IP[:PORT]")]
    pub resolver: Vec<String>,
    /// IPv4 only.
    #[arg(short = '4', conflicts_with = "ipv6_only")]
    pub ipv4_only: bool,
    /// IPv6 only.
    #[arg(short = '6')]
    pub ipv6_only: bool,
    /// Timeout of each network phase (connect, each reply, the TLS handshake), in seconds
    /// (0.5 to 120).
    #[arg(long, default_value_t = 10.0, value_name = "SECS")]
    pub timeout: f64,
    /// Name to send in EHLO (default: this machine's FQDN, else its address literal).
    #[arg(long, value_name = "NAME")]
    pub helo: Option<String>,
    /// Name to check the certificate against (and send as SNI) when HOST is an IP address.
    #[arg(long, value_name = "NAME")]
    pub tls_name: Option<String>,
    /// Extra trusted CA certificates (PEM), e.g. a private CA.
    #[arg(long, value_name = "PEM")]
    pub ca_file: Option<PathBuf>,
    /// Skip the hand-built TLS 1.0/1.1 probes.
    #[arg(long)]
    pub no_legacy_tls: bool,
    /// Opt-in: on SMTP (port 25) sessions, ask to relay from one foreign domain to another
    /// (MAIL FROM / RCPT TO / RSET, never DATA) and report an open relay.
    #[arg(long)]
    pub relay_test: bool,
    /// Connections at once to any one address. The default 10 is two per port for the five
    /// usual ports: each port's main dialogue and its legacy TLS hellos beside it.
    #[arg(long, default_value_t = 10, value_name = "N")]
    pub per_address: usize,
    /// A phase slower than this many seconds is reported (net.slow).
    #[arg(long, default_value_t = 5.0, value_name = "SECS")]
    pub slow: f64,
    /// Warn when a certificate expires within this many days.
    #[arg(long, default_value_t = 21, value_name = "DAYS")]
    pub expiry_warning: u32,
}

#[derive(Args, Debug, Clone)]
pub struct OutputArgs {
    #[arg(long, value_enum, default_value_t = Format::Human)]
    pub format: Format,
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,
    /// Lowest severity that makes the exit status 1.
    #[arg(long, value_enum, default_value_t = FailOn::Error)]
    pub fail_on: FailOn,
    /// Leave this finding code out of the exit decision (repeatable); it is still reported.
    #[arg(long, value_name = "CODE")]
    pub ignore: Vec<String>,
    /// Also write the JSON report to FILE.
    #[arg(long, value_name = "FILE")]
    pub save: Option<PathBuf>,
    /// Write the --format output to FILE; the human report still goes to the terminal.
    #[arg(long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Show each port's protocol dialogue.
    #[arg(short = 'v', long = "transcript")]
    pub transcript: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}

/// The most distinct ports one run probes: a port costs up to 16 × the timeout on every
/// address, and a report of more, with full transcripts, would outgrow what `mxray diagnose`
/// reads back.
pub const MAX_PORTS: usize = 64;

/// Ports probed when none are given.
pub const DEFAULT_PORTS: &[u16] = &[25, 465, 587, 993, 995];

pub fn known_role(port: u16) -> Option<Role> {
    crate::evidence::ports::standard(port).map(|s| s.role)
}

fn role_named(s: &str) -> Option<Role> {
    Some(match s.to_ascii_lowercase().as_str() {
        "smtp" => Role::Smtp,
        "submission" => Role::Submission,
        "submissions" | "smtps" => Role::Submissions,
        "imap" => Role::Imap,
        "imaps" => Role::Imaps,
        "pop3" => Role::Pop3,
        "pop3s" => Role::Pop3s,
        _ => return None,
    })
}

pub fn parse_ports(list: Option<&str>) -> Result<Vec<PortSpec>, String> {
    parse_ports_or(list, DEFAULT_PORTS)
}

/// `--ports`, or `defaults` (not explicit) when absent.
pub fn parse_ports_or(list: Option<&str>, defaults: &[u16]) -> Result<Vec<PortSpec>, String> {
    let Some(list) = list else {
        return Ok(defaults
            .iter()
            .map(|&port| PortSpec {
                port,
                role: known_role(port),
                explicit: false,
            })
            .collect());
    };
    let mut out: Vec<PortSpec> = Vec::new();
    for item in list.split(',').map(str::trim).filter(|s| !s.is_empty()) {
        let (num, role) = match item.split_once('/') {
            Some((n, r)) => (n, Some(role_named(r).ok_or_else(|| format!("unknown port role {} in {} (use smtp, submission, submissions, smtps, imap, imaps, pop3 or pop3s)", echo(r), echo(item)))?)),
            None => (item, None),
        };
        let port: u32 = num
            .parse()
            .map_err(|_| format!("{} is not a port number", echo(num)))?;
        if port == 0 || port > 65535 {
            return Err(format!("port {port} is out of range (1–65535)"));
        }
        let port = port as u16;
        if out.iter().any(|p| p.port == port) {
            continue;
        }
        if out.len() == MAX_PORTS {
            return Err(format!(
                "--ports names more than {MAX_PORTS} ports; each is probed on every address, so give at most {MAX_PORTS}"
            ));
        }
        out.push(PortSpec {
            port,
            role: role.or_else(|| known_role(port)),
            explicit: true,
        });
    }
    if out.is_empty() {
        return Err("--ports is empty".into());
    }
    Ok(out)
}

/// Accepts `1.2.3.4`, `1.2.3.4:5300`, `::1`, `[::1]:5300`; port 53 by default.
pub fn parse_resolver(s: &str) -> Result<SocketAddr, String> {
    if let Ok(sa) = s.parse::<SocketAddr>() {
        if sa.port() == 0 {
            return Err(format!("resolver {s}: port 0 is out of range"));
        }
        return Ok(sa);
    }
    let bare = s.trim_start_matches('[').trim_end_matches(']');
    bare.parse::<IpAddr>()
        .map(|ip| SocketAddr::new(ip, 53))
        .map_err(|_| format!("resolver {} is not an IP address or IP:PORT", echo(s)))
}

pub fn families(net: &NetArgs) -> Vec<Family> {
    match (net.ipv4_only, net.ipv6_only) {
        (true, _) => vec![Family::Ipv4],
        (_, true) => vec![Family::Ipv6],
        _ => vec![Family::Ipv4, Family::Ipv6],
    }
}

/// Shortest `--timeout`: below it a healthy server across the internet (a TLS handshake is two
/// round trips, 300 ms across an ocean) would be blamed for mxray's impatience.
pub const MIN_TIMEOUT_SECS: f64 = 0.5;
/// Longest `--timeout`: a port probe may take 16 phases, so 120 s already allows half an hour.
pub const MAX_TIMEOUT_SECS: f64 = 120.0;

/// `--timeout` within [`MIN_TIMEOUT_SECS`] and [`MAX_TIMEOUT_SECS`], or the one-line error.
pub fn validate_timeout(secs: f64) -> Result<std::time::Duration, String> {
    if secs.is_finite() && (MIN_TIMEOUT_SECS..=MAX_TIMEOUT_SECS).contains(&secs) {
        Ok(std::time::Duration::from_secs_f64(secs))
    } else {
        Err(format!(
            "--timeout must be between {MIN_TIMEOUT_SECS} and {MAX_TIMEOUT_SECS} seconds, got {secs}"
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ports_with_roles() {
        let p = parse_ports(Some("25, 4465/smtps,5587/submission,9993/imaps,2525,12345")).unwrap();
        assert_eq!(p[0].role, Some(Role::Smtp));
        assert_eq!(p[1].role, Some(Role::Submissions));
        assert_eq!(p[2].role, Some(Role::Submission));
        assert_eq!(p[3].role, Some(Role::Imaps));
        assert_eq!(p[4].role, Some(Role::Smtp));
        assert_eq!(p[5].role, None);
        assert!(p.iter().all(|s| s.explicit));
    }

    #[test]
    fn bad_ports_are_named() {
        assert!(parse_ports(Some("0")).unwrap_err().contains("port 0"));
        assert!(parse_ports(Some("70000")).unwrap_err().contains("70000"));
        assert!(parse_ports(Some("25/ftp")).unwrap_err().contains("ftp"));
        assert!(parse_ports(Some("abc")).is_err());
    }

    #[test]
    fn echoed_values_are_cut_and_escaped() {
        assert_eq!(echo("mail.example.com"), "\"mail.example.com\"");
        assert_eq!(echo("a\u{1b}[2Jb\u{7}"), "\"a\\e[2Jb\\x07\"");
        let long = "é".repeat(100);
        let shown = echo(&long);
        assert_eq!(
            shown,
            format!("\"{}…\" (200 bytes)", "é".repeat(ECHO_CHARS))
        );
        assert_eq!(clip("short", 10), "short");
        assert_eq!(clip("0123456789\n", 4), "0123… (11 bytes)");
        assert!(validate_host(&"a".repeat(10_000)).unwrap_err().len() < 200);
    }

    #[test]
    fn hosts_and_resolvers() {
        assert_eq!(
            validate_host("Mail.Example.COM.").unwrap(),
            "mail.example.com"
        );
        assert_eq!(validate_host("[::1]").unwrap(), "::1");
        assert!(validate_host("bad..name").is_err());
        assert!(validate_host("-x.com").is_err());
        assert!(validate_host("a b").is_err());
        assert_eq!(parse_resolver("127.0.0.1:5300").unwrap().port(), 5300);
        assert_eq!(parse_resolver("::1").unwrap().port(), 53);
        assert_eq!(parse_resolver("[::1]:5300").unwrap().port(), 5300);
        assert!(parse_resolver("dns.google").is_err());
    }

    #[test]
    fn addresses_for_discovery() {
        assert!(looks_like_address("alice@example.com"));
        assert!(!looks_like_address("smtp://alice@example.com"));
        assert!(!looks_like_address("alice@example.com:587"));
        assert!(!looks_like_address("smtp.example.com"));
        assert_eq!(
            parse_address("Alice@Example.COM").unwrap(),
            "Alice@example.com"
        );
        assert!(parse_address("a b@example.com").is_err());
        assert!(parse_address("@example.com").is_err());
        assert!(parse_address("alice@127.0.0.1").is_err());
        assert!(parse_address("alice@localhost").is_err());
        assert!(parse_address("alice@ex..com").is_err());
        assert!(parse_address(&format!("{}@example.com", "x".repeat(65))).is_err());
        assert!(parse_address("al\u{7}ice@example.com").is_err());
    }
}
