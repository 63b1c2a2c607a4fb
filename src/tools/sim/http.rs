//! A minimal HTTP/1.1 GET client over a plain `TcpStream`, enough to fetch the documents a provisioning
//! reply names (Asterisk's HTTP server answers with Content-Length; chunked bodies are read too).

use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpStream, ToSocketAddrs};
use std::time::{Duration, Instant};

/// Nothing the server hands a phone comes near this.
const MAX_BODY: usize = 16 << 20;
const MAX_HEAD: usize = 64 << 10;

#[derive(Debug, thiserror::Error)]
pub enum HttpError {
    #[error("{0}: only http:// URLs are supported")]
    Unsupported(String),
    #[error("bad URL {0}")]
    BadUrl(String),
    #[error("timed out fetching {0}")]
    Timeout(String),
    #[error("fetching {url}: {source}")]
    Io { url: String, source: io::Error },
    #[error("{url} answered {code} {reason}")]
    Status { url: String, code: u16, reason: String },
    #[error("{url}: malformed HTTP response: {detail}")]
    Malformed { url: String, detail: String },
}

struct Url<'a> {
    host: &'a str,
    port: u16,
    /// `host` or `host:port` as written, for the Host header.
    authority: &'a str,
    path: &'a str,
}

fn split_url(url: &str) -> Result<Url<'_>, HttpError> {
    let Some(rest) = url.strip_prefix("http://") else {
        return Err(HttpError::Unsupported(url.to_owned()));
    };
    let (authority, path) = match rest.find('/') {
        Some(at) => (&rest[..at], &rest[at..]),
        None => (rest, "/"),
    };
    let bad = || HttpError::BadUrl(url.to_owned());
    let (host, port) = if let Some(bracketed) = authority.strip_prefix('[') {
        let (host, after) = bracketed.split_once(']').ok_or_else(bad)?;
        match after.strip_prefix(':') {
            Some(port) => (host, port.parse().map_err(|_| bad())?),
            None if after.is_empty() => (host, 80),
            None => return Err(bad()),
        }
    } else {
        match authority.rsplit_once(':') {
            Some((host, port)) => (host, port.parse().map_err(|_| bad())?),
            None => (authority, 80),
        }
    };
    if host.is_empty() || path.contains([' ', '\r', '\n']) {
        return Err(bad());
    }
    Ok(Url { host, port, authority, path })
}

/// GETs `url` from the address `local` (a phone has one address for SIP and HTTP, and servers may
/// tie a download to it) and returns the body of a 200 response.
pub fn get(
    url: &str,
    user_agent: &str,
    local: Option<std::net::IpAddr>,
    deadline: Instant,
) -> Result<Vec<u8>, HttpError> {
    let parts = split_url(url)?;
    let io_error = |source: io::Error| {
        if matches!(source.kind(), io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut) {
            HttpError::Timeout(url.to_owned())
        } else {
            HttpError::Io { url: url.to_owned(), source }
        }
    };
    let addresses: Vec<SocketAddr> =
        (parts.host, parts.port).to_socket_addrs().map_err(io_error)?.collect();
    let mut stream = connect(&addresses, local, deadline).map_err(io_error)?;
    let request = format!(
        "GET {} HTTP/1.1\r\nHost: {}\r\nUser-Agent: {user_agent}\r\nAccept: */*\r\n\
         Connection: close\r\n\r\n",
        parts.path, parts.authority
    );
    stream.set_write_timeout(Some(remaining(deadline).map_err(io_error)?)).map_err(io_error)?;
    stream.write_all(request.as_bytes()).map_err(io_error)?;
    let mut reader = DeadlineReader { stream, deadline, buffer: Vec::new() };
    let malformed =
        |detail: &str| HttpError::Malformed { url: url.to_owned(), detail: detail.to_owned() };

    let head_end = reader.fill_until(|b| find(b, b"\r\n\r\n"), MAX_HEAD).map_err(io_error)?;
    let head_end = head_end.ok_or_else(|| malformed("no end of headers"))?;
    let head = String::from_utf8_lossy(&reader.buffer[..head_end]).into_owned();
    reader.buffer.drain(..head_end + 4);
    let mut lines = head.split("\r\n");
    let status_line = lines.next().unwrap_or_default();
    let mut status = status_line.splitn(3, ' ');
    let version = status.next().unwrap_or_default();
    let code: u16 = status
        .next()
        .and_then(|code| code.parse().ok())
        .filter(|_| version.starts_with("HTTP/1."))
        .ok_or_else(|| malformed("bad status line"))?;
    let reason = status.next().unwrap_or_default().to_owned();
    let headers: Vec<(String, String)> = lines
        .filter_map(|line| line.split_once(':'))
        .map(|(name, value)| (name.trim().to_ascii_lowercase(), value.trim().to_owned()))
        .collect();
    let header = |name: &str| headers.iter().find(|(key, _)| key == name).map(|(_, v)| v.as_str());

    let body = if header("transfer-encoding").is_some_and(|te| te.eq_ignore_ascii_case("chunked")) {
        read_chunked(&mut reader).map_err(|error| match error {
            ChunkError::Io(source) => io_error(source),
            ChunkError::Malformed(detail) => malformed(detail),
        })?
    } else if let Some(length) = header("content-length") {
        let length: usize = length.parse().map_err(|_| malformed("bad Content-Length"))?;
        if length > MAX_BODY {
            return Err(malformed("body too large"));
        }
        reader.fill_to(length).map_err(io_error)?;
        if reader.buffer.len() < length {
            return Err(malformed("body shorter than its Content-Length"));
        }
        reader.buffer.truncate(length);
        std::mem::take(&mut reader.buffer)
    } else {
        reader.fill_to(MAX_BODY + 1).map_err(io_error)?;
        if reader.buffer.len() > MAX_BODY {
            return Err(malformed("body too large"));
        }
        std::mem::take(&mut reader.buffer)
    };
    if code != 200 {
        return Err(HttpError::Status { url: url.to_owned(), code, reason });
    }
    Ok(body)
}

fn connect(
    addresses: &[SocketAddr],
    local: Option<std::net::IpAddr>,
    deadline: Instant,
) -> io::Result<TcpStream> {
    let mut last = io::Error::new(io::ErrorKind::NotFound, "the host has no address");
    for address in addresses {
        let attempt = match local.filter(|ip| !ip.is_unspecified()) {
            // std cannot bind a TCP socket before connecting; socket2 can.
            Some(ip) => (|| {
                let socket = socket2::Socket::new(
                    socket2::Domain::for_address(*address),
                    socket2::Type::STREAM,
                    Some(socket2::Protocol::TCP),
                )?;
                socket.bind(&SocketAddr::new(ip, 0).into())?;
                socket.connect_timeout(&(*address).into(), remaining(deadline)?)?;
                Ok(socket.into())
            })(),
            None => TcpStream::connect_timeout(address, remaining(deadline)?),
        };
        match attempt {
            Ok(stream) => return Ok(stream),
            Err(error) => last = error,
        }
    }
    Err(last)
}

fn remaining(deadline: Instant) -> io::Result<Duration> {
    let left = deadline.saturating_duration_since(Instant::now());
    if left.is_zero() { Err(io::ErrorKind::TimedOut.into()) } else { Ok(left) }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|window| window == needle)
}

/// Reads into a buffer, every read bounded by the overall deadline.
struct DeadlineReader {
    stream: TcpStream,
    deadline: Instant,
    buffer: Vec<u8>,
}

impl DeadlineReader {
    /// Reads once; false at end of stream.
    fn read_more(&mut self) -> io::Result<bool> {
        self.stream.set_read_timeout(Some(remaining(self.deadline)?))?;
        let mut chunk = [0u8; 8192];
        let read = self.stream.read(&mut chunk)?;
        self.buffer.extend_from_slice(&chunk[..read]);
        Ok(read > 0)
    }

    /// Reads until `found` finds something in the buffer, the buffer passes `limit`, or the stream ends.
    fn fill_until(
        &mut self,
        found: impl Fn(&[u8]) -> Option<usize>,
        limit: usize,
    ) -> io::Result<Option<usize>> {
        loop {
            if let Some(at) = found(&self.buffer) {
                return Ok(Some(at));
            }
            if self.buffer.len() > limit || !self.read_more()? {
                return Ok(None);
            }
        }
    }

    /// Reads until the buffer holds `length` bytes or the stream ends.
    fn fill_to(&mut self, length: usize) -> io::Result<()> {
        while self.buffer.len() < length {
            if !self.read_more()? {
                break;
            }
        }
        Ok(())
    }
}

enum ChunkError {
    Io(io::Error),
    Malformed(&'static str),
}

impl From<io::Error> for ChunkError {
    fn from(error: io::Error) -> Self {
        Self::Io(error)
    }
}

fn read_chunked(reader: &mut DeadlineReader) -> Result<Vec<u8>, ChunkError> {
    let mut body = Vec::new();
    loop {
        let line_end = reader
            .fill_until(|b| find(b, b"\r\n"), 1024)?
            .ok_or(ChunkError::Malformed("unterminated chunk size"))?;
        let size_line = String::from_utf8_lossy(&reader.buffer[..line_end]).into_owned();
        reader.buffer.drain(..line_end + 2);
        // Chunk extensions after ';' carry nothing we need.
        let size_text = size_line.split(';').next().unwrap_or_default().trim();
        let size = usize::from_str_radix(size_text, 16)
            .map_err(|_| ChunkError::Malformed("bad chunk size"))?;
        if size == 0 {
            return Ok(body);
        }
        if body.len() + size > MAX_BODY {
            return Err(ChunkError::Malformed("body too large"));
        }
        reader.fill_to(size + 2)?;
        if reader.buffer.len() < size + 2 || &reader.buffer[size..size + 2] != b"\r\n" {
            return Err(ChunkError::Malformed("truncated chunk"));
        }
        body.extend_from_slice(&reader.buffer[..size]);
        reader.buffer.drain(..size + 2);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_urls() {
        let url = split_url("http://192.0.2.1:8088/digium_phones/x.xml").unwrap();
        assert_eq!(
            (url.host, url.port, url.authority, url.path),
            ("192.0.2.1", 8088, "192.0.2.1:8088", "/digium_phones/x.xml")
        );
        let url = split_url("http://[::1]/").unwrap();
        assert_eq!((url.host, url.port), ("::1", 80));
        let url = split_url("http://host").unwrap();
        assert_eq!((url.host, url.port, url.path), ("host", 80, "/"));
        assert!(matches!(split_url("https://host/"), Err(HttpError::Unsupported(_))));
        assert!(split_url("http://host:x/").is_err());
        assert!(split_url("http:///").is_err());
        assert!(split_url("http://h/a b").is_err());
    }
}
