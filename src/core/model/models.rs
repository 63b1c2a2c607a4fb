//! The phone models the module serves, what sets them apart, and how a phone names its model and
//! firmware version.
//!
//! Sources: the DPMA 1.0 guide (logo sizes of the D40, D50 and D70), FreePBX's digium_phones module
//! (the model list, the D45 and D6x logo sizes), FusionPBX's and FS PBX's Digium templates (which
//! settings each family reads). None of it was checked on a phone.

/// Phones that read the same settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Family {
    /// D40, D45, D50: small greyscale screens.
    D4x,
    /// D60, D62, D65: colour screens; TLS, wallpaper, the small clock.
    D6x,
    D70,
    /// D80: a large touch screen, without the logging and web interface settings.
    D80,
    /// Sangoma P310 to P370.
    P3xx,
}

/// The size a logo must have, in pixels.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LogoSize {
    pub width: u32,
    pub height: u32,
    /// Whether a source gives this as the logo size (else it is only the screen's size).
    pub documented: bool,
    /// Another size a source gives for the same model.
    pub also: Option<(u32, u32)>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PhoneModel {
    /// As the phone names itself: `D65`.
    pub name: &'static str,
    pub family: Family,
    /// Models with a `<model>_logo_file` option.
    pub logo: Option<LogoSize>,
}

impl PhoneModel {
    /// The option naming this model's idle-screen logo (`d65_logo_file`).
    pub fn logo_option(&self) -> Option<String> {
        self.logo.map(|_| format!("{}_logo_file", self.name.to_ascii_lowercase()))
    }
}

const fn logo(width: u32, height: u32) -> Option<LogoSize> {
    Some(LogoSize { width, height, documented: true, also: None })
}

/// The D40/D50 size is the guide's (150×45, shared by the D45 in FreePBX), the D70's too (205×85).
/// FreePBX gives the D6x 280×128, DPMA's own model list 296×128: both are accepted. No source gives
/// a D80 logo size, only its screen's (800×1280).
const D4X_LOGO: Option<LogoSize> = logo(150, 45);
const D6X_LOGO: Option<LogoSize> =
    Some(LogoSize { width: 280, height: 128, documented: true, also: Some((296, 128)) });

pub const PHONE_MODELS: &[PhoneModel] = &[
    PhoneModel { name: "D40", family: Family::D4x, logo: D4X_LOGO },
    PhoneModel { name: "D45", family: Family::D4x, logo: D4X_LOGO },
    PhoneModel { name: "D50", family: Family::D4x, logo: D4X_LOGO },
    PhoneModel { name: "D60", family: Family::D6x, logo: D6X_LOGO },
    PhoneModel { name: "D62", family: Family::D6x, logo: D6X_LOGO },
    PhoneModel { name: "D65", family: Family::D6x, logo: D6X_LOGO },
    PhoneModel { name: "D70", family: Family::D70, logo: logo(205, 85) },
    PhoneModel {
        name: "D80",
        family: Family::D80,
        logo: Some(LogoSize { width: 800, height: 1280, documented: false, also: None }),
    },
    PhoneModel { name: "P310", family: Family::P3xx, logo: None },
    PhoneModel { name: "P315", family: Family::P3xx, logo: None },
    PhoneModel { name: "P320", family: Family::P3xx, logo: None },
    PhoneModel { name: "P325", family: Family::P3xx, logo: None },
    PhoneModel { name: "P330", family: Family::P3xx, logo: None },
    PhoneModel { name: "P370", family: Family::P3xx, logo: None },
];

/// The model named `name`, without regard to case.
pub fn find(name: &str) -> Option<&'static PhoneModel> {
    PHONE_MODELS.iter().find(|m| m.name.eq_ignore_ascii_case(name.trim()))
}

/// A firmware version as phones report it (`2_9_16`, `2.9.16.0`, `1_4_0_0_57389`), by its first three
/// numbers, which is how firmware differences are documented ("2.9.15 or later").
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct FirmwareVersion(pub u32, pub u32, pub u32);

impl FirmwareVersion {
    pub fn parse(text: &str) -> Option<Self> {
        let mut numbers = text.trim().split(['_', '.']).map(|n| n.parse::<u32>().ok());
        let mut next = || numbers.next().flatten();
        Some(Self(next()?, next()?, next()?))
    }
}

impl std::fmt::Display for FirmwareVersion {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}.{}.{}", self.0, self.1, self.2)
    }
}

/// The model and firmware version in a phone's HTTP User-Agent: `Digium D65 2_9_16` (a MAC may
/// follow), `Sangoma P325 1.2.3`. The model is the first word after `Digium` or `Sangoma` that is a
/// `D` or `P` and digits, in capitals (a model this table lacks too); the version the word after it,
/// if it is one.
pub fn from_user_agent(user_agent: &str) -> (Option<String>, Option<FirmwareVersion>) {
    let words: Vec<&str> = user_agent
        .split(|c: char| c.is_whitespace() || c == '/')
        .filter(|w| !w.is_empty())
        .collect();
    let Some(vendor) = words
        .iter()
        .position(|w| w.eq_ignore_ascii_case("digium") || w.eq_ignore_ascii_case("sangoma"))
    else {
        return (None, None);
    };
    let is_model = |w: &&str| {
        w.len() >= 3
            && w.starts_with(['D', 'd', 'P', 'p'])
            && w[1..].bytes().all(|b| b.is_ascii_digit())
    };
    let Some(at) = words[vendor + 1..].iter().position(is_model).map(|i| vendor + 1 + i) else {
        return (None, None);
    };
    let firmware = words.get(at + 1).and_then(|w| FirmwareVersion::parse(w));
    (Some(words[at].to_ascii_uppercase()), firmware)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_compare_by_their_numbers() {
        assert_eq!(FirmwareVersion::parse("2_9_16"), Some(FirmwareVersion(2, 9, 16)));
        assert_eq!(FirmwareVersion::parse("2.9.16.0"), Some(FirmwareVersion(2, 9, 16)));
        assert_eq!(FirmwareVersion::parse("1_4_0_0_57389"), Some(FirmwareVersion(1, 4, 0)));
        assert_eq!(FirmwareVersion::parse("2_9"), None);
        assert_eq!(FirmwareVersion::parse("v2_9_1"), None);
        assert!(FirmwareVersion(2, 9, 15) > FirmwareVersion(2, 9, 9));
        assert!(FirmwareVersion(2, 10, 0) > FirmwareVersion(2, 9, 99));
        assert_eq!(FirmwareVersion(2, 9, 16).to_string(), "2.9.16");
    }

    #[test]
    fn user_agents_name_model_and_firmware() {
        let fw = |a, b, c| Some(FirmwareVersion(a, b, c));
        assert_eq!(from_user_agent("Digium D65 2_9_16"), (Some("D65".into()), fw(2, 9, 16)));
        assert_eq!(
            from_user_agent("Digium D65 2_9_11_0 000fd3cc0001"),
            (Some("D65".into()), fw(2, 9, 11))
        );
        assert_eq!(
            from_user_agent("Digium D70 1_4_2_0 (simulated)"),
            (Some("D70".into()), fw(1, 4, 2))
        );
        assert_eq!(from_user_agent("Sangoma P325 1.2.3"), (Some("P325".into()), fw(1, 2, 3)));
        assert_eq!(from_user_agent("Digium/d45"), (Some("D45".into()), None));
        assert_eq!(from_user_agent("Digium D99 x"), (Some("D99".into()), None));
        assert_eq!(from_user_agent("curl/8.0 D65 2_9_16"), (None, None));
        assert_eq!(from_user_agent("Digium phone"), (None, None));
    }

    #[test]
    fn every_logo_option_is_a_phone_option() {
        for model in PHONE_MODELS {
            if let Some(option) = model.logo_option() {
                let spec = super::super::spec::find(super::super::phone::OPTIONS, &option);
                assert!(spec.is_some(), "{option}");
            }
        }
        assert_eq!(find("d65").map(|m| m.family), Some(Family::D6x));
        assert!(find("D99").is_none());
    }
}
