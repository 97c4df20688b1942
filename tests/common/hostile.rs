//! The hostile-server tests' shared side: the probe runner with its diagnosis, and the small
//! misbehaving servers' building blocks (a listener per scenario, SMTP command loop, TLS).

#![allow(dead_code)]

use super::wire::read_line as read_cmd;
use mxray::evidence::{
    Direction, Family, Outcome, Phase, PhaseName, PortProbe, PortSpec, ProbeSettings, Resolution,
    Role, ServerEvidence,
};
use mxray::findings::Finding;
use mxray::probe::port::probe_port;
use mxray::probe::tls::TrustStore;
use mxray::probe::Ctx;
use rustls::pki_types::{PrivateKeyDer, PrivatePkcs8KeyDer};
use std::future::Future;
use std::net::{IpAddr, Ipv4Addr};
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;
use tokio_rustls::TlsAcceptor;

// ───────────────────────────── helpers: probe side ─────────────────────────────

pub const LOCALHOST: IpAddr = IpAddr::V4(Ipv4Addr::LOCALHOST);
/// Phase timeout for scenarios where a timeout is expected to fire (it sets their duration).
pub const SHORT: Duration = Duration::from_millis(1000);
/// Phase timeout for scenarios where no timeout should fire: generous, so a loaded CI machine
/// does not turn a slow handshake into a false failure. It costs nothing when all goes well.
pub const RELAXED: Duration = Duration::from_millis(3000);
/// The hard bound on one probe, in phase timeouts. The library's own budget is
/// `PORT_BUDGET_PHASES` (16); anything past this is a hang.
pub const BOUND_FACTOR: u32 = 20;
/// Longest transcript line the recorder keeps (300 chars plus an ellipsis).
pub const TRANSCRIPT_LINE_MAX: usize = 301;
pub const EHLO_NAME: &str = "probe.test";

pub fn trust() -> TrustStore {
    static TRUST: OnceLock<TrustStore> = OnceLock::new();
    TRUST
        .get_or_init(|| TrustStore::load(None, false).expect("webpki roots load"))
        .clone()
}

pub fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("clock after 1970")
        .as_secs() as i64
}

pub fn ctx(timeout: Duration, legacy: bool, tls_name: Option<&str>) -> Ctx {
    Ctx {
        trust: trust(),
        timeout,
        helo: Some(EHLO_NAME.into()),
        tls_name: tls_name.map(str::to_string),
        now: now(),
        legacy,
        relay_test: false,
        credentials: None,
        no_starttls: false,
    }
}

/// What the probe recorded and what the diagnosis made of it.
pub struct Run {
    pub probe: PortProbe,
    pub findings: Vec<Finding>,
    pub elapsed: Duration,
}

impl Run {
    pub fn codes(&self) -> Vec<&str> {
        let mut c: Vec<&str> = self.findings.iter().map(|f| f.code.as_str()).collect();
        c.sort_unstable();
        c
    }
    pub fn finding(&self, code: &str) -> &Finding {
        self.findings
            .iter()
            .find(|f| f.code == code)
            .unwrap_or_else(|| panic!("no {code} finding\n{}", self.dump()))
    }
    /// The recorded phase; fails with the whole record when it is missing.
    pub fn phase(&self, name: PhaseName) -> &Phase {
        self.probe
            .phase(name)
            .unwrap_or_else(|| panic!("no {name:?} phase recorded\n{}", self.dump()))
    }
    pub fn outcome(&self, name: PhaseName) -> &Outcome {
        &self.phase(name).outcome
    }
    pub fn assert_codes(&self, expected: &[&str]) {
        let mut want = expected.to_vec();
        want.sort_unstable();
        assert_eq!(self.codes(), want, "finding codes\n{}", self.dump());
    }
    pub fn transcript_has(&self, dir: Direction, needle: &str) -> bool {
        self.probe
            .transcript
            .iter()
            .any(|l| l.dir == dir && l.text.contains(needle))
    }
    /// Memory bound as seen from the evidence: no kept line over the cap.
    pub fn assert_transcript_bounded(&self) {
        for l in &self.probe.transcript {
            assert!(
                l.text.chars().count() <= TRANSCRIPT_LINE_MAX,
                "transcript line of {} chars kept",
                l.text.chars().count()
            );
        }
    }
    pub fn dump(&self) -> String {
        let mut s = format!("phases: {:#?}\ntranscript:\n", self.probe.phases);
        for l in &self.probe.transcript {
            s.push_str(&format!("  {:>6} {:?} {}\n", l.t_ms, l.dir, l.text));
        }
        s.push_str(&format!("alternate: {:?}\n", self.probe.alternate));
        s.push_str(&format!(
            "tls error: {:?}\n",
            self.probe.tls.as_ref().and_then(|t| t.error.clone())
        ));
        for f in &self.findings {
            s.push_str(&format!(
                "finding {} — {} {:?}\n",
                f.code, f.summary, f.evidence
            ));
        }
        s
    }
}

/// The evidence of a one-port run against an IP literal, as `mxray server 127.0.0.1 -p N` records it.
pub fn evidence(ctx: &Ctx, spec: PortSpec, probe: PortProbe) -> ServerEvidence {
    ServerEvidence {
        host: LOCALHOST.to_string(),
        options: ProbeSettings {
            timeout_ms: ctx.timeout.as_millis() as u64,
            helo: ctx
                .helo
                .clone()
                .unwrap_or_else(|| "(address literal)".into()),
            tls_name: ctx.tls_name.clone(),
            resolvers: Vec::new(),
            ports: vec![spec],
            families: vec![Family::Ipv4],
            legacy_tls: ctx.legacy,
            slow_threshold_ms: 5_000,
            expiry_warning_days: 21,
        },
        resolution: Resolution {
            ip_literal: true,
            a: None,
            aaaa: None,
            // No PTR data: keeps the banner-name rule out of scenarios that are not about it.
            addresses: Vec::new(),
        },
        probes: vec![probe],
    }
}

/// Probes one port under a hard bound, then diagnoses the evidence.
pub async fn run(ctx: &Ctx, port: u16, role: Role) -> Run {
    let spec = PortSpec {
        port,
        role: Some(role),
        explicit: true,
    };
    let bound = ctx.timeout * BOUND_FACTOR;
    let started = Instant::now();
    let probe = tokio::time::timeout(bound, probe_port(ctx, LOCALHOST, spec))
        .await
        .unwrap_or_else(|_| panic!("probe of port {port} did not finish within {bound:?}"));
    let elapsed = started.elapsed();
    assert!(elapsed < bound, "probe took {elapsed:?}, bound {bound:?}");
    let ev = evidence(ctx, spec, probe.clone());
    let findings = mxray::diagnose::server(&ev, ctx.now);
    Run {
        probe,
        findings,
        elapsed,
    }
}

// ───────────────────────────── helpers: server side ─────────────────────────────

/// A listening fake server; every accepted connection runs the handler in its own task.
pub struct Server {
    pub port: u16,
    pub task: JoinHandle<()>,
}

impl Drop for Server {
    fn drop(&mut self) {
        self.task.abort();
    }
}

pub async fn serve<F, Fut>(handler: F) -> Server
where
    F: Fn(TcpStream) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = ()> + Send + 'static,
{
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
        .await
        .expect("bind 127.0.0.1:0");
    let port = listener.local_addr().expect("local addr").port();
    let handler = Arc::new(handler);
    let task = tokio::spawn(async move {
        while let Ok((sock, _)) = listener.accept().await {
            let _ = sock.set_nodelay(true);
            let h = handler.clone();
            tokio::spawn(async move { h(sock).await });
        }
    });
    Server { port, task }
}

/// A port on which nothing listens: bound, then released.
pub async fn closed_port() -> u16 {
    let l = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
        .await
        .expect("bind");
    let port = l.local_addr().expect("addr").port();
    drop(l);
    port
}

pub async fn send<S: AsyncWrite + Unpin>(s: &mut S, data: &[u8]) -> bool {
    s.write_all(data).await.is_ok() && s.flush().await.is_ok()
}

/// Reads and discards until the peer goes away: a server that holds the line open.
pub async fn hold<S: AsyncRead + Unpin>(s: &mut S) {
    let mut buf = [0u8; 4096];
    while let Ok(n) = s.read(&mut buf).await {
        if n == 0 {
            break;
        }
    }
}

/// Reads one whole TLS record (the ClientHello), so closing afterwards is a clean FIN.
pub async fn read_tls_record(s: &mut TcpStream) -> bool {
    let mut head = [0u8; 5];
    if s.read_exact(&mut head).await.is_err() {
        return false;
    }
    let len = u16::from_be_bytes([head[3], head[4]]) as usize;
    let mut body = vec![0u8; len];
    s.read_exact(&mut body).await.is_ok()
}

pub fn multiline(code: u16, lines: &[&str]) -> String {
    let mut out = String::new();
    for (i, l) in lines.iter().enumerate() {
        let sep = if i + 1 == lines.len() { ' ' } else { '-' };
        out.push_str(&format!("{code}{sep}{l}\r\n"));
    }
    out
}

pub const GREETING: &[u8] = b"220 fake.test ESMTP ready\r\n";
pub const EHLO_STARTTLS: &[&str] = &["fake.test", "PIPELINING", "8BITMIME", "STARTTLS"];
pub const EHLO_AFTER_TLS: &[&str] = &["fake.test", "PIPELINING", "8BITMIME"];
pub const GO_AHEAD: &str = "220 2.0.0 Ready to start TLS\r\n";

pub enum End {
    Quit,
    StartTls,
    Gone,
}

/// A polite SMTP command loop: EHLO answered with `ehlo`, STARTTLS with `starttls` (raw bytes,
/// so a scenario can append injected lines; a `220` ends the loop for the handshake), QUIT with 221.
pub async fn smtp_commands<S: AsyncRead + AsyncWrite + Unpin>(
    s: &mut S,
    ehlo: &[&str],
    starttls: &str,
) -> End {
    while let Some(cmd) = read_cmd(s).await {
        let verb = cmd
            .split_whitespace()
            .next()
            .unwrap_or("")
            .to_ascii_uppercase();
        let reply = match verb.as_str() {
            "EHLO" => multiline(250, ehlo),
            "HELO" => "250 fake.test\r\n".into(),
            "STARTTLS" => {
                if !send(s, starttls.as_bytes()).await {
                    return End::Gone;
                }
                if starttls.starts_with("220") {
                    return End::StartTls;
                }
                continue;
            }
            "QUIT" => {
                let _ = send(s, b"221 2.0.0 Bye\r\n").await;
                return End::Quit;
            }
            _ => "502 5.5.2 Command not recognized\r\n".into(),
        };
        if !send(s, reply.as_bytes()).await {
            return End::Gone;
        }
    }
    End::Gone
}

/// A greeting, then the polite command loop on plaintext; no TLS ever.
pub async fn plain_smtp(
    mut sock: TcpStream,
    greeting: &'static [u8],
    ehlo: &'static [&'static str],
) {
    if send(&mut sock, greeting).await {
        smtp_commands(&mut sock, ehlo, "454 4.7.0 TLS not available\r\n").await;
    }
}

/// TLS server config for a self-signed rcgen certificate with these DNS names.
pub fn tls_acceptor(names: &[&str]) -> TlsAcceptor {
    let names: Vec<String> = names.iter().map(|n| n.to_string()).collect();
    let ck = rcgen::generate_simple_self_signed(names).expect("rcgen certificate");
    let cert = ck.cert.der().clone();
    let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(ck.signing_key.serialize_der()));
    // Explicit provider: with more than one provider linked, the plain builder() panics.
    let cfg = rustls::ServerConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .expect("ring supports the default versions")
    .with_no_client_auth()
    .with_single_cert(vec![cert], key)
    .expect("certificate and key match");
    TlsAcceptor::from(Arc::new(cfg))
}

/// A well-behaved STARTTLS server; `go_ahead` is what it answers to STARTTLS.
pub async fn starttls_smtp(mut sock: TcpStream, acceptor: TlsAcceptor, go_ahead: &'static str) {
    if !send(&mut sock, GREETING).await {
        return;
    }
    if !matches!(
        smtp_commands(&mut sock, EHLO_STARTTLS, go_ahead).await,
        End::StartTls
    ) {
        return;
    }
    let Ok(mut tls) = acceptor.accept(sock).await else {
        return;
    };
    smtp_commands(&mut tls, EHLO_AFTER_TLS, "503 5.5.1 TLS already active\r\n").await;
    let _ = tls.shutdown().await;
}

/// An implicit-TLS (submissions, 465) server: TLS first, then the greeting inside it.
pub async fn implicit_tls_smtp(sock: TcpStream, acceptor: TlsAcceptor) {
    let Ok(mut tls) = acceptor.accept(sock).await else {
        return;
    };
    if send(&mut tls, GREETING).await {
        smtp_commands(&mut tls, EHLO_AFTER_TLS, "503 5.5.1 TLS already active\r\n").await;
    }
    let _ = tls.shutdown().await;
}

/// `mxray ARGS` as a user runs it (the binary, from a blocking thread so in-process servers
/// keep running): its exit code and its JSON report, checked against the schema. DNS goes to a closed loopback port, so
/// the reverse lookup of 127.0.0.1 fails at once (a warning) and never leaves the machine.
pub async fn cli_json(args: &[&str]) -> (i32, serde_json::Value) {
    let args: Vec<String> = args.iter().map(|a| a.to_string()).collect();
    let out = tokio::task::spawn_blocking(move || {
        std::process::Command::new(env!("CARGO_BIN_EXE_mxray"))
            .args(&args)
            .args(["--format", "json", "--color", "never"])
            .args(["--resolver", "127.0.0.1:9"])
            .output()
            .expect("run mxray")
    })
    .await
    .expect("join");
    let json = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "not JSON ({e}): {}\nstderr: {}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    });
    super::schema::assert_valid(&json);
    (out.status.code().unwrap_or(-1), json)
}

/// The codes of a JSON report's findings, sorted, without the `dns.lookup-failed` warning of
/// the closed resolver.
pub fn json_codes(report: &serde_json::Value) -> Vec<String> {
    let mut c: Vec<String> = report["findings"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|f| f["code"].as_str().map(str::to_string))
                .filter(|c| c != "dns.lookup-failed")
                .collect()
        })
        .unwrap_or_default();
    c.sort();
    c
}
