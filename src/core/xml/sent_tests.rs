//! Every option of every option table says what becomes of it ([`Sent`]), and says the truth: an
//! option marked as written is set to a valid value other than its default and found changed at each
//! place it names, for some phone model; an option marked as not written (server-side, not sent,
//! not used) changes nothing in any phone's document; an option written over the MESSAGE protocol
//! only changes nothing for a stock phone fetching `<mac>.cfg`. An option the tables do not mark fails.

use quick_xml::XmlVersion;
use quick_xml::events::Event;

use super::*;
use crate::model::spec::{Fallback, Kind, OptionSpec, SectionType, Sent};
use crate::model::{self, application, general, network};
use crate::raw::{RawConfig, RawEntry, RawSection};

/// The sections every probe starts from: the phone uses one section of each kind (one application of
/// each subtype), and `probe_*` sections stand ready for options that name a section.
const BASE: &[(&str, &[(&str, &str)])] = &[
    ("general", &[]),
    ("base_line", &[("type", "line")]),
    ("base_ext", &[("type", "external_line"), ("server_address", "198.51.100.20")]),
    // A cidr, so that a second network= without one is the network of a phone of unknown address.
    ("base_net", &[("type", "network"), ("cidr", "203.0.113.0/24")]),
    ("base_voicemail", &[("type", "application"), ("application", "voicemail")]),
    ("base_parking", &[("type", "application"), ("application", "parking")]),
    ("base_queue", &[("type", "application"), ("application", "queue"), ("queue", "base")]),
    ("base_status", &[("type", "application"), ("application", "status"), ("status", "away")]),
    ("base_custom", &[("type", "application"), ("application", "custom"), ("filename", "b.zip")]),
    ("base_ringtone", &[("type", "ringtone"), ("filename", "base.raw")]),
    ("base_alert", &[("type", "alert"), ("alert_info", "base")]),
    (
        "base_fw",
        &[
            ("type", "firmware"),
            ("model", "D70"),
            ("version", "1_0_0"),
            ("file", "base.eff"),
            ("public_firmware", "yes"),
        ],
    ),
    ("base_page", &[("type", "multicastpage"), ("address", "239.1.1.1"), ("port", "5000")]),
    ("probe_line", &[("type", "line")]),
    ("probe_external_line", &[("type", "external_line"), ("server_address", "198.51.100.21")]),
    ("probe_network", &[("type", "network"), ("registration_address", "198.51.100.22")]),
    (
        "probe_application",
        &[("type", "application"), ("application", "custom"), ("filename", "p.zip")],
    ),
    ("probe_ringtone", &[("type", "ringtone"), ("filename", "probe.raw")]),
    ("probe_alert", &[("type", "alert"), ("alert_info", "probe")]),
    (
        "probe_firmware",
        &[("type", "firmware"), ("model", "D70"), ("version", "9_9_9"), ("file", "p.eff")],
    ),
    ("probe_translation", &[("type", "translation"), ("INBOX", "Probe")]),
    (
        "probe_multicastpage",
        &[("type", "multicastpage"), ("address", "239.9.9.9"), ("port", "9999")],
    ),
    (
        "base_phone",
        &[
            ("type", "phone"),
            ("line", "base_line"),
            ("external_line", "base_ext"),
            ("network", "base_net"),
            ("application", "base_voicemail, base_parking, base_queue, base_status, base_custom"),
            ("ringtone", "base_ringtone"),
            ("alert", "base_alert"),
            ("firmware", "base_fw"),
            ("multicastpage", "base_page"),
            ("contact", "base.xml"),
        ],
    ),
];

/// Options that show only beside another: both the baseline and the probe set these too.
const REQUIRES: &[(&str, &[(&str, &str)])] = &[
    ("8021x_client_cert_value", &[("8021x_client_cert_url", "https://192.0.2.9/client.pem")]),
    ("parking_transfer_type", &[("parking_exten", "700")]),
    ("userlist_auth", &[("globalpin", "4242")]),
    ("syslog_port", &[("syslog_server", "192.0.2.30")]),
    ("alternate_registration_port", &[("alternate_registration_address", "192.0.2.31")]),
    ("alternate_transport", &[("alternate_registration_address", "192.0.2.31")]),
    ("outboundproxy_port", &[("outboundproxy_address", "192.0.2.32")]),
    ("secondary_server_port", &[("secondary_server_address", "192.0.2.33")]),
    ("secondary_server_transport", &[("secondary_server_address", "192.0.2.33")]),
    ("secondary_transport", &[("secondary_server_address", "192.0.2.33")]),
    ("http_auth", &[("http_username", "phones"), ("http_password", "site-hush")]),
    // A pair: the baseline sets both, the probe changes one.
    ("http_username", &[("http_password", "site-hush"), ("http_username", "phones")]),
    ("http_password", &[("http_username", "phones"), ("http_password", "site-hush")]),
];

/// Probe values a kind cannot choose for itself.
const VALUES: &[(&str, &str)] = &[
    ("codecs", "g722"),
    ("model", "D40"),
    ("globalpin", "4242"),
    // Not below lockout_duration.
    ("lockout_max_duration", "7200"),
];

/// The phone models a document is rendered for: unknown, then each family.
const MODELS: &[Option<&str>] = &[
    None,
    Some("D40"),
    Some("D45"),
    Some("D50"),
    Some("D60"),
    Some("D62"),
    Some("D65"),
    Some("D70"),
    Some("D80"),
    Some("P310"),
];

/// Where an option is set in a probe: the section, and whether the phone names no network (for the
/// network options of `[general]`).
struct Target {
    section: &'static str,
    without_network: bool,
}

fn config(target: &Target, lines: &[(&str, &str)]) -> RawConfig {
    let mut raw = RawConfig::default();
    for (n, (name, entries)) in BASE.iter().enumerate() {
        let mut section = RawSection { name: name.to_string(), ..Default::default() };
        let entry = |(key, value): &(&str, &str)| RawEntry {
            key: (*key).into(),
            value: (*value).into(),
            file: "probe.conf".into(),
            line: u32::try_from(n).unwrap_or(0),
            inherited: false,
        };
        section.entries.extend(
            entries.iter().filter(|(k, _)| !(target.without_network && *k == "network")).map(entry),
        );
        if *name == target.section {
            section.entries.extend(lines.iter().map(entry));
        }
        raw.sections.push(section.into());
    }
    raw
}

/// A valid value for `spec` other than what the section holds or defaults to.
fn probe_value(spec: &OptionSpec, current: Option<&str>) -> String {
    if let Some((_, v)) = VALUES.iter().find(|(k, _)| *k == spec.key) {
        return v.to_string();
    }
    let default = match spec.fallback {
        Fallback::Value(v) => Some(v),
        _ => None,
    };
    let taken = current.or(default);
    match spec.kind {
        Kind::Text => "probe-text".into(),
        Kind::Secret => "probe-secret".into(),
        Kind::Bool => {
            let on = taken.and_then(model::values::parse_bool).unwrap_or(false);
            (if on { "no" } else { "yes" }).into()
        }
        Kind::Int { min, max } => {
            if taken == Some(min.to_string().as_str()) {
                max.to_string()
            } else {
                min.to_string()
            }
        }
        Kind::Port => "5999".into(),
        Kind::Choice(choices) | Kind::ExactChoice(choices) => match taken {
            Some(t) => choices.iter().find(|c| !c.eq_ignore_ascii_case(t)),
            None => choices.last(),
        }
        .expect("a choice")
        .to_string(),
        Kind::Mac => "00:0f:d3:99:99:99".into(),
        Kind::Digits | Kind::PhonePin => "4242".into(),
        Kind::DigitMap => "9xxx".into(),
        Kind::Cidr => "198.51.100.0/24".into(),
        Kind::Host => "probe.example.com".into(),
        Kind::Url => "http://probe.example.com/x/".into(),
        Kind::MulticastAddress => "239.9.9.8".into(),
        Kind::Md5 => "0123456789abcdef0123456789abcdef".into(),
        Kind::Ref(t) => format!("probe_{}", t.name()),
        Kind::Ringtone => "probe_ringtone".into(),
        Kind::SettingPair => "probe_id=probe value".into(),
    }
}

/// An element of a rendered document with its ancestors, each as (name, attributes).
type Chain = Vec<(String, Vec<(String, String)>)>;

fn elements(xml: &str) -> Vec<Chain> {
    let mut reader = quick_xml::Reader::from_str(xml);
    let mut stack: Chain = Vec::new();
    let mut out = Vec::new();
    loop {
        let (element, empty) = match reader.read_event().expect("well-formed XML") {
            Event::Start(e) => (e, false),
            Event::Empty(e) => (e, true),
            Event::End(_) => {
                stack.pop();
                continue;
            }
            Event::Eof => break,
            _ => continue,
        };
        let name = String::from_utf8(element.name().as_ref().to_vec()).expect("a name");
        let attrs = element
            .attributes()
            .map(|a| {
                let a = a.expect("an attribute");
                let key = String::from_utf8(a.key.as_ref().to_vec()).expect("a key");
                let value = a.normalized_value(XmlVersion::Implicit1_0).expect("a value");
                (key, value.into_owned())
            })
            .collect();
        stack.push((name, attrs));
        out.push(stack.clone());
        if empty {
            stack.pop();
        }
    }
    out
}

/// What a document holds at `place` (see [`Sent`]): the value of the attribute of each matching
/// element, or each matching element's attributes when the place names none.
fn at(elements: &[Chain], place: &str) -> Vec<String> {
    let (path, attr) = match place.split_once('@') {
        Some((p, a)) => (p, Some(a)),
        None => (place, None),
    };
    let steps: Vec<(&str, Option<(&str, &str)>)> = std::iter::once("config")
        .chain(path.split('/'))
        .map(|step| match step.split_once('[') {
            Some((name, filter)) => {
                let filter = filter.trim_end_matches(']').split_once('=').expect("k=v");
                (name, Some(filter))
            }
            None => (step, None),
        })
        .collect();
    let matches = |chain: &Chain| {
        chain.len() == steps.len()
            && chain.iter().zip(&steps).all(|((name, attrs), (step, filter))| {
                name == step
                    && filter.is_none_or(|(k, v)| attrs.iter().any(|(a, b)| a == k && b == v))
            })
    };
    elements
        .iter()
        .filter(|c| matches(c))
        .filter_map(|chain| {
            let attrs = &chain.last()?.1;
            match attr {
                Some(a) => attrs.iter().find(|(k, _)| k == a).map(|(_, v)| v.clone()),
                None => Some(format!("{attrs:?}")),
            }
        })
        .collect()
}

/// The document of `base_phone` for a phone of `phone_model`.
fn render(model: &Model, phone_model: Option<&str>, message_channel: bool) -> String {
    let ctx = RenderContext {
        model,
        phone: model.phone("base_phone").expect("the probe phone is served"),
        phone_model,
        phone_firmware: None,
        message_channel,
        phone_ip: None,
        server_host: "192.0.2.1",
        sip_port: 5060,
        files_url: "http://192.0.2.1:8088/digium_phones/files",
        file_md5: &|_| None,
    };
    render_config(&ctx).expect("the probe renders")
}

fn build(raw: &RawConfig, what: &str) -> Model {
    let built = model::build(raw, None);
    let errors: Vec<String> =
        built.findings.iter().filter(|f| f.is_error()).map(|f| f.to_string()).collect();
    assert!(errors.is_empty(), "{what}: {errors:?}");
    built.model
}

/// Every `<setting id>` an option's places name, and the pass-through's probe id.
fn claimed_setting_ids() -> Vec<&'static str> {
    let tables = [SectionType::Phone.options(), SectionType::Network.options(), general::OPTIONS];
    tables
        .iter()
        .flat_map(|t| t.iter())
        .flat_map(|s| s.sent.places())
        .filter_map(|p| p.strip_prefix("setting[id=")?.split_once(']').map(|(id, _)| id))
        .chain(["probe_id"])
        .collect()
}

/// Checks one option set in `target`; returns what is wrong, if anything.
fn check_option(spec: &OptionSpec, target: &Target, what: &str) -> Option<String> {
    let required: &[(&str, &str)] =
        REQUIRES.iter().find(|(k, _)| *k == spec.key).map_or(&[], |(_, r)| r);
    let base_raw = config(target, required);
    let current = base_raw
        .sections
        .iter()
        .find(|s| s.name == target.section)
        .and_then(|s| s.last(spec.key))
        .map(|e| e.value.clone());
    let value = probe_value(spec, current.as_deref());
    let mut lines = required.to_vec();
    lines.push((spec.key, &value));
    let baseline = build(&base_raw, &format!("{what} baseline"));
    let probed = build(&config(target, &lines), &format!("{what} = {value}"));

    let claimed = claimed_setting_ids();
    let places = spec.sent.places();
    // Per place: changed for some model over the MESSAGE protocol, and over HTTP.
    let (mut over_message, mut over_http) = (vec![false; places.len()], vec![false; places.len()]);
    let mut document_changed = false;
    for &phone_model in MODELS {
        for channel in [true, false] {
            let before = elements(&render(&baseline, phone_model, channel));
            let after = elements(&render(&probed, phone_model, channel));
            document_changed |= before != after;
            for chain in &after {
                let (name, attrs) = chain.last().expect("an element");
                if chain.len() == 2 && name == "setting" {
                    let id = attrs.iter().find(|(k, _)| k == "id").map(|(_, v)| v.as_str());
                    if !id.is_some_and(|id| claimed.contains(&id)) {
                        return Some(format!("{what}: <setting id={id:?}> is no option's"));
                    }
                }
            }
            for (i, place) in places.iter().enumerate() {
                if at(&before, place) != at(&after, place) {
                    let changed = if channel { &mut over_message } else { &mut over_http };
                    changed[i] = true;
                }
            }
        }
    }
    let missed = |changed: &[bool]| -> Vec<&str> {
        places.iter().zip(changed).filter(|(_, c)| !**c).map(|(p, _)| *p).collect()
    };
    match spec.sent {
        Sent::Unmapped => Some(format!("{what}: neither sent nor marked as not sent")),
        Sent::To(_) => {
            let anywhere: Vec<bool> =
                over_message.iter().zip(&over_http).map(|(a, b)| a | b).collect();
            let missed = missed(&anywhere);
            (!missed.is_empty()).then(|| format!("{what} = {value}: nothing changed at {missed:?}"))
        }
        Sent::OverMessageOnly(..) => {
            let missed = missed(&over_message);
            if !missed.is_empty() {
                Some(format!("{what} = {value}: nothing changed at {missed:?}"))
            } else if over_http.contains(&true) {
                Some(format!("{what}: sent to stock phones over HTTP too"))
            } else {
                None
            }
        }
        Sent::Server(_) | Sent::NotSent(_) | Sent::Unused(_) => document_changed
            .then(|| format!("{what} = {value}: marked as not sent, but the document changed")),
    }
}

/// The section a table's option is set in.
fn target_of(section_type: SectionType, key: &str) -> Option<Target> {
    let section = match section_type {
        SectionType::Phone => "base_phone",
        SectionType::Line => "base_line",
        SectionType::ExternalLine => "base_ext",
        SectionType::Network => "base_net",
        SectionType::Ringtone => "base_ringtone",
        SectionType::Alert => "base_alert",
        SectionType::Firmware => "base_fw",
        SectionType::Multicastpage => "base_page",
        SectionType::Application => match application::owner(key) {
            Some("voicemail") | None => "base_voicemail",
            Some("parking") => "base_parking",
            Some("queue") => "base_queue",
            Some("status") => "base_status",
            Some(_) => "base_custom",
        },
        SectionType::Translation => return None,
    };
    Some(Target { section, without_network: false })
}

#[test]
fn every_option_is_sent_where_its_table_says_or_marked_with_a_reason() {
    let mut problems = Vec::new();
    let mut checked = 0;
    for section_type in SectionType::ALL {
        for spec in section_type.options() {
            let Some(target) = target_of(section_type, spec.key) else { continue };
            let what = format!("{}.{}", section_type.name(), spec.key);
            problems.extend(check_option(spec, &target, &what));
            checked += 1;
        }
    }
    // [general]: its own options, and the network options of DPMA 1.x, which make the network of
    // phones that name none.
    for spec in general::OPTIONS {
        let legacy = network::LEGACY_OPTIONS.iter().any(|l| l.key == spec.key);
        let target = Target { section: "general", without_network: legacy };
        problems.extend(check_option(spec, &target, &format!("general.{}", spec.key)));
        checked += 1;
    }
    assert!(checked > 200, "only {checked} options checked");
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn the_check_catches_an_unmarked_option_and_a_false_mark() {
    let target = Target { section: "base_phone", without_network: false };
    let unmapped = OptionSpec::new("brightness", Kind::Int { min: 0, max: 10 });
    let problem = check_option(&unmapped, &target, "phone.brightness");
    assert!(problem.is_some_and(|p| p.contains("neither sent nor marked")));
    // Marked as not sent, yet it is.
    let false_mark = unmapped.not_sent("claimed");
    let problem = check_option(&false_mark, &target, "phone.brightness");
    assert!(problem.is_some_and(|p| p.contains("the document changed")), "a false mark passed");
    // Sent to a place it does not change.
    let wrong_place = unmapped.to(&["setting[id=contrast]@value"]);
    let problem = check_option(&wrong_place, &target, "phone.brightness");
    assert!(problem.is_some_and(|p| p.contains("nothing changed")), "a wrong place passed");
}
