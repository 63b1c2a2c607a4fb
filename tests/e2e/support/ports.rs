//! Ports for the tests' Asterisk instances and user agents, taken above the kernel's ephemeral
//! range (32768–60999 by default) and every RTP range the tests use (Asterisk's default
//! 5000–31000, baresip's 30000–39999). A port the kernel hands out for the asking and takes back
//! can be given to any outgoing connection before the instance binds it: an AMI server once failed
//! to bind that way, and its test talked to nobody.

use std::io::{ErrorKind, Write};
use std::net::{TcpListener, UdpSocket};
use std::path::Path;
use std::sync::atomic::{AtomicU32, Ordering};

const FIRST: u32 = 61_000;
/// Pairs of ports: FIRST, FIRST + 1, … up to 65_499.
const PAIRS: u32 = 2_250;

/// An even port free, with the one after it, for TCP and UDP on 127.0.0.1 now, and not handed
/// out before by this process nor by another test process still running. The odd port after it
/// is never handed out: baresip listens for SIP over TLS on the port after its SIP port.
pub fn free_port() -> u16 {
    static NEXT: AtomicU32 = AtomicU32::new(0);
    let start = std::process::id() % PAIRS;
    let free = |port: u16| {
        TcpListener::bind(("127.0.0.1", port)).is_ok()
            && UdpSocket::bind(("127.0.0.1", port)).is_ok()
    };
    for _ in 0..PAIRS {
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let Ok(port) = u16::try_from(FIRST + 2 * ((start + n) % PAIRS)) else { continue };
        if free(port) && free(port + 1) && claim(port) {
            return port;
        }
    }
    panic!("no free pair of ports in {FIRST}..{}", FIRST + 2 * PAIRS);
}

/// Claims `port` against other test processes (checkouts sharing the machine): free when checked
/// is not enough, as another process's instance may be about to bind a port it was handed. A claim
/// is a file named after the port holding the claiming process's id; one whose process has ended
/// is taken over.
fn claim(port: u16) -> bool {
    let dir = std::env::temp_dir().join("rdp-e2e-ports");
    let _ = std::fs::create_dir_all(&dir);
    let path = dir.join(port.to_string());
    for _ in 0..2 {
        match std::fs::OpenOptions::new().write(true).create_new(true).open(&path) {
            Ok(mut file) => {
                let _ = file.write_all(std::process::id().to_string().as_bytes());
                return true;
            }
            Err(e) if e.kind() == ErrorKind::AlreadyExists => {
                // Empty: being written by its claimer right now.
                let owner = std::fs::read_to_string(&path).unwrap_or_default();
                if owner.is_empty() || Path::new("/proc").join(owner.trim()).exists() {
                    return false;
                }
                let _ = std::fs::remove_file(&path);
            }
            // No shared directory: the bind check alone, as within one process.
            Err(_) => return true,
        }
    }
    false
}
