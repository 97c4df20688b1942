//! Runs a parsed command: builds the config, probes, diagnoses, renders, picks the exit code.
//! Exit status: 0 nothing reached `--fail-on`, 1 something did, 2 mxray could not run.

use crate::cli::{self, CheckArgs, Cli, ColorChoice, Command, DomainArgs, OutputArgs, ServerArgs};
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

pub fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let code = if e.use_stderr() {
                EXIT_UNUSABLE
            } else {
                EXIT_OK
            };
            let _ = e.print();
            return ExitCode::from(code);
        }
    };
    match run(cli) {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            eprintln!("mxray: {e:#}");
            ExitCode::from(EXIT_UNUSABLE)
        }
    }
}

pub fn run(cli: Cli) -> anyhow::Result<u8> {
    match cli.command {
        Command::Server(args) => server(args),
        Command::Domain(args) => domain(args),
        Command::Check(args) => check(args),
        Command::Diagnose(args) => diagnose(args.file.as_path(), &args.output),
        Command::Explain(args) => explain(args.code.as_deref(), args.list),
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
        let resolvers = net
            .resolver
            .iter()
            .map(|r| cli::parse_resolver(r))
            .collect::<Result<Vec<_>, _>>()
            .map_err(anyhow::Error::msg)?;
        if !(net.timeout.is_finite() && net.timeout > 0.0 && net.timeout <= 600.0) {
            anyhow::bail!(
                "--timeout must be between 0 and 600 seconds, got {}",
                net.timeout
            );
        }
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
            timeout: Duration::from_secs_f64(net.timeout),
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
    emit(report, now, &args.output)
}

fn domain(args: DomainArgs) -> anyhow::Result<u8> {
    let domain = cli::validate_host(&args.domain).map_err(anyhow::Error::msg)?;
    if domain.parse::<std::net::IpAddr>().is_ok() {
        anyhow::bail!("{domain} is an IP address, not a mail domain (use `mxray server {domain}`)");
    }
    let ports = cli::parse_ports_or(args.ports.as_deref(), &[25]).map_err(anyhow::Error::msg)?;
    for s in &args.dkim_selectors {
        cli::validate_host(s).map_err(|e| anyhow::anyhow!("--dkim-selector: {e}"))?;
    }
    for z in &args.dnsbl_zones {
        cli::validate_host(z).map_err(|e| anyhow::anyhow!("--dnsbl-zone: {e}"))?;
    }
    let mail_from = args
        .mail_from
        .clone()
        .unwrap_or_else(|| format!("postmaster@{domain}"));
    if !mail_from.contains('@') {
        anyhow::bail!("--mail-from {mail_from:?} is not an address (local@domain)");
    }
    let senders: Vec<crate::policy::spf_macro::Sender> = args
        .sending_ips
        .iter()
        .map(|ip| crate::policy::spf_macro::Sender {
            ip: *ip,
            mail_from: mail_from.clone(),
            helo: args.net.helo.clone().unwrap_or_else(|| domain.clone()),
        })
        .collect();
    let dnsbl_zones: Vec<String> = if !args.dnsbl_zones.is_empty() {
        args.dnsbl_zones.clone()
    } else if args.dnsbl {
        probe::dnsbl::DEFAULT_ZONES
            .iter()
            .map(|z| z.to_string())
            .collect()
    } else {
        Vec::new()
    };
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
    emit(report, now, &args.output)
}

fn check(args: CheckArgs) -> anyhow::Result<u8> {
    use crate::evidence::check::{CheckEvidence, ClientSettings, SettingValue};
    use crate::settings::{self, FlagValues, Inputs};
    let env_file = match &args.env_file {
        Some(p) => Some((
            p.clone(),
            std::fs::read_to_string(p)
                .map_err(|e| anyhow::anyhow!("cannot read {}: {e}", p.display()))?,
        )),
        None => None,
    };
    let password_env = args
        .password_env
        .as_ref()
        .map(|v| (v.clone(), std::env::var(v).ok()));
    // Only an address, no URL: discover the settings (see `check_discover`).
    let positional_address = args.url.as_deref().filter(|u| cli::looks_like_address(u));
    let positional_address = positional_address
        .map(cli::parse_address)
        .transpose()
        .map_err(anyhow::Error::msg)?;
    let inputs = Inputs {
        flags: FlagValues {
            host: args.host.clone(),
            port: args.port.clone(),
            security: args.security.clone(),
            user: args.user.clone(),
            from: args.from.clone(),
        },
        protocol: if args.imap {
            Some(crate::evidence::Protocol::Imap)
        } else if args.pop3 {
            Some(crate::evidence::Protocol::Pop3)
        } else {
            None
        },
        url: args.url.clone().filter(|_| positional_address.is_none()),
        url_from_command_line: args.url.is_some() && positional_address.is_none(),
        env_file,
        env: args.env.then(|| std::env::vars().collect()),
        password_env,
    };
    let resolved = settings::resolve(inputs).map_err(|e| anyhow::anyhow!("{e}"))?;
    let secrets = login_secrets(&args, &resolved)?;
    let view = |v: String, source: &settings::Source| SettingValue {
        value: v,
        source: source.to_string(),
    };
    let client = ClientSettings {
        protocol: resolved.protocol,
        host: resolved
            .host
            .as_ref()
            .map(|s| view(s.value.clone(), &s.source)),
        port: resolved
            .port
            .as_ref()
            .map(|s| view(s.value.to_string(), &s.source)),
        security: resolved.security.as_ref().map(|s| {
            let word = match s.value {
                settings::Security::Implicit => "implicit",
                settings::Security::Starttls => "starttls",
                settings::Security::StarttlsIfOffered => "starttls_if_offered",
                settings::Security::Plain => "plain",
            };
            view(word.to_string(), &s.source)
        }),
        user: resolved
            .user
            .as_ref()
            .map(|s| view(s.value.clone(), &s.source)),
        from: resolved
            .from
            .as_ref()
            .map(|s| view(s.value.clone(), &s.source)),
        password_given: secrets.password.is_some(),
        oauth_token_given: secrets.token.is_some(),
        password_on_command_line: resolved.password_on_command_line,
        notes: resolved.notes.clone(),
        problems: resolved
            .config_errors
            .iter()
            .map(|p| format!("{}: {}", p.source, p.message))
            .collect(),
    };
    if resolved.host.is_none() {
        let given = [&resolved.user, &resolved.from]
            .into_iter()
            .flatten()
            .map(|s| s.value.clone())
            .find(|v| cli::looks_like_address(v));
        if let Some(address) = positional_address.or(given) {
            let address = cli::parse_address(&address).map_err(anyhow::Error::msg)?;
            return check_discover(args, client, address);
        }
    }
    let endpoint = match (&resolved.host, &resolved.port) {
        (Some(h), Some(p)) => {
            let host = cli::validate_host(&h.value).map_err(anyhow::Error::msg)?;
            let security = resolved
                .security
                .as_ref()
                .map(|s| s.value)
                .unwrap_or(settings::Security::Starttls);
            Some((host, p.value, security))
        }
        _ => None,
    };
    let net = Net::from_args(&args.net)?;
    let (started_at, now) = now_rfc3339();
    let tls_name = endpoint
        .as_ref()
        .map(|(h, _, _)| h.clone())
        .filter(|h| h.parse::<std::net::IpAddr>().is_err());
    let tls_name = args.net.tls_name.clone().or(tls_name);
    let mut probe_settings = net.settings(&args.net, Vec::new(), tls_name.clone());
    let ctx = net.ctx(&args.net, tls_name, now);
    let per_address = args.net.per_address;
    // The secrets go to the configured endpoint's probe only, never into the evidence.
    let credentials = match &resolved.user {
        Some(u) if secrets.password.is_some() || secrets.token.is_some() => {
            Some(probe::Credentials {
                user: u.value.clone(),
                password: secrets.password,
                oauth_token: secrets.token,
                mechanism: secrets.mechanism,
                allow_plaintext: args.allow_plaintext_auth,
                retry_user: endpoint.as_ref().and_then(|(host, _, _)| {
                    crate::settings::username::full_address(
                        &u.value,
                        resolved.from.as_ref().map(|f| f.value.as_str()),
                        host,
                    )
                }),
                send: None,
                used: Default::default(),
            })
        }
        _ => None,
    };
    let incoming = resolved.protocol != crate::evidence::Protocol::Smtp;
    if incoming && args.send_to.is_some() {
        anyhow::bail!(
            "--send-to sends a test message through SMTP: it does not go with the incoming              server's settings ({})",
            resolved.protocol.label()
        );
    }
    let send = match &args.send_to {
        Some(to) => Some(send_request(to, &resolved, credentials.is_some(), now)?),
        None => None,
    };
    let credentials = credentials.map(|c| probe::Credentials { send, ..c });
    // The From domain: --from, else the username when it is an address.
    let from_address = client
        .from
        .clone()
        .or_else(|| client.user.clone().filter(|u| u.value.contains('@')));
    // Reading mail has no From domain to judge.
    let from = match (&endpoint, from_address.filter(|_| !incoming)) {
        (Some((host, _, _)), Some(address)) => Some(probe::from_domain::FromDomainRequest {
            address,
            submission_host: host.clone(),
            families: probe_settings.families.clone(),
            sending: args.send_to.is_some(),
        }),
        _ => None,
    };
    let target = endpoint
        .as_ref()
        .map(|(h, p, _)| format!("{h}:{p}"))
        .unwrap_or_else(|| "(incomplete settings)".into());
    let started = Instant::now();
    let addresses: Vec<&str> = [&client.user, &client.from]
        .into_iter()
        .flatten()
        .map(|v| v.value.as_str())
        .collect();
    let provider = crate::knowledge::provider_view::for_settings(
        client.host.as_ref().map(|h| h.value.as_str()),
        &addresses,
        client.protocol,
    );
    let evidence = CheckEvidence {
        settings: client,
        configured: None,
        alternatives: None,
        from_domain: None,
        provider,
        discovery: None,
    };
    let label = target.clone();
    let evidence = run_probe(&args.output, &label, |_progress| {
        Box::pin(async move {
            let dns = Dns::new(&net.resolvers, net.timeout)?;
            probe_settings.resolvers = dns.description.clone();
            anyhow::Ok(
                probe::check::probe_check(
                    ctx,
                    &dns,
                    evidence,
                    probe::check::CheckRequest {
                        endpoint,
                        settings: probe_settings,
                        per_address,
                        credentials,
                        from,
                    },
                )
                .await,
            )
        })
    })?;
    let report = Report::new(
        Body::Check(Box::new(evidence)),
        target,
        started_at,
        started.elapsed().as_millis() as u64,
    );
    emit(report, now, &args.output)
}

/// `--send-to`: the message goes only after a login, from --from (else the username).
fn send_request(
    to: &str,
    resolved: &crate::settings::Settings,
    can_log_in: bool,
    now: i64,
) -> anyhow::Result<probe::send::SendRequest> {
    let to = cli::validate_address(to).map_err(|e| anyhow::anyhow!("--send-to: {e}"))?;
    if !can_log_in {
        anyhow::bail!(
            "--send-to needs a login: give the username and the password (--password-env VAR, --env, --env-file, or the URL)"
        );
    }
    let from = resolved
        .from
        .as_ref()
        .map(|f| f.value.clone())
        .or_else(|| {
            resolved
                .user
                .as_ref()
                .map(|u| u.value.clone())
                .filter(|u| u.contains('@'))
        })
        .ok_or_else(|| {
            anyhow::anyhow!(
                "--send-to needs a sender: give --from ADDR (the username is not an address)"
            )
        })?;
    let from = cli::validate_address(&from).map_err(|e| anyhow::anyhow!("--from: {e}"))?;
    Ok(probe::send::SendRequest { from, to, now })
}

/// `mxray check ADDRESS`: discovers the settings for the address and probes each one, never
/// logging in (a password given is only reported as unused).
fn check_discover(
    args: CheckArgs,
    mut client: crate::evidence::check::ClientSettings,
    address: String,
) -> anyhow::Result<u8> {
    let net = Net::from_args(&args.net)?;
    let (started_at, now) = now_rfc3339();
    let mut settings = net.settings(&args.net, Vec::new(), None);
    let ctx = net.ctx(&args.net, None, now);
    client.notes.push(format!(
        "only an address was given: discovering the settings for {address}"
    ));
    let req = probe::discover::DiscoverRequest {
        address: address.clone(),
        settings: settings.clone(),
        per_address: args.net.per_address,
        password_given: client.password_given,
    };
    let started = Instant::now();
    let discovery = run_probe(&args.output, &address, |_progress| {
        Box::pin(async move {
            let dns = Dns::new(&net.resolvers, net.timeout)?;
            settings.resolvers = dns.description.clone();
            let req = probe::discover::DiscoverRequest { settings, ..req };
            anyhow::Ok(probe::discover::discover(ctx, &dns, req).await)
        })
    })?;
    let evidence = crate::evidence::check::CheckEvidence {
        settings: client,
        configured: None,
        alternatives: None,
        from_domain: None,
        provider: None,
        discovery: Some(discovery),
    };
    let report = Report::new(
        Body::Check(Box::new(evidence)),
        address,
        started_at,
        started.elapsed().as_millis() as u64,
    );
    emit(report, now, &args.output)
}

/// What the login of `mxray check` uses.
struct LoginSecrets {
    password: Option<crate::settings::Secret>,
    token: Option<crate::settings::Secret>,
    mechanism: Option<probe::sasl::Mechanism>,
}

/// The password from the settings or, failing that, from a prompt without echo; the OAuth
/// token from `--oauth-token-env`; and `--auth-mech`, checked against what was given.
fn login_secrets(
    args: &CheckArgs,
    resolved: &crate::settings::Settings,
) -> anyhow::Result<LoginSecrets> {
    use probe::sasl::Mechanism;
    let mechanism = match &args.auth_mech {
        Some(m) => {
            Some(Mechanism::parse(m).ok_or_else(|| anyhow::anyhow!("--auth-mech {m}: unknown"))?)
        }
        None => None,
    };
    let token = match &args.oauth_token_env {
        Some(var) => match std::env::var(var) {
            Ok(t) if !t.trim().is_empty() => Some(crate::settings::Secret::new(t.trim())),
            _ => anyhow::bail!("--oauth-token-env {var}: the variable is not set or empty"),
        },
        None => None,
    };
    let wants_token = mechanism.is_some_and(Mechanism::uses_token);
    if wants_token && token.is_none() {
        anyhow::bail!(
            "--auth-mech {} logs in with an OAuth access token: give it with --oauth-token-env VAR",
            mechanism.map(Mechanism::label).unwrap_or_default()
        );
    }
    let mut password = resolved.password.as_ref().map(|p| p.value.clone());
    let password_mech = mechanism.is_some_and(|m| !m.uses_token());
    let prompt = asks_for_password(&PromptCase {
        user_known: resolved.user.is_some(),
        password_given: password.is_some(),
        token_given: token.is_some(),
        mechanism,
        declined: args.no_password_prompt,
        terminal: std::io::stdin().is_terminal(),
    });
    if let (true, Some(user)) = (prompt, &resolved.user) {
        let host = resolved
            .host
            .as_ref()
            .map(|h| format!(" at {}", h.value))
            .unwrap_or_default();
        let text = rpassword::prompt_password(format!(
            "Password for {}{host} (not shown; Enter to skip the login test): ",
            user.value
        ))
        .map_err(|e| anyhow::anyhow!("cannot read the password: {e}"))?;
        password = Some(crate::settings::Secret::new(text)).filter(|p| !p.expose().is_empty());
    }
    if password_mech && password.is_none() && token.is_some() {
        anyhow::bail!(
            "--auth-mech {} logs in with a password, but only an OAuth token was given",
            mechanism.map(Mechanism::label).unwrap_or_default()
        );
    }
    Ok(LoginSecrets {
        password,
        token,
        mechanism,
    })
}

#[derive(Clone, Copy)]
struct PromptCase {
    user_known: bool,
    password_given: bool,
    token_given: bool,
    mechanism: Option<probe::sasl::Mechanism>,
    /// `--no-password-prompt`.
    declined: bool,
    /// Standard input is a terminal (never prompt in a pipe or a script).
    terminal: bool,
}

/// Whether to ask for the password: a username but no password, no token to log in with
/// instead (unless a password mechanism is forced), not declined, and someone at a terminal.
fn asks_for_password(c: &PromptCase) -> bool {
    let needs_password = match c.mechanism {
        Some(m) => !m.uses_token(),
        None => !c.token_given,
    };
    c.user_known && !c.password_given && needs_password && !c.declined && c.terminal
}

fn diagnose(path: &std::path::Path, out: &OutputArgs) -> anyhow::Result<u8> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| anyhow::anyhow!("cannot read {}: {e}", path.display()))?;
    let report: Report = serde_json::from_str(&text)
        .map_err(|e| anyhow::anyhow!("{} is not an mxray report: {e}", path.display()))?;
    if report.schema_version > crate::evidence::SCHEMA_VERSION {
        anyhow::bail!(
            "{} uses report schema {}, newer than this mxray understands ({})",
            path.display(),
            report.schema_version,
            crate::evidence::SCHEMA_VERSION
        );
    }
    let now = report
        .started_unix()
        .ok_or_else(|| anyhow::anyhow!("{}: started_at is not an RFC 3339 time", path.display()))?;
    emit(report, now, out)
}

/// Diagnoses (again), renders, saves, and turns the verdict into the exit status.
fn emit(mut report: Report, now: i64, out: &OutputArgs) -> anyhow::Result<u8> {
    let mut findings = crate::diagnose::diagnose(&report.body, now);
    report.summary = report::finalize(&mut findings, &out.ignore, out.fail_on);
    report.findings = findings;
    if let Some(path) = &out.save {
        std::fs::write(path, render::json::render(&report))
            .map_err(|e| anyhow::anyhow!("cannot write {}: {e}", path.display()))?;
    }
    let opts = RenderOptions {
        transcript: out.transcript,
        color: use_color(out.color),
    };
    let text = render::render(&report, out.format, &opts);
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

fn explain(code: Option<&str>, list: bool) -> anyhow::Result<u8> {
    if list {
        for c in catalogue::CATALOGUE.iter() {
            println!("{:<34} {:<8} {}", c.code, c.severity.label(), c.title);
        }
        return Ok(EXIT_OK);
    }
    let code = code.unwrap_or_default();
    let Some(c) = catalogue::lookup(code) else {
        let near: Vec<&str> = catalogue::CATALOGUE
            .iter()
            .map(|c| c.code)
            .filter(|k| crate::knowledge::hosts::distance(k, code) <= 3 || k.starts_with(code))
            .collect();
        let hint = if near.is_empty() {
            String::new()
        } else {
            format!(" (did you mean {}?)", near.join(", "))
        };
        anyhow::bail!("unknown finding code {code:?}{hint}; `mxray explain --list` shows them all");
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::probe::sasl::Mechanism;

    #[test]
    fn the_password_prompt_only_when_useful_and_possible() {
        let base = PromptCase {
            user_known: true,
            password_given: false,
            token_given: false,
            mechanism: None,
            declined: false,
            terminal: true,
        };
        assert!(asks_for_password(&base));
        for c in [
            PromptCase {
                terminal: false,
                ..base
            },
            PromptCase {
                declined: true,
                ..base
            },
            PromptCase {
                user_known: false,
                ..base
            },
            PromptCase {
                password_given: true,
                ..base
            },
            PromptCase {
                token_given: true,
                ..base
            },
            PromptCase {
                mechanism: Some(Mechanism::XOAuth2),
                ..base
            },
        ] {
            assert!(!asks_for_password(&c));
        }
        assert!(asks_for_password(&PromptCase {
            token_given: true,
            mechanism: Some(Mechanism::CramMd5),
            ..base
        }));
    }
}
