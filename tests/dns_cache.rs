//! The run-wide DNS cache against a name server on loopback that counts the questions it gets
//! and answers each after a delay: callers asking the same name at once share one query, an
//! answered name is not asked again, and the names asked often outlive the cache's turnover.

use mxray::evidence::LookupStatus;
use mxray::probe::dns::Dns;
use std::collections::HashMap;
use std::net::{Ipv4Addr, UdpSocket};
use std::sync::{Arc, Mutex};
use std::time::Duration;

type Counts = Arc<Mutex<HashMap<String, usize>>>;

/// A name server: A of any name → 192.0.2.1, sent `delay` after the question came. Returns its
/// address and the number of questions per name.
fn counting_dns(delay: Duration) -> (String, Counts) {
    let sock = UdpSocket::bind((Ipv4Addr::LOCALHOST, 0)).unwrap();
    let addr = sock.local_addr().unwrap().to_string();
    let counts = Counts::default();
    let seen = counts.clone();
    std::thread::spawn(move || {
        let mut buf = [0u8; 1500];
        while let Ok((n, peer)) = sock.recv_from(&mut buf) {
            let mut end = 12;
            let mut labels = Vec::new();
            while end < n && buf[end] != 0 {
                let len = buf[end] as usize;
                labels.push(
                    String::from_utf8_lossy(&buf[end + 1..(end + 1 + len).min(n)]).to_lowercase(),
                );
                end += len + 1;
            }
            if end + 5 > n {
                continue;
            }
            *seen.lock().unwrap().entry(labels.join(".")).or_default() += 1;
            let mut r = buf[..end + 5].to_vec();
            r[2] = 0x80 | (buf[2] & 0x79);
            r[3] = 0x80;
            r[6..12].fill(0);
            r[5] = 1;
            r[7] = 1;
            r.extend([0xc0, 0x0c, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, 192, 0, 2, 1]);
            let reply = sock.try_clone().unwrap();
            std::thread::spawn(move || {
                std::thread::sleep(delay);
                let _ = reply.send_to(&r, peer);
            });
        }
    });
    (addr, counts)
}

fn asked(counts: &Counts, name: &str) -> usize {
    counts.lock().unwrap().get(name).copied().unwrap_or(0)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn callers_asking_one_name_at_once_share_one_query() {
    let (addr, counts) = counting_dns(Duration::from_millis(300));
    let dns = Dns::new(&[addr.parse().unwrap()], Duration::from_secs(5))
        .unwrap()
        .with_in_flight(64);
    let all =
        futures::future::join_all((0..20).map(|_| dns.lookup("shared.test", hickory_type_a())))
            .await;
    for l in &all {
        assert_eq!(l.status, LookupStatus::Ok, "{l:?}");
        assert_eq!(l.records, ["192.0.2.1"]);
    }
    assert_eq!(
        asked(&counts, "shared.test"),
        1,
        "one query for twenty callers"
    );
    // Only the caller whose query it was spent time on it.
    assert_eq!(
        all.iter().filter(|l| l.duration_ms >= 250).count(),
        1,
        "{all:?}"
    );
    assert_eq!(all.iter().filter(|l| l.duration_ms == 0).count(), 19);
    let again = dns.lookup("SHARED.test.", hickory_type_a()).await;
    assert_eq!((again.records.len(), again.duration_ms), (1, 0));
    assert_eq!(asked(&counts, "shared.test"), 1, "answered from the cache");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn names_asked_often_outlive_the_turnover_and_others_are_let_go() {
    let (addr, counts) = counting_dns(Duration::ZERO);
    let dns = Dns::new(&[addr.parse().unwrap()], Duration::from_secs(5))
        .unwrap()
        .with_in_flight(64);
    dns.lookup("once.test", hickory_type_a()).await;
    // Far more distinct names than the cache holds, the shared one asked among them.
    for batch in 0..100 {
        let names: Vec<String> = (0..100).map(|i| format!("d{batch}-{i}.test")).collect();
        let lookups = names.iter().map(|n| dns.lookup(n, hickory_type_a()));
        futures::future::join_all(lookups).await;
        dns.lookup("shared.test", hickory_type_a()).await;
    }
    assert_eq!(asked(&counts, "shared.test"), 1, "kept while in use");
    dns.lookup("once.test", hickory_type_a()).await;
    assert_eq!(
        asked(&counts, "once.test"),
        2,
        "let go: the cache is bounded"
    );
    assert_eq!(asked(&counts, "d0-0.test"), 1);
}

fn hickory_type_a() -> hickory_resolver::proto::rr::RecordType {
    hickory_resolver::proto::rr::RecordType::A
}
