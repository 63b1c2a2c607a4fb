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
use crate::core::discovery::{Browser, Discovered, SERVICE, dns};

const MDNS_GROUP: SocketAddr =
    SocketAddr::V4(SocketAddrV4::new(Ipv4Addr::new(224, 0, 0, 251), 5353));
const DEFAULT_TIMEOUT: Duration = Duration::from_secs(5);
/// The first retransmission; each later one waits twice as long (RFC 6762 §5.2).
const FIRST_RETRY: Duration = Duration::from_secs(1);

/// The discovery options, taken out of the command line.
#[derive(Debug, Default, PartialEq)]
struct Discovery {
    discover: bool,
    only: bool,
    timeout: Option<Duration>,
    /// Hidden: where the query goes instead of the mDNS group (tests use a fake responder).
    target: Option<SocketAddr>,
}

/// The command line for the rest of the simulator: unchanged without `--discover`, else with
/// `--server <sipUrl>` of the server found. None: `--discover-only` printed what it found.
pub(super) fn server_args(args: &[String]) -> Result<Option<Vec<String>>, SimError> {
    let (discovery, mut rest) = split_args(args)?;
    if !(discovery.discover || discovery.only) {
        if discovery != Discovery::default() {
            return Err(SimError::Usage(
                "--discover-timeout and --mdns-target go with --discover".into(),
            ));
        }
        return Ok(Some(rest));
    }
    if rest.iter().any(|a| a == "--help") {
        return Ok(Some(rest));
    }
    if rest.iter().any(|a| a == "--server" || a.starts_with("--server=")) {
        return Err(SimError::Usage("--server and --discover exclude each other".into()));
    }
    let target = discovery.target.unwrap_or(MDNS_GROUP);
    let found = browse(target, discovery.timeout.unwrap_or(DEFAULT_TIMEOUT))?;
    eprintln!("discovered \"{}\" {}", found.instance, found.sip_url);
    if discovery.only {
        println!("{}\t{}", found.instance, found.sip_url);
        return Ok(None);
    }
    rest.extend(["--server".to_owned(), found.sip_url]);
    Ok(Some(rest))
}

/// Separates the discovery options from the others, which keep their order (and their values,
/// so that a value is never mistaken for an option).
fn split_args(args: &[String]) -> Result<(Discovery, Vec<String>), SimError> {
    let usage = SimError::Usage;
    let mut discovery = Discovery::default();
    let mut rest = Vec::new();
    let mut seen: Vec<&str> = Vec::new();
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        let Some(flag) = arg.strip_prefix("--") else {
            rest.push(arg.clone());
            continue;
        };
        let (name, inline) = match flag.split_once('=') {
            Some((name, value)) => (name, Some(value.to_owned())),
            None => (flag, None),
        };
        let ours =
            matches!(name, "discover" | "discover-only" | "discover-timeout" | "mdns-target");
        if !ours {
            rest.push(arg.clone());
            // The same rule as the main parser: every other option but these takes a value.
            if inline.is_none() && !matches!(name, "userlist" | "logout" | "help") {
                rest.extend(args.next().cloned());
            }
            continue;
        }
        if seen.contains(&name) {
            return Err(usage(format!("--{name} given twice")));
        }
        seen.push(name);
        if matches!(name, "discover" | "discover-only") {
            if inline.is_some() {
                return Err(usage(format!("--{name} takes no value")));
            }
            if name == "discover" {
                discovery.discover = true;
            } else {
                discovery.only = true;
            }
            continue;
        }
        let value = match inline {
            Some(value) => value,
            None => args.next().cloned().ok_or_else(|| usage(format!("--{name} needs a value")))?,
        };
        if name == "mdns-target" {
            let target = value
                .parse()
                .map_err(|_| usage(format!("--mdns-target '{value}': not IP:PORT")))?;
            discovery.target = Some(target);
        } else {
            let timeout = value
                .parse::<f64>()
                .ok()
                .and_then(|secs| Duration::try_from_secs_f64(secs).ok())
                .filter(|d| !d.is_zero())
                .ok_or_else(|| {
                    usage(format!("--discover-timeout '{value}': a positive number of seconds"))
                })?;
            discovery.timeout = Some(timeout);
        }
    }
    Ok((discovery, rest))
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
    use super::*;

    fn args(text: &str) -> Vec<String> {
        text.split_whitespace().map(str::to_owned).collect()
    }

    #[test]
    fn takes_out_the_discovery_options_only() {
        let (d, rest) = split_args(&args(
            "--mac 000fd3aabb01 --discover --pin --discover-only --model D70 \
             --discover-timeout=0.5 --userlist --mdns-target 127.0.0.1:5353 --logout",
        ))
        .unwrap();
        assert!(d.discover && !d.only);
        assert_eq!(d.timeout, Some(Duration::from_millis(500)));
        assert_eq!(d.target, Some("127.0.0.1:5353".parse().unwrap()));
        // `--discover-only` after `--pin` is the PIN's value for the main parser to judge.
        assert_eq!(
            rest,
            args("--mac 000fd3aabb01 --pin --discover-only --model D70 --userlist --logout")
        );
    }

    #[test]
    fn leaves_other_command_lines_alone() {
        let line = args("--server sip:proxy@10.0.0.1 --mac 000fd3aabb01 --model D70");
        assert_eq!(server_args(&line).unwrap(), Some(line.clone()));
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
            "--discover-timeout 3 --mac 000fd3aabb01",
            "--discover --server sip:proxy@10.0.0.1 --mac 000fd3aabb01 --model D70",
        ] {
            assert!(matches!(server_args(&args(bad)), Err(SimError::Usage(_))), "{bad}");
        }
    }
}
