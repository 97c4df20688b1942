//! `dkim.*` and `dmarc.*`: keys at the given or guessed selectors, and the DMARC policy with
//! its reporting addresses.

use crate::evidence::domain::{DkimEvidence, DmarcEvidence};
use crate::evidence::Lookup;
use crate::findings::{Finding, Severity};
use crate::policy::dkim::{self, KeyType};
use crate::policy::dmarc::{self, Policy};

pub fn dkim_rules(domain: &str, ev: &DkimEvidence, out: &mut Vec<Finding>) {
    let mut valid = 0;
    let mut revoked = Vec::new();
    let mut found_any = false;
    let mut failed = Vec::new();
    for s in &ev.selectors {
        let name = format!("{}._domainkey.{domain}", s.selector);
        // A lookup that timed out or failed says nothing about the key: "could not check".
        if s.lookup.records.is_empty() && s.lookup.status.is_failure() {
            failed.push(format!(
                "{name} TXT: {}",
                s.lookup
                    .error
                    .clone()
                    .unwrap_or_else(|| crate::diagnose::status_words(s.lookup.status).to_string())
            ));
            continue;
        }
        if s.lookup.records.is_empty() {
            if ev.given {
                out.push(
                    Finding::new(
                        crate::code!("dkim.not-found"),
                        &name,
                        format!("no DKIM key is published at selector `{}`", s.selector),
                    )
                    .severity(Severity::Error)
                    .evidence(format!(
                        "{name} TXT: {}",
                        crate::diagnose::status_words(s.lookup.status)
                    )),
                );
            }
            continue;
        }
        found_any = true;
        let text = s.lookup.records.join("");
        match dkim::parse(&text) {
            Err(e) => out.push(
                Finding::new(
                    crate::code!("dkim.syntax"),
                    &name,
                    format!(
                        "the DKIM key record at selector `{}` does not parse: {}",
                        s.selector, e.message
                    ),
                )
                .evidence(text.chars().take(200).collect::<String>()),
            ),
            Ok(k) => match key_rules(&name, &s.selector, &text, &k, out) {
                KeyState::Valid => valid += 1,
                KeyState::Revoked => revoked.push(name.clone()),
                KeyState::Unusable => {}
            },
        }
    }
    for name in revoked {
        let f = Finding::new(
            crate::code!("dkim.revoked"),
            &name,
            "this DKIM selector holds a revoked key (empty p=): signatures with it fail",
        )
        .evidence(format!("{name}: p= is empty"));
        out.push(if valid > 0 {
            f.severity(Severity::Info)
        } else {
            f
        });
    }
    // Given selectors are each asked for; guessed ones matter only while nothing was found.
    if !failed.is_empty() && (ev.given || !found_any) {
        let mut f = Finding::new(
            crate::code!("dkim.lookup-failed"),
            domain,
            format!(
                "{} of {} DKIM selector lookups failed, so mxray could not check whether a key is published there",
                failed.len(),
                ev.selectors.len()
            ),
        );
        for line in &failed {
            f = f.evidence(line.clone());
        }
        out.push(f);
    }
    if !found_any && !ev.given && failed.is_empty() {
        let tried: Vec<&str> = ev.selectors.iter().map(|s| s.selector.as_str()).collect();
        out.push(
            Finding::new(crate::code!("dkim.not-found"), domain, "no DKIM key found at the usual selectors; the domain may still sign with a selector mxray cannot guess")
                .evidence(format!("selectors tried: {}", tried.join(", ")))
                .fix("Look up the selector in a received message's DKIM-Signature header (`s=`) and run again with `--dkim-selector SELECTOR`. If the domain does not sign, enable DKIM at the mail provider and publish its key."),
        );
    }
}

/// What a parsed DKIM key counts as in the selector totals.
enum KeyState {
    Valid,
    Revoked,
    Unusable,
}

/// The findings about one parsed key (unusable, testing, weak) and what it counts as.
fn key_rules(
    name: &str,
    selector: &str,
    text: &str,
    k: &dkim::DkimKey,
    out: &mut Vec<Finding>,
) -> KeyState {
    if let (Some(err), true) = (&k.key_error, k.absurd_size()) {
        let size = match k.key_bits {
            Some(bits) => format!("RSA modulus: {bits} bits"),
            None => format!("p=: {} characters", k.public_key.len()),
        };
        out.push(
            Finding::new(
                crate::code!("dkim.key-invalid"),
                name,
                format!("the DKIM key at `{}` is unusable: {err}", selector),
            )
            .evidence(size)
            .evidence(format!("record: {} characters", text.len())),
        );
        return KeyState::Unusable;
    }
    if let Some(err) = &k.key_error {
        out.push(Finding::new(
            crate::code!("dkim.syntax"),
            name,
            format!(
                "the key in the DKIM record at `{}` is unusable: {err}",
                selector
            ),
        ));
        return KeyState::Unusable;
    }
    if k.revoked {
        return KeyState::Revoked;
    }
    if k.testing {
        out.push(
            Finding::new(crate::code!("dkim.testing"), name, format!("the DKIM key at `{selector}` is flagged as testing (t=y): receivers may treat failures leniently"))
                .evidence(text.chars().take(120).collect::<String>()),
        );
    }
    if let (KeyType::Rsa, Some(bits)) = (&k.key_type, k.key_bits) {
        if bits < 2048 {
            let f = Finding::new(
                crate::code!("dkim.key-weak"),
                name,
                format!(
                    "the DKIM key at `{}` is RSA {bits}-bit; 2048 bits is today's minimum",
                    selector
                ),
            )
            .evidence(format!("RSA modulus: {bits} bits"));
            out.push(if bits < 1024 {
                f.severity(Severity::Error)
            } else {
                f
            });
        }
    }
    KeyState::Valid
}

pub fn dmarc_rules(domain: &str, ev: &DmarcEvidence, out: &mut Vec<Finding>) {
    let hit = ev
        .lookups
        .iter()
        .enumerate()
        .find(|(_, l)| l.records.iter().any(|r| dmarc::is_dmarc(r)));
    let Some((index, lookup)) = hit else {
        if let Some(failed) = ev.lookups.iter().find(|l| l.status.is_failure()) {
            out.push(
                Finding::new(
                    crate::code!("dns.lookup-failed"),
                    format!("{} TXT", failed.name),
                    format!("the DMARC lookup {} failed", failed.name),
                )
                .evidence(failed.error.clone().unwrap_or_default()),
            );
            return;
        }
        let asked: Vec<&str> = ev.lookups.iter().map(|l| l.name.as_str()).collect();
        out.push(
            Finding::new(crate::code!("dmarc.missing"), format!("_dmarc.{domain}"), format!("{domain} has no DMARC policy: receivers get no instruction for mail that fails SPF and DKIM, and you get no reports"))
                .evidence(format!("no v=DMARC1 record at {}", asked.join(", ")))
                .fix(format!("Publish a TXT record at `_dmarc.{domain}`: start with `v=DMARC1; p=none; rua=mailto:dmarc@{domain}` to collect reports, make sure your mail passes SPF or DKIM with alignment, then move to `p=quarantine` and finally `p=reject`.")),
        );
        return;
    };
    let records: Vec<&String> = lookup
        .records
        .iter()
        .filter(|r| dmarc::is_dmarc(r))
        .collect();
    let subj = lookup.name.clone();
    if index > 0 {
        out.push(
            Finding::new(
                crate::code!("dmarc.missing"),
                format!("_dmarc.{domain}"),
                format!(
                    "{domain} has no DMARC record of its own; the policy of {} applies",
                    lookup.name.trim_start_matches("_dmarc.")
                ),
            )
            .severity(Severity::Info)
            .evidence(format!("found at {}", lookup.name)),
        );
    }
    if records.len() > 1 {
        let mut f = Finding::new(
            crate::code!("dmarc.multiple-records"),
            &subj,
            format!(
                "{} holds {} DMARC records; receivers then ignore DMARC entirely",
                lookup.name,
                records.len()
            ),
        );
        for r in &records {
            f = f.evidence((*r).clone());
        }
        out.push(f);
        return;
    }
    let Some(&text) = records.first() else {
        return;
    };
    let d = match dmarc::parse(text) {
        Ok(d) => d,
        Err(e) => {
            out.push(
                Finding::new(
                    crate::code!("dmarc.syntax"),
                    &subj,
                    format!("the DMARC record does not parse: {}", e.message),
                )
                .evidence(text.clone()),
            );
            return;
        }
    };
    if d.p == Policy::None {
        out.push(
            Finding::new(crate::code!("dmarc.policy-none"), &subj, "DMARC is p=none: monitoring only, mail that fails authentication is still delivered")
                .evidence(text.clone()),
        );
    }
    if d.pct < 100 {
        out.push(
            Finding::new(
                crate::code!("dmarc.partial-pct"),
                &subj,
                format!(
                    "the DMARC policy applies to only {}% of failing mail (pct={})",
                    d.pct, d.pct
                ),
            )
            .evidence(text.clone()),
        );
    } else if d.t {
        out.push(
            Finding::new(
                crate::code!("dmarc.partial-pct"),
                &subj,
                "the DMARC policy is in testing mode (t=y): receivers apply a weaker policy",
            )
            .evidence(text.clone()),
        );
    }
    if d.rua.is_empty() {
        out.push(Finding::new(crate::code!("dmarc.no-reports"), &subj, "the DMARC record asks for no aggregate reports (no rua=), so you never learn who sends as your domain").evidence(text.clone()));
    }
    report_auth_rules(&subj, &ev.report_auth, out);
}

/// Each report domain's authorization (RFC 7489 §7.1): missing, or unknown when the lookup failed.
fn report_auth_rules(subj: &str, report_auth: &[Lookup], out: &mut Vec<Finding>) {
    for auth in report_auth {
        if auth.status.is_failure() {
            // No answer is not a refusal: the authorization is unknown.
            out.push(
                Finding::new(
                    crate::code!("dns.lookup-failed"),
                    format!("{} TXT", auth.name),
                    "the lookup of a report domain's DMARC authorization failed, so whether it accepts the reports is unknown",
                )
                .evidence(format!(
                    "{} TXT: {}",
                    auth.name,
                    crate::diagnose::status_words(auth.status)
                )),
            );
        } else if !auth.records.iter().any(|r| dmarc::is_dmarc(r)) {
            out.push(
                Finding::new(crate::code!("dmarc.report-auth-missing"), subj, format!("reports go to another domain that has not agreed to receive them, so receivers drop them ({} missing)", auth.name))
                    .evidence(format!("{} TXT: {}", auth.name, crate::diagnose::status_words(auth.status))),
            );
        }
    }
}
