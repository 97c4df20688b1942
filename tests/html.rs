//! `--format html`: every saved run in fixtures/ is diagnosed again and rendered to a page, which
//! an HTML parser reads back: a section per finding with its code, summary and fix, a waterfall
//! bar per recorded phase of every port, a diagram box per SPF record, a time line bar per
//! certificate, the strict CSP, no script and no external URL. A second test pushes hostile
//! strings through every server-, DNS- and user-supplied field and checks the DOM.

#[path = "common/fixtures.rs"]
mod fixture_files;

use mxray::evidence::domain::SpfNode;
use mxray::evidence::{PhaseName, PortProbe, ServerEvidence};
use mxray::render::{html, RenderOptions};
use mxray::report::{finalize, Body, FailOn, Report};
use scraper::{ElementRef, Html, Selector};
use std::collections::BTreeSet;
use std::path::Path;
use std::process::Command;

fn load(path: &Path) -> Report {
    let text = std::fs::read_to_string(path).unwrap();
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// What `mxray diagnose` does before rendering.
fn rediagnose(mut report: Report) -> Report {
    let now = report.started_unix().expect("started_at");
    let mut findings = mxray::diagnose::diagnose(&report.body, now);
    report.summary = finalize(&mut findings, &[], FailOn::Error);
    report.findings = findings;
    report.advice = mxray::diagnose::advice::advice(&report.body, &report.findings);
    report
}

fn sel(s: &str) -> Selector {
    Selector::parse(s).unwrap()
}

fn text(e: ElementRef) -> String {
    e.text().collect::<String>()
}

/// The servers the page shows, in its order.
fn servers(report: &Report) -> Vec<&ServerEvidence> {
    match &report.body {
        Body::Server(ev) => vec![ev],
        Body::Domain(ev) => ev.servers.iter().collect(),
        Body::Check(ev) => ev
            .configured
            .iter()
            .chain(ev.alternatives.iter().filter(|a| !a.probes.is_empty()))
            .chain(
                ev.discovery
                    .iter()
                    .flat_map(|d| d.candidates.iter())
                    .filter_map(|c| c.probe.as_ref()),
            )
            .collect(),
    }
}

fn spf_nodes(n: &SpfNode) -> usize {
    1 + n.children.iter().map(spf_nodes).sum::<usize>()
}

/// Distinct certificate chains per server (by leaf fingerprint), each with its length.
fn chains(ev: &ServerEvidence) -> Vec<usize> {
    let mut seen: Vec<(String, usize)> = Vec::new();
    for p in &ev.probes {
        let modern = p.tls.iter().map(|t| &t.chain);
        let legacy = p.legacy_tls.iter().map(|l| &l.chain);
        for chain in modern.chain(legacy) {
            if let Some(leaf) = chain.first() {
                if !seen.iter().any(|s| s.0 == leaf.sha256) {
                    seen.push((leaf.sha256.clone(), chain.len()));
                }
            }
        }
    }
    seen.into_iter().map(|s| s.1).collect()
}

/// The page-wide rules: the CSP, nothing that runs, nothing that loads.
fn assert_inert(doc: &Html, name: &str) {
    let csp: Vec<_> = doc
        .select(&sel("head meta[http-equiv=\"Content-Security-Policy\"]"))
        .collect();
    assert_eq!(csp.len(), 1, "{name}: one CSP meta");
    assert_eq!(
        csp[0].value().attr("content"),
        Some("default-src 'none'; style-src 'unsafe-inline'; img-src data:"),
        "{name}"
    );
    for forbidden in [
        "script", "img", "iframe", "object", "embed", "link", "base", "form",
    ] {
        assert_eq!(
            doc.select(&sel(forbidden)).count(),
            0,
            "{name}: <{forbidden}> in the page"
        );
    }
    assert_eq!(doc.select(&sel("style")).count(), 1, "{name}: one <style>");
    for e in doc
        .root_element()
        .descendants()
        .filter_map(ElementRef::wrap)
    {
        for (attr, value) in e.value().attrs() {
            assert!(
                !attr.to_ascii_lowercase().starts_with("on"),
                "{name}: event handler {attr} on <{}>",
                e.value().name()
            );
            if matches!(attr, "src" | "href" | "xlink:href" | "action" | "srcset") {
                let v = value.to_ascii_lowercase();
                assert!(
                    !v.contains("http:") && !v.contains("https:") && !v.starts_with("//"),
                    "{name}: external URL in {attr}={value:?}"
                );
            }
        }
    }
}

fn assert_structure(report: &Report, page: &str, name: &str) {
    let doc = Html::parse_document(page);
    assert_inert(&doc, name);

    // The verdict: the worst counted finding in plain words, or that nothing is wrong.
    let verdict = doc.select(&sel("#verdict h2")).next().expect("verdict");
    let worst = report
        .findings
        .iter()
        .filter(|f| !f.ignored)
        .max_by_key(|f| f.severity)
        .filter(|f| f.severity > mxray::findings::Severity::Info);
    assert_eq!(
        text(verdict),
        worst.map_or("No problems found", |f| f.summary.as_str()),
        "{name}: verdict"
    );

    assert_findings(&doc, report, name);
    assert_waterfalls(&doc, report, name);
    assert_certificates_and_spf(&doc, report, name);
    assert_body_sections(&doc, report, name);
}

fn assert_findings(doc: &Html, report: &Report, name: &str) {
    // One section per finding, grouped by severity (the report's order), each with its fix.
    let sections: Vec<_> = doc.select(&sel("section.finding")).collect();
    assert_eq!(sections.len(), report.findings.len(), "{name}: findings");
    for (s, f) in sections.iter().zip(&report.findings) {
        assert_eq!(s.value().attr("data-code"), Some(f.code.as_str()), "{name}");
        assert_eq!(
            s.value().attr("data-severity"),
            Some(f.severity.label()),
            "{name}"
        );
        let code = s.select(&sel("code.code")).next().expect("code");
        assert_eq!(text(code), f.code, "{name}");
        let summary = s.select(&sel("p.summary")).next().expect("summary");
        assert_eq!(text(summary), f.summary, "{name}");
        let fix = s.select(&sel("p.fix")).next().expect("fix");
        assert_eq!(text(fix), f.fix, "{name}: fix of {}", f.code);
        let seen: Vec<String> = s.select(&sel("ul.evidence li")).map(text).collect();
        assert_eq!(seen, f.evidence, "{name}: evidence of {}", f.code);
        let info = mxray::findings::catalogue::lookup(&f.code).expect("catalogued");
        let why = s.select(&sel("p.why")).next().expect("why");
        assert_eq!(text(why), info.why, "{name}");
    }
}

fn assert_waterfalls(doc: &Html, report: &Report, name: &str) {
    // The waterfall: one SVG per port probe, one bar per recorded phase, in order.
    let probes: Vec<&PortProbe> = servers(report)
        .into_iter()
        .flat_map(|s| s.probes.iter())
        .collect();
    let falls: Vec<_> = doc.select(&sel("svg.waterfall")).collect();
    assert_eq!(falls.len(), probes.len(), "{name}: waterfalls");
    for (svg, p) in falls.iter().zip(&probes) {
        let bars: Vec<_> = svg.select(&sel("rect.bar")).collect();
        assert_eq!(
            bars.len(),
            p.phases.len(),
            "{name}: bars of {}",
            p.endpoint()
        );
        for (bar, ph) in bars.iter().zip(&p.phases) {
            assert_eq!(
                bar.value().attr("data-ms"),
                Some(ph.duration_ms.to_string().as_str()),
                "{name}"
            );
            let class = bar.value().attr("class").unwrap();
            // A refused login or message is shown as such, though the dialogue went well.
            let refused = match ph.phase {
                PhaseName::Login => p.login.as_ref().is_some_and(|l| !l.logged_in()),
                PhaseName::Send => p.send.as_ref().is_some_and(|m| !m.accepted),
                _ => false,
            };
            assert_eq!(
                class.contains(" ok"),
                ph.outcome.is_ok() && !refused,
                "{name}: {class} for {:?}",
                ph.outcome
            );
        }
    }
}

fn assert_certificates_and_spf(doc: &Html, report: &Report, name: &str) {
    // Certificates: each distinct chain once, a time line bar per certificate.
    let want: Vec<usize> = servers(report).into_iter().flat_map(chains).collect();
    let got: Vec<usize> = doc
        .select(&sel("section.chain svg.timeline"))
        .map(|svg| svg.select(&sel("g.cert rect.bar")).count())
        .collect();
    assert_eq!(got, want, "{name}: certificate time lines");
    assert_eq!(
        doc.select(&sel("section.chain svg.timeline line.now"))
            .count(),
        want.len(),
        "{name}"
    );

    // The SPF diagram: one node per record of the tree.
    let trees: Vec<&SpfNode> = match &report.body {
        Body::Domain(ev) => vec![&ev.spf.tree],
        Body::Check(ev) => ev.from_domain.iter().map(|f| &f.spf).collect(),
        Body::Server(_) => vec![],
    };
    let diagrams: Vec<_> = doc.select(&sel("svg.spf")).collect();
    assert_eq!(diagrams.len(), trees.len(), "{name}: SPF diagrams");
    for (svg, tree) in diagrams.iter().zip(&trees) {
        assert_eq!(
            svg.select(&sel("g.spf-node")).count(),
            spf_nodes(tree),
            "{name}: SPF nodes"
        );
        let root = svg.select(&sel("g.spf-node")).next().unwrap();
        assert_eq!(root.value().attr("data-domain"), Some(tree.domain.as_str()));
    }
}

/// The parts only a domain or a check report has: the policy table, areas, SPF meter and MX
/// rows; the settings to use.
fn assert_body_sections(doc: &Html, report: &Report, name: &str) {
    match &report.body {
        Body::Domain(ev) => {
            let kinds: BTreeSet<String> = doc
                .select(&sel("table.policies tbody th"))
                .map(text)
                .collect();
            for k in ["DMARC", "MTA-STS", "TLS-RPT", "DANE", "DKIM"] {
                assert!(kinds.contains(k), "{name}: no {k} row in {kinds:?}");
            }
            let areas = doc.select(&sel("table.areas tr")).count();
            assert_eq!(areas, report.advice.areas.len(), "{name}");
            if let Some(t) = &report.advice.spf {
                let meter = doc.select(&sel("p.meter span")).next().expect("meter");
                assert_eq!(
                    text(meter),
                    format!("{} / {} DNS lookups", t.lookups, t.max_lookups)
                );
            }
            assert_eq!(
                doc.select(&sel("table.mx tbody tr")).count(),
                ev.mx.hosts.len(),
                "{name}"
            );
        }
        Body::Check(_) => {
            if let Some(mxray::advice::SettingsAdvice::Use { blocks, .. }) = &report.advice.settings
            {
                let dl: Vec<_> = doc.select(&sel("#use dl.settings")).collect();
                assert_eq!(dl.len(), blocks.len(), "{name}");
                let codes: Vec<String> = dl[0].select(&sel("dd code")).map(text).collect();
                assert_eq!(
                    codes,
                    [
                        blocks[0].server.clone(),
                        blocks[0].port.to_string(),
                        blocks[0].security.clone(),
                        blocks[0].username.clone()
                    ],
                    "{name}"
                );
            }
        }
        Body::Server(_) => {}
    }
}

#[test]
fn every_fixture_renders_to_a_structured_inert_page() {
    let mut codes = BTreeSet::new();
    for path in fixture_files::all() {
        let report = rediagnose(load(&path));
        let name = path.display().to_string();
        let page = html::render(&report, &RenderOptions::default());
        assert!(page.starts_with("<!DOCTYPE html>\n"), "{name}");
        assert_structure(&report, &page, &name);
        codes.extend(report.findings.iter().map(|f| f.code.clone()));
        // The rig's passwords never reach a page (they are not in the report to begin with).
        for secret in ["mxray-rig-alice", "mxray-rig-bob"] {
            assert!(!page.contains(secret), "{name} shows a password");
        }
    }
    // The fixtures cover the shapes the page must handle.
    for code in [
        "tls.cert-expired",
        "spf.too-many-lookups",
        "auth.bad-credentials",
    ] {
        assert!(codes.contains(code), "no fixture shows {code}");
    }
}

#[test]
fn diagnose_writes_the_page_and_keeps_the_exit_status() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/check/wrong-password.json");
    let out = Command::new(env!("CARGO_BIN_EXE_mxray"))
        .args(["diagnose", path.to_str().unwrap(), "--format", "html"])
        .output()
        .expect("run mxray");
    assert_eq!(out.status.code(), Some(1), "an error finding fails the run");
    let page = String::from_utf8(out.stdout).unwrap();
    let doc = Html::parse_document(&page);
    assert_inert(&doc, "wrong-password");
    let verdict = text(doc.select(&sel("#verdict h2")).next().unwrap());
    assert!(
        verdict.starts_with("the server refused the login: 535 5.7.8"),
        "{verdict}"
    );
    let codes: Vec<&str> = doc
        .select(&sel("section.finding"))
        .filter_map(|s| s.value().attr("data-code"))
        .collect();
    assert_eq!(codes, ["auth.bad-credentials"]);
    let login = doc
        .select(&sel("svg.waterfall rect.bar[data-phase=\"AUTH / login\"]"))
        .next()
        .expect("login bar");
    assert_eq!(login.value().attr("class"), Some("bar fail"));
    let title = text(doc.select(&sel("#use h2")).next().unwrap());
    assert_eq!(title, "Use these connection settings");
}

// ───────────────────────────── hostile strings ─────────────────────────────

const SCRIPT: &str = "<script>alert(1)</script>";
const IMG: &str = "\"><img src=x onerror=alert(1)>";
const STYLE: &str = "</style><script>alert(2)</script>";
const ATTR: &str = "' onmouseover='alert(3)";
const CONTROL: &str = "\u{1b}[31mred\u{7}\u{0}\u{85}end";

fn hostile(tag: &str) -> String {
    format!("{tag} {SCRIPT} {IMG} {STYLE} {ATTR} {CONTROL}")
}

fn poison_server(ev: &mut ServerEvidence, n: &mut usize) {
    let mut next = |what: &str| {
        *n += 1;
        hostile(&format!("{what}#{n}"))
    };
    ev.host = next("host");
    for a in &mut ev.resolution.addresses {
        a.ptr.records = vec![next("ptr")];
    }
    for p in &mut ev.probes {
        p.sniffed = Some(next("sniffed"));
        if let Some(g) = &mut p.greeting {
            g.lines = vec![next("banner")];
        }
        for c in [&mut p.capabilities, &mut p.capabilities_after_tls]
            .into_iter()
            .flatten()
        {
            c.raw.push(next("ehlo"));
            c.server_name = Some(next("ehlo-name"));
        }
        if let Some(r) = &mut p.starttls_reply {
            r.lines = vec![next("starttls")];
        }
        for ph in &mut p.phases {
            if let mxray::evidence::Outcome::Error { detail } = &mut ph.outcome {
                *detail = next("phase");
            }
        }
        if let Some(t) = &mut p.tls {
            t.error = t.error.as_ref().map(|_| next("tls-error"));
            t.cipher = Some(next("cipher"));
            for c in &mut t.chain {
                c.subject = next("subject");
                c.issuer = next("issuer");
                c.subject_cn = Some(next("cn"));
                c.sans.push(next("san"));
            }
            if let Some(v) = &mut t.verification {
                v.trust_error = Some(next("trust"));
                v.checked_name = Some(next("checked"));
            }
        }
        if let Some(l) = &mut p.login {
            if let Some(r) = &mut l.reply {
                r.lines = vec![next("auth-reply")];
            }
        }
        for line in &mut p.transcript {
            line.text = next("transcript");
        }
    }
}

fn poison_spf(n: &mut SpfNode, k: &mut usize) {
    *k += 1;
    n.records = vec![format!("v=spf1 {} -all", hostile(&format!("txt#{k}")))];
    for c in &mut n.children {
        // An include's target comes from the TXT record above it.
        c.domain = hostile(&format!("include#{k}"));
        poison_spf(c, k);
    }
}

/// Every field a server, a DNS zone or the user controls, in the three kinds of report.
fn poisoned(path: &str) -> Report {
    let mut report = load(&Path::new(env!("CARGO_MANIFEST_DIR")).join(path));
    let mut n = 0;
    match &mut report.body {
        Body::Server(ev) => poison_server(ev, &mut n),
        Body::Domain(ev) => {
            for s in &mut ev.servers {
                poison_server(s, &mut n);
            }
            for h in &mut ev.mx.hosts {
                h.cname = Some(hostile("cname"));
            }
            poison_spf(&mut ev.spf.tree, &mut n);
            for l in &mut ev.dmarc.lookups {
                l.records = vec![format!("v=DMARC1; p=reject; {}", hostile("dmarc"))];
            }
            ev.mta_sts.records = vec![hostile("mta-sts")];
            ev.tls_rpt.records = vec![hostile("tls-rpt")];
            if let Some(p) = &mut ev.mta_sts_policy {
                p.body = Some(hostile("policy"));
                p.error = None;
            }
            for d in &mut ev.dane {
                d.tlsa.records = vec![hostile("tlsa")];
            }
            ev.provider = Some(hostile("provider"));
            for h in &mut ev.mx.hosts {
                h.exchange = hostile("mx-exchange");
            }
            for k in &mut ev.dkim.selectors {
                k.lookup.records = vec![format!("v=DKIM1; p={}", hostile("dkim"))];
            }
            for b in &mut ev.dnsbl {
                b.txt = Some(mxray::evidence::Lookup {
                    records: vec![hostile("dnsbl")],
                    ..b.a.clone()
                });
            }
        }
        Body::Check(ev) => {
            let st = &mut ev.settings;
            for v in [&mut st.host, &mut st.user, &mut st.from]
                .into_iter()
                .flatten()
            {
                v.value = hostile("setting");
                v.source = hostile("source");
            }
            st.notes.push(hostile("note"));
            st.problems.push(hostile("problem"));
            // No saved check run names a provider: give it one, with a documentation URL that
            // must stay text.
            ev.provider = Some(mxray::evidence::check::ProviderView {
                id: "hostile".into(),
                name: hostile("provider-name"),
                matched_by: hostile("matched-by"),
                servers: vec![hostile("provider-server")],
                rules: vec![mxray::evidence::check::ProviderRule {
                    kind: "app_password_required".into(),
                    text: hostile("rule"),
                    url: Some(format!("https://example.com/{}", hostile("rule-url"))),
                    source: hostile("rule-source"),
                    verified: "undated".into(),
                }],
            });
            for s in [&mut ev.configured, &mut ev.alternatives]
                .into_iter()
                .flatten()
            {
                poison_server(s, &mut n);
            }
            if let Some(f) = &mut ev.from_domain {
                poison_spf(&mut f.spf, &mut n);
                for l in &mut f.dmarc.lookups {
                    l.records = vec![hostile("from-dmarc")];
                }
            }
        }
    }
    let mut report = rediagnose(report);
    if report.findings.is_empty() {
        // Poisoning can hide what the fixture shows (a banner name no longer compared): keep
        // the fixture's own findings so their fields are poisoned too.
        report.findings =
            rediagnose(load(&Path::new(env!("CARGO_MANIFEST_DIR")).join(path))).findings;
    }
    for f in &mut report.findings {
        f.subject = hostile("finding-subject");
        f.summary = hostile("finding-summary");
        f.evidence.push(hostile("finding-evidence"));
        f.fix = hostile("finding-fix");
    }
    report
}

#[test]
fn hostile_strings_stay_text() {
    for path in [
        "fixtures/server/expired.json",
        "fixtures/server/banner.json",
        "fixtures/domain/good.json",
        "fixtures/domain/danebad.json",
        "fixtures/domain/spf11.json",
        "fixtures/domain/dnsbl.json",
        "fixtures/check/wrong-password.json",
        "fixtures/check/send-ok.json",
    ] {
        let report = poisoned(path);
        // With the dialogue (-v): the transcript lines are server text too.
        let opts = RenderOptions {
            transcript: true,
            color: false,
        };
        let page = html::render(&report, &opts);
        // No raw control character survives (only the page's own newlines).
        assert!(
            !page
                .chars()
                .any(|c| c.is_control() && c != '\n' && c != '\t'),
            "{path}: control character in the page"
        );
        let doc = Html::parse_document(&page);
        assert_inert(&doc, path);
        let body = text(doc.select(&sel("body")).next().unwrap());
        // The strings are there, as text, with control characters made visible.
        for s in [SCRIPT, IMG, STYLE, ATTR] {
            assert!(body.contains(s), "{path}: {s:?} not shown as text");
        }
        assert!(
            body.contains("␛[31mred␇␀\\u{85}end"),
            "{path}: control chars"
        );
        // Each kind of field made it to the page.
        let tags: &[&str] = match report.body {
            Body::Server(_) => &[
                "host#", "banner#", "ehlo#", "subject#", "san#", "cn#", "ptr#",
            ],
            Body::Domain(ev) if ev.servers.iter().all(|s| s.probes.is_empty()) => &[
                "txt#", "include#", "dmarc", "mta-sts", "tls-rpt", "provider",
            ],
            Body::Domain(_) => &[
                "txt#",
                "dmarc",
                "mta-sts",
                "tls-rpt",
                "provider",
                "banner#",
                "mx-exchange",
            ],
            Body::Check(_) => &[
                "setting",
                "source",
                "note",
                "problem",
                "banner#",
                "txt#",
                "provider-name",
                "rule-url",
                "transcript#",
            ],
        };
        let finding_tags: &[&str] = if report.findings.is_empty() {
            &[]
        } else {
            &[
                "finding-subject",
                "finding-summary",
                "finding-evidence",
                "finding-fix",
            ]
        };
        for t in tags.iter().chain(finding_tags) {
            assert!(body.contains(*t), "{path}: no {t} field on the page");
        }
        // The verdict is the hostile summary, as text.
        if report
            .findings
            .iter()
            .any(|f| f.severity > mxray::findings::Severity::Info)
        {
            let v = text(doc.select(&sel("#verdict h2")).next().unwrap());
            assert!(v.starts_with("finding-summary <script>"), "{path}: {v}");
        }
        // Attribute values stay attribute values.
        for e in doc.select(&sel(
            "[data-host], [data-domain], [data-endpoint], [data-code]",
        )) {
            for (a, _) in e.value().attrs() {
                assert!(
                    a.starts_with("data-")
                        || a == "class"
                        || a == "id"
                        || a == "xmlns"
                        || matches!(a, "viewbox" | "role" | "aria-label"),
                    "{path}: attribute {a}"
                );
            }
        }
    }
}

#[test]
fn escape_covers_markup_quotes_and_controls() {
    assert_eq!(
        html::escape("<a href=\"x\">'&'</a>"),
        "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;"
    );
    assert_eq!(html::escape("a\u{0}\u{1b}\u{7f}\u{9b}b"), "a␀␛␡\\u{9b}b");
    assert_eq!(html::escape("bücher ✓\n\t"), "bücher ✓\n\t");
}

/// `mxray check ADDRESS` (discovery): no saved run holds one, so one is built from a saved
/// check run's probe — one candidate probed, one not.
#[test]
fn discovered_settings_render_with_their_verdicts_and_waterfalls() {
    let mut report =
        load(&Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/check/send-ok.json"));
    let Body::Check(ev) = &mut report.body else {
        panic!("a check report")
    };
    let probe = serde_json::to_value(ev.configured.take().expect("probed")).unwrap();
    ev.alternatives = None;
    ev.from_domain = None;
    let lookup = serde_json::json!({"name": "mxray.test", "rtype": "MX", "status": "ok",
        "records": ["10 mail.mxray.test."], "duration_ms": 1});
    ev.discovery = Some(
        serde_json::from_value(serde_json::json!({
            "address": "alice@mxray.test",
            "domain": "mxray.test",
            "provider_db": {},
            "srv": [],
            "autoconfig": [],
            "mx": {"lookup": lookup},
            "candidates": [
                {"setting": {"protocol": "smtp", "host": "mail.mxray.test", "port": 587,
                             "security": "starttls", "username": "alice@mxray.test"},
                 "sources": ["srv", "mx_provider"], "probe": probe},
                {"setting": {"protocol": "imap", "host": "imap.mxray.test", "port": 993,
                             "security": "implicit"},
                 "sources": ["autoconfig"], "not_probed": "--no-probe"}
            ]
        }))
        .expect("discovery evidence"),
    );
    let report = rediagnose(report);
    let page = html::render(&report, &RenderOptions::default());
    assert_structure(&report, &page, "discovery");
    let doc = Html::parse_document(&page);
    let rows: Vec<Vec<String>> = doc
        .select(&sel("table.candidates tbody tr"))
        .map(|tr| tr.select(&sel("td")).map(text).collect())
        .collect();
    assert_eq!(rows.len(), 2);
    assert_eq!(
        rows[0][..5],
        [
            "SMTP",
            "mail.mxray.test",
            "587",
            "STARTTLS",
            "SRV, MX provider"
        ]
    );
    let verdicts: Vec<&str> = rows.iter().map(|r| r[5].as_str()).collect();
    assert_eq!(verdicts, ["works", "not probed: --no-probe"]);
    let used: Vec<String> = doc
        .select(&sel("#use dl.settings dd code"))
        .map(text)
        .collect();
    assert_eq!(
        used[..2],
        ["mail.mxray.test", "587"],
        "the working setting is the one to use"
    );
    assert_eq!(doc.select(&sel("section.server")).count(), 1);
    let h2 = text(doc.select(&sel("section.server h2")).next().unwrap());
    assert!(h2.starts_with("Discovered setting"), "{h2}");
}

#[test]
fn transcript_is_folded_in_with_v_only() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/check/wrong-password.json");
    let report = rediagnose(load(&path));
    let plain = Html::parse_document(&html::render(&report, &RenderOptions::default()));
    assert_eq!(plain.select(&sel("details.transcript")).count(), 0);
    let out = Command::new(env!("CARGO_BIN_EXE_mxray"))
        .args(["diagnose", path.to_str().unwrap(), "--format", "html", "-v"])
        .output()
        .expect("run mxray");
    let doc = Html::parse_document(&String::from_utf8(out.stdout).unwrap());
    let with_lines = servers(&report)
        .iter()
        .flat_map(|s| s.probes.iter())
        .filter(|p| !p.transcript.is_empty())
        .count();
    let folded: Vec<String> = doc
        .select(&sel("details.transcript pre"))
        .map(text)
        .collect();
    assert_eq!(folded.len(), with_lines);
    assert!(
        folded[0].contains(" ms C: AUTH PLAIN ***\n"),
        "the credentials stay masked: {}",
        folded[0]
    );
}
