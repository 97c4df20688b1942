//! Internationalised addresses (EAI, RFC 6531): a non-ASCII local part (`jürgen@…`) can only
//! travel through servers that offer SMTPUTF8. A non-ASCII domain alone needs nothing: its
//! A-label form is sent.

use crate::evidence::check::CheckEvidence;
use crate::evidence::Protocol;
use crate::findings::Finding;
use crate::names::local_part_is_utf8;

pub fn findings(ev: &CheckEvidence, out: &mut Vec<Finding>) {
    let s = &ev.settings;
    if s.protocol != Protocol::Smtp {
        return;
    }
    let Some(c) = &ev.configured else { return };
    for p in &c.probes {
        let Some(caps) = p.best_capabilities() else {
            continue;
        };
        let offered = caps.extensions.iter().any(|e| e == "SMTPUTF8");
        let mut utf8: Vec<(String, &str)> = Vec::new();
        let sender = s
            .from
            .as_ref()
            .or(s.user.as_ref().filter(|u| u.value.contains('@')));
        if let Some(f) = sender.filter(|f| local_part_is_utf8(&f.value)) {
            utf8.push((f.value.clone(), "the sender"));
        }
        if let Some(send) = &p.send {
            if local_part_is_utf8(&send.to) {
                utf8.push((send.to.clone(), "the recipient"));
            }
        }
        if offered || utf8.is_empty() {
            continue;
        }
        let who: Vec<String> = utf8.iter().map(|(a, role)| format!("{role} {a}")).collect();
        let mut f = Finding::new(
            crate::code!("smtp.smtputf8-missing"),
            p.endpoint(),
            format!(
                "this server does not offer SMTPUTF8, so mail with a non-ASCII address ({}) cannot be sent through it",
                who.join(", ")
            ),
        )
        .evidence(format!(
            "EHLO keywords: {}",
            if caps.raw.is_empty() {
                "none".to_string()
            } else {
                caps.raw.join(" ")
            }
        ));
        if p.send.as_ref().is_some_and(|m| m.smtputf8 == Some(false)) {
            f = f.evidence("the test message was not sent: RFC 6531 forbids handing a UTF-8 address to a server without SMTPUTF8");
        }
        out.push(f);
    }
}
