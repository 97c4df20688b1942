//! One address:port, end to end: connect, greeting, capabilities, STARTTLS or implicit TLS,
//! capabilities again, QUIT — then, on fresh connections, the other TLS mode when the configured
//! one failed, and the legacy TLS versions. Each step is bounded by the phase timeout, so a port
//! costs at most [`PORT_BUDGET_PHASES`] timeouts.

use super::conn::{connect, Conn, Recorder, StepResult, Stop, Stream};
use super::{imap, legacy, pop3, smtp, sniff, tls, Ctx};
use crate::evidence::{
    Capabilities, Outcome, PhaseName, PortProbe, PortSpec, Protocol, Reply, Role, TlsMode,
};
use std::net::{IpAddr, SocketAddr};

/// Upper bound of one port probe, in phase timeouts: sniff 3, then the main dialogue 8 and the
/// alternate mode 2 beside the legacy TLS 1.1 and 1.0 hellos (1.5 each), then the TLS 1.2 hello
/// when the main handshake failed (1.5); waiting for a connection permit aside.
pub const PORT_BUDGET_PHASES: u32 = 16;

pub async fn probe_port(ctx: &Ctx, ip: IpAddr, spec: PortSpec) -> PortProbe {
    probe_port_limited(ctx, ip, spec, None, &None).await
}

/// [`probe_port`] under the address's connection limit: `main` is the permit of the main
/// connection sequence (sniff, dialogue, other mode), given up as soon as that is done; each
/// legacy connection takes its own from `limit`.
pub async fn probe_port_limited(
    ctx: &Ctx,
    ip: IpAddr,
    spec: PortSpec,
    main: Option<tokio::sync::OwnedSemaphorePermit>,
    limit: &legacy::Limit,
) -> PortProbe {
    let mut rec = Recorder::new();
    let mut probe = PortProbe::empty(ip, spec);
    let addr = SocketAddr::new(ip, spec.port);
    if spec.role.is_none() {
        let (role, how) = sniff::sniff(ctx, addr, &mut rec).await;
        probe.role = role;
        probe.sniffed = Some(how);
    }
    if let Some(role) = probe.role {
        // The legacy hellos need nothing from the main dialogue but the role: they start now
        // and run beside it, and are kept only if the dialogue attempted TLS.
        let speculate = ctx.legacy && (role.implicit_tls() || !ctx.no_starttls);
        let t_legacy = rec.begin();
        let early = async {
            if speculate {
                let asked = legacy::early(ctx, addr, role, limit).await;
                Some((asked, std::time::Instant::now()))
            } else {
                None
            }
        };
        let main_sequence = async {
            dialogue(ctx, addr, role, &mut rec, &mut probe).await;
            follow_up(ctx, addr, role, &mut rec, &mut probe).await;
            drop(main);
        };
        let ((), early) = tokio::join!(main_sequence, early);
        let plaintext_peer = probe.tls.as_ref().is_some_and(|t| t.peer_spoke_plaintext);
        if let Some((asked, done)) = early.filter(|_| probe.tls.is_some() && !plaintext_peer) {
            let asks_more = probe.tls.as_ref().is_none_or(|t| t.version.is_none());
            let l = legacy::finish(ctx, addr, role, &probe, asked, limit).await;
            rec.note(&legacy::summary(&l));
            // The phase ends with its last hello, not when the main dialogue let it be read.
            let end = if asks_more {
                std::time::Instant::now()
            } else {
                done
            };
            rec.end_at(PhaseName::LegacyTls, t_legacy, end, Outcome::Ok);
            probe.legacy_tls = Some(l);
        }
    }
    let (phases, transcript, duration) = rec.finish();
    probe.phases = phases;
    probe.transcript = transcript;
    probe.duration_ms = duration;
    probe
}

/// After the dialogue, on the main connection sequence: why no login was tried, and the other
/// TLS mode when the configured one failed the way a mode mix-up does.
async fn follow_up(
    ctx: &Ctx,
    addr: SocketAddr,
    role: Role,
    rec: &mut Recorder,
    probe: &mut PortProbe,
) {
    // The follow-up checks read where the dialogue stopped.
    probe.phases = rec.phases.clone();
    if ctx.credentials.is_some() && probe.login.is_none() && probe.login_not_tried.is_none() {
        let skip = super::unreached(probe);
        rec.note(&format!("login not tried: {}", skip.detail));
        probe.login_not_tried = Some(skip);
    }
    if let Some(alt) = super::alternate::check(ctx, addr, role, probe).await {
        rec.note(&format!(
            "the other TLS mode ({}) {}: {}",
            alt.role.name(),
            if alt.works {
                "works"
            } else {
                "does not work either"
            },
            alt.detail
        ));
        probe.alternate = Some(alt);
    }
}

/// The plaintext or implicit-TLS conversation a client would have, up to the point it would log in.
async fn dialogue(
    ctx: &Ctx,
    addr: SocketAddr,
    role: Role,
    rec: &mut Recorder,
    probe: &mut PortProbe,
) {
    let t = rec.begin();
    rec.note(&format!("connecting to {addr} ({})", role.name()));
    let Ok(tcp) = rec.record(PhaseName::Connect, t, connect(addr, ctx.timeout).await) else {
        return;
    };
    let proto = role.protocol();
    let mut conn = if role.implicit_tls() {
        match secure(ctx, tcp, TlsMode::Implicit, addr.ip(), rec, probe).await {
            Some(c) => c,
            None => return,
        }
    } else {
        Conn::new(Stream::Plain(tcp), ctx.timeout)
    };
    let (g, reply) = greeting(proto, &mut conn, rec).await;
    probe.greeting = reply;
    match g {
        Ok(()) => {}
        Err(Stop::Rejected(_)) => return quit(proto, &mut conn, rec).await,
        Err(_) => return,
    }
    let caps = match capabilities(proto, &mut conn, rec, ctx, false).await {
        Ok(c) => c,
        Err(Stop::Rejected(_)) => return quit(proto, &mut conn, rec).await,
        Err(_) => return,
    };
    let offers_starttls = caps.starttls;
    probe.capabilities = Some(caps);
    if !role.implicit_tls() && offers_starttls && ctx.no_starttls {
        rec.note("STARTTLS offered but not used: the client is configured without TLS");
    }
    if !role.implicit_tls() && offers_starttls && !ctx.no_starttls {
        let (r, reply) = starttls(proto, &mut conn, rec).await;
        probe.starttls_reply = reply;
        match r {
            Ok(()) => {}
            Err(Stop::Rejected(_)) => return quit(proto, &mut conn, rec).await,
            Err(_) => return,
        }
        if conn.buffered() > 0 {
            // Bytes sent before our handshake would be read as if protected (CVE-2011-0411 class).
            probe.plaintext_after_starttls = true;
            rec.note(&format!(
                "protocol violation: {} bytes of plaintext after the STARTTLS go-ahead (discarded)",
                conn.buffered()
            ));
        }
        let Some(tcp) = conn.into_tcp() else { return };
        conn = match secure(ctx, tcp, TlsMode::Starttls, addr.ip(), rec, probe).await {
            Some(c) => c,
            None => return,
        };
        match capabilities(proto, &mut conn, rec, ctx, true).await {
            Ok(c) => probe.capabilities_after_tls = Some(c),
            Err(Stop::Rejected(_)) => return quit(proto, &mut conn, rec).await,
            Err(_) => return,
        }
    }
    if ctx.relay_test && role == Role::Smtp {
        probe.relay_test = smtp::relay_test(&mut conn, rec).await;
    }
    if let Some(creds) = &ctx.credentials {
        let tls_up = matches!(conn.stream, Stream::Tls(_));
        let step = match creds.certificate_ok(probe.tls.as_ref(), rec) {
            Err(skip) => Err(skip),
            Ok(()) if proto == Protocol::Smtp => {
                login(ctx, creds, tls_up, &mut conn, rec, probe).await
            }
            Ok(()) => {
                super::mailbox_login::login(
                    proto,
                    creds,
                    tls_up,
                    ctx.tls_name.as_deref(),
                    &mut conn,
                    rec,
                    probe,
                )
                .await
            }
        };
        match step {
            Ok(attempt) => probe.login = Some(attempt),
            Err(skip) => probe.login_not_tried = Some(skip),
        }
        if let Some(req) = creds.send.as_ref().filter(|_| proto == Protocol::Smtp) {
            if probe.login.as_ref().is_some_and(|l| l.logged_in()) {
                let utf8 = probe
                    .best_capabilities()
                    .is_some_and(|c| c.extensions.iter().any(|e| e == "SMTPUTF8"));
                probe.send = Some(super::send::send(&mut conn, rec, req, utf8).await);
            } else {
                rec.note("test message not sent: the login did not succeed");
            }
        }
    }
    quit(proto, &mut conn, rec).await;
}

/// `mxray check` with credentials: one AUTH, after EHLO on the TLS session (or in plaintext
/// only with `--allow-plaintext-auth`), with `--auth-mech` or what a client would pick. A
/// mechanism the server does not offer is recorded without sending anything.
async fn login(
    ctx: &Ctx,
    creds: &super::Credentials,
    tls_up: bool,
    conn: &mut Conn,
    rec: &mut Recorder,
    probe: &PortProbe,
) -> Result<crate::evidence::LoginAttempt, crate::evidence::LoginNotTried> {
    use super::sasl::{self, Mechanism};
    use crate::evidence::NotTriedReason;
    creds.may_send(tls_up, rec)?;
    let offered = probe
        .best_capabilities()
        .map(|c| c.auth.clone())
        .unwrap_or_default();
    let with_token = creds.oauth_token.is_some();
    let Some(mechanism) = creds.mechanism.or_else(|| sasl::pick(&offered, with_token)) else {
        return Err(super::not_tried(
            rec,
            NotTriedReason::NoMechanism,
            "the server offers no AUTH mechanism on this connection",
        ));
    };
    let method = format!("AUTH {}", mechanism.label());
    let secret = creds.secret_for(mechanism.uses_token(), &method, rec)?;
    if !mechanism.offered_in(&offered) {
        rec.note(&format!(
            "login not tried: {} was asked for but is not offered (AUTH: {})",
            mechanism.sasl_name(),
            if offered.is_empty() {
                "none".to_string()
            } else {
                offered.join(" ")
            }
        ));
        return Ok(crate::evidence::LoginAttempt {
            mechanism: mechanism.sasl_name().to_string(),
            initial_response: mechanism.initial_response(),
            offered,
            reply: None,
            accepted: false,
            oauth_error: None,
            retry: None,
        });
    }
    // One login per run, even when the host has several addresses.
    if creds.used.swap(true, std::sync::atomic::Ordering::SeqCst) {
        return Err(super::not_tried(
            rec,
            NotTriedReason::OtherAddress,
            "done on another address of the host",
        ));
    }
    rec.note(&format!(
        "login as {} with AUTH {}{}",
        creds.user,
        mechanism.sasl_name(),
        if mechanism == Mechanism::LoginIr {
            " (username as initial response)"
        } else {
            ""
        }
    ));
    let host = ctx
        .tls_name
        .clone()
        .unwrap_or_else(|| probe.address.to_string());
    let l = sasl::Login {
        user: &creds.user,
        secret,
        host: &host,
        port: probe.port,
    };
    let mut attempt = smtp::login(conn, rec, &l, mechanism, offered.clone()).await;
    let refused = attempt
        .reply
        .as_ref()
        .is_some_and(|r| r.code.is_some_and(|c| (500..600).contains(&c)));
    if let (Some((user, domain_from)), true, false) =
        (&creds.retry_user, refused, mechanism.uses_token())
    {
        // One retry on the same connection (RFC 4954 allows another AUTH after a failure):
        // proves whether the server wants the full address, at the cost of one more attempt.
        rec.note(&format!(
            "login refused: retrying once as {user} (domain from {domain_from})"
        ));
        let again = sasl::Login { user, ..l };
        let r = smtp::login(conn, rec, &again, mechanism, offered).await;
        attempt.retry = Some(crate::evidence::UsernameRetry {
            user: user.clone(),
            domain_from: domain_from.clone(),
            accepted: r.accepted,
            reply: r.reply,
        });
    }
    Ok(attempt)
}

/// Runs the handshake and records it; `None` when there is no usable TLS stream.
async fn secure(
    ctx: &Ctx,
    tcp: tokio::net::TcpStream,
    mode: TlsMode,
    ip: IpAddr,
    rec: &mut Recorder,
    probe: &mut PortProbe,
) -> Option<Conn> {
    let t = rec.begin();
    rec.note(&format!(
        "TLS handshake ({})",
        if mode == TlsMode::Implicit {
            "implicit"
        } else {
            "after STARTTLS"
        }
    ));
    let hs = tls::handshake(
        &ctx.trust,
        tcp,
        mode,
        ctx.tls_name.as_deref(),
        ip,
        ctx.now,
        ctx.timeout,
    )
    .await;
    let outcome = if hs.stream.is_some() {
        Outcome::Ok
    } else if hs.timed_out {
        Outcome::Timeout
    } else {
        handshake_outcome(
            hs.session.error.as_deref().unwrap_or(""),
            hs.session.peer_spoke_plaintext,
        )
    };
    match (&hs.session.version, &hs.session.cipher, &hs.session.error) {
        (Some(v), Some(c), _) => rec.note(&format!("TLS established: {v}, {c}")),
        (_, _, Some(e)) => rec.note(&format!("TLS failed: {e}")),
        _ => {}
    }
    if let Some(leaf) = hs.session.chain.first() {
        rec.note(&format!(
            "certificate: {} (expires {})",
            leaf.subject, leaf.not_after
        ));
    }
    rec.end(PhaseName::TlsHandshake, t, outcome);
    probe.tls = Some(hs.session);
    hs.stream
        .map(|s| Conn::new(Stream::Tls(Box::new(s)), ctx.timeout))
}

/// Classifies a rustls/io handshake error the way the diagnosis needs it.
pub fn handshake_outcome(err: &str, plaintext: bool) -> Outcome {
    let e = err.to_ascii_lowercase();
    if plaintext {
        Outcome::Violation {
            detail: format!("the server answered the TLS handshake in plaintext: {err}"),
        }
    } else if e.contains("reset") || e.contains("broken pipe") {
        Outcome::Reset
    } else if e.contains("eof") || e.contains("end of file") || e.contains("closed") {
        Outcome::Closed
    } else {
        Outcome::Error {
            detail: err.to_string(),
        }
    }
}

pub async fn greeting(
    proto: Protocol,
    conn: &mut Conn,
    rec: &mut Recorder,
) -> (StepResult<()>, Option<Reply>) {
    match proto {
        Protocol::Smtp => smtp::greeting(conn, rec).await,
        Protocol::Imap => imap::greeting(conn, rec).await,
        Protocol::Pop3 => pop3::greeting(conn, rec).await,
    }
}

pub async fn capabilities(
    proto: Protocol,
    conn: &mut Conn,
    rec: &mut Recorder,
    ctx: &Ctx,
    after_tls: bool,
) -> StepResult<Capabilities> {
    match proto {
        Protocol::Smtp => {
            let helo = ctx.helo.clone().unwrap_or_else(|| conn.address_literal());
            smtp::hello(conn, rec, &helo, after_tls).await
        }
        Protocol::Imap => imap::capabilities(conn, rec, after_tls).await,
        Protocol::Pop3 => pop3::capabilities(conn, rec, after_tls).await,
    }
}

pub async fn starttls(
    proto: Protocol,
    conn: &mut Conn,
    rec: &mut Recorder,
) -> (StepResult<()>, Option<Reply>) {
    match proto {
        Protocol::Smtp => smtp::starttls(conn, rec).await,
        Protocol::Imap => imap::starttls(conn, rec).await,
        Protocol::Pop3 => pop3::starttls(conn, rec).await,
    }
}

pub async fn quit(proto: Protocol, conn: &mut Conn, rec: &mut Recorder) {
    match proto {
        Protocol::Smtp => smtp::quit(conn, rec).await,
        Protocol::Imap => imap::quit(conn, rec).await,
        Protocol::Pop3 => pop3::quit(conn, rec).await,
    }
}
