//! Ports for the tests' Asterisk instances and user agents, taken above the kernel's ephemeral
//! range (32768–60999 by default) and every RTP range the tests use (Asterisk's default
//! 5000–31000, baresip's 30000–39999). A port the kernel hands out for the asking and takes back
//! can be given to any outgoing connection before the instance binds it: an AMI server once failed
//! to bind that way, and its test talked to nobody.

use std::net::{TcpListener, UdpSocket};
use std::sync::atomic::{AtomicU32, Ordering};

const FIRST: u32 = 61_000;
/// Pairs of ports: FIRST, FIRST + 1, … up to 65_499.
const PAIRS: u32 = 2_250;

/// An even port free, with the one after it, for TCP and UDP on 127.0.0.1 now, and not handed
/// out before by this process. The odd port after it is never handed out: baresip listens for
/// SIP over TLS on the port after its SIP port.
pub fn free_port() -> u16 {
    static NEXT: AtomicU32 = AtomicU32::new(0);
    // Test processes running at once (checkouts sharing the machine) start at different places.
    let start = std::process::id() % PAIRS;
    let free = |port: u16| {
        TcpListener::bind(("127.0.0.1", port)).is_ok()
            && UdpSocket::bind(("127.0.0.1", port)).is_ok()
    };
    for _ in 0..PAIRS {
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let Ok(port) = u16::try_from(FIRST + 2 * ((start + n) % PAIRS)) else { continue };
        if free(port) && free(port + 1) {
            return port;
        }
    }
    panic!("no free pair of ports in {FIRST}..{}", FIRST + 2 * PAIRS);
}
