//! `mxray check`: the settings resolved from every source (with the password kept out of the
//! evidence), then either discovery for an address alone or the configured endpoint probed with
//! its one login, the From domain and the optional test message.

use super::{emit, now_rfc3339, run_probe, Net};
use crate::cli::{self, CheckArgs};
use crate::evidence::check::PasswordShape;
use crate::probe::{self, dns::Dns};
use crate::report::{Body, Report};
use std::io::IsTerminal;
use std::time::Instant;

/// The most of a `--env-file` read: a .env file is a few KB; `/dev/zero` must not fill memory.
const MAX_ENV_FILE_BYTES: usize = 16 * 1024 * 1024;

fn read_env_file(path: &std::path::Path) -> anyhow::Result<String> {
    let name = cli::echo(&path.to_string_lossy());
    let bytes = crate::bounded_read::file_at_most(path, MAX_ENV_FILE_BYTES)
        .map_err(|e| anyhow::anyhow!("cannot read {name}: {e}"))?;
    String::from_utf8(bytes).map_err(|_| anyhow::anyhow!("{name} is not UTF-8 text"))
}

pub(super) fn check(args: CheckArgs) -> anyhow::Result<u8> {
    let out = args.output.clone();
    let (report, now) = check_report(args)?;
    emit(report, now, &out)
}

/// Checks one set of client settings and returns the report, not yet diagnosed, with the
/// diagnosis' "now".
#[allow(
    clippy::too_many_lines,
    reason = "the settings, discovery and credential wiring of one check; to be cut into those steps"
)]
pub(super) fn check_report(args: CheckArgs) -> anyhow::Result<(Report, i64)> {
    use crate::evidence::check::{CheckEvidence, ClientSettings, SettingValue};
    use crate::settings::{self, FlagValues, Inputs};
    let env_file = match &args.env_file {
        Some(p) => Some((p.clone(), read_env_file(p)?)),
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
        security: resolved
            .security
            .as_ref()
            .map(|s| view(s.value.name().to_string(), &s.source)),
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
        password_shape: secrets
            .password
            .as_ref()
            .map(|p| PasswordShape::of(p.expose())),
        password_on_command_line: resolved.password_on_command_line,
        notes: with_overrides(
            &args,
            secrets.password.is_some() || secrets.token.is_some(),
            &resolved.notes,
        ),
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
    // A host is judged as soon as it is given, so that settings incomplete otherwise never
    // show a name no resolver would take.
    let host = resolved
        .host
        .as_ref()
        .map(|h| cli::validate_host(&h.value))
        .transpose()
        .map_err(anyhow::Error::msg)?;
    let endpoint = match (host, &resolved.port) {
        (Some(host), Some(p)) => {
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
                insecure: args.insecure,
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
    Ok((report, now))
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
) -> anyhow::Result<(Report, i64)> {
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
    Ok((report, now))
}

/// What the login of `mxray check` uses.
struct LoginSecrets {
    password: Option<crate::secret::Secret>,
    token: Option<crate::secret::Secret>,
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
            Ok(t) if !t.trim().is_empty() => {
                let source = format!("--oauth-token-env {var}");
                crate::settings::credentials::check("the OAuth token", &source, t.trim())?;
                Some(crate::secret::Secret::new(t.trim()))
            }
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
            .map(|h| format!(" at {}", crate::cli::clip(&h.value, crate::cli::ECHO_CHARS)))
            .unwrap_or_default();
        // The user name comes from a URL or a file: nothing in it may drive the terminal.
        let text = super::password_prompt::ask(&format!(
            "Password for {}{host} (not shown; Enter to skip the login test): ",
            crate::cli::clip(&user.value, crate::cli::ECHO_CHARS)
        ))
        .map_err(|e| anyhow::anyhow!("cannot read the password: {e}"))?;
        crate::settings::credentials::check("the password", "the prompt", &text)?;
        password = Some(crate::secret::Secret::new(text)).filter(|p| !p.expose().is_empty());
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

/// The settings' notes, then the safety checks the user switched off for a login that has
/// credentials: the report says so in every format, not only in the transcript.
fn with_overrides(args: &CheckArgs, credentials: bool, notes: &[String]) -> Vec<String> {
    let mut out = notes.to_vec();
    if credentials && args.insecure {
        out.push(
            "--insecure: the login goes ahead even when the certificate fails verification; the \
             password may then reach whoever is in the middle"
                .into(),
        );
    }
    if credentials && args.allow_plaintext_auth {
        out.push(
            "--allow-plaintext-auth: the login goes ahead without TLS; the password then \
             crosses the network in clear"
                .into(),
        );
    }
    out
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
