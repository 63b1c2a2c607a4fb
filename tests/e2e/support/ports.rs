//! Ports for the tests' Asterisk instances and user agents, taken above the kernel's ephemeral
//! range (32768–60999 by default) and every RTP range the tests use (Asterisk's default
//! 5000–31000, baresip's 30000–39999). A port the kernel hands out for the asking and takes back
//! can be given to any outgoing connection before the instance binds it: an AMI server once failed
//! to bind that way, and its test talked to nobody.

use std::net::{TcpListener, UdpSocket};
use std::sync::atomic::{AtomicU32, Ordering};

const FIRST: u32 = 61_000;
const COUNT: u32 = 4_500;

/// A port free for both TCP and UDP on 127.0.0.1 now, and not handed out before by this process.
pub fn free_port() -> u16 {
    static NEXT: AtomicU32 = AtomicU32::new(0);
    // Test processes running at once (checkouts sharing the machine) start at different places.
    let start = std::process::id() % COUNT;
    for _ in 0..COUNT {
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let Ok(port) = u16::try_from(FIRST + (start + n) % COUNT) else { continue };
        if TcpListener::bind(("127.0.0.1", port)).is_ok()
            && UdpSocket::bind(("127.0.0.1", port)).is_ok()
        {
            return port;
        }
    }
    panic!("no free port in {FIRST}..{}", FIRST + COUNT);
}
