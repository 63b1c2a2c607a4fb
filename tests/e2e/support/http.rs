//! Asterisk's HTTP server, as a phone's plain HTTP client reaches it.

use std::time::Duration;

use super::Asterisk;

impl Asterisk {
    /// A plain HTTP GET to the instance's HTTP server: (status, body).
    pub fn http_get(&self, path: &str, user_agent: &str) -> (u16, String) {
        self.http_get_from(None, path, user_agent)
    }

    /// [`Asterisk::http_get`] from the source address `from` (any of 127.0.0.0/8 on Linux), as a
    /// phone elsewhere on the network.
    pub fn http_get_from(
        &self,
        from: Option<std::net::IpAddr>,
        path: &str,
        user_agent: &str,
    ) -> (u16, String) {
        use std::io::{Read, Write};
        let server = std::net::SocketAddr::from(([127, 0, 0, 1], self.http_port));
        let mut s = match from {
            None => std::net::TcpStream::connect(server).expect("connect HTTP"),
            Some(ip) => {
                let socket = socket2::Socket::new(
                    socket2::Domain::IPV4,
                    socket2::Type::STREAM,
                    Some(socket2::Protocol::TCP),
                )
                .expect("socket");
                socket.bind(&std::net::SocketAddr::new(ip, 0).into()).expect("bind the source");
                socket.connect(&server.into()).expect("connect HTTP");
                socket.into()
            }
        };
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
