//! The one resolver layer: system resolver or `--resolver` servers, per-query timeout, bounded
//! concurrency, and a run-wide cache so no name is asked twice, not even by two callers at once
//! (a bulk run's domains share MX hosts and includes). hickory's error types stay in this file
//! (they change between releases); callers see [`Lookup`] with NXDOMAIN, NODATA and resolver
//! failure kept apart.
//!
//! Queries go to hickory's name-server pool directly, not through its `Resolver`: the resolver
//! answers `localhost` for every PTR under 127.in-addr.arpa and ::1 itself (RFC 6761 special
//! use), which would hide what the DNS really says, and the raw response also carries the
//! header bits (AD) that DANE needs.

use crate::evidence::{AddressInfo, Family, Lookup, LookupStatus, Resolution};
use futures::StreamExt;
use hickory_resolver::config::{NameServerConfig, ResolverOpts};
use hickory_resolver::net::runtime::TokioRuntimeProvider;
use hickory_resolver::net::xfer::DnsHandle;
use hickory_resolver::net::{DnsError, NetError};
use hickory_resolver::proto::op::{DnsRequestOptions, Message, Query, ResponseCode};
use hickory_resolver::proto::rr::{Name, RData, Record, RecordType};
use hickory_resolver::{NameServerPool, PoolContext, TlsConfig};
use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::sync::Semaphore;

/// Queries in flight at once, whatever the caller asks.
const MAX_IN_FLIGHT: usize = 16;
/// Answers cached at most (about 300 bytes each): one domain's audit asks a few dozen names,
/// a bulk run millions, and the names domains share (MX hosts, includes) are asked again soon.
/// Two generations of half this each: a name asked in the older one moves to the newer, so the
/// shared names outlive the turnover of the domains' own.
const MAX_CACHED: usize = 4096;
/// PTR names followed for forward confirmation (a host with dozens of PTRs gains nothing more).
const MAX_PTR_NAMES: usize = 5;

/// Lower-cased FQDN and type: one answer per question per run.
type CacheKey = (String, RecordType);
/// A lookup and whether the resolver vouched for it (AD bit).
type Answer = (Lookup, bool);
/// One question's answer, set by the first caller; callers asking meanwhile wait for it.
type Slot = Arc<tokio::sync::OnceCell<Answer>>;

#[derive(Default)]
struct Cache {
    new: HashMap<CacheKey, Slot>,
    old: HashMap<CacheKey, Slot>,
}

impl Cache {
    /// The slot of a question: the one already answered or being asked, else a fresh one.
    fn slot(&mut self, key: &CacheKey) -> Slot {
        if let Some(slot) = self.new.get(key) {
            return slot.clone();
        }
        let slot = self.old.remove(key).unwrap_or_default();
        if self.new.len() >= MAX_CACHED / 2 {
            self.old = std::mem::take(&mut self.new);
        }
        self.new.insert(key.clone(), slot.clone());
        slot
    }
}

#[derive(Clone)]
pub struct Dns {
    pool: NameServerPool<TokioRuntimeProvider>,
    timeout: Duration,
    cache: Arc<Mutex<Cache>>,
    limit: Arc<Semaphore>,
    pub description: Vec<String>,
}

impl Dns {
    /// `servers` empty: the system configuration (/etc/resolv.conf).
    pub fn new(servers: &[SocketAddr], timeout: Duration) -> anyhow::Result<Dns> {
        let (configs, mut opts, description) = if servers.is_empty() {
            let (config, opts) =
                hickory_resolver::system_conf::read_system_conf().map_err(|e| {
                    anyhow::anyhow!("cannot read the system resolver configuration: {e}")
                })?;
            let configs = config.name_servers().to_vec();
            if configs.is_empty() {
                anyhow::bail!(
                    "the system resolver configuration lists no name server; use --resolver IP"
                );
            }
            let desc = configs.iter().map(|c| c.ip.to_string()).collect();
            (configs, opts, desc)
        } else {
            let configs: Vec<NameServerConfig> = servers
                .iter()
                .map(|s| {
                    let mut c = NameServerConfig::udp_and_tcp(s.ip());
                    for conn in &mut c.connections {
                        conn.port = s.port();
                    }
                    c
                })
                .collect();
            (
                configs,
                ResolverOpts::default(),
                servers.iter().map(|s| s.to_string()).collect(),
            )
        };
        opts.timeout = timeout.min(Duration::from_secs(5));
        opts.attempts = 2;
        let tls = TlsConfig::new().map_err(|e| anyhow::anyhow!("resolver TLS setup: {e}"))?;
        let cx = Arc::new(PoolContext::new(opts, tls));
        let pool = NameServerPool::from_config(configs, cx, TokioRuntimeProvider::default());
        Ok(Dns {
            pool,
            timeout,
            cache: Arc::default(),
            limit: Arc::new(Semaphore::new(MAX_IN_FLIGHT)),
            description,
        })
    }

    /// The phase timeout; one query, its retry included, takes at most twice as long.
    pub fn timeout(&self) -> Duration {
        self.timeout
    }

    /// Allows `n` queries in flight at once instead of the default 16: a bulk run audits many
    /// domains at once, and with distant resolvers the round trips, not the work, set its pace.
    pub fn with_in_flight(mut self, n: usize) -> Dns {
        self.limit = Arc::new(Semaphore::new(n.max(1)));
        self
    }

    /// One question, with the whole exchange (retries included) bounded by the phase timeout.
    /// The answers, and whether the resolver vouched for them (AD bit, RFC 4035 §3.2.3).
    async fn query(
        &self,
        name: Name,
        rtype: RecordType,
        dnssec: bool,
    ) -> Result<(Vec<RData>, bool), NetError> {
        let mut options = DnsRequestOptions::default();
        options.recursion_desired = true;
        // DO asks a validating resolver to report validation in the AD bit (RFC 6840 §5.7).
        options.edns_set_dnssec_ok = dnssec;
        let mut stream = self.pool.lookup(Query::query(name, rtype), options);
        let first = tokio::time::timeout(self.timeout * 2, stream.next()).await;
        let response = match first {
            Err(_) | Ok(None) => return Err(NetError::Timeout),
            Ok(Some(r)) => r?,
        };
        let response = DnsError::from_response(response).map_err(NetError::from)?;
        let data = answers_of(&response.answers, rtype);
        if data.is_empty() {
            let code = response.metadata.response_code;
            return Err(NetError::from(DnsError::NoRecordsFound(
                hickory_resolver::net::NoRecords::new(Query::query(Name::root(), rtype), code),
            )));
        }
        Ok((data, response.metadata.authentic_data))
    }

    /// [`Dns::lookup`] for a name built on the fly (keeps borrowck simple in `join_all`).
    pub async fn lookup_owned(&self, name: String, rtype: RecordType) -> Lookup {
        self.lookup(&name, rtype).await
    }

    pub async fn lookup(&self, name: &str, rtype: RecordType) -> Lookup {
        self.lookup_full(name, rtype, false).await.0
    }

    /// A lookup with DNSSEC OK set; the flag is the AD bit of the answer.
    pub async fn lookup_dnssec(&self, name: &str, rtype: RecordType) -> (Lookup, bool) {
        self.lookup_full(name, rtype, true).await
    }

    async fn lookup_full(&self, name: &str, rtype: RecordType, dnssec: bool) -> (Lookup, bool) {
        let fqdn = if name.ends_with('.') {
            name.to_string()
        } else {
            format!("{name}.")
        };
        let key = (fqdn.to_ascii_lowercase(), rtype);
        let slot = match self.cache.lock() {
            Ok(mut c) => c.slot(&key),
            Err(_) => Slot::default(),
        };
        let mut asked = false;
        let (mut answer, ad) = slot
            .get_or_init(|| {
                asked = true;
                self.ask(name, &fqdn, rtype, dnssec)
            })
            .await
            .clone();
        if !asked {
            // Answered by this run's cache, or by the same question already in flight: no query
            // of its own.
            answer.duration_ms = 0;
        }
        (answer, ad)
    }

    async fn ask(&self, name: &str, fqdn: &str, rtype: RecordType, dnssec: bool) -> Answer {
        let mut ad = false;
        let _permit = self.limit.acquire().await;
        let started = Instant::now();
        let mut out = Lookup {
            name: name.trim_end_matches('.').to_string(),
            rtype: rtype.to_string(),
            status: LookupStatus::Ok,
            records: Vec::new(),
            duration_ms: 0,
            error: None,
        };
        let result = match query_name(fqdn) {
            Ok(n) => self.query(n, rtype, dnssec).await,
            Err(e) => {
                out.status = LookupStatus::Failed;
                out.error = Some(format!("invalid name: {e}"));
                return (out, false);
            }
        };
        out.duration_ms = started.elapsed().as_millis() as u64;
        match result {
            Ok((data, authentic)) => {
                out.records = data.iter().map(rdata_text).collect();
                ad = authentic;
            }
            Err(e) => {
                let (status, text) = classify(&e);
                out.status = status;
                out.error = text;
            }
        }
        (out, ad)
    }

    /// A/AAAA of the host (or the literal), then PTR and forward confirmation per address.
    pub async fn resolve_host(&self, host: &str, families: &[Family]) -> Resolution {
        let (mut res, ips) = self.resolve_forward(host, families).await;
        res.addresses = self.address_infos(ips).await;
        res
    }

    /// The forward half: A/AAAA (or the literal) and the addresses found; `addresses` is left
    /// empty so callers can start connecting while [`Dns::address_infos`] runs.
    pub async fn resolve_forward(
        &self,
        host: &str,
        families: &[Family],
    ) -> (Resolution, Vec<IpAddr>) {
        let want4 = families.contains(&Family::Ipv4);
        let want6 = families.contains(&Family::Ipv6);
        let mut res = Resolution {
            ip_literal: false,
            a: None,
            aaaa: None,
            addresses: Vec::new(),
        };
        let mut ips: Vec<IpAddr> = Vec::new();
        if let Ok(ip) = host
            .trim_start_matches('[')
            .trim_end_matches(']')
            .parse::<IpAddr>()
        {
            res.ip_literal = true;
            ips.push(ip);
        } else {
            let skipped = |t: &str| Lookup {
                name: host.to_string(),
                rtype: t.into(),
                status: LookupStatus::Skipped,
                records: vec![],
                duration_ms: 0,
                error: None,
            };
            let (a, aaaa) = tokio::join!(
                async {
                    if want4 {
                        self.lookup(host, RecordType::A).await
                    } else {
                        skipped("A")
                    }
                },
                async {
                    if want6 {
                        self.lookup(host, RecordType::AAAA).await
                    } else {
                        skipped("AAAA")
                    }
                },
            );
            for l in [&a, &aaaa] {
                ips.extend(l.records.iter().filter_map(|r| r.parse::<IpAddr>().ok()));
            }
            res.a = Some(a);
            res.aaaa = Some(aaaa);
        }
        (res, ips)
    }

    /// PTR and forward confirmation of each address, concurrently.
    pub async fn address_infos(&self, ips: Vec<IpAddr>) -> Vec<AddressInfo> {
        futures::future::join_all(ips.into_iter().map(|ip| self.address_info(ip))).await
    }

    async fn address_info(&self, ip: IpAddr) -> AddressInfo {
        let rev = Name::from(ip).to_ascii();
        let ptr = self.lookup(&rev, RecordType::PTR).await;
        let rtype = if ip.is_ipv4() {
            RecordType::A
        } else {
            RecordType::AAAA
        };
        let forward = futures::future::join_all(
            ptr.records
                .iter()
                .take(MAX_PTR_NAMES)
                .map(|name| self.lookup(name, rtype)),
        )
        .await;
        let fcrdns = if ptr.records.is_empty() {
            None
        } else {
            Some(forward.iter().any(|f| {
                f.records
                    .iter()
                    .any(|r| r.parse::<IpAddr>().ok() == Some(ip))
            }))
        };
        AddressInfo {
            ip,
            family: Family::of(&ip),
            ptr,
            forward,
            fcrdns,
        }
    }
}

/// The name to ask for. Host names parse as text; names built from SPF macros may hold any
/// octet but `.` (a `:`, `/`, `%` or space from a local-part), which DNS allows (RFC 2181 §11):
/// those are built label by label from the raw bytes.
fn query_name(fqdn: &str) -> Result<Name, hickory_resolver::proto::ProtoError> {
    Name::from_ascii(fqdn).or_else(|_| {
        let body = fqdn.strip_suffix('.').unwrap_or(fqdn);
        Name::from_labels(body.split('.').map(str::as_bytes))
    })
}

/// The answers of one type; the others (a CNAME chain's links, a DNAME) are not the answer.
/// A record without data is not one either: hickory reads any RDLENGTH 0 as an RFC 2136 update
/// placeholder, which would be recorded as the text "UPDATE" (an empty TXT, a broken MX).
fn answers_of(answers: &[Record], rtype: RecordType) -> Vec<RData> {
    answers
        .iter()
        .filter(|r| r.record_type() == rtype && !matches!(r.data, RData::Update0(_)))
        .map(|r| r.data.clone())
        .collect()
}

/// The records of type `rtype` in a DNS message as it came off the wire, as a [`Lookup`]
/// records them: the same reading every answer gets, over bytes, for fuzzing and tests.
pub fn records_from_wire(message: &[u8], rtype: RecordType) -> Result<Vec<String>, String> {
    let m = Message::from_vec(message).map_err(|e| e.to_string())?;
    Ok(answers_of(&m.answers, rtype)
        .iter()
        .map(rdata_text)
        .collect())
}

fn rdata_text(d: &RData) -> String {
    match d {
        RData::A(a) => a.0.to_string(),
        RData::AAAA(a) => a.0.to_string(),
        RData::PTR(p) => p.0.to_ascii().trim_end_matches('.').to_string(),
        RData::CNAME(c) => c.0.to_ascii().trim_end_matches('.').to_string(),
        // TXT character-strings are joined with nothing between them (RFC 7208 §3.3).
        RData::TXT(t) => t
            .txt_data
            .iter()
            .map(|part| String::from_utf8_lossy(part).into_owned())
            .collect(),
        RData::MX(m) => {
            let target = m.exchange.to_ascii();
            let target = if target == "." {
                "."
            } else {
                target.trim_end_matches('.')
            };
            format!("{} {target}", m.preference)
        }
        other => other.to_string(),
    }
}

fn classify(e: &NetError) -> (LookupStatus, Option<String>) {
    let text = Some(e.to_string());
    match e {
        NetError::Dns(DnsError::NoRecordsFound(nr)) => {
            if nr.response_code == ResponseCode::NXDomain {
                (LookupStatus::NxDomain, None)
            } else {
                (LookupStatus::NoRecords, None)
            }
        }
        NetError::Dns(DnsError::ResponseCode(ResponseCode::ServFail)) => {
            (LookupStatus::ServFail, text)
        }
        NetError::Dns(DnsError::ResponseCode(ResponseCode::Refused)) => {
            (LookupStatus::Refused, text)
        }
        NetError::Dns(DnsError::ResponseCode(ResponseCode::NXDomain)) => {
            (LookupStatus::NxDomain, None)
        }
        NetError::Timeout => (LookupStatus::Timeout, text),
        _ => {
            let t = e.to_string().to_ascii_lowercase();
            if t.contains("timed out") || t.contains("timeout") {
                (LookupStatus::Timeout, text)
            } else {
                (LookupStatus::Failed, text)
            }
        }
    }
}

#[cfg(test)]
mod query_name_tests {
    use super::query_name;

    #[test]
    fn odd_octets_become_binary_labels_and_broken_names_stay_errors() {
        let n = query_name("a:b/c% d.example.com.").unwrap();
        assert_eq!(n.iter().next(), Some(&b"a:b/c% d"[..]));
        assert_eq!(n.num_labels(), 3);
        assert!(query_name("a..example.com.").is_err());
        assert!(query_name(&format!("{}.example.com.", "x".repeat(64))).is_err());
    }
}

#[cfg(test)]
mod wire_tests {
    use super::{records_from_wire, RecordType};

    /// A response to `example.com` with the given answers (type, rdata), names compressed.
    fn response(qtype: u16, answers: &[(u16, &[u8])]) -> Vec<u8> {
        let mut m = vec![
            0x12,
            0x34,
            0x81,
            0x80,
            0,
            1,
            0,
            answers.len() as u8,
            0,
            0,
            0,
            0,
        ];
        m.extend_from_slice(b"\x07example\x03com\x00");
        m.extend_from_slice(&qtype.to_be_bytes());
        m.extend_from_slice(&[0, 1]);
        for (t, rdata) in answers {
            m.extend_from_slice(&[0xc0, 0x0c]);
            m.extend_from_slice(&t.to_be_bytes());
            m.extend_from_slice(&[0, 1, 0, 0, 1, 44]);
            m.extend_from_slice(&(rdata.len() as u16).to_be_bytes());
            m.extend_from_slice(rdata);
        }
        m
    }

    #[test]
    fn txt_strings_are_joined_and_other_types_left_out() {
        let m = response(
            16,
            &[
                (16, b"\x08v=spf1 a\x05 -all"),
                (5, b"\x03www\xc0\x0c"),
                (16, b"\x01\xff"),
            ],
        );
        let txt = records_from_wire(&m, RecordType::TXT).unwrap();
        assert_eq!(txt, ["v=spf1 a -all", "\u{fffd}"]);
        assert_eq!(
            records_from_wire(&m, RecordType::CNAME).unwrap(),
            ["www.example.com"]
        );
        assert!(records_from_wire(&m[..20], RecordType::TXT).is_err());
    }

    #[test]
    fn records_without_data_are_not_answers() {
        // hickory refuses RDLENGTH 0 in a query's answer, but not in a message whose header
        // says UPDATE, which a hostile server can send in reply.
        let mut m = response(16, &[(16, b""), (16, b"\x02ok"), (15, b"")]);
        m[2] = 0xa8;
        assert_eq!(records_from_wire(&m, RecordType::TXT).unwrap(), ["ok"]);
        assert!(records_from_wire(&m, RecordType::MX).unwrap().is_empty());
    }

    #[test]
    fn mx_and_tlsa_read_as_the_evidence_records_them() {
        let m = response(
            15,
            &[(15, b"\x00\x0a\x02mx\xc0\x0c"), (15, b"\x00\x00\x00")],
        );
        assert_eq!(
            records_from_wire(&m, RecordType::MX).unwrap(),
            ["10 mx.example.com", "0 ."]
        );
        let m = response(52, &[(52, b"\x03\x01\x01\xab\xcd")]);
        assert_eq!(
            records_from_wire(&m, RecordType::TLSA).unwrap(),
            ["3 1 1 abcd"]
        );
    }
}
