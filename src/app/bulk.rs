//! `mxray domain --from FILE`: audits a list of domains with bounded concurrency through one
//! resolver and cache and one set of per-address connection limits, writing each report as an
//! NDJSON line the moment its domain is done and a summary on stderr at the end. The list is
//! read by its own thread into a small channel, so memory holds the domains in flight, the
//! counters and the hashes of the names seen, never the list or the results.

use super::{dnsbl_zones, now_rfc3339, Net, EXIT_FINDINGS, EXIT_OK, EXIT_UNUSABLE};
use crate::bulk::input::{Entries, Entry, Seen};
use crate::bulk::shard::Shard;
use crate::bulk::tally::Tally;
use crate::cli::{self, DomainArgs};
use crate::evidence::ProbeSettings;
use crate::probe::{self, dns::Dns, limits::AddressLimits, Ctx};
use crate::render::{self, Format};
use crate::report::{self, Body, FailOn, Report};
use std::io::{BufRead, IsTerminal, Write};
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// The exit status of an interrupted run (128 + SIGINT), as shells report it.
pub const EXIT_INTERRUPTED: u8 = 130;
/// How long domains in flight may take to end after Ctrl-C before they are abandoned.
const DRAIN: Duration = Duration::from_secs(2);
/// Domains at once when probing: each may hold MX connections beside its questions.
const DEFAULT_CONCURRENCY: usize = 32;
/// Domains at once with --no-probe: only questions, and at 50 ms RTT 32 domains in flight cap a
/// run near 250 domains/s where 256 reach some 800 (BENCHMARKS.md, "mxray domain --from").
const DEFAULT_CONCURRENCY_DNS_ONLY: usize = 256;
/// Most domains at once: each holds a few sockets and the DNS pool serves them all.
const MAX_CONCURRENCY: usize = 1024;
/// Queries in flight per domain in flight (a domain asks some 20 names, many at once).
const DNS_PER_DOMAIN: usize = 4;
/// Queries in flight at most, whatever the concurrency. Far resolvers make a run latency-bound:
/// 1,024 queries of 50 ms each is some 20,000 queries, 2,000 domains, a second.
const MAX_DNS_IN_FLIGHT: usize = 1024;
/// Open files kept for everything but DNS sockets (stdio, the list, the output, the runtime).
const RESERVED_FILES: usize = 64;
/// Connections a domain in flight may hold beside its queries (its MX probes).
const FILES_PER_DOMAIN: usize = 2;
/// The open-file limit asked for: every in-flight query is a socket of its own.
const WANTED_FILES: u64 = 65_536;
/// Entries read ahead of the domains in flight.
const READ_AHEAD: usize = 256;

/// What every domain of the run shares.
struct Shared {
    ctx: Ctx,
    dns: Dns,
    limits: AddressLimits,
    settings: ProbeSettings,
    probe: bool,
    selectors: Vec<String>,
    dnsbl_zones: Vec<String>,
    sending_ips: Vec<std::net::IpAddr>,
    helo: Option<String>,
    mail_from: Option<String>,
    per_address: usize,
    ignore: Vec<String>,
    fail_on: FailOn,
}

/// What the list held besides the domains audited.
#[derive(Default)]
struct InputCounts {
    bad: u64,
    duplicates: u64,
    other_shards: u64,
    domains: u64,
}

enum Msg {
    Entry(Entry),
    ReadError(String),
}

pub(super) fn run(args: DomainArgs) -> anyhow::Result<u8> {
    let from = args.bulk.from.clone().unwrap_or_default();
    if !matches!(args.output.format, Format::Human | Format::Ndjson) {
        anyhow::bail!("--from writes one NDJSON report per line; --format must be ndjson");
    }
    if args.output.save.is_some() {
        anyhow::bail!("--save keeps one report; with --from every report is in the NDJSON output");
    }
    let concurrency = args.bulk.concurrency.unwrap_or(if args.no_probe {
        DEFAULT_CONCURRENCY_DNS_ONLY
    } else {
        DEFAULT_CONCURRENCY
    });
    if concurrency == 0 || concurrency > MAX_CONCURRENCY {
        anyhow::bail!("--concurrency must be between 1 and {MAX_CONCURRENCY}");
    }
    let shard = match &args.bulk.shard {
        Some(s) => Some(
            Shard::parse(s, std::env::var("JOB_COMPLETION_INDEX").ok().as_deref())
                .map_err(anyhow::Error::msg)?,
        ),
        None => None,
    };
    let ports = cli::parse_ports_or(args.ports.as_deref(), &[25]).map_err(anyhow::Error::msg)?;
    let dnsbl_zones = dnsbl_zones(&args)?;
    let net = Net::from_args(&args.net)?;
    let stdin = from == Path::new("-");
    let name = if stdin {
        "the standard input".to_string()
    } else {
        cli::echo(&from.to_string_lossy())
    };
    let reader: Box<dyn BufRead + Send> = if stdin {
        Box::new(std::io::BufReader::new(std::io::stdin()))
    } else {
        let f =
            std::fs::File::open(&from).map_err(|e| anyhow::anyhow!("cannot read {name}: {e}"))?;
        Box::new(std::io::BufReader::new(f))
    };
    let mut out: Box<dyn Write> = match &args.output.output {
        Some(path) => Box::new(std::io::BufWriter::new(
            std::fs::File::create(path)
                .map_err(|e| anyhow::anyhow!("cannot write {}: {e}", path.display()))?,
        )),
        None => Box::new(std::io::stdout()),
    };
    let bar = progress_bar(&from, stdin, shard);
    let settings = net.settings(&args.net, ports, None);
    let ctx = net.ctx(&args.net, None, 0);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    let result = rt.block_on(async {
        let dns = Dns::new(&net.resolvers, net.timeout)?
            .with_in_flight(dns_in_flight(concurrency, raise_open_files()));
        let mut settings = settings;
        settings.resolvers = dns.description.clone();
        let shared = Arc::new(Shared {
            ctx,
            dns,
            limits: AddressLimits::new(args.net.per_address),
            settings,
            probe: !args.no_probe,
            selectors: args.dkim_selectors.clone(),
            dnsbl_zones,
            sending_ips: args.sending_ips.clone(),
            helo: args.net.helo.clone(),
            mail_from: args.mail_from.clone(),
            per_address: args.net.per_address,
            ignore: args.output.ignore.clone(),
            fail_on: args.output.fail_on,
        });
        anyhow::Ok(drive(shared, reader, &mut *out, concurrency, shard, &bar).await)
    });
    if let Some(b) = &bar {
        b.finish_and_clear();
    }
    rt.shutdown_timeout(Duration::from_millis(100));
    let outcome = result?;
    let _ = out.flush();
    eprint!("{}", summary_text(&outcome));
    if let Some(e) = &outcome.read_error {
        eprintln!("mxray: cannot read {name}: {}", cli::clip(e, 200));
        return Ok(EXIT_UNUSABLE);
    }
    if let Some(e) = &outcome.write_error {
        eprintln!(
            "mxray: cannot write the NDJSON output: {}",
            cli::clip(e, 200)
        );
        return Ok(EXIT_UNUSABLE);
    }
    if outcome.interrupted {
        return Ok(EXIT_INTERRUPTED);
    }
    if outcome.input.domains == 0 {
        eprintln!("mxray: {name} names no domain");
        return Ok(EXIT_UNUSABLE);
    }
    Ok(if outcome.tally.failed > 0 {
        EXIT_FINDINGS
    } else {
        EXIT_OK
    })
}

struct Outcome {
    tally: Tally,
    input: InputCounts,
    interrupted: bool,
    abandoned: usize,
    read_error: Option<String>,
    write_error: Option<String>,
}

fn summary_text(o: &Outcome) -> String {
    let mut s = format!("mxray: summary\n{}", o.tally.human());
    let i = &o.input;
    s.push_str(&format!(
        "input: {} domain(s), {} bad line(s) skipped, {} duplicate(s) skipped, {} in other shards\n",
        i.domains, i.bad, i.duplicates, i.other_shards
    ));
    if o.interrupted {
        s.push_str(&format!(
            "interrupted: {} domain(s) in flight abandoned; domains not yet started were not audited\n",
            o.abandoned
        ));
    }
    s
}

/// Reads the list, keeps `concurrency` domains in flight, writes each report as it ends.
async fn drive(
    shared: Arc<Shared>,
    reader: Box<dyn BufRead + Send>,
    out: &mut dyn Write,
    concurrency: usize,
    shard: Option<Shard>,
    bar: &Option<indicatif::ProgressBar>,
) -> Outcome {
    let (tx, mut rx) = tokio::sync::mpsc::channel::<Msg>(READ_AHEAD);
    std::thread::spawn(move || {
        let mut entries = Entries::new(reader);
        loop {
            let msg = match entries.next_entry() {
                Ok(Some(e)) => Msg::Entry(e),
                Ok(None) => return,
                Err(e) => Msg::ReadError(e.to_string()),
            };
            let last = matches!(msg, Msg::ReadError(_));
            // The receiver is gone after Ctrl-C: stop reading.
            if tx.blocking_send(msg).is_err() || last {
                return;
            }
        }
    });
    let mut o = Outcome {
        tally: Tally::default(),
        input: InputCounts::default(),
        interrupted: false,
        abandoned: 0,
        read_error: None,
        write_error: None,
    };
    let mut seen = Seen::default();
    let mut set: tokio::task::JoinSet<(String, Report)> = tokio::task::JoinSet::new();
    let mut input_done = false;
    let ctrl_c = tokio::signal::ctrl_c();
    tokio::pin!(ctrl_c);
    // Polled once now so the handler is in place before the first domain starts.
    let _ = futures::poll!(&mut ctrl_c);
    loop {
        if input_done && set.is_empty() {
            break;
        }
        tokio::select! {
            _ = &mut ctrl_c => {
                o.interrupted = true;
                break;
            }
            Some(done) = set.join_next(), if !set.is_empty() => {
                if let Ok((line, report)) = done {
                    finished(&mut o, out, &line, &report, bar);
                    if o.write_error.is_some() {
                        break;
                    }
                }
            }
            msg = rx.recv(), if !input_done && set.len() < concurrency => match msg {
                None => input_done = true,
                Some(Msg::ReadError(e)) => {
                    o.read_error = Some(e);
                    input_done = true;
                }
                Some(Msg::Entry(Entry::Bad { line, why })) => {
                    o.input.bad += 1;
                    say(bar, &format!("mxray: line {line}: {why}; skipped"));
                }
                Some(Msg::Entry(Entry::Domain { name, .. })) => {
                    o.input.domains += 1;
                    if shard.is_some_and(|s| !s.keeps(&name)) {
                        o.input.other_shards += 1;
                    } else if !seen.first(&name) {
                        o.input.duplicates += 1;
                    } else {
                        set.spawn(audit(shared.clone(), name));
                    }
                }
            },
        }
    }
    drop(rx);
    if o.interrupted {
        say(
            bar,
            &format!(
                "mxray: interrupted; waiting up to {} s for {} domain(s) in flight (Ctrl-C again to quit now)",
                DRAIN.as_secs(),
                set.len()
            ),
        );
        let deadline = tokio::time::Instant::now() + DRAIN;
        let again = tokio::signal::ctrl_c();
        tokio::pin!(again);
        let _ = futures::poll!(&mut again);
        loop {
            tokio::select! {
                _ = &mut again => {
                    let _ = out.flush();
                    eprintln!("mxray: interrupted again; exiting");
                    std::process::exit(EXIT_INTERRUPTED.into());
                }
                done = tokio::time::timeout_at(deadline, set.join_next()) => match done {
                    Ok(Some(Ok((line, report)))) => finished(&mut o, out, &line, &report, bar),
                    Ok(Some(Err(_))) => {}
                    Ok(None) | Err(_) => break,
                },
            }
        }
        o.abandoned = set.len();
        set.abort_all();
    }
    o
}

fn finished(
    o: &mut Outcome,
    out: &mut dyn Write,
    line: &str,
    report: &Report,
    bar: &Option<indicatif::ProgressBar>,
) {
    if o.write_error.is_none() {
        if let Err(e) = out.write_all(line.as_bytes()).and_then(|_| out.flush()) {
            o.write_error = Some(e.to_string());
        }
    }
    o.tally.add(report);
    if let Some(b) = bar {
        b.inc(1);
        b.set_message(format!("{} failed", o.tally.failed));
    }
}

/// One domain: probed with the run's resolver and limits, diagnosed, rendered as one line.
async fn audit(shared: Arc<Shared>, domain: String) -> (String, Report) {
    let (started_at, now) = now_rfc3339();
    let started = Instant::now();
    let helo = shared.helo.clone().unwrap_or_else(|| domain.clone());
    let mail_from = match shared.mail_from.as_deref().map(str::trim) {
        None => format!("postmaster@{domain}"),
        // RFC 7208 §2.4: the null sender (bounces) is checked as postmaster at the HELO name.
        Some("" | "<>") => format!("postmaster@{helo}"),
        Some(a) => a.trim_matches(['<', '>']).to_string(),
    };
    let senders = shared
        .sending_ips
        .iter()
        .map(|ip| crate::policy::spf_macro::Sender {
            ip: *ip,
            mail_from: mail_from.clone(),
            helo: helo.clone(),
        })
        .collect();
    let mut ctx = shared.ctx.clone();
    ctx.now = now;
    let req = probe::domain::DomainRequest {
        domain: domain.clone(),
        probe: shared.probe,
        selectors: shared.selectors.clone(),
        settings: shared.settings.clone(),
        per_address: shared.per_address,
        dnsbl_zones: shared.dnsbl_zones.clone(),
        senders,
    };
    let evidence =
        probe::domain::probe_domain_limited(ctx, &shared.dns, req, &shared.limits, None).await;
    let mut report = Report::new(
        Body::Domain(Box::new(evidence)),
        domain,
        started_at,
        started.elapsed().as_millis() as u64,
    );
    let mut findings = crate::diagnose::diagnose(&report.body, now);
    report.summary = report::finalize(&mut findings, &shared.ignore, shared.fail_on);
    report.findings = findings;
    report.advice = crate::diagnose::advice::advice(&report.body, &report.findings);
    (render::ndjson::render(&report), report)
}

/// Messages above the progress bar, or plain stderr without one.
fn say(bar: &Option<indicatif::ProgressBar>, text: &str) {
    match bar {
        Some(b) => b.println(text),
        None => eprintln!("{text}"),
    }
}

/// A bar on a terminal only: done/total (a file's domains are counted first; cheap beside
/// auditing them), rate, ETA and failures so far.
fn progress_bar(from: &Path, stdin: bool, shard: Option<Shard>) -> Option<indicatif::ProgressBar> {
    if !std::io::stderr().is_terminal() {
        return None;
    }
    let total = if stdin {
        None
    } else {
        count_domains(from, shard)
    };
    let bar = match total {
        Some(n) => indicatif::ProgressBar::new(n),
        None => indicatif::ProgressBar::no_length(),
    };
    let template = if total.is_some() {
        "{bar:30} {pos}/{len} {per_sec} ETA {eta} {msg}"
    } else {
        "{spinner} {pos} done {per_sec} {msg}"
    };
    if let Ok(style) = indicatif::ProgressStyle::with_template(template) {
        bar.set_style(style);
    }
    bar.set_draw_target(indicatif::ProgressDrawTarget::stderr());
    bar.enable_steady_tick(Duration::from_millis(200));
    Some(bar)
}

fn count_domains(from: &Path, shard: Option<Shard>) -> Option<u64> {
    let f = std::fs::File::open(from).ok()?;
    let mut entries = Entries::new(std::io::BufReader::new(f));
    let mut seen = Seen::default();
    let mut n = 0;
    while let Ok(Some(e)) = entries.next_entry() {
        if let Entry::Domain { name, .. } = e {
            if shard.is_none_or(|s| s.keeps(&name)) && seen.first(&name) {
                n += 1;
            }
        }
    }
    Some(n)
}

/// Queries allowed in flight: some per domain in flight, bounded, and within the open-file
/// limit (`None`: unlimited) with room left for the domains' own connections, since a socket
/// past the limit fails its lookup instead of waiting for one.
fn dns_in_flight(concurrency: usize, open_files: Option<u64>) -> usize {
    let wanted = (concurrency * DNS_PER_DOMAIN).min(MAX_DNS_IN_FLIGHT);
    let Some(files) = open_files else {
        return wanted;
    };
    let spare = usize::try_from(files)
        .unwrap_or(usize::MAX)
        .saturating_sub(RESERVED_FILES + FILES_PER_DOMAIN * concurrency);
    wanted.min(spare).max(DNS_PER_DOMAIN)
}

/// Raises the soft open-file limit towards the hard one (many systems start processes at
/// 1,024 with a far higher hard limit) and returns the limit now in force.
#[cfg(unix)]
fn raise_open_files() -> Option<u64> {
    use rustix::process::{getrlimit, setrlimit, Resource};
    let limit = getrlimit(Resource::Nofile);
    let target = limit.maximum.map_or(WANTED_FILES, |m| m.min(WANTED_FILES));
    if limit.current.is_some_and(|c| c < target) {
        let mut raised = limit;
        raised.current = Some(target);
        // Refused (a sandbox, an OS cap below the hard limit): the current limit stands.
        let _ = setrlimit(Resource::Nofile, raised);
    }
    getrlimit(Resource::Nofile).current
}

#[cfg(not(unix))]
fn raise_open_files() -> Option<u64> {
    None
}

#[cfg(test)]
mod tests {
    use super::{dns_in_flight, raise_open_files, MAX_DNS_IN_FLIGHT};

    #[test]
    fn queries_in_flight_grow_with_concurrency_up_to_the_cap() {
        assert_eq!(dns_in_flight(1, Some(65_536)), 4);
        assert_eq!(dns_in_flight(64, Some(65_536)), 256);
        assert_eq!(dns_in_flight(256, None), MAX_DNS_IN_FLIGHT);
        assert_eq!(dns_in_flight(1024, Some(65_536)), MAX_DNS_IN_FLIGHT);
    }

    #[test]
    fn queries_in_flight_stay_within_the_open_file_limit() {
        // 1,024 files, 256 domains: 64 kept, 512 for their connections, 448 for queries.
        assert_eq!(dns_in_flight(256, Some(1024)), 448);
        // A limit too low for the concurrency still lets every domain ask something.
        assert_eq!(dns_in_flight(1024, Some(1024)), 4);
        assert_eq!(dns_in_flight(16, Some(0)), 4);
    }

    #[cfg(unix)]
    #[test]
    fn the_soft_limit_is_raised_and_reported() {
        let hard = rustix::process::getrlimit(rustix::process::Resource::Nofile).maximum;
        let now = raise_open_files();
        let want = hard.map_or(super::WANTED_FILES, |h| h.min(super::WANTED_FILES));
        // Never lowered, and at least the target where the hard limit allows it.
        assert!(
            now.is_none_or(|n| n >= want),
            "limit {now:?}, wanted {want}"
        );
        assert_eq!(
            now,
            rustix::process::getrlimit(rustix::process::Resource::Nofile).current
        );
    }
}
