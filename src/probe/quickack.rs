//! TCP_QUICKACK before a read, so the kernel acknowledges what arrives at once instead of
//! after its delayed-ACK timer (~40 ms on Linux).
//!
//! Why it matters: after a TLS 1.3 handshake a server sends its session tickets, then holds
//! its next small reply (Nagle) until they are acknowledged. A delayed ACK there costs one
//! timer per session on top of the round trip, seen in captures as Postfix's EHLO reply
//! arriving ~40 ms late. The kernel clears the flag again on its own (it is a mode switch,
//! not a setting), so it is set before every read rather than once.

use tokio::net::TcpStream;

/// Best effort: a socket that refuses the option only loses the speed-up.
#[cfg(target_os = "linux")]
pub fn set(tcp: &TcpStream) {
    use std::os::fd::AsRawFd;
    let on: libc::c_int = 1;
    // SAFETY: a valid, open descriptor borrowed from `tcp` for the call; the option value is
    // a live c_int whose size is passed along.
    unsafe {
        libc::setsockopt(
            tcp.as_raw_fd(),
            libc::IPPROTO_TCP,
            libc::TCP_QUICKACK,
            (&on as *const libc::c_int).cast(),
            std::mem::size_of::<libc::c_int>() as libc::socklen_t,
        );
    }
}

#[cfg(not(target_os = "linux"))]
pub fn set(_tcp: &TcpStream) {}

#[cfg(all(test, target_os = "linux"))]
mod tests {
    #[tokio::test]
    async fn the_option_reads_back_as_set() {
        use std::os::fd::AsRawFd;
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let (client, _server) =
            tokio::join!(tokio::net::TcpStream::connect(addr), listener.accept());
        let client = client.unwrap();
        super::set(&client);
        let mut val: libc::c_int = 0;
        let mut len = std::mem::size_of::<libc::c_int>() as libc::socklen_t;
        // SAFETY: as in `set`, with a live out-parameter and its length.
        let rc = unsafe {
            libc::getsockopt(
                client.as_raw_fd(),
                libc::IPPROTO_TCP,
                libc::TCP_QUICKACK,
                (&mut val as *mut libc::c_int).cast(),
                &mut len,
            )
        };
        assert_eq!(rc, 0);
        assert_eq!(val, 1);
    }
}
