//! One port's dialogue as a waterfall: a bar per recorded phase, placed at its start offset and
//! as long as it took, coloured by its outcome; then what the server said (greeting, EHLO or
//! CAPABILITY lines, TLS) as text.

use super::{clip, escape};
use crate::evidence::{Direction, Outcome, Phase, PhaseName, PortProbe};
use std::fmt::Write;

const WIDTH: u64 = 420;
const LABEL: u64 = 112;
const BARS: u64 = 196;
const ROW: u64 = 20;

pub(super) fn phase_words(p: PhaseName) -> &'static str {
    match p {
        PhaseName::Sniff => "sniff role",
        PhaseName::Connect => "TCP connect",
        PhaseName::Greeting => "greeting",
        PhaseName::Ehlo => "EHLO",
        PhaseName::Helo => "HELO",
        PhaseName::Capability => "capabilities",
        PhaseName::Starttls => "STARTTLS",
        PhaseName::TlsHandshake => "TLS handshake",
        PhaseName::EhloAfterTls => "EHLO after TLS",
        PhaseName::CapabilityAfterTls => "capabilities (TLS)",
        PhaseName::Quit => "QUIT",
        PhaseName::AlternateMode => "other TLS mode",
        PhaseName::LegacyTls => "legacy TLS",
        PhaseName::RelayTest => "relay test",
        PhaseName::Login => "AUTH / login",
        PhaseName::Send => "test message",
    }
}

/// (CSS class, short word, detail) of an outcome.
fn outcome_words(o: &Outcome) -> (&'static str, &'static str, Option<&str>) {
    match o {
        Outcome::Ok => ("ok", "ok", None),
        Outcome::Timeout => ("fail", "timed out", None),
        Outcome::Refused => ("fail", "refused", None),
        Outcome::Reset => ("fail", "reset", None),
        Outcome::Closed => ("fail", "closed", None),
        Outcome::Unreachable { detail } => ("fail", "unreachable", Some(detail)),
        Outcome::Violation { detail } => ("fail", "protocol violation", Some(detail)),
        Outcome::Rejected { reply } => ("warn", "rejected", Some(reply)),
        Outcome::Error { detail } => ("fail", "error", Some(detail)),
    }
}

pub(super) fn port(s: &mut String, p: &PortProbe, transcript: bool) {
    let role = p.role.map(|r| r.name()).unwrap_or("unknown role");
    let endpoint = p.endpoint();
    let state = match p.failure() {
        None if p.connected() => "ok".to_string(),
        None => "not connected".to_string(),
        Some(f) => format!(
            "stopped at {}: {}",
            phase_words(f.phase),
            outcome_words(&f.outcome).1
        ),
    };
    let _ = writeln!(
        s,
        "<section class=\"port\" data-endpoint=\"{}\"><h3><code>{}</code> {} <span class=\"state\">{}</span></h3>",
        escape(&endpoint),
        escape(&endpoint),
        escape(role),
        escape(&state)
    );
    if let Some(how) = &p.sniffed {
        let _ = writeln!(s, "<p class=\"note\">Role found by {}</p>", escape(how));
    }
    svg(s, p, &endpoint);
    details(s, p);
    if transcript && !p.transcript.is_empty() {
        dialogue(s, p);
    }
    s.push_str("</section>\n");
}

/// The protocol dialogue as recorded (credentials are recorded as `***`), folded so the page
/// stays short; `<details>` opens without script.
fn dialogue(s: &mut String, p: &PortProbe) {
    let _ = write!(
        s,
        "<details class=\"transcript\"><summary>Dialogue ({} lines)</summary><pre>",
        p.transcript.len()
    );
    for l in &p.transcript {
        let mark = match l.dir {
            Direction::Client => "C:",
            Direction::Server => "S:",
            Direction::Note => "==",
        };
        let _ = writeln!(s, "{:>6} ms {mark} {}", l.t_ms, escape(&l.text));
    }
    s.push_str("</pre></details>\n");
}

fn svg(s: &mut String, p: &PortProbe, endpoint: &str) {
    let end = p
        .phases
        .iter()
        .map(|ph| ph.start_ms + ph.duration_ms)
        .max()
        .unwrap_or(0)
        .max(p.duration_ms)
        .max(1);
    let height = ROW * (p.phases.len() as u64 + 1) + 4;
    let _ = writeln!(
        s,
        "<svg class=\"waterfall\" xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {WIDTH} {height}\" role=\"img\" aria-label=\"Phases of {}\" data-phases=\"{}\">",
        escape(endpoint),
        p.phases.len()
    );
    // Axis: the probe's start and end.
    let axis_y = ROW * p.phases.len() as u64 + 2;
    let _ = writeln!(
        s,
        "<line class=\"axis\" x1=\"{LABEL}\" y1=\"{axis_y}\" x2=\"{}\" y2=\"{axis_y}\"/>\
         <text class=\"tick\" x=\"{LABEL}\" y=\"{}\">0 ms</text>\
         <text class=\"tick end\" x=\"{}\" y=\"{}\">{end} ms</text>",
        LABEL + BARS,
        axis_y + 14,
        LABEL + BARS,
        axis_y + 14
    );
    for (i, ph) in p.phases.iter().enumerate() {
        bar(s, p, ph, i as u64, end);
    }
    s.push_str("</svg>\n");
}

/// A login or test message the server refused is a dialogue that went well and an outcome that
/// did not: the bar shows the outcome.
fn refused(p: &PortProbe, ph: &Phase) -> bool {
    match ph.phase {
        PhaseName::Login => p.login.as_ref().is_some_and(|l| !l.logged_in()),
        PhaseName::Send => p.send.as_ref().is_some_and(|m| !m.accepted),
        _ => false,
    }
}

fn bar(s: &mut String, p: &PortProbe, ph: &Phase, row: u64, end: u64) {
    let (class, word, detail) = match outcome_words(&ph.outcome) {
        ("ok", _, _) if refused(p, ph) => ("fail", "refused", None),
        o => o,
    };
    let y = row * ROW;
    let x = LABEL + ph.start_ms.min(end) * BARS / end;
    // A phase of 0 ms still gets a visible sliver.
    let w = (ph.duration_ms * BARS / end).max(2).min(LABEL + BARS - x);
    let name = phase_words(ph.phase);
    let title = match detail {
        Some(d) => format!("{name}: {} ms, {word}: {d}", ph.duration_ms),
        None => format!("{name}: {} ms, {word}", ph.duration_ms),
    };
    let _ = writeln!(
        s,
        "<g class=\"phase\"><title>{}</title>\
         <text class=\"label\" x=\"0\" y=\"{}\">{}</text>\
         <rect class=\"bar {class}\" x=\"{x}\" y=\"{}\" width=\"{w}\" height=\"{}\" rx=\"2\" data-phase=\"{}\" data-ms=\"{}\"/>\
         <text class=\"dur {class}\" x=\"{}\" y=\"{}\">{} ms {}</text></g>",
        escape(&title),
        y + 14,
        escape(name),
        y + 3,
        ROW - 6,
        escape(name),
        ph.duration_ms,
        LABEL + BARS + 6,
        y + 14,
        ph.duration_ms,
        escape(&clip(word, 20)),
    );
}

/// What the server said, as text: the greeting, the capabilities, the TLS session.
fn details(s: &mut String, p: &PortProbe) {
    let mut rows: Vec<(&str, String)> = Vec::new();
    if let Some(g) = &p.greeting {
        rows.push(("greeting", reply_text(g)));
    }
    if let Some(c) = &p.capabilities {
        rows.push((
            if c.via == "capa" || c.via == "capability" {
                "capabilities"
            } else {
                "EHLO"
            },
            c.raw.join(" · "),
        ));
    }
    if let Some(r) = &p.starttls_reply {
        rows.push(("STARTTLS", reply_text(r)));
    }
    if let Some(t) = &p.tls {
        let mut words = vec![match t.mode {
            crate::evidence::TlsMode::Implicit => "implicit TLS".to_string(),
            crate::evidence::TlsMode::Starttls => "STARTTLS".to_string(),
        }];
        words.extend(t.version.clone());
        words.extend(t.cipher.clone());
        if let Some(e) = &t.error {
            words.push(format!("failed: {e}"));
        }
        rows.push(("TLS", words.join(", ")));
    }
    if let Some(c) = &p.capabilities_after_tls {
        rows.push(("after TLS", c.raw.join(" · ")));
    }
    if let Some(l) = &p.legacy_tls {
        let acc = l.accepted();
        rows.push((
            "legacy TLS",
            if acc.is_empty() {
                "no legacy version accepted".to_string()
            } else {
                format!("accepts {}", acc.join(", "))
            },
        ));
    }
    if let Some(a) = &p.alternate {
        rows.push((
            "other mode",
            format!(
                "{}: {}{}",
                a.role.name(),
                if a.works { "works" } else { "fails" },
                if a.detail.is_empty() {
                    String::new()
                } else {
                    format!(" ({})", a.detail)
                }
            ),
        ));
    }
    if let Some(l) = &p.login {
        let proto = p
            .role
            .map(|r| r.protocol())
            .unwrap_or(crate::evidence::Protocol::Smtp);
        let reply = l.reply.as_ref().map(reply_text).unwrap_or_default();
        rows.push((
            "login",
            format!(
                "{}: {} {reply}",
                l.method(proto),
                if l.logged_in() { "accepted" } else { "refused" }
            ),
        ));
    }
    if rows.is_empty() {
        return;
    }
    s.push_str("<dl class=\"said\">");
    for (k, v) in rows {
        let _ = write!(s, "<dt>{}</dt><dd><code>{}</code></dd>", k, escape(&v));
    }
    s.push_str("</dl>\n");
}

/// The reply as sent: its lines carry their own codes.
fn reply_text(r: &crate::evidence::Reply) -> String {
    r.text()
}
