//! MAC addresses in the forms admins write them: `0123456789ab`, `01:23:45:67:89:AB`, `01-23-…`,
//! `0123.4567.89ab`. Stored as 12 lower-case hex digits, the form phones use in file names.

use std::fmt;
use std::str::FromStr;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Mac([u8; 6]);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("'{0}' is not a MAC address (12 hex digits, optionally separated by ':', '-' or '.')")]
pub struct InvalidMac(pub String);

impl FromStr for Mac {
    type Err = InvalidMac;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let digits: String = s.trim().chars().filter(|c| !matches!(c, ':' | '-' | '.')).collect();
        if digits.len() != 12 || !digits.chars().all(|c| c.is_ascii_hexdigit()) {
            return Err(InvalidMac(s.trim().to_string()));
        }
        let mut bytes = [0u8; 6];
        for (i, b) in bytes.iter_mut().enumerate() {
            *b = u8::from_str_radix(&digits[2 * i..2 * i + 2], 16)
                .map_err(|_| InvalidMac(s.to_string()))?;
        }
        Ok(Mac(bytes))
    }
}

impl Mac {
    pub fn octets(self) -> [u8; 6] {
        self.0
    }
}

impl fmt::Display for Mac {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.iter().try_for_each(|b| write!(f, "{b:02x}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_common_form() {
        for s in [
            "0123456789ab",
            "01:23:45:67:89:AB",
            "01-23-45-67-89-ab",
            "0123.4567.89AB",
            " 0123456789Ab ",
        ] {
            assert_eq!(s.parse::<Mac>().unwrap().to_string(), "0123456789ab", "{s}");
        }
    }

    #[test]
    fn rejects_bad_ones() {
        for s in ["", "0123456789a", "0123456789abc", "0123456789ag", "01:23:45:67:89"] {
            assert!(s.parse::<Mac>().is_err(), "{s}");
        }
    }
}
