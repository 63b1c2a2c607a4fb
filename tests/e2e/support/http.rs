//! Asterisk's HTTP server, as a phone's plain HTTP client reaches it.

use std::time::Duration;

use super::Asterisk;

impl Asterisk {
    /// A plain HTTP GET to the instance's HTTP server: (status, body).
    pub fn http_get(&self, path: &str, user_agent: &str) -> (u16, String) {
        use std::io::{Read, Write};
        let mut s =
            std::net::TcpStream::connect(("127.0.0.1", self.http_port)).expect("connect HTTP");
        s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        write!(
            s,
            "GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{}\r\nUser-Agent: {user_agent}\r\nConnection: close\r\n\r\n",
            self.http_port
        )
        .unwrap();
        let mut raw = Vec::new();
        let _ = s.read_to_end(&mut raw);
        let raw = String::from_utf8_lossy(&raw).into_owned();
        let status = raw.split_whitespace().nth(1).and_then(|c| c.parse().ok()).unwrap_or(0);
        let body = raw.split_once("\r\n\r\n").map(|(_, b)| b.to_string()).unwrap_or_default();
        (status, body)
    }
}
