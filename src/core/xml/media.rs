//! `<codecs>` from the phone's `codecs=`, and `<ringtones>`: the built-in `<tones>`, the ringtone
//! sections the profile uses, and the `<alerts>` that map an Alert-Info value to a way of ringing.

use super::doc::{Attrs, Doc};
use super::settings::tone_id;
use super::{Net, RenderContext, RenderError, md5_of, undefined};
use crate::model::spec::{BUILTIN_RINGTONES, builtin_ringtone};
use crate::model::{Alert, Phone, Ringtone};

/// The phone's codecs, in the guide's order, with the names `codecs=` may give them (Asterisk's
/// format names and the phone's own ids, without regard to case).
const CODECS: &[(&str, &[&str])] = &[
    ("PCMU", &["ulaw", "mulaw", "pcmu", "g711u"]),
    ("PCMA", &["alaw", "pcma", "g711a"]),
    ("G722", &["g722"]),
    ("G726-32", &["g726", "g726-32"]),
    ("G729", &["g729"]),
    ("L16", &["slin", "l16"]),
    ("L16-256", &["slin16", "l16-256"]),
];

/// The guide's default packetization, in milliseconds.
const PACKETIZATION: &str = "20";

/// The phone codec `codecs=` means by `name`.
fn codec_id(name: &str) -> Option<&'static str> {
    CODECS.iter().find(|(_, names)| names.iter().any(|n| n.eq_ignore_ascii_case(name))).map(|c| c.0)
}

/// Written only when `codecs=` is set: the codecs it names are enabled with falling priorities in its
/// order, the rest listed disabled below them (the element holds every codec). Names the phone has no
/// codec for are skipped.
pub(super) fn write_codecs(doc: &mut Doc, phone: &Phone) -> Result<(), RenderError> {
    let mut enabled: Vec<&str> = Vec::new();
    for id in phone.codecs.iter().filter_map(|name| codec_id(name.trim())) {
        if !enabled.contains(&id) {
            enabled.push(id);
        }
    }
    if enabled.is_empty() {
        return Ok(());
    }
    let disabled = CODECS.iter().map(|c| c.0).filter(|id| !enabled.contains(id));
    let all: Vec<(&str, bool)> =
        enabled.iter().map(|id| (*id, true)).chain(disabled.map(|id| (id, false))).collect();
    doc.open("codecs", Attrs::new())?;
    for ((id, on), priority) in all.into_iter().zip((0..=255u8).rev()) {
        let attrs = Attrs::new()
            .set("id", id)
            .set("priority", priority.to_string())
            .set("packetization", PACKETIZATION)
            .flag("enabled", on);
        doc.empty("codec", attrs)?;
    }
    doc.close("codecs")?;
    Ok(())
}

/// What the phone shows for each built-in ringtone (the guide's `<tones>` example).
fn builtin_display(id: &str) -> &str {
    match id {
        "GuitarStrum" => "Guitar Strum",
        "Office2" => "Office 2",
        "RotaryPhone" => "Rotary Phone",
        "SteelDrum" => "Steel Drum",
        other => other,
    }
}

/// The alerts every phone gets, as in the guide's example; an `alert` section with the same
/// `alert_info` replaces one in place. `None`: the phone's ringtone.
const DEFAULT_ALERTS: &[(&str, &str, Option<&str>)] = &[
    ("normal", "normal", None),
    ("ring-answer", "ring-answer", None),
    ("intercom", "answer", Some("")),
    ("visual", "visual", Some("")),
];

pub(super) fn write_ringtones(
    doc: &mut Doc,
    ctx: &RenderContext,
    net: &Net,
) -> Result<(), RenderError> {
    let phone = ctx.phone;
    let alerts = alerts_of(ctx)?;
    let custom = custom_tones(ctx, &alerts)?;
    let ringtone = tone_id(phone.default_ringtone());

    doc.open("ringtones", Attrs::new())?;
    doc.open("tones", Attrs::new())?;
    for id in BUILTIN_RINGTONES {
        let attrs = Attrs::new().set("id", *id).set("display", builtin_display(id));
        doc.empty("tone", attrs.set("type", "phone"))?;
    }
    // A custom tone is fetched like a logo: type "user", a URL and its MD5.
    for tone in custom {
        let attrs = Attrs::new()
            .set("id", tone.name.as_str())
            .set("display", tone.alias.as_deref().unwrap_or(&tone.name))
            .set("type", "user")
            .set("url", net.file_url(&tone.filename));
        doc.empty("tone", attrs.opt("md5", md5_of(ctx, &tone.filename)))?;
    }
    doc.close("tones")?;

    doc.open("alerts", Attrs::new())?;
    let mut used = vec![false; alerts.len()];
    for (info, ring_type, tone) in DEFAULT_ALERTS {
        let configured = alerts.iter().position(|a| a.alert_info.eq_ignore_ascii_case(info));
        match configured {
            Some(i) => {
                used[i] = true;
                alert(doc, alerts[i], ringtone)?;
            }
            None => {
                let attrs = Attrs::new()
                    .set("alert_info", *info)
                    .set("ringtone_id", tone.unwrap_or(ringtone))
                    .set("ring_type", *ring_type);
                doc.empty("alert", attrs)?;
            }
        }
    }
    for (a, _) in alerts.iter().zip(&used).filter(|(_, used)| !**used) {
        alert(doc, a, ringtone)?;
    }
    doc.close("alerts")?;
    doc.close("ringtones")?;
    Ok(())
}

/// An `alert` section. Without a ringtone it rings with the phone's when it rings at all.
fn alert(doc: &mut Doc, alert: &Alert, ringtone: &str) -> std::io::Result<()> {
    let tone = match (&alert.ringtone, alert.ring_type) {
        (Some(r), _) => tone_id(&r.name),
        (None, "normal" | "ring-answer") => ringtone,
        (None, _) => "",
    };
    let attrs = Attrs::new()
        .set("alert_info", alert.alert_info.as_str())
        .set("ringtone_id", tone)
        .set("ring_type", alert.ring_type);
    doc.empty("alert", attrs)
}

/// The profile's `alert=` sections in order, each once.
fn alerts_of<'a>(ctx: &RenderContext<'a>) -> Result<Vec<&'a Alert>, RenderError> {
    let mut alerts: Vec<&Alert> = Vec::new();
    for r in &ctx.phone.alerts {
        let alert = ctx.model.alert(&r.name).ok_or_else(|| undefined(ctx, "alert", &r.name))?;
        if !alerts.iter().any(|a| a.name == alert.name) {
            alerts.push(alert);
        }
    }
    Ok(alerts)
}

/// The ringtone sections the phone needs: its `ringtone=` list, its `active_ringtone`, and those its
/// alerts ring with, in that order, each once. Built-in names are on every phone already.
fn custom_tones<'a>(
    ctx: &RenderContext<'a>,
    alerts: &[&'a Alert],
) -> Result<Vec<&'a Ringtone>, RenderError> {
    let phone = ctx.phone;
    let names = phone
        .ringtones
        .iter()
        .chain(&phone.active_ringtone)
        .chain(alerts.iter().filter_map(|a| a.ringtone.as_ref()))
        .map(|r| r.name.as_str())
        .filter(|name| builtin_ringtone(name).is_none());
    let mut tones: Vec<&Ringtone> = Vec::new();
    for name in names {
        let tone = ctx.model.ringtone(name).ok_or_else(|| undefined(ctx, "ringtone", name))?;
        if !tones.iter().any(|t| t.name == tone.name) {
            tones.push(tone);
        }
    }
    Ok(tones)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codec_names() {
        assert_eq!(codec_id("ULAW"), Some("PCMU"));
        assert_eq!(codec_id("g722"), Some("G722"));
        assert_eq!(codec_id("L16-256"), Some("L16-256"));
        assert_eq!(codec_id("opus"), None);
    }

    #[test]
    fn every_builtin_has_a_display_name() {
        for id in BUILTIN_RINGTONES {
            assert!(!builtin_display(id).is_empty());
        }
        assert_eq!(builtin_display("Office2"), "Office 2");
    }
}
