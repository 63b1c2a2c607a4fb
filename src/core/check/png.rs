//! The idle-screen logo rules of the DPMA 1.0 guide: "PNG format, <W>x<H> pixels, 8-bit depth, a
//! color type without alpha transparency and less than 10k in size", read from the PNG signature and
//! its IHDR chunk.

use crate::finding::Severity;
use crate::model::models::PhoneModel;

/// "Less than 10k": read as 10 KiB.
pub const MAX_BYTES: usize = 10 * 1024;

const SIGNATURE: &[u8; 8] = b"\x89PNG\r\n\x1a\n";

/// What the IHDR chunk says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Header {
    pub width: u32,
    pub height: u32,
    pub bit_depth: u8,
    pub colour_type: u8,
}

/// The header of a PNG file, or why it is not one.
pub fn header(bytes: &[u8]) -> Result<Header, String> {
    if bytes.len() < 8 || &bytes[..8] != SIGNATURE {
        return Err("is not a PNG file".into());
    }
    // The first chunk: length (13), "IHDR", width, height, bit depth, colour type, ...
    let ihdr = bytes.get(8..8 + 4 + 4 + 13).ok_or("is a PNG file cut short (no IHDR chunk)")?;
    if &ihdr[4..8] != b"IHDR" {
        return Err("is a PNG file whose first chunk is not IHDR".into());
    }
    let u32_at =
        |at: usize| u32::from_be_bytes([ihdr[at], ihdr[at + 1], ihdr[at + 2], ihdr[at + 3]]);
    Ok(Header { width: u32_at(8), height: u32_at(12), bit_depth: ihdr[16], colour_type: ihdr[17] })
}

fn colour_name(colour_type: u8) -> &'static str {
    match colour_type {
        0 => "greyscale",
        2 => "RGB",
        3 => "palette",
        4 => "greyscale with alpha",
        6 => "RGB with alpha",
        _ => "an invalid colour type",
    }
}

/// Every way `bytes` breaks the logo rules for `model`, as (severity, message about the file).
pub fn check_logo(bytes: &[u8], model: &PhoneModel) -> Vec<(Severity, String)> {
    let mut out = Vec::new();
    let header = match header(bytes) {
        Ok(h) => h,
        Err(why) => return vec![(Severity::Error, why)],
    };
    if bytes.len() >= MAX_BYTES {
        out.push((
            Severity::Error,
            format!("is {} bytes; a logo must be under 10 KB ({MAX_BYTES} bytes)", bytes.len()),
        ));
    }
    if let Some(size) = model.logo {
        let (w, h) = (header.width, header.height);
        if (w, h) == (size.width, size.height) {
            // As documented.
        } else if size.also == Some((w, h)) {
            out.push((
                Severity::Warning,
                format!(
                    "is {w}x{h}: DPMA's model list gives the {} logo that size, FreePBX {}x{}; \
                     unverified which the phone shows whole",
                    model.name, size.width, size.height
                ),
            ));
        } else if size.documented {
            out.push((
                Severity::Error,
                format!(
                    "is {w}x{h} pixels; a {} logo is {}x{}{}",
                    model.name,
                    size.width,
                    size.height,
                    size.also.map(|(a, b)| format!(" (or {a}x{b})")).unwrap_or_default()
                ),
            ));
        } else {
            out.push((
                Severity::Warning,
                format!(
                    "is {w}x{h} pixels; no source gives a {} logo size, its screen is {}x{}",
                    model.name, size.width, size.height
                ),
            ));
        }
    }
    if header.bit_depth != 8 {
        out.push((Severity::Error, format!("has {}-bit depth; a logo is 8-bit", header.bit_depth)));
    }
    if matches!(header.colour_type, 4 | 6) || !matches!(header.colour_type, 0 | 2 | 3) {
        out.push((
            Severity::Error,
            format!(
                "is {}; a logo has a colour type without alpha (greyscale, RGB or palette)",
                colour_name(header.colour_type)
            ),
        ));
    }
    out
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::model::models;

    /// A PNG file as far as its IHDR chunk, padded to `size` bytes.
    pub(crate) fn png(
        width: u32,
        height: u32,
        bit_depth: u8,
        colour_type: u8,
        size: usize,
    ) -> Vec<u8> {
        let mut bytes = SIGNATURE.to_vec();
        bytes.extend(13u32.to_be_bytes());
        bytes.extend(b"IHDR");
        bytes.extend(width.to_be_bytes());
        bytes.extend(height.to_be_bytes());
        bytes.extend([bit_depth, colour_type, 0, 0, 0]);
        bytes.resize(size.max(bytes.len()), 0);
        bytes
    }

    fn model(name: &str) -> &'static PhoneModel {
        models::find(name).expect("a model")
    }

    #[test]
    fn a_logo_as_documented_passes() {
        assert!(check_logo(&png(150, 45, 8, 0, 600), model("D40")).is_empty());
        assert!(check_logo(&png(205, 85, 8, 3, 600), model("D70")).is_empty());
        assert!(check_logo(&png(280, 128, 8, 2, 9000), model("D65")).is_empty());
    }

    #[test]
    fn every_rule_is_reported() {
        let found = check_logo(&png(151, 45, 16, 6, 10_240), model("D45"));
        let messages: Vec<&str> = found.iter().map(|(_, m)| m.as_str()).collect();
        assert_eq!(
            messages,
            [
                "is 10240 bytes; a logo must be under 10 KB (10240 bytes)",
                "is 151x45 pixels; a D45 logo is 150x45",
                "has 16-bit depth; a logo is 8-bit",
                "is RGB with alpha; a logo has a colour type without alpha (greyscale, RGB or palette)",
            ]
        );
        assert!(found.iter().all(|(s, _)| *s == Severity::Error));
    }

    #[test]
    fn disputed_and_undocumented_sizes_warn() {
        let d6x = check_logo(&png(296, 128, 8, 2, 600), model("D62"));
        assert_eq!(d6x.len(), 1);
        assert_eq!(d6x[0].0, Severity::Warning);
        assert!(check_logo(&png(300, 128, 8, 2, 600), model("D60"))[0].1.contains("(or 296x128)"));
        let d80 = check_logo(&png(400, 100, 8, 2, 600), model("D80"));
        assert_eq!(d80[0].0, Severity::Warning);
        assert!(d80[0].1.contains("its screen is 800x1280"), "{d80:?}");
    }

    #[test]
    fn not_a_png() {
        assert_eq!(
            check_logo(b"GIF89a....", model("D40")),
            [(Severity::Error, "is not a PNG file".into())]
        );
        assert!(header(&png(1, 1, 8, 0, 0)[..20]).unwrap_err().contains("cut short"));
    }
}
