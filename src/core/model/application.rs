//! `type=application`: a phone application, its kind chosen by `application=`.

use std::sync::Arc;

use super::phone::Reference;
use super::reader::SectionReader;
use super::spec::{BOOL, Kind, OptionSpec, SectionType, TEXT, concat, opt};
use crate::finding::Finding;
use crate::raw::RawSection;

/// The presence states the status application offers.
pub const STATUSES: &[&str] = &["available", "dnd", "away", "xa", "chat", "unavailable"];

#[derive(Debug, Clone, PartialEq)]
pub enum AppKind {
    /// Visual voicemail.
    Voicemail {
        require_password: bool,
        /// A translation section naming the folders.
        translation: Option<Reference>,
    },
    /// The parking application, showing one lot (or all when unset).
    Parking { parkinglot: Option<String> },
    /// A view of one queue, and login/logout for members.
    Queue {
        queue: String,
        member: bool,
        membername: Option<String>,
        /// The member interface, as `PJSIP/200`.
        location: Option<String>,
        permission: Option<String>,
        /// `exten@context` dialled to log in and out.
        login_exten: Option<String>,
        logout_exten: Option<String>,
    },
    /// A presence state the user can pick, with canned messages.
    Status {
        statuses: Vec<&'static str>,
        substatuses: Vec<String>,
        /// Reject calls with 486 Busy while in this state.
        send486: bool,
    },
    /// A JavaScript application fetched as a zip; other options are handed to it.
    Custom {
        app_name: Option<String>,
        filename: String,
        md5sum: Option<String>,
        autostart: Option<bool>,
        settings: Vec<(String, String)>,
    },
}

#[derive(Debug, Clone, PartialEq)]
pub struct Application {
    pub name: String,
    pub kind: AppKind,
    pub raw: Arc<RawSection>,
}

impl Application {
    /// The `application=` value.
    pub fn subtype(&self) -> &'static str {
        match self.kind {
            AppKind::Voicemail { .. } => "voicemail",
            AppKind::Parking { .. } => "parking",
            AppKind::Queue { .. } => "queue",
            AppKind::Status { .. } => "status",
            AppKind::Custom { .. } => "custom",
        }
    }
}

pub(crate) const SUBTYPES: &[&str] = &["voicemail", "parking", "queue", "status", "custom"];

const SUBTYPE: OptionSpec =
    opt("application", Kind::Choice(SUBTYPES)).to(&["appconfig[id=appscreen]/application@id"]);

const VOICEMAIL: &[OptionSpec] = &[
    SUBTYPE,
    opt("require_password", BOOL)
        .or("no")
        .to(&["appconfig[id=voicemail]/settings@require_password"]),
    opt("translation", Kind::Ref(SectionType::Translation))
        .to(&["appconfig[id=voicemail]/folders/folder@label"]),
];
const PARKING: &[OptionSpec] =
    &[SUBTYPE, opt("parkinglot", TEXT).to(&["appconfig[id=parking]/parkinglots/parkinglot@id"])];
const QUEUE: &[OptionSpec] = &[
    SUBTYPE,
    opt("queue", TEXT).to(&["appconfig[id=queues]/queue@id"]),
    opt("member", BOOL).or("yes").to(&["appconfig[id=queues]/queue@member"]),
    opt("membername", TEXT).to(&["appconfig[id=queues]/queue@membername"]),
    opt("location", TEXT).to(&["appconfig[id=queues]/queue@location"]),
    opt("permission", TEXT).to(&["appconfig[id=queues]/queue@permission"]),
    opt("login_exten", TEXT).to(&["appconfig[id=queues]/queue@login_exten"]),
    opt("logout_exten", TEXT).to(&["appconfig[id=queues]/queue@logout_exten"]),
];
const STATUS: &[OptionSpec] = &[
    SUBTYPE,
    opt("status", Kind::Choice(STATUSES)).comma_lists().to(&["appconfig[id=status]/status@id"]),
    // Canned messages may hold commas: one per line.
    opt("substatus", TEXT).lines().to(&["appconfig[id=status]/status/substatus@value"]),
    opt("send486", BOOL).or("no").to(&["appconfig[id=status]/status@send486"]),
];
// The section's other options become the application's settings.
const CUSTOM: &[OptionSpec] = &[
    SUBTYPE,
    opt("name", TEXT).to(&["appconfig@name"]),
    opt("filename", TEXT).to(&["appconfig@url"]),
    opt("md5sum", Kind::Md5).to(&["appconfig@md5sum"]),
    opt("autostart", BOOL).to(&["appconfig@autostart"]),
];

/// Every application option, for lookups that do not know the subtype.
pub(crate) const OPTIONS: &[OptionSpec] = &{
    const V: usize = VOICEMAIL.len() - 1;
    const P: usize = PARKING.len() - 1;
    const Q: usize = QUEUE.len() - 1;
    const S: usize = STATUS.len() - 1;
    const C: usize = CUSTOM.len() - 1;
    let vp = concat::<{ V + P + 1 }>(VOICEMAIL, PARKING.split_at(1).1);
    let vpq = concat::<{ V + P + Q + 1 }>(&vp, QUEUE.split_at(1).1);
    let vpqs = concat::<{ V + P + Q + S + 1 }>(&vpq, STATUS.split_at(1).1);
    concat::<{ V + P + Q + S + C + 1 }>(&vpqs, CUSTOM.split_at(1).1)
};

/// The options of one subtype (`application=` included).
pub(crate) fn options_of(subtype: &str) -> &'static [OptionSpec] {
    match subtype {
        "voicemail" => VOICEMAIL,
        "parking" => PARKING,
        "queue" => QUEUE,
        "status" => STATUS,
        "custom" => CUSTOM,
        _ => &OPTIONS[..1],
    }
}

/// The subtype a section's `application=` names, if it names one.
pub(crate) fn subtype_of(section: &RawSection) -> Option<&'static str> {
    section.last("application").and_then(|e| super::values::choice(SUBTYPES, &e.value))
}

/// The subtype another application option belongs to.
pub(crate) fn owner(key: &str) -> Option<&'static str> {
    SUBTYPES
        .iter()
        .copied()
        .find(|s| options_of(s)[1..].iter().any(|o| o.key.eq_ignore_ascii_case(key)))
}

pub(crate) fn read(section: &Arc<RawSection>, findings: &mut Vec<Finding>) -> Option<Application> {
    let subtype = subtype_of(section);
    let mut r = SectionReader::new(section, options_of(subtype.unwrap_or("")), findings);
    r.require("application", "one of voicemail, parking, queue, status, custom");
    let Some(subtype) = subtype else {
        r.finish();
        return None;
    };
    if subtype == "custom" {
        r.accept_unknown();
    } else {
        let mut seen: Vec<&str> = Vec::new();
        for e in &section.entries {
            let Some(other) = owner(&e.key).filter(|o| *o != subtype) else { continue };
            if seen.iter().any(|s| s.eq_ignore_ascii_case(&e.key)) {
                continue;
            }
            seen.push(&e.key);
            r.warn_at(
                Some(e),
                &e.key,
                format!("applies to application={other}, not {subtype}; ignored"),
            );
            r.known_elsewhere(&e.key);
        }
    }
    let kind = match subtype {
        "voicemail" => AppKind::Voicemail {
            require_password: r.flag("require_password").unwrap_or(false),
            translation: r.reference("translation"),
        },
        "parking" => AppKind::Parking { parkinglot: r.text("parkinglot") },
        "queue" => {
            r.require("queue", "the queue application shows one queue");
            AppKind::Queue {
                queue: r.text("queue").unwrap_or_default(),
                member: r.flag("member").unwrap_or(true),
                membername: r.text("membername"),
                location: r.text("location"),
                permission: r.text("permission"),
                login_exten: r.text("login_exten"),
                logout_exten: r.text("logout_exten"),
            }
        }
        "status" => {
            r.require("status", "the presence state this application sets");
            let statuses = r
                .strings("status")
                .iter()
                .filter_map(|s| super::values::choice(STATUSES, s))
                .collect();
            AppKind::Status {
                statuses,
                substatuses: r.strings("substatus"),
                send486: r.flag("send486").unwrap_or(false),
            }
        }
        _ => {
            r.require("filename", "the zip file of the application, fetched from file_url_prefix");
            let settings = section
                .entries
                .iter()
                .filter(|e| {
                    !e.key.eq_ignore_ascii_case("type")
                        && super::spec::find(CUSTOM, &e.key).is_none()
                })
                .map(|e| (e.key.to_string(), e.value.to_string()))
                .collect();
            AppKind::Custom {
                app_name: r.text("name"),
                filename: r.text("filename").unwrap_or_default(),
                md5sum: r.text("md5sum"),
                autostart: r.flag("autostart"),
                settings,
            }
        }
    };
    let app = Application { name: section.name.clone(), kind, raw: section.clone() };
    r.finish().then_some(app)
}
