//! Addresses of a MESSAGE exchange: who the phone is, where the reply goes, how the phone reached us.

/// The user part of a SIP URI inside a header value: `"Ann" <sip:000fd3aabb01@192.0.2.7:5060>` →
/// `000fd3aabb01`.
pub fn sip_user(header: &str) -> Option<&str> {
    let start = header.find("sip:").or_else(|| header.find("sips:"))?;
    let rest = &header[start..];
    let rest = &rest[rest.find(':')? + 1..];
    let at = rest.find('@')?;
    let user = &rest[..at];
    (!user.is_empty() && !user.contains(['<', '>', ' ', '"'])).then_some(user)
}

/// The host the phone addressed: `pjsip:proxy@192.0.2.1:5060` → `192.0.2.1` (a bracketed IPv6
/// address keeps its brackets, for use in URLs).
pub fn to_host(to: &str) -> Option<&str> {
    let after_at = &to[to.rfind('@')? + 1..];
    let end = after_at.find(['>', ';', '?']).unwrap_or(after_at.len());
    let hostport = &after_at[..end];
    let host = if hostport.starts_with('[') {
        &hostport[..=hostport.find(']')?]
    } else {
        hostport.split(':').next()?
    };
    (!host.is_empty()).then_some(host)
}

/// The address and port the phone addressed, when the host is an IP address. Asterisk keeps no port
/// in the `To` of an inbound MESSAGE (`pjsip:proxy@192.0.2.1`): the port is then 0, unknown.
pub fn to_socket(to: &str) -> Option<std::net::SocketAddr> {
    let host = to_host(to)?;
    let after = &to[to.rfind('@')? + 1..];
    let end = after.find(['>', ';', '?']).unwrap_or(after.len());
    let port = after[..end]
        .strip_prefix(host)
        .and_then(|rest| rest.strip_prefix(':'))
        .map_or(Some(0), |p| p.parse().ok())?;
    let ip: std::net::IpAddr = host.trim_start_matches('[').trim_end_matches(']').parse().ok()?;
    Some(std::net::SocketAddr::new(ip, port))
}

/// Where a reply MESSAGE goes, as an `ast_msg_send` destination.
///
/// The dialplan's `X-Digium-AppServer-Response-URI` (`pjsip:ip:port[;transport=…]`) wins; otherwise the
/// request's source (`PJSIP_RECVADDR`) and transport. The endpoint the request was identified as
/// carries it, so phones that are not endpoints themselves still get answers.
pub fn reply_destination(
    endpoint: &str,
    response_uri: Option<&str>,
    recv_addr: Option<&str>,
    transport: Option<&str>,
    user: Option<&str>,
) -> Option<String> {
    let target = match response_uri.map(str::trim).filter(|u| !u.is_empty()) {
        Some(uri) => {
            let uri = uri.strip_prefix("pjsip:").unwrap_or(uri);
            let uri = uri.strip_prefix("sip:").unwrap_or(uri);
            format!("sip:{uri}")
        }
        None => {
            let addr = recv_addr.map(str::trim).filter(|a| !a.is_empty())?;
            let user = user.map(|u| format!("{u}@")).unwrap_or_default();
            match transport.map(str::trim).filter(|t| !t.is_empty()) {
                Some(t) => format!("sip:{user}{addr};transport={}", t.to_ascii_lowercase()),
                None => format!("sip:{user}{addr}"),
            }
        }
    };
    Some(if endpoint.is_empty() {
        format!("pjsip:{target}")
    } else {
        format!("pjsip:{endpoint}/{target}")
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn users_from_headers() {
        assert_eq!(
            sip_user(r#""Ann" <sip:000fd3aabb01@192.0.2.7:5060>;tag=x"#),
            Some("000fd3aabb01")
        );
        assert_eq!(sip_user("<sips:bob@host>"), Some("bob"));
        assert_eq!(sip_user("sip:host"), None);
        assert_eq!(sip_user(""), None);
    }

    #[test]
    fn hosts_from_to() {
        assert_eq!(to_host("pjsip:proxy@192.0.2.1"), Some("192.0.2.1"));
        assert_eq!(
            to_host("<sip:proxy@pbx.example.com:5060;transport=udp>"),
            Some("pbx.example.com")
        );
        assert_eq!(to_host("pjsip:proxy@[2001:db8::1]:5060"), Some("[2001:db8::1]"));
        assert_eq!(to_host("proxy"), None);
    }

    #[test]
    fn sockets_from_to() {
        let at = |s: &str| to_socket(s).map(|a| a.to_string());
        assert_eq!(at("pjsip:proxy@192.0.2.1").as_deref(), Some("192.0.2.1:0"));
        assert_eq!(
            at("<sip:proxy@192.0.2.1:5070;transport=udp>").as_deref(),
            Some("192.0.2.1:5070")
        );
        assert_eq!(at("pjsip:proxy@[2001:db8::1]:5061").as_deref(), Some("[2001:db8::1]:5061"));
        assert_eq!(at("pjsip:proxy@pbx.example.com"), None);
    }

    #[test]
    fn destinations() {
        assert_eq!(
            reply_destination(
                "dpma_endpoint",
                None,
                Some("192.0.2.7:5062"),
                Some("UDP"),
                Some("000fd3aabb01")
            ),
            Some("pjsip:dpma_endpoint/sip:000fd3aabb01@192.0.2.7:5062;transport=udp".into())
        );
        assert_eq!(
            reply_destination(
                "dpma_endpoint",
                Some("pjsip:10.8.0.7:5060"),
                Some("192.0.2.7:5062"),
                None,
                None
            ),
            Some("pjsip:dpma_endpoint/sip:10.8.0.7:5060".into())
        );
        assert_eq!(
            reply_destination("", None, Some("192.0.2.7:5062"), None, None),
            Some("pjsip:sip:192.0.2.7:5062".into())
        );
        assert_eq!(reply_destination("e", None, None, None, None), None);
    }
}
