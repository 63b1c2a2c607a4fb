//! `--discover`: finds the server the way a factory-fresh phone does, by browsing
//! `_digiumproxy._udp.local` over mDNS, and hands its `sipUrl` to the rest of the simulator as if
//! it had been given with `--server`.
//!
//! The query leaves from an ephemeral port: a one-shot query (RFC 6762 §5.1), which responders
//! answer by unicast to that port. So the simulator needs neither port 5353 (often held by
//! avahi-daemon) nor a multicast group membership.

use std::net::{Ipv4Addr, SocketAddr, SocketAddrV4, UdpSocket};
use std::time::{Duration, Instant};

use super::SimError;
use digium_phones_core::discovery::{Browser, Discovered, SERVICE, dns};

const MDNS_GROUP: SocketAddr =
    SocketAddr::V4(SocketAddrV4::new(Ipv4Addr::new(224, 0, 0, 251), 5353));
const DEFAULT_TIMEOUT: Duration = Duration::from_secs(5);
/// The first retransmission; each later one waits twice as long (RFC 6762 §5.2).
const FIRST_RETRY: Duration = Duration::from_secs(1);

/// How the simulator finds its server when no --server is given.
#[derive(Debug, Default, PartialEq, clap::Args)]
pub struct DiscoveryArgs {
    /// Find the server over mDNS (_digiumproxy._udp) instead of --server
    #[arg(long, conflicts_with = "server")]
    discover: bool,
    /// Print the name of the server found, a tab and its sipUrl, and stop (implies --discover)
    #[arg(long, conflicts_with = "server")]
    discover_only: bool,
    /// Seconds to look for a server
    #[arg(long, value_name = "SECS", value_parser = crate::parse_seconds)]
    discover_timeout: Option<Duration>,
    /// Where the query goes instead of the mDNS group (tests use a fake responder)
    #[arg(long, value_name = "IP:PORT", hide = true)]
    mdns_target: Option<SocketAddr>,
}

/// The server's URI: `server` when given, else the `sipUrl` of the server discovered. `None`:
/// `--discover-only` printed what it found.
pub(super) fn server(
    discovery: &DiscoveryArgs,
    server: Option<&str>,
) -> Result<Option<String>, SimError> {
    if let Some(server) = server {
        if discovery.discover_timeout.is_some() || discovery.mdns_target.is_some() {
            return Err(SimError::Usage(
                "--discover-timeout and --mdns-target go with --discover".into(),
            ));
        }
        return Ok(Some(server.to_owned()));
    }
    let target = discovery.mdns_target.unwrap_or(MDNS_GROUP);
    let found = browse(target, discovery.discover_timeout.unwrap_or(DEFAULT_TIMEOUT))?;
    eprintln!("discovered \"{}\" {}", found.instance, found.sip_url);
    if discovery.discover_only {
        println!("{}\t{}", found.instance, found.sip_url);
        return Ok(None);
    }
    Ok(Some(found.sip_url))
}

/// Queries `target` for the service's PTR until a server resolves or `timeout` passes. A PTR that
/// comes without SRV/TXT/A brings a follow-up query for them.
fn browse(target: SocketAddr, timeout: Duration) -> Result<Discovered, SimError> {
    let unspecified: SocketAddr = match target {
        SocketAddr::V4(_) => (Ipv4Addr::UNSPECIFIED, 0).into(),
        SocketAddr::V6(_) => (std::net::Ipv6Addr::UNSPECIFIED, 0).into(),
    };
    let socket = UdpSocket::bind(unspecified).map_err(SimError::Bind)?;
    if target.ip().is_multicast() {
        // RFC 6762 §11: mDNS packets carry TTL 255, so they stay on the link.
        let _ = socket.set_multicast_ttl_v4(255);
    }
    let send = |packet: &[u8]| {
        socket.send_to(packet, target).map(drop).map_err(|e| {
            SimError::Discovery(format!("cannot send the mDNS query to {target}: {e}"))
        })
    };
    let started = Instant::now();
    let deadline = started + timeout;
    let mut next_query = started;
    let mut retry = FIRST_RETRY;
    let mut browser = Browser::new();
    let mut buf = [0u8; 9000];
    loop {
        let now = Instant::now();
        if now >= deadline {
            return Err(SimError::NoResponse(
                timeout,
                format!("the mDNS query for {SERVICE} sent to {target}"),
            ));
        }
        if now >= next_query {
            send(&Browser::query(false))?;
            next_query = now + retry;
            retry *= 2;
        }
        let wait = deadline.min(next_query).saturating_duration_since(now);
        socket
            .set_read_timeout(Some(wait.max(Duration::from_millis(1))))
            .map_err(|e| SimError::Discovery(format!("mDNS socket: {e}")))?;
        match socket.recv_from(&mut buf) {
            Ok((n, _)) => {
                let Ok(message) = dns::parse(&buf[..n]) else { continue };
                browser.add(&message);
                if let Some(found) = browser.servers().into_iter().next() {
                    return Ok(found);
                }
                if message.is_response() {
                    if let Some(follow_up) = browser.follow_up() {
                        send(&follow_up)?;
                    }
                }
            }
            Err(e)
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                ) => {}
            // An ICMP error from an earlier datagram (a closed port): keep waiting for others.
            Err(e) if e.kind() == std::io::ErrorKind::ConnectionRefused => {}
            Err(e) => return Err(SimError::Discovery(format!("mDNS socket: {e}"))),
        }
    }
}

#[cfg(test)]
mod tests {
    use clap::Parser;

    use super::*;

    #[derive(Parser)]
    struct Line {
        #[arg(long)]
        server: Option<String>,
        #[command(flatten)]
        discovery: DiscoveryArgs,
    }

    fn parse(text: &str) -> Result<Line, clap::Error> {
        Line::try_parse_from(std::iter::once("phone").chain(text.split_whitespace()))
    }

    #[test]
    fn parses_the_discovery_options() {
        let line = parse("--discover --discover-timeout=0.5 --mdns-target 127.0.0.1:5353").unwrap();
        let d = line.discovery;
        assert!(d.discover && !d.discover_only);
        assert_eq!(d.discover_timeout, Some(Duration::from_millis(500)));
        assert_eq!(d.mdns_target, Some("127.0.0.1:5353".parse().unwrap()));
    }

    #[test]
    fn a_given_server_is_used_as_it_is() {
        let line = parse("--server sip:proxy@10.0.0.1").unwrap();
        let server = server(&line.discovery, line.server.as_deref()).unwrap();
        assert_eq!(server.as_deref(), Some("sip:proxy@10.0.0.1"));
    }

    #[test]
    fn refuses_bad_discovery_options() {
        for bad in [
            "--discover --discover",
            "--discover=yes",
            "--discover --discover-timeout 0",
            "--discover --discover-timeout soon",
            "--discover --mdns-target localhost",
            "--discover --mdns-target",
            "--discover-only --server sip:proxy@10.0.0.1",
            "--discover --server sip:proxy@10.0.0.1",
        ] {
            assert!(parse(bad).is_err(), "{bad}");
        }
        let line = parse("--server sip:proxy@10.0.0.1 --discover-timeout 3").unwrap();
        assert!(matches!(server(&line.discovery, line.server.as_deref()), Err(SimError::Usage(_))));
    }
}
