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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::findings::Severity;
    use crate::report::Body;

    /// The rig's accepted test message (Postfix offers SMTPUTF8), to be edited per case.
    fn send_ok() -> CheckEvidence {
        let text = include_str!("../../fixtures/check/send-ok.json");
        match crate::report::load(text.as_bytes())
            .expect("fixture loads")
            .body
        {
            Body::Check(ev) => *ev,
            _ => panic!("send-ok.json is a check report"),
        }
    }

    fn without_smtputf8(ev: &mut CheckEvidence) {
        for p in &mut ev.configured.as_mut().unwrap().probes {
            for c in [&mut p.capabilities, &mut p.capabilities_after_tls]
                .into_iter()
                .flatten()
            {
                c.extensions.retain(|e| e != "SMTPUTF8");
                c.raw.retain(|l| l != "SMTPUTF8");
            }
        }
    }

    fn run(ev: &CheckEvidence) -> Vec<Finding> {
        let mut out = Vec::new();
        findings(ev, &mut out);
        out
    }

    #[test]
    fn a_non_ascii_local_part_needs_smtputf8() {
        let utf8_from = |ev: &mut CheckEvidence| {
            ev.settings.from.as_mut().unwrap().value = "jürgen@good.mxray.test".into();
        };
        let utf8_to = |ev: &mut CheckEvidence| {
            let p = &mut ev.configured.as_mut().unwrap().probes[0];
            let send = p.send.as_mut().unwrap();
            send.to = "zoë@mxray.test".into();
            send.smtputf8 = Some(false);
        };
        type Edit = fn(&mut CheckEvidence);
        // (edits, the addresses named) — None: no finding.
        let cases: Vec<(&str, Vec<Edit>, Option<&str>)> = vec![
            ("ASCII addresses, SMTPUTF8 offered", vec![], None),
            ("ASCII addresses, no SMTPUTF8", vec![without_smtputf8], None),
            ("UTF-8 sender, SMTPUTF8 offered", vec![utf8_from], None),
            (
                "UTF-8 sender, no SMTPUTF8",
                vec![utf8_from, without_smtputf8],
                Some("the sender jürgen@good.mxray.test"),
            ),
            (
                "UTF-8 recipient, no SMTPUTF8",
                vec![utf8_to, without_smtputf8],
                Some("the recipient zoë@mxray.test"),
            ),
            (
                "both UTF-8, no SMTPUTF8",
                vec![utf8_from, utf8_to, without_smtputf8],
                Some("the sender jürgen@good.mxray.test, the recipient zoë@mxray.test"),
            ),
            (
                "a non-ASCII domain alone travels as its A-label",
                vec![
                    |ev: &mut CheckEvidence| {
                        ev.settings.from.as_mut().unwrap().value = "alice@bücher.example".into();
                    },
                    without_smtputf8,
                ],
                None,
            ),
            (
                "reading side: SMTP only",
                vec![utf8_from, without_smtputf8, |ev: &mut CheckEvidence| {
                    ev.settings.protocol = Protocol::Imap
                }],
                None,
            ),
        ];
        for (case, edits, named) in cases {
            let mut ev = send_ok();
            for edit in &edits {
                edit(&mut ev);
            }
            let got = run(&ev);
            let Some(named) = named else {
                assert!(got.is_empty(), "{case}: {got:?}");
                continue;
            };
            assert_eq!(got.len(), 1, "{case}: {got:?}");
            let f = &got[0];
            assert_eq!(f.code, "smtp.smtputf8-missing", "{case}");
            assert_eq!(f.severity, Severity::Error, "{case}");
            assert_eq!(
                f.summary,
                format!(
                    "this server does not offer SMTPUTF8, so mail with a non-ASCII address \
                     ({named}) cannot be sent through it"
                ),
                "{case}"
            );
            assert!(
                f.evidence[0].starts_with("EHLO keywords: ") && !f.evidence[0].contains("SMTPUTF8"),
                "{case}: {:?}",
                f.evidence
            );
            let refused_send = f.evidence.iter().any(|e| e.contains("RFC 6531 forbids"));
            assert_eq!(refused_send, named.contains("recipient"), "{case}");
        }
    }
}
