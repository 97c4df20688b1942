//! `mxray check`: the From domain's records (would the receiver accept what the submission
//! server passes on?) and the `--send-to` test message.

use super::domain::{auth_records, spf};
use crate::evidence::check::FromDomainEvidence;
use crate::evidence::domain::SpfNode;
use crate::evidence::SendAttempt;
use crate::findings::{Finding, Severity};
use crate::knowledge::replies;

pub fn from_domain(ev: &FromDomainEvidence, out: &mut Vec<Finding>) {
    let d = &ev.domain;
    let origin = format!(
        "From domain {d}, of {} (from {})",
        ev.address.value, ev.address.source
    );
    let mut found = Vec::new();
    spf::rules(d, &ev.spf, &mut found);
    if !ev.spf.records.is_empty() {
        permission(ev, &mut found);
    }
    auth_records::dkim_rules(d, &ev.dkim, &mut found);
    auth_records::dmarc_rules(d, &ev.dmarc, &mut found);
    for mut f in found {
        // A test message from a domain without SPF is the bounce the user came to avoid.
        if f.code == "spf.missing" && ev.sending {
            f = f.severity(Severity::Error);
        }
        out.push(f.evidence(origin.clone()));
    }
}

/// Is the submission server allowed to send for the domain: by the provider's documented
/// include (its outgoing servers differ from the submission host's address), else by
/// check_host() of the submission host's own addresses.
fn permission(ev: &FromDomainEvidence, out: &mut Vec<Finding>) {
    let names = spf_names(&ev.spf);
    let included = ev
        .provider_includes
        .iter()
        .find(|i| names.iter().any(|n| n.eq_ignore_ascii_case(i)));
    if included.is_some() {
        return;
    }
    let passes = !ev.evaluations.is_empty() && ev.evaluations.iter().all(|e| e.result == "pass");
    if passes {
        return;
    }
    match (&ev.submission_provider, ev.provider_includes.first()) {
        (Some(provider), Some(include)) => {
            let mut f = Finding::new(
                crate::code!("spf.sender-not-permitted"),
                &ev.domain,
                format!(
                    "{}'s SPF record does not include {include}, so mail sent through {} ({provider}) fails SPF at the receiver",
                    ev.domain, ev.submission_host
                ),
            )
            .evidence(format!(
                "{provider} asks its customers to publish `include:{include}`; the record includes: {}",
                if names.len() > 1 { names.get(1..).unwrap_or_default().join(", ") } else { "nothing".into() }
            ))
            .fix(format!(
                "Add `include:{include}` to the SPF record of {} (one TXT record, e.g. `v=spf1 include:{include} ~all`, keeping your other senders), or send as an address of a domain that permits {provider}.",
                ev.domain
            ));
            for e in &ev.evaluations {
                f = f.evidence(format!(
                    "check_host({}, {}) = {}",
                    e.ip, ev.domain, e.result
                ));
            }
            out.push(f);
        }
        _ => {
            let failing: Vec<_> = ev
                .evaluations
                .iter()
                .filter(|e| e.result != "pass")
                .collect();
            let Some(first) = failing.first() else {
                return;
            };
            let ips: Vec<String> = failing.iter().map(|e| e.ip.to_string()).collect();
            let meaning = match first.result.as_str() {
                "fail" => "explicitly not allowed (fail): receivers reject or junk the mail",
                "softfail" => "probably not allowed (softfail): receivers usually junk the mail",
                "neutral" => "neither allowed nor denied (neutral): the mail gets no SPF credit",
                "permerror" => "unjudgeable: the SPF policy is broken (permerror), so SPF fails",
                _ => "unjudgeable right now (temperror): a DNS lookup failed",
            };
            let mut f = Finding::new(
                crate::code!("spf.sender-not-permitted"),
                &ev.domain,
                format!(
                    "the submission server {} ({}) is {meaning} sent as {}",
                    ev.submission_host,
                    ips.join(", "),
                    ev.domain
                ),
            )
            .evidence(
                "mxray checked the submission server's own addresses; a server that passes mail on through other addresses may still pass",
            );
            for e in &failing {
                f = f.evidence(format!(
                    "check_host({}, {}, {}) = {} after {} DNS lookups",
                    e.ip, ev.domain, e.mail_from, e.result, e.lookups
                ));
            }
            for line in &first.path {
                f = f.evidence(line.clone());
            }
            out.push(f);
        }
    }
}

/// The domains of the SPF tree: the root and every include/redirect target.
fn spf_names(tree: &SpfNode) -> Vec<String> {
    let mut v = vec![tree.domain.clone()];
    for c in &tree.children {
        v.extend(spf_names(c));
    }
    v
}

/// The test message's refusal, at whichever step it came.
pub fn send(s: &SendAttempt, subject: &str, out: &mut Vec<Finding>) {
    // Not sent for want of SMTPUTF8: check_eai says so.
    if s.accepted || s.smtputf8 == Some(false) {
        return;
    }
    let steps = [
        (format!("MAIL FROM:<{}>", s.from), &s.mail_reply),
        (format!("RCPT TO:<{}>", s.to), &s.rcpt_reply),
        ("DATA".to_string(), &s.data_reply),
        ("the message".to_string(), &s.final_reply),
    ];
    // The last step that got a reply is where it stopped.
    let last = steps.iter().rposition(|(_, r)| r.is_some());
    let stop = last.and_then(|i| steps.get(i));
    let Some((step, Some(reply))) = stop else {
        out.push(Finding::new(
            crate::code!("smtp.message-rejected"),
            subject,
            "the connection broke off before the server answered MAIL FROM",
        ));
        return;
    };
    let code = match replies::classify(reply) {
        Some("auth.sender-not-owned") => "auth.sender-not-owned",
        _ => "smtp.message-rejected",
    };
    let positive = reply.code.is_some_and(|c| (200..400).contains(&c));
    let summary = if positive {
        let next = last
            .and_then(|i| steps.get(i + 1))
            .map(|(s, _)| s.as_str())
            .unwrap_or("the next step");
        format!(
            "the server answered {step} ({}) but not {next}: no reply in time, or the connection broke off",
            reply.text()
        )
    } else {
        format!("the server refused {step}: {}", reply.text())
    };
    out.push(
        Finding::new(code, subject, summary)
            .evidence(format!("test message {} → {}", s.message_id, s.to))
            .evidence(format!("{step} → {}", reply.text())),
    );
}

#[cfg(test)]
#[path = "check_from_tests.rs"]
mod tests;
