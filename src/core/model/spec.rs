//! What each option is: its type, whether it repeats, and its documented default. One table per
//! section type drives validation, unknown-option warnings and the effective-options display.

/// The section types DPMA knows (besides `[general]`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum SectionType {
    Network,
    Phone,
    Line,
    ExternalLine,
    Application,
    Ringtone,
    Alert,
    Firmware,
    Translation,
    Multicastpage,
}

/// What is known of each section type: the one list the model, the checks and the CLI read.
struct Info {
    /// The `type=` value.
    name: &'static str,
    /// The CLI word that lists sections of the type (`digium_phones show <list>`).
    list: &'static str,
    /// The first column's header in that list.
    title: &'static str,
    /// The options shown as further columns.
    columns: &'static [&'static str],
    options: &'static [OptionSpec],
}

/// In [`SectionType::ALL`] order.
const INFO: [Info; 10] = [
    Info {
        name: "network",
        list: "networks",
        title: "Network",
        columns: &["alias", "cidr", "registration_address", "registration_port", "transport"],
        options: super::network::OPTIONS,
    },
    Info {
        name: "phone",
        list: "phones",
        title: "Phone",
        columns: &["full_name", "mac", "line", "external_line"],
        options: super::phone::OPTIONS,
    },
    Info {
        name: "line",
        list: "lines",
        title: "Line",
        columns: &["exten", "line_label"],
        options: super::line::OPTIONS,
    },
    Info {
        name: "external_line",
        list: "external_lines",
        title: "External Line",
        columns: &["userid", "server_address", "server_port"],
        options: super::external_line::OPTIONS,
    },
    Info {
        name: "application",
        list: "applications",
        title: "Application",
        columns: &["application"],
        options: super::application::OPTIONS,
    },
    Info {
        name: "ringtone",
        list: "ringtones",
        title: "Ringtone",
        columns: &["alias", "filename"],
        options: super::ringtone::OPTIONS,
    },
    Info {
        name: "alert",
        list: "alerts",
        title: "Alert",
        columns: &["alert_info", "ring_type", "ringtone"],
        options: super::alert::OPTIONS,
    },
    Info {
        name: "firmware",
        // DPMA's word for both the list and one section.
        list: "firmware",
        title: "Firmware",
        columns: &["model", "version", "file"],
        options: super::firmware::OPTIONS,
    },
    Info {
        name: "translation",
        list: "translations",
        title: "Translation",
        columns: &[],
        options: &[],
    },
    Info {
        name: "multicastpage",
        list: "multicastpages",
        title: "Multicast Page",
        columns: &["alias", "address", "port", "priority"],
        options: super::multicastpage::OPTIONS,
    },
];

impl SectionType {
    pub const ALL: [SectionType; 10] = [
        Self::Network,
        Self::Phone,
        Self::Line,
        Self::ExternalLine,
        Self::Application,
        Self::Ringtone,
        Self::Alert,
        Self::Firmware,
        Self::Translation,
        Self::Multicastpage,
    ];

    fn info(self) -> &'static Info {
        &INFO[self as usize]
    }

    /// The `type=` value.
    pub fn name(self) -> &'static str {
        self.info().name
    }

    /// The CLI word that lists sections of this type.
    pub fn list_word(self) -> &'static str {
        self.info().list
    }

    /// The header of the name column when sections of this type are listed.
    pub fn title(self) -> &'static str {
        self.info().title
    }

    /// The options shown as columns when sections of this type are listed.
    pub fn list_columns(self) -> &'static [&'static str] {
        self.info().columns
    }

    /// Every `type=` value, in [`SectionType::ALL`] order.
    pub fn names() -> impl Iterator<Item = &'static str> {
        Self::ALL.into_iter().map(Self::name)
    }

    /// The type named by a `type=` value, without regard to case.
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|t| t.name().eq_ignore_ascii_case(name.trim()))
    }

    /// The options a section of this type takes.
    pub fn options(self) -> &'static [OptionSpec] {
        self.info().options
    }
}

/// What a value must look like.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Any text.
    Text,
    /// Any text, never shown (an option of this kind is secret: [`OptionSpec::is_secret`]).
    Secret,
    /// `yes`/`no` in the spellings Asterisk accepts.
    Bool,
    /// A whole number in a range.
    Int { min: i64, max: i64 },
    /// A TCP/UDP port, 1 to 65535.
    Port,
    /// One of these words, compared without case.
    Choice(&'static [&'static str]),
    /// One of these words exactly as written (the phone compares them so).
    ExactChoice(&'static [&'static str]),
    /// A MAC address in any common notation.
    Mac,
    /// Digits only.
    Digits,
    /// Digits, or `voicemail` (the phone PIN).
    PhonePin,
    /// A phone digit map.
    DigitMap,
    /// An IP network in CIDR notation.
    Cidr,
    /// A host name or IP address.
    Host,
    /// A URL with a scheme.
    Url,
    /// A multicast IP address.
    MulticastAddress,
    /// An MD5 sum: 32 hex digits.
    Md5,
    /// The name of a section of this type.
    Ref(SectionType),
    /// A built-in ringtone name or the name of a ringtone section.
    Ringtone,
    /// `<id>=<value>`: a phone setting passed through as written (`id` in `[a-z0-9_]+`).
    SettingPair,
}

/// How an option may repeat.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Repeat {
    /// Set once; the last value wins (a section's own over its templates').
    Single,
    /// Repeated lines, each one value, kept in order.
    Lines,
    /// Repeated lines, each a comma-separated list, kept in order.
    CommaLists,
}

/// The default of an option that is not set.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fallback {
    /// None documented: the phone keeps its own setting.
    Unset,
    Value(&'static str),
    /// The section's own name.
    SectionName,
    /// The value of another option of the section.
    SameAs(&'static str),
}

/// What becomes of an option in the phone's configuration document. Every option says, so nothing
/// the configuration accepts is dropped without a word: a test sets each option and finds it at the
/// places given here, and `digium-phones check` warns about those that are not sent.
///
/// A place is a path below `<config>`: element names separated by `/`, each optionally filtered by
/// one attribute (`[id=ehs]`), and optionally ending in the attribute that carries the value
/// (`@value`). `setting[id=ehs]@value` is `<config><setting id="ehs" value="…"/>`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sent {
    /// Not said yet: the option-table test fails on it.
    Unmapped,
    /// Written at these places (for some phone models only, where the models differ).
    To(&'static [&'static str]),
    /// Written at these places for phones that claimed their profile over the MESSAGE protocol; a
    /// phone fetching `<mac>.cfg` over HTTP gets the feature off, for this reason.
    OverMessageOnly(&'static [&'static str], &'static str),
    /// Used by the module itself, not by the phone: what for.
    Server(&'static str),
    /// Accepted (DPMA has it) and never sent to phones: why.
    NotSent(&'static str),
    /// Accepted (DPMA has it) and not used by the module: why.
    Unused(&'static str),
}

impl Sent {
    /// The places in the document, if the option is written to any.
    pub fn places(&self) -> &'static [&'static str] {
        match *self {
            Self::To(places) | Self::OverMessageOnly(places, _) => places,
            _ => &[],
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OptionSpec {
    pub key: &'static str,
    pub kind: Kind,
    pub repeat: Repeat,
    pub fallback: Fallback,
    pub sent: Sent,
    /// Its values are never shown (CLI, logs, dumps): a password, a PIN, a private key.
    secret: bool,
}

impl OptionSpec {
    pub const fn new(key: &'static str, kind: Kind) -> Self {
        let secret = matches!(kind, Kind::Secret);
        Self {
            key,
            kind,
            repeat: Repeat::Single,
            fallback: Fallback::Unset,
            sent: Sent::Unmapped,
            secret,
        }
    }

    /// Written into the phone's document at `places`.
    pub const fn to(self, places: &'static [&'static str]) -> Self {
        Self { sent: Sent::To(places), ..self }
    }

    /// Written at `places` over the MESSAGE protocol only; off for phones fetching `<mac>.cfg`.
    pub const fn over_message_only(
        self,
        places: &'static [&'static str],
        why: &'static str,
    ) -> Self {
        Self { sent: Sent::OverMessageOnly(places, why), ..self }
    }

    /// Used by the module, not sent: what for.
    pub const fn server(self, what: &'static str) -> Self {
        Self { sent: Sent::Server(what), ..self }
    }

    /// Accepted, never sent to phones: why.
    pub const fn not_sent(self, why: &'static str) -> Self {
        Self { sent: Sent::NotSent(why), ..self }
    }

    /// Accepted, not used by the module: why.
    pub const fn unused(self, why: &'static str) -> Self {
        Self { sent: Sent::Unused(why), ..self }
    }

    /// Never shown, whatever its kind (a PIN is checked as digits, and secret all the same).
    pub const fn secret(self) -> Self {
        Self { secret: true, ..self }
    }

    /// With this documented default.
    pub const fn or(self, value: &'static str) -> Self {
        Self { fallback: Fallback::Value(value), ..self }
    }

    pub const fn or_fallback(self, fallback: Fallback) -> Self {
        Self { fallback, ..self }
    }

    /// Repeated lines, one value each.
    pub const fn lines(self) -> Self {
        Self { repeat: Repeat::Lines, ..self }
    }

    /// Repeated lines, each possibly a comma-separated list.
    pub const fn comma_lists(self) -> Self {
        Self { repeat: Repeat::CommaLists, ..self }
    }

    pub fn is_list(&self) -> bool {
        self.repeat != Repeat::Single
    }

    /// The one rule for masking: every output for people shows [`crate::secret::MASK`] instead of a
    /// value of this option.
    pub fn is_secret(&self) -> bool {
        self.secret
    }
}

/// The spec of `key` in `specs`, without regard to case.
pub fn find(specs: &'static [OptionSpec], key: &str) -> Option<&'static OptionSpec> {
    Table::of(specs).find(key)
}

/// An option table with its index, for callers that ask it many times (a section's reader).
#[derive(Clone, Copy)]
pub(crate) struct Table {
    specs: &'static [OptionSpec],
    index: Option<&'static TableIndex>,
}

impl Table {
    pub(crate) fn of(specs: &'static [OptionSpec]) -> Self {
        Self { specs, index: table_index(specs) }
    }

    pub(crate) fn find(&self, key: &str) -> Option<&'static OptionSpec> {
        self.position(key).map(|i| &self.specs[i])
    }

    /// Where `key` sits in the table, without regard to case.
    pub(crate) fn position(&self, key: &str) -> Option<usize> {
        if let Some(index) = self.index {
            if let Some(&i) = index.by_key.get(key) {
                return Some(i);
            }
            if !index.mixed_case && !key.bytes().any(|b| b.is_ascii_uppercase()) {
                return None;
            }
        }
        self.specs.iter().position(|s| s.key.eq_ignore_ascii_case(key))
    }
}

/// Positions in one option table by key. Reading 10,000 phones asks a table a million times; a
/// scan of 150 keys each time was a fifth of the reload.
struct TableIndex {
    /// The table's address and length: which table this is.
    table: (usize, usize),
    by_key: crate::names::NameMap<&'static str, usize>,
    /// Some key is not all lower case, so a miss may still match ignoring case.
    mixed_case: bool,
}

/// More than there are tables (a `const` table may sit at more than one address); past that, lookups
/// scan.
const INDEXED_TABLES: usize = 48;
static TABLE_INDEXES: [std::sync::OnceLock<TableIndex>; INDEXED_TABLES] =
    [const { std::sync::OnceLock::new() }; INDEXED_TABLES];

/// The index of `specs`, made the first time it is asked for. Lock-free once made: the slots fill
/// in order and each is written once.
fn table_index(specs: &'static [OptionSpec]) -> Option<&'static TableIndex> {
    let table = (specs.as_ptr() as usize, specs.len());
    TABLE_INDEXES
        .iter()
        .map(|slot| slot.get_or_init(|| TableIndex::of(specs)))
        .find(|i| i.table == table)
}

impl TableIndex {
    fn of(specs: &'static [OptionSpec]) -> Self {
        let mut by_key = crate::names::NameMap::default();
        for (i, s) in specs.iter().enumerate() {
            by_key.entry(s.key).or_insert(i);
        }
        Self {
            table: (specs.as_ptr() as usize, specs.len()),
            by_key,
            mixed_case: specs.iter().any(|s| s.key.bytes().any(|b| b.is_ascii_uppercase())),
        }
    }
}

/// `a` then `b`, for tables built from shared parts (`N` must be their total length).
pub(crate) const fn concat<const N: usize>(a: &[OptionSpec], b: &[OptionSpec]) -> [OptionSpec; N] {
    let mut out = [OptionSpec::new("", Kind::Text); N];
    let mut i = 0;
    while i < a.len() {
        out[i] = a[i];
        i += 1;
    }
    while i < N {
        out[i] = b[i - a.len()];
        i += 1;
    }
    out
}

/// Short constructors for the option tables.
pub(crate) const fn opt(key: &'static str, kind: Kind) -> OptionSpec {
    OptionSpec::new(key, kind)
}

pub(crate) const TRANSPORTS: Kind = Kind::Choice(&["udp", "tcp", "tls"]);
pub(crate) const BOOL: Kind = Kind::Bool;
pub(crate) const TEXT: Kind = Kind::Text;
pub(crate) const SECONDS: Kind = Kind::Int { min: 0, max: 86_400 * 365 };
pub(crate) const LEVEL: Kind = Kind::Int { min: 0, max: 10 };

/// The ringtones every phone has built in.
pub const BUILTIN_RINGTONES: &[&str] = &[
    "Alarm",
    "Chimes",
    "Digium",
    "GuitarStrum",
    "Jingle",
    "Office",
    "Office2",
    "RotaryPhone",
    "SteelDrum",
    "Techno",
    "Theme",
    "Tweedle",
    "Twinkle",
    "Vibe",
];

/// The built-in ringtone named `name`, without regard to case.
pub fn builtin_ringtone(name: &str) -> Option<&'static str> {
    BUILTIN_RINGTONES.iter().copied().find(|r| r.eq_ignore_ascii_case(name))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn find_matches_keys_ignoring_case_through_the_index() {
        let table = super::super::line::OPTIONS;
        let secret = find(table, "secret").expect("line has secret");
        assert_eq!(secret.key, "secret");
        assert!(std::ptr::eq(find(table, "SeCrEt").expect("any case"), secret));
        assert!(find(table, "no_such_option").is_none());
        assert!(find(table, "NO_SUCH_OPTION").is_none());
        assert!(table_index(table).is_some(), "the table was indexed");
        for spec in table {
            assert!(std::ptr::eq(find(table, spec.key).expect("every key"), spec), "{}", spec.key);
        }
    }
}
