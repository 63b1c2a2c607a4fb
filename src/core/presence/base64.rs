//! Standard base64 (RFC 4648 §4, `+` `/`, `=` padding), the alphabet Asterisk's `ast_base64encode`
//! writes and `ast_base64decode` reads. Small enough not to warrant a dependency.

const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// Why a text is not base64.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Base64Error {
    #[error("'{0}' is not a base64 character")]
    Character(char),
    #[error("the length leaves a dangling character")]
    Length,
    #[error("padding is only allowed at the end")]
    Padding,
}

pub fn encode(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [chunk[0], chunk.get(1).copied().unwrap_or(0), chunk.get(2).copied().unwrap_or(0)];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for (i, shift) in [18, 12, 6, 0].into_iter().enumerate() {
            if i <= chunk.len() {
                out.push(char::from(ALPHABET[(n >> shift) as usize & 0x3f]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// Decodes `text`; padding may be left out, anything outside the alphabet is refused.
pub fn decode(text: &str) -> Result<Vec<u8>, Base64Error> {
    let body = text.trim_end_matches('=');
    if text.len() - body.len() > 2 {
        return Err(Base64Error::Padding);
    }
    let mut out = Vec::with_capacity(body.len() / 4 * 3 + 2);
    let mut bits: u32 = 0;
    let mut count = 0;
    for c in body.chars() {
        let value = match c {
            'A'..='Z' => c as u32 - 'A' as u32,
            'a'..='z' => c as u32 - 'a' as u32 + 26,
            '0'..='9' => c as u32 - '0' as u32 + 52,
            '+' => 62,
            '/' => 63,
            '=' => return Err(Base64Error::Padding),
            other => return Err(Base64Error::Character(other)),
        };
        bits = (bits << 6) | value;
        count += 1;
        if count == 4 {
            out.extend_from_slice(&bits.to_be_bytes()[1..]);
            bits = 0;
            count = 0;
        }
    }
    match count {
        0 => {}
        2 => out.push((bits >> 4) as u8),
        3 => out.extend_from_slice(&((bits >> 2) as u16).to_be_bytes()),
        _ => return Err(Base64Error::Length),
    }
    // Padding, when present, must complete the last group.
    if text.len() != body.len() && text.len() % 4 != 0 {
        return Err(Base64Error::Padding);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc_4648_vectors() {
        for (plain, coded) in [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg=="),
            ("fooba", "Zm9vYmE="),
            ("foobar", "Zm9vYmFy"),
        ] {
            assert_eq!(encode(plain.as_bytes()), coded);
            assert_eq!(decode(coded).unwrap(), plain.as_bytes(), "{coded}");
        }
        // The example of func_presencestate's documentation.
        assert_eq!(decode("T24gdmFjYXRpb24=").unwrap(), b"On vacation");
    }

    #[test]
    fn every_byte_round_trips() {
        let all: Vec<u8> = (0..=255).collect();
        for len in 0..all.len() {
            assert_eq!(decode(&encode(&all[..len])).unwrap(), &all[..len]);
        }
        assert!(encode(&all).chars().all(|c| c.is_ascii_alphanumeric() || "+/=".contains(c)));
    }

    #[test]
    fn padding_is_optional_but_must_fit() {
        assert_eq!(decode("Zg").unwrap(), b"f");
        assert_eq!(decode("Zm8").unwrap(), b"fo");
        assert_eq!(decode("Zg="), Err(Base64Error::Padding));
        assert_eq!(decode("Zg==="), Err(Base64Error::Padding));
        assert_eq!(decode("Zg==Zg=="), Err(Base64Error::Padding));
        assert_eq!(decode("Z"), Err(Base64Error::Length));
        assert_eq!(decode("Zm9v,"), Err(Base64Error::Character(',')));
        assert_eq!(decode("Zm 9v"), Err(Base64Error::Character(' ')));
    }
}
