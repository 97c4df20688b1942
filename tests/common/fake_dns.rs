//! A hostile name server on loopback, UDP and TCP on one port, answering from a function of
//! the question: huge answers (truncated over UDP, whole over TCP as real servers do), alias
//! loops, NXDOMAIN, or a truncated UDP answer whose TCP retry is never answered.

#![allow(dead_code)]

use hickory_resolver::proto::op::{Message, MessageType, Query, ResponseCode};
use hickory_resolver::proto::rr::{rdata, Name, RData, Record, RecordType};
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream, UdpSocket};
use tokio::task::JoinHandle;

/// What the server does with one question.
pub enum Reply {
    Records(Vec<Record>),
    NxDomain,
    /// Over UDP a header with TC set; over TCP the connection is held open and never answered.
    TruncatedThenSilent,
}

pub type Zone = Arc<dyn Fn(&Name, RecordType) -> Reply + Send + Sync>;

/// The largest UDP answer sent whole; hickory offers 1232 bytes by EDNS (the DNS-flag-day size).
const UDP_MAX: usize = 1232;

pub struct FakeDns {
    /// `IP:PORT` for `--resolver`.
    pub addr: String,
    /// Questions received, over both transports.
    pub queries: Arc<AtomicUsize>,
    tasks: Vec<JoinHandle<()>>,
}

impl Drop for FakeDns {
    fn drop(&mut self) {
        for t in &self.tasks {
            t.abort();
        }
    }
}

impl FakeDns {
    pub fn queries(&self) -> usize {
        self.queries.load(Ordering::SeqCst)
    }
}

pub async fn start(zone: impl Fn(&Name, RecordType) -> Reply + Send + Sync + 'static) -> FakeDns {
    let zone: Zone = Arc::new(zone);
    let udp = UdpSocket::bind((Ipv4Addr::LOCALHOST, 0))
        .await
        .expect("bind udp");
    let port = udp.local_addr().expect("addr").port();
    let tcp = TcpListener::bind((Ipv4Addr::LOCALHOST, port))
        .await
        .expect("bind tcp on the same port");
    let queries = Arc::new(AtomicUsize::new(0));
    let (z, q) = (zone.clone(), queries.clone());
    let udp_task = tokio::spawn(async move {
        let mut buf = vec![0u8; 4096];
        while let Ok((n, peer)) = udp.recv_from(&mut buf).await {
            q.fetch_add(1, Ordering::SeqCst);
            if let Some(answer) = answer(&z, &buf[..n], true) {
                let _ = udp.send_to(&answer, peer).await;
            }
        }
    });
    let (z, q) = (zone, queries.clone());
    let tcp_task = tokio::spawn(async move {
        while let Ok((sock, _)) = tcp.accept().await {
            tokio::spawn(serve_tcp(sock, z.clone(), q.clone()));
        }
    });
    FakeDns {
        addr: SocketAddr::from((Ipv4Addr::LOCALHOST, port)).to_string(),
        queries,
        tasks: vec![udp_task, tcp_task],
    }
}

async fn serve_tcp(mut sock: TcpStream, zone: Zone, queries: Arc<AtomicUsize>) {
    loop {
        let mut len = [0u8; 2];
        if sock.read_exact(&mut len).await.is_err() {
            return;
        }
        let mut msg = vec![0u8; u16::from_be_bytes(len) as usize];
        if sock.read_exact(&mut msg).await.is_err() {
            return;
        }
        queries.fetch_add(1, Ordering::SeqCst);
        let Some(answer) = answer(&zone, &msg, false) else {
            // The silent TCP retry: keep the connection, say nothing.
            let mut sink = [0u8; 512];
            while matches!(sock.read(&mut sink).await, Ok(n) if n > 0) {}
            return;
        };
        let mut framed = (answer.len() as u16).to_be_bytes().to_vec();
        framed.extend_from_slice(&answer);
        if sock.write_all(&framed).await.is_err() {
            return;
        }
    }
}

/// The wire answer to `query`; `None`: say nothing.
fn answer(zone: &Zone, query: &[u8], udp: bool) -> Option<Vec<u8>> {
    let request = Message::from_vec(query).ok()?;
    let question = request.queries.first()?.clone();
    let mut response = Message::new(
        request.metadata.id,
        MessageType::Response,
        request.metadata.op_code,
    );
    response.metadata.recursion_desired = request.metadata.recursion_desired;
    response.metadata.recursion_available = true;
    response.add_query(question.clone());
    match zone(question.name(), question.query_type()) {
        Reply::NxDomain => response.metadata.response_code = ResponseCode::NXDomain,
        Reply::TruncatedThenSilent if udp => response.metadata.truncation = true,
        Reply::TruncatedThenSilent => return None,
        Reply::Records(records) => {
            response.add_answers(records);
        }
    }
    let mut wire = response.to_vec().ok()?;
    if udp && wire.len() > UDP_MAX {
        let mut cut = Message::new(
            request.metadata.id,
            MessageType::Response,
            request.metadata.op_code,
        );
        cut.metadata.recursion_desired = request.metadata.recursion_desired;
        cut.metadata.recursion_available = true;
        cut.metadata.truncation = true;
        cut.add_query(question);
        wire = cut.to_vec().ok()?;
    }
    Some(wire)
}

pub fn name(text: &str) -> Name {
    Name::from_ascii(text).expect("a DNS name")
}

pub fn txt(owner: &Name, strings: Vec<String>) -> Record {
    Record::from_rdata(owner.clone(), 60, RData::TXT(rdata::TXT::new(strings)))
}

pub fn mx(owner: &Name, preference: u16, exchange: &str) -> Record {
    Record::from_rdata(
        owner.clone(),
        60,
        RData::MX(rdata::MX::new(preference, name(exchange))),
    )
}

pub fn cname(owner: &Name, target: &str) -> Record {
    Record::from_rdata(owner.clone(), 60, RData::CNAME(rdata::CNAME(name(target))))
}

pub fn a(owner: &Name, ip: Ipv4Addr) -> Record {
    Record::from_rdata(owner.clone(), 60, RData::A(rdata::A(ip)))
}

/// The question's name in lower case without the root dot, for matching in a zone function.
pub fn text(name: &Name) -> String {
    name.to_ascii().trim_end_matches('.').to_ascii_lowercase()
}

/// Whether the question is `rtype` for `owner` (lower case, no root dot).
pub fn is(q: (&Name, RecordType), owner: &str, rtype: RecordType) -> bool {
    q.1 == rtype && text(q.0) == owner
}

pub fn query(name: &str, rtype: RecordType) -> Query {
    Query::query(self::name(name), rtype)
}
