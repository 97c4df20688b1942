//! Runs a parsed command: builds the config, probes, diagnoses, renders, picks the exit code.
//! Exit status: 0 nothing reached `--fail-on`, 1 something did, 2 mxray could not run.
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

mod bulk;
mod check;
mod password_prompt;
mod report_merge;
mod run;
mod run_config;
mod shell;

use crate::cli::{self, Cli, ColorChoice, Command, DomainArgs, OutputArgs, ServerArgs};
use crate::evidence::ProbeSettings;
use crate::findings::catalogue;
use crate::probe::{self, dns::Dns, tls::TrustStore, Ctx};
use crate::render::{self, RenderOptions};
use crate::report::{self, Body, Report};
use clap::Parser;
use std::io::{IsTerminal, Write};
use std::process::ExitCode;
use std::time::{Duration, Instant};

pub const EXIT_OK: u8 = 0;
pub const EXIT_FINDINGS: u8 = 1;
pub const EXIT_UNUSABLE: u8 = 2;
/// The longest error line printed; longer ones are cut with their length.
const MAX_ERROR_CHARS: usize = 400;

pub fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) if !e.use_stderr() => {
            // --help, --version: clap's own text.
            let _ = e.print();
            return ExitCode::from(EXIT_OK);
        }
        Err(e) => {
            eprintln!("{}", argument_error(e));
            return ExitCode::from(EXIT_UNUSABLE);
        }
    };
    match run(cli) {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            // Errors quote input: one line, bounded, nothing a terminal would act on.
            eprintln!("mxray: {}", cli::clip(&format!("{e:#}"), MAX_ERROR_CHARS));
            ExitCode::from(EXIT_UNUSABLE)
        }
    }
}

/// clap's error as one bounded line: the value it quotes cut like every other quoted value
/// (clap quotes it whole: a 10,000-character `--timeout` gave a 10 KB error), the possible
/// values and the tip kept, the usage block left to `--help`.
fn argument_error(mut e: clap::Error) -> String {
    use clap::error::{ContextKind, ContextValue};
    for kind in [
        ContextKind::InvalidValue,
        ContextKind::InvalidArg,
        ContextKind::InvalidSubcommand,
    ] {
        if let Some(ContextValue::String(v)) = e.get(kind) {
            if v.chars().count() > cli::ECHO_CHARS {
                let head: String = v.chars().take(cli::ECHO_CHARS).collect();
                let cut = format!("{head}… ({} bytes)", v.len());
                e.insert(kind, ContextValue::String(cut));
            }
        }
    }
    let text = e.render().to_string();
    let mut line: Vec<&str> = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .take_while(|l| !l.starts_with("Usage:") && !l.starts_with("For more information"))
        .collect();
    line.push("(see --help)");
    cli::clip(&line.join(" "), MAX_ERROR_CHARS)
}

pub fn run(cli: Cli) -> anyhow::Result<u8> {
    match cli.command {
        Command::Server(args) => server(args),
        Command::Domain(args) if args.bulk.from.is_some() => bulk::run(args),
        Command::Domain(args) => domain(args),
        Command::Check(args) => check::check(args),
        Command::Diagnose(args) => diagnose(args.file.as_path(), &args.output),
        Command::Explain(args) => explain(args.code.as_deref(), args.list),
        Command::Run(args) => run::run(args),
        Command::Completions(args) => shell::completions(args.shell),
        Command::Man(args) => shell::man(args.command.as_deref()),
        Command::Report(args) => report_merge::run(args),
    }
}

fn now_rfc3339() -> (String, i64) {
    let now = time::OffsetDateTime::now_utc();
    let text = now
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default();
    (text, now.unix_timestamp())
}

/// The validated network options shared by every probing command.
struct Net {
    resolvers: Vec<std::net::SocketAddr>,
    timeout: Duration,
    helo: Option<String>,
    trust: TrustStore,
}

impl Net {
    fn from_args(net: &cli::NetArgs) -> anyhow::Result<Net> {
        at_most("--resolver", net.resolver.len())?;
        let resolvers = net
            .resolver
            .iter()
            .map(|r| cli::parse_resolver(r))
            .collect::<Result<Vec<_>, _>>()
            .map_err(anyhow::Error::msg)?;
        let timeout = cli::validate_timeout(net.timeout).map_err(anyhow::Error::msg)?;
        if !(net.slow.is_finite() && net.slow > 0.0) {
            anyhow::bail!("--slow must be a positive number of seconds");
        }
        if net.per_address == 0 || net.per_address > 64 {
            anyhow::bail!("--per-address must be between 1 and 64");
        }
        if let Some(h) = &net.helo {
            cli::validate_host(h).map_err(|e| anyhow::anyhow!("--helo: {e}"))?;
        }
        if let Some(n) = &net.tls_name {
            cli::validate_host(n).map_err(|e| anyhow::anyhow!("--tls-name: {e}"))?;
        }
        let trust = TrustStore::load(net.ca_file.as_deref(), true)?;
        Ok(Net {
            resolvers,
            timeout,
            helo: net.helo.clone().or_else(machine_fqdn),
            trust,
        })
    }

    fn settings(
        &self,
        net: &cli::NetArgs,
        ports: Vec<crate::evidence::PortSpec>,
        tls_name: Option<String>,
    ) -> ProbeSettings {
        ProbeSettings {
            timeout_ms: self.timeout.as_millis() as u64,
            helo: self
                .helo
                .clone()
                .unwrap_or_else(|| "(address literal)".into()),
            tls_name,
            resolvers: Vec::new(),
            ports,
            families: cli::families(net),
            legacy_tls: !net.no_legacy_tls,
            slow_threshold_ms: (net.slow * 1000.0) as u64,
            expiry_warning_days: net.expiry_warning,
        }
    }

    fn ctx(&self, net: &cli::NetArgs, tls_name: Option<String>, now: i64) -> Ctx {
        Ctx {
            trust: self.trust.clone(),
            timeout: self.timeout,
            helo: self.helo.clone(),
            tls_name,
            now,
            legacy: !net.no_legacy_tls,
            relay_test: net.relay_test,
            no_starttls: false,
            credentials: None,
        }
    }
}

/// Runs probing work on a fresh runtime with the spinner, then drops the runtime without
/// waiting for sockets of abandoned probes.
fn run_probe<T>(
    output: &OutputArgs,
    label: &str,
    work: impl FnOnce(
        Option<probe::Progress>,
    ) -> std::pin::Pin<Box<dyn std::future::Future<Output = anyhow::Result<T>>>>,
) -> anyhow::Result<T> {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    let spinner = Spinner::start(output, label);
    let result = rt.block_on(work(spinner.callback()));
    spinner.finish();
    rt.shutdown_timeout(Duration::from_millis(100));
    result
}

fn server(args: ServerArgs) -> anyhow::Result<u8> {
    let (report, now) = server_report(&args)?;
    emit(report, now, &args.output)
}

/// Probes one server and returns its report, not yet diagnosed, with the diagnosis' "now".
fn server_report(args: &ServerArgs) -> anyhow::Result<(Report, i64)> {
    let host = cli::validate_host(&args.host).map_err(anyhow::Error::msg)?;
    let ports = cli::parse_ports(args.ports.as_deref()).map_err(anyhow::Error::msg)?;
    let net = Net::from_args(&args.net)?;
    let is_ip = host.parse::<std::net::IpAddr>().is_ok();
    let tls_name = args
        .net
        .tls_name
        .clone()
        .or_else(|| (!is_ip).then(|| host.clone()));
    let (started_at, now) = now_rfc3339();
    let mut settings = net.settings(&args.net, ports, tls_name.clone());
    let ctx = net.ctx(&args.net, tls_name, now);
    let per_address = args.net.per_address;
    let started = Instant::now();
    let target = host.clone();
    let evidence = run_probe(&args.output, &host, |progress| {
        Box::pin(async move {
            let dns = Dns::new(&net.resolvers, net.timeout)?;
            settings.resolvers = dns.description.clone();
            anyhow::Ok(
                probe::probe_server(ctx, &dns, &target, settings, per_address, progress).await,
            )
        })
    })?;
    let report = Report::new(
        Body::Server(Box::new(evidence)),
        host,
        started_at,
        started.elapsed().as_millis() as u64,
    );
    Ok((report, now))
}

fn domain(args: DomainArgs) -> anyhow::Result<u8> {
    if args.bulk.shard.is_some() {
        anyhow::bail!("--shard splits a list: it needs --from FILE");
    }
    let (report, now) = domain_report(&args)?;
    emit(report, now, &args.output)
}

/// The most values one repeatable option takes: each costs DNS queries (a whole SPF tree for a
/// `--sending-ip`), and a list generated by mistake should be an error, not an hour of lookups.
const MAX_REPEATS: usize = 64;

fn at_most(flag: &str, given: usize) -> anyhow::Result<()> {
    if given > MAX_REPEATS {
        anyhow::bail!("{flag} is given {given} times; at most {MAX_REPEATS}");
    }
    Ok(())
}

/// The checked DKIM selectors and blocklist zones of a domain audit, and the zones to ask:
/// those given, else the default ones with `--dnsbl`, else none.
pub(crate) fn dnsbl_zones(args: &DomainArgs) -> anyhow::Result<Vec<String>> {
    at_most("--dkim-selector", args.dkim_selectors.len())?;
    at_most("--dnsbl-zone", args.dnsbl_zones.len())?;
    at_most("--sending-ip", args.sending_ips.len())?;
    for s in &args.dkim_selectors {
        cli::validate_host(s).map_err(|e| anyhow::anyhow!("--dkim-selector: {e}"))?;
    }
    for z in &args.dnsbl_zones {
        cli::validate_host(z).map_err(|e| anyhow::anyhow!("--dnsbl-zone: {e}"))?;
    }
    Ok(if !args.dnsbl_zones.is_empty() {
        args.dnsbl_zones.clone()
    } else if args.dnsbl {
        probe::dnsbl::DEFAULT_ZONES
            .iter()
            .map(|z| z.to_string())
            .collect()
    } else {
        Vec::new()
    })
}

/// Audits one domain and returns its report, not yet diagnosed, with the diagnosis' "now".
fn domain_report(args: &DomainArgs) -> anyhow::Result<(Report, i64)> {
    let domain = cli::validate_host(args.domain.as_deref().unwrap_or_default())
        .map_err(anyhow::Error::msg)?;
    if domain.parse::<std::net::IpAddr>().is_ok() {
        anyhow::bail!("{domain} is an IP address, not a mail domain (use `mxray server {domain}`)");
    }
    let ports = cli::parse_ports_or(args.ports.as_deref(), &[25]).map_err(anyhow::Error::msg)?;
    let dnsbl_zones = dnsbl_zones(args)?;
    let helo = args.net.helo.clone().unwrap_or_else(|| domain.clone());
    let mail_from = match args.mail_from.as_deref().map(str::trim) {
        None => format!("postmaster@{domain}"),
        // RFC 7208 §2.4: the null sender (bounces) is checked as postmaster at the HELO name.
        Some("" | "<>") => format!("postmaster@{helo}"),
        Some(a) => a.trim_matches(['<', '>']).to_string(),
    };
    if !mail_from.contains('@') {
        anyhow::bail!(
            "--mail-from {} is not an address (local@domain)",
            cli::echo(&mail_from)
        );
    }
    let senders: Vec<crate::policy::spf_macro::Sender> = args
        .sending_ips
        .iter()
        .map(|ip| crate::policy::spf_macro::Sender {
            ip: *ip,
            mail_from: mail_from.clone(),
            helo: helo.clone(),
        })
        .collect();
    let net = Net::from_args(&args.net)?;
    let (started_at, now) = now_rfc3339();
    let mut settings = net.settings(&args.net, ports, None);
    let ctx = net.ctx(&args.net, None, now);
    let started = Instant::now();
    let req_domain = domain.clone();
    let (probe, selectors, per_address) = (
        !args.no_probe,
        args.dkim_selectors.clone(),
        args.net.per_address,
    );
    let evidence = run_probe(&args.output, &domain, |progress| {
        Box::pin(async move {
            let dns = Dns::new(&net.resolvers, net.timeout)?;
            settings.resolvers = dns.description.clone();
            let req = probe::domain::DomainRequest {
                domain: req_domain,
                probe,
                selectors,
                settings,
                per_address,
                dnsbl_zones,
                senders,
            };
            anyhow::Ok(probe::domain::probe_domain(ctx, &dns, req, progress).await)
        })
    })?;
    let report = Report::new(
        Body::Domain(Box::new(evidence)),
        domain,
        started_at,
        started.elapsed().as_millis() as u64,
    );
    Ok((report, now))
}

fn diagnose(path: &std::path::Path, out: &OutputArgs) -> anyhow::Result<u8> {
    // `-` is the standard input, as in `mxray server HOST --format json | mxray diagnose -`.
    let stdin = path == std::path::Path::new("-");
    let name = if stdin {
        "the standard input".to_string()
    } else {
        cli::echo(&path.to_string_lossy())
    };
    let loaded = if stdin {
        report::load(std::io::stdin().lock())
    } else {
        std::fs::File::open(path)
            .map_err(report::LoadError::Read)
            .and_then(report::load)
    };
    let report = loaded.map_err(|e| match e {
        report::LoadError::Read(e) => anyhow::anyhow!("cannot read {name}: {e}"),
        report::LoadError::NotReport(why) => {
            anyhow::anyhow!("{name} is not an mxray report: {}", cli::clip(&why, 160))
        }
        e => anyhow::anyhow!("{name}: {e}"),
    })?;
    if report.schema_version > crate::evidence::SCHEMA_VERSION {
        anyhow::bail!(
            "{name} uses report schema {}, newer than this mxray understands ({})",
            report.schema_version,
            crate::evidence::SCHEMA_VERSION
        );
    }
    let now = report
        .started_unix()
        .ok_or_else(|| anyhow::anyhow!("{name}: started_at is not an RFC 3339 time"))?;
    emit(report, now, out)
}

/// Diagnoses (again), renders, saves, and turns the verdict into the exit status.
fn emit(report: Report, now: i64, out: &OutputArgs) -> anyhow::Result<u8> {
    let report = diagnosed(report, now, &out.ignore, out.fail_on, Vec::new());
    if let Some(path) = &out.save {
        std::fs::write(path, render::json::render(&report))
            .map_err(|e| anyhow::anyhow!("cannot write {}: {e}", path.display()))?;
    }
    let opts = RenderOptions {
        transcript: out.transcript,
        color: use_color(out.color),
    };
    let text = match &out.output {
        Some(path) => {
            let plain = RenderOptions {
                color: false,
                ..opts.clone()
            };
            std::fs::write(path, render::render(&report, out.format, &plain))
                .map_err(|e| anyhow::anyhow!("cannot write {}: {e}", path.display()))?;
            render::render(&report, render::Format::Human, &opts)
        }
        None => render::render(&report, out.format, &opts),
    };
    let mut stdout = std::io::stdout().lock();
    // A closed pipe (`| head`) is not mxray's failure.
    let _ = stdout.write_all(text.as_bytes());
    let _ = stdout.flush();
    Ok(if report.summary.failed {
        EXIT_FINDINGS
    } else {
        EXIT_OK
    })
}

/// The report with its findings (mxray's rules, then `extra`), verdict and advice.
pub fn diagnosed(
    mut report: Report,
    now: i64,
    ignore: &[String],
    fail_on: report::FailOn,
    extra: Vec<crate::findings::Finding>,
) -> Report {
    let mut findings = crate::diagnose::diagnose(&report.body, now);
    findings.extend(extra);
    report.summary = report::finalize(&mut findings, ignore, fail_on);
    report.findings = findings;
    report.advice = crate::diagnose::advice::advice(&report.body, &report.findings);
    report.critical_path = crate::diagnose::critical_path::of(&report.body);
    report
}

fn explain(code: Option<&str>, list: bool) -> anyhow::Result<u8> {
    if list {
        for c in catalogue::CATALOGUE.iter() {
            println!("{:<34} {:<8} {}", c.code, c.severity.label(), c.title);
        }
        return Ok(EXIT_OK);
    }
    let code = code.unwrap_or_default();
    let Some(c) = catalogue::lookup(code) else {
        // No code is that long: skip the edit distances, which grow with its length.
        let near: Vec<&str> = catalogue::CATALOGUE
            .iter()
            .map(|c| c.code)
            .filter(|_| code.len() <= cli::ECHO_CHARS)
            .filter(|k| crate::knowledge::hosts::distance(k, code) <= 3 || k.starts_with(code))
            .collect();
        let hint = if near.is_empty() {
            String::new()
        } else {
            format!(" (did you mean {}?)", near.join(", "))
        };
        anyhow::bail!(
            "unknown finding code {}{hint}; `mxray explain --list` shows them all",
            cli::echo(code)
        );
    };
    println!("{} — {} [{}]", c.code, c.title, c.severity.label());
    if let Some(rule) = c.severity_rule {
        println!("Severity: {rule}");
    }
    println!(
        "\nWhat it means\n  {}\n\nWhy it matters\n  {}\n\nHow to fix it\n  {}",
        c.what, c.why, c.fix
    );
    if !c.references.is_empty() {
        println!("\nReferences\n  {}", c.references.join("\n  "));
    }
    Ok(EXIT_OK)
}

fn use_color(choice: ColorChoice) -> bool {
    match choice {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => {
            std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
                && std::io::stdout().is_terminal()
        }
    }
}

/// The machine's FQDN when its host name has a dot; otherwise `None` (use the address literal,
/// never `localhost`, which big receivers reject).
fn machine_fqdn() -> Option<String> {
    let name = std::fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .or_else(|| std::env::var("HOSTNAME").ok())?;
    let name = name.trim().trim_end_matches('.').to_string();
    (name.contains('.') && !name.starts_with("localhost") && cli::validate_host(&name).is_ok())
        .then_some(name)
}

/// A spinner on stderr while probes run, only on a terminal and only for human output.
struct Spinner {
    bar: Option<indicatif::ProgressBar>,
}

impl Spinner {
    fn start(out: &OutputArgs, host: &str) -> Spinner {
        let tty = std::io::stderr().is_terminal();
        if !tty || out.format != render::Format::Human {
            return Spinner { bar: None };
        }
        let bar = indicatif::ProgressBar::new_spinner();
        bar.set_message(format!("probing {host}…"));
        bar.enable_steady_tick(Duration::from_millis(100));
        Spinner { bar: Some(bar) }
    }
    fn callback(&self) -> Option<probe::Progress> {
        let bar = self.bar.clone()?;
        Some(std::sync::Arc::new(
            move |p: &crate::evidence::PortProbe| {
                bar.set_message(format!("{} done", p.endpoint()));
            },
        ))
    }
    fn finish(&self) {
        if let Some(b) = &self.bar {
            b.finish_and_clear();
        }
    }
}
