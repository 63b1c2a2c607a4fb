//! Checks that a value has the form its option needs, with a message written for an admin.

use std::net::IpAddr;
use std::str::FromStr;

use super::digit_map;
use super::mac::Mac;
use super::spec::{Kind, SectionType};

/// `Ok` when `value` (already trimmed, never empty) fits `kind`, else why not.
pub(crate) fn check(kind: Kind, value: &str) -> Result<(), String> {
    match kind {
        Kind::Text | Kind::Secret | Kind::Ringtone => Ok(()),
        Kind::Ref(target) => check_name(target, value),
        Kind::Bool => {
            parse_bool(value).map(drop).ok_or_else(|| format!("'{value}' is not yes or no"))
        }
        Kind::Int { min, max } => parse_int(value, min, max).map(drop),
        Kind::Port => parse_int(value, 1, 65_535).map(drop),
        Kind::Choice(choices) => {
            choice(choices, value).map(drop).ok_or_else(|| not_one_of(value, choices))
        }
        Kind::ExactChoice(choices) => match choices.iter().find(|c| **c == value) {
            Some(_) => Ok(()),
            None => match choices.iter().find(|c| c.eq_ignore_ascii_case(value)) {
                Some(c) => Err(format!(
                    "'{value}' must be written exactly '{c}' (phones compare it with case)"
                )),
                None => Err(not_one_of(value, choices)),
            },
        },
        Kind::Mac => value.parse::<Mac>().map(drop).map_err(|e| e.to_string()),
        Kind::Digits => {
            if value.chars().all(|c| c.is_ascii_digit()) {
                Ok(())
            } else {
                Err(format!("'{value}' must be digits only"))
            }
        }
        Kind::PhonePin => {
            if value.eq_ignore_ascii_case("voicemail") || value.chars().all(|c| c.is_ascii_digit())
            {
                Ok(())
            } else {
                Err("a PIN must be digits only, or 'voicemail' (the primary line's voicemail PIN)"
                    .into())
            }
        }
        Kind::DigitMap => digit_map::check(value).map_err(|e| e.to_string()),
        Kind::Cidr => Cidr::from_str(value).map(drop),
        Kind::Host => check_host(value),
        Kind::Url => check_url(value),
        Kind::MulticastAddress => match value.parse::<IpAddr>() {
            Ok(ip) if ip.is_multicast() => Ok(()),
            Ok(_) => {
                Err(format!("{value} is not a multicast address (224.0.0.0 to 239.255.255.255)"))
            }
            Err(_) => Err(format!("'{value}' is not an IP address")),
        },
        Kind::SettingPair => setting_pair(value).map(drop),
        Kind::Md5 => {
            if value.len() == 32 && value.chars().all(|c| c.is_ascii_hexdigit()) {
                Ok(())
            } else {
                Err(format!("'{value}' is not an MD5 sum (32 hex digits)"))
            }
        }
    }
}

/// `<id>=<value>` split at the first `=`: the id trimmed and checked against `[a-z0-9_]+` (the form
/// of every setting id the firmware documents), the value as written, blanks around it trimmed.
pub(crate) fn setting_pair(text: &str) -> Result<(&str, &str), String> {
    let Some((id, value)) = text.split_once('=') else {
        return Err(format!("'{text}' is not <id>=<value> (as in use_secure_labels=1)"));
    };
    let id = id.trim();
    if id.is_empty()
        || !id.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
    {
        return Err(format!(
            "'{id}' is not a setting id: lower-case letters, digits and _ only (as in use_secure_labels)"
        ));
    }
    Ok((id, value.trim()))
}

/// The words `ast_true` / `ast_false` accept.
pub(crate) fn parse_bool(value: &str) -> Option<bool> {
    match value.trim().to_ascii_lowercase().as_str() {
        "yes" | "true" | "y" | "t" | "1" | "on" => Some(true),
        "no" | "false" | "n" | "f" | "0" | "off" => Some(false),
        _ => None,
    }
}

pub(crate) fn parse_int(value: &str, min: i64, max: i64) -> Result<i64, String> {
    match value.trim().parse::<i64>() {
        Ok(n) if (min..=max).contains(&n) => Ok(n),
        Ok(n) => Err(format!("{n} is out of range ({min} to {max})")),
        Err(_) => Err(format!("'{}' is not a whole number", value.trim())),
    }
}

/// The choice `value` names, spelled as in `choices`.
pub(crate) fn choice(choices: &[&'static str], value: &str) -> Option<&'static str> {
    choices.iter().copied().find(|c| c.eq_ignore_ascii_case(value.trim()))
}

fn not_one_of(value: &str, choices: &[&str]) -> String {
    format!("'{value}' is not one of: {}", choices.join(", "))
}

/// A section name written where a reference is expected: one word, no brackets.
fn check_name(target: SectionType, value: &str) -> Result<(), String> {
    if value.contains(char::is_whitespace) || value.contains(['[', ']']) {
        Err(format!("'{value}' cannot be the name of a {} section", target.name()))
    } else {
        Ok(())
    }
}

fn check_host(value: &str) -> Result<(), String> {
    if value.parse::<IpAddr>().is_ok() {
        return Ok(());
    }
    let bracketed = value.strip_prefix('[').and_then(|v| v.strip_suffix(']'));
    if bracketed.is_some_and(|v| v.parse::<IpAddr>().is_ok()) {
        return Ok(());
    }
    let label_ok = |l: &str| {
        !l.is_empty()
            && l.len() <= 63
            && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
            && !l.starts_with('-')
            && !l.ends_with('-')
    };
    if value.len() <= 253 && value.trim_end_matches('.').split('.').all(label_ok) {
        Ok(())
    } else {
        Err(format!("'{value}' is not a host name or IP address"))
    }
}

fn check_url(value: &str) -> Result<(), String> {
    let Some((scheme, rest)) = value.split_once("://") else {
        return Err(format!("'{value}' is not a URL (it needs a scheme, as in http://host/path)"));
    };
    let scheme_ok = !scheme.is_empty()
        && scheme.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'));
    if !scheme_ok || rest.is_empty() || value.contains(char::is_whitespace) {
        return Err(format!("'{value}' is not a URL"));
    }
    Ok(())
}

/// An IP network: `10.24.16.0/21`, `0.0.0.0/0`, `2001:db8::/32`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cidr {
    pub address: IpAddr,
    pub prefix: u8,
}

impl Cidr {
    /// Whether `ip` is inside this network.
    pub fn contains(&self, ip: IpAddr) -> bool {
        match (self.address, ip) {
            (IpAddr::V4(net), IpAddr::V4(ip)) => {
                let mask = u32::MAX.checked_shl(32 - u32::from(self.prefix)).unwrap_or(0);
                u32::from(net) & mask == u32::from(ip) & mask
            }
            (IpAddr::V6(net), IpAddr::V6(ip)) => {
                let mask = u128::MAX.checked_shl(128 - u32::from(self.prefix)).unwrap_or(0);
                u128::from(net) & mask == u128::from(ip) & mask
            }
            _ => false,
        }
    }
}

impl FromStr for Cidr {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = || format!("'{s}' is not a network in CIDR notation (as in 10.24.16.0/21)");
        let (address, prefix) = s.trim().split_once('/').ok_or_else(bad)?;
        let address: IpAddr = address.parse().map_err(|_| bad())?;
        let max = if address.is_ipv4() { 32 } else { 128 };
        let prefix: u8 = prefix.parse().map_err(|_| bad())?;
        if prefix > max {
            return Err(format!("'{s}': a prefix length is at most {max}"));
        }
        Ok(Self { address, prefix })
    }
}

impl std::fmt::Display for Cidr {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.address, self.prefix)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds() {
        assert!(check(Kind::Bool, "On").is_ok());
        assert_eq!(check(Kind::Bool, "maybe").unwrap_err(), "'maybe' is not yes or no");
        assert_eq!(check(Kind::Port, "0").unwrap_err(), "0 is out of range (1 to 65535)");
        assert_eq!(
            check(Kind::Int { min: 0, max: 7 }, "x").unwrap_err(),
            "'x' is not a whole number"
        );
        assert!(check(Kind::Choice(&["udp", "tcp"]), "TCP").is_ok());
        assert!(
            check(Kind::ExactChoice(&["LLDP"]), "lldp").unwrap_err().contains("exactly 'LLDP'")
        );
        assert!(check(Kind::PhonePin, "Voicemail").is_ok());
        assert!(check(Kind::Digits, "12a").is_err());
        assert!(check(Kind::Host, "pbx.example.com").is_ok());
        assert!(check(Kind::Host, "10.0.0.1").is_ok());
        assert!(check(Kind::Host, "not a host").is_err());
        assert!(check(Kind::Url, "http://10.0.0.1/files/").is_ok());
        assert!(check(Kind::Url, "10.0.0.1/files").is_err());
        assert!(check(Kind::MulticastAddress, "239.1.2.3").is_ok());
        assert!(check(Kind::MulticastAddress, "10.1.2.3").is_err());
        assert!(check(Kind::Md5, "d41d8cd98f00b204e9800998ecf8427e").is_ok());
        assert!(check(Kind::Md5, "d41d").is_err());
        assert!(check(Kind::Ref(SectionType::Line), "two words").is_err());
        assert_eq!(setting_pair(" use_secure_labels = 1 "), Ok(("use_secure_labels", "1")));
        assert_eq!(setting_pair("server_environment="), Ok(("server_environment", "")));
        assert_eq!(setting_pair("a=b=c"), Ok(("a", "b=c")));
        assert!(check(Kind::SettingPair, "Use_Labels=1").unwrap_err().contains("not a setting id"));
        assert!(check(Kind::SettingPair, "a-b=1").is_err());
        assert!(check(Kind::SettingPair, "=1").is_err());
        assert!(check(Kind::SettingPair, "novalue").unwrap_err().contains("<id>=<value>"));
    }

    #[test]
    fn networks() {
        let net: Cidr = "10.24.16.0/21".parse().unwrap();
        assert!(net.contains("10.24.23.255".parse().unwrap()));
        assert!(!net.contains("10.24.24.0".parse().unwrap()));
        let all: Cidr = "0.0.0.0/0".parse().unwrap();
        assert!(all.contains("192.0.2.1".parse().unwrap()));
        assert!(!all.contains("::1".parse().unwrap()));
        assert!("10.0.0.0".parse::<Cidr>().is_err());
        assert!("10.0.0.0/33".parse::<Cidr>().is_err());
        assert!("2001:db8::/32".parse::<Cidr>().unwrap().contains("2001:db8::5".parse().unwrap()));
    }
}
