//! `<appconfig id=…>`: what the phone's applications are told, from its `application=` sections, its
//! contacts options and its multicast pages.
//!
//! The guide shows only the frame: `<appconfig id="appscreen">` listing `<application id=/>`, and
//! `<appconfig id="contacts">` holding `<settings …/>`. Phone applications read their appconfig as
//! `{id, settings}`, so options an application takes go in `<settings>` as attributes; lists (queues,
//! statuses, parking lots, folder labels, pages) go in child elements named after what they list.
//! Application ids are the phone's built-in ones: `contacts`, `voicemail`, `parking`, `queues`,
//! `status`.

use super::doc::{Attrs, Doc, bit, is_xml_name};
use super::{Net, RenderContext, RenderError, md5_of, undefined};
use crate::model::{AppKind, Application, Multicastpage};

pub(super) fn write(doc: &mut Doc, ctx: &RenderContext, net: &Net) -> Result<(), RenderError> {
    let phone = ctx.phone;
    let mut apps: Vec<&Application> = Vec::new();
    for r in &phone.applications {
        let app =
            ctx.model.application(&r.name).ok_or_else(|| undefined(ctx, "application", &r.name))?;
        if !apps.iter().any(|a| a.name == app.name) {
            apps.push(app);
        }
    }
    // A phone whose primary line is external has none of DPMA's own applications; custom ones talk
    // to whoever serves them.
    if phone.primary_is_external() {
        apps.retain(|a| matches!(a.kind, AppKind::Custom { .. }));
    }

    appscreen(doc, ctx, &apps)?;
    contacts(doc, ctx, net)?;
    voicemail(doc, ctx, &apps)?;
    parking(doc, &apps)?;
    queues(doc, &apps)?;
    status(doc, &apps)?;
    for app in &apps {
        if let AppKind::Custom { .. } = app.kind {
            custom(doc, ctx, net, app)?;
        }
    }
    multicast(doc, ctx)?;
    Ok(())
}

/// The phone's application id for a section.
fn app_id(app: &Application) -> &str {
    match app.kind {
        AppKind::Voicemail { .. } => "voicemail",
        AppKind::Parking { .. } => "parking",
        AppKind::Queue { .. } => "queues",
        AppKind::Status { .. } => "status",
        AppKind::Custom { .. } => &app.name,
    }
}

/// The applications on the phone's application screen: contacts when it has contact lists, then
/// each application in `application=` order, each id once.
fn appscreen(doc: &mut Doc, ctx: &RenderContext, apps: &[&Application]) -> std::io::Result<()> {
    let mut ids: Vec<&str> = Vec::new();
    if !ctx.phone.contacts.is_empty() {
        ids.push("contacts");
    }
    for id in apps.iter().map(|a| app_id(a)) {
        if !ids.contains(&id) {
            ids.push(id);
        }
    }
    if ids.is_empty() {
        return Ok(());
    }
    doc.open("appconfig", Attrs::new().set("id", "appscreen"))?;
    for id in ids {
        doc.empty("application", Attrs::new().set("id", id))?;
    }
    doc.close("appconfig")
}

/// The contacts application: whether it keeps the user's contacts on the phone, and its display
/// rules (`contacts_display_rules=`), a file fetched like a contact list. The display rules' place
/// here is inferred: the later XML pages list "Display Rules" as a child of the contacts
/// application's `<appconfig>`, and the guide shows `<settings>` there; unverified on phones.
fn contacts(doc: &mut Doc, ctx: &RenderContext, net: &Net) -> std::io::Result<()> {
    let phone = ctx.phone;
    let rules = phone.contacts_display_rules.as_deref();
    if phone.use_local_storage.is_none() && rules.is_none() {
        return Ok(());
    }
    doc.open("appconfig", Attrs::new().set("id", "contacts"))?;
    if let Some(local) = phone.use_local_storage {
        doc.empty("settings", Attrs::new().flag("use_local_storage", local))?;
    }
    if let Some(file) = rules {
        let attrs = Attrs::new().set("url", net.file_url(file));
        doc.empty("display_rules", attrs.opt("md5", md5_of(ctx, file)))?;
    }
    doc.close("appconfig")
}

/// The first voicemail application: whether it asks for the PIN, and its folder labels.
fn voicemail(doc: &mut Doc, ctx: &RenderContext, apps: &[&Application]) -> Result<(), RenderError> {
    let Some((require_password, translation)) = apps.iter().find_map(|a| match &a.kind {
        AppKind::Voicemail { require_password, translation } => {
            Some((*require_password, translation))
        }
        _ => None,
    }) else {
        return Ok(());
    };
    doc.open("appconfig", Attrs::new().set("id", "voicemail"))?;
    doc.empty("settings", Attrs::new().flag("require_password", require_password))?;
    if let Some(r) = translation {
        let t =
            ctx.model.translation(&r.name).ok_or_else(|| undefined(ctx, "translation", &r.name))?;
        if !t.labels.is_empty() {
            doc.open("folders", Attrs::new())?;
            for (folder, label) in &t.labels {
                doc.empty(
                    "folder",
                    Attrs::new().set("id", folder.as_str()).set("label", label.as_str()),
                )?;
            }
            doc.close("folders")?;
        }
    }
    doc.close("appconfig")?;
    Ok(())
}

/// The parking lots the Parking application shows: those its sections name, or every lot when one
/// of them names none.
fn parking(doc: &mut Doc, apps: &[&Application]) -> std::io::Result<()> {
    let lots: Vec<Option<&str>> = apps
        .iter()
        .filter_map(|a| match &a.kind {
            AppKind::Parking { parkinglot } => Some(parkinglot.as_deref()),
            _ => None,
        })
        .collect();
    if lots.is_empty() {
        return Ok(());
    }
    let id = Attrs::new().set("id", "parking");
    if lots.iter().any(Option::is_none) {
        return doc.empty("appconfig", id);
    }
    doc.open("appconfig", id)?;
    doc.open("parkinglots", Attrs::new())?;
    let mut seen: Vec<&str> = Vec::new();
    for lot in lots.into_iter().flatten() {
        if !seen.contains(&lot) {
            seen.push(lot);
            doc.empty("parkinglot", Attrs::new().set("id", lot))?;
        }
    }
    doc.close("parkinglots")?;
    doc.close("appconfig")
}

/// One `<queue>` per queue application, with its options as attributes.
fn queues(doc: &mut Doc, apps: &[&Application]) -> std::io::Result<()> {
    let mut opened = false;
    for app in apps {
        let AppKind::Queue {
            queue,
            member,
            membername,
            location,
            permission,
            login_exten,
            logout_exten,
        } = &app.kind
        else {
            continue;
        };
        if !opened {
            doc.open("appconfig", Attrs::new().set("id", "queues"))?;
            opened = true;
        }
        let attrs = Attrs::new()
            .set("id", queue.as_str())
            .flag("member", *member)
            .opt("membername", membername.as_deref())
            .opt("location", location.as_deref())
            .opt("permission", permission.as_deref())
            .opt("login_exten", login_exten.as_deref())
            .opt("logout_exten", logout_exten.as_deref());
        doc.empty("queue", attrs)?;
    }
    if opened { doc.close("appconfig") } else { Ok(()) }
}

/// The presence states the Status application offers, each with its canned messages and whether it
/// rejects calls with 486. A state offered by two sections keeps the first.
fn status(doc: &mut Doc, apps: &[&Application]) -> std::io::Result<()> {
    let mut seen: Vec<&str> = Vec::new();
    let mut opened = false;
    for app in apps {
        let AppKind::Status { statuses, substatuses, send486 } = &app.kind else { continue };
        for state in statuses {
            if seen.contains(state) {
                continue;
            }
            seen.push(state);
            if !opened {
                doc.open("appconfig", Attrs::new().set("id", "status"))?;
                opened = true;
            }
            let attrs = Attrs::new().set("id", *state).flag("send486", *send486);
            if substatuses.is_empty() {
                doc.empty("status", attrs)?;
                continue;
            }
            doc.open("status", attrs)?;
            for message in substatuses {
                doc.empty("substatus", Attrs::new().set("value", message.as_str()))?;
            }
            doc.close("status")?;
        }
    }
    if opened { doc.close("appconfig") } else { Ok(()) }
}

/// A JavaScript application: where to fetch its zip and its MD5 (the configured `md5sum`, else the
/// file's), whether it starts at boot, and every other option of its section as a setting.
fn custom(doc: &mut Doc, ctx: &RenderContext, net: &Net, app: &Application) -> std::io::Result<()> {
    let AppKind::Custom { app_name, filename, md5sum, autostart, settings } = &app.kind else {
        return Ok(());
    };
    let md5 = md5sum.clone().or_else(|| md5_of(ctx, filename));
    let attrs = Attrs::new()
        .set("id", app.name.as_str())
        .opt("name", app_name.as_deref())
        .set("url", net.file_url(filename))
        .opt("md5sum", md5)
        .opt("autostart", autostart.map(bit));
    doc.open("appconfig", attrs)?;
    doc.empty("settings", custom_settings(settings))?;
    doc.close("appconfig")
}

/// A custom application's own options, as `<settings>` attributes: a key written twice keeps its
/// last value (as Asterisk options do), in the place it first appeared, since an attribute may not
/// repeat. Keys that cannot be attribute names are left out.
fn custom_settings(settings: &[(String, String)]) -> Attrs<'_> {
    let mut kept: Vec<(&str, &str)> = Vec::new();
    for (key, value) in settings.iter().filter(|(k, _)| is_xml_name(k)) {
        match kept.iter_mut().find(|(k, _)| k == key) {
            Some(slot) => slot.1 = value,
            None => kept.push((key, value)),
        }
    }
    kept.into_iter().fold(Attrs::new(), |attrs, (k, v)| attrs.set(k.to_string(), v))
}

/// The multicast groups the phone listens to for pages, in `multicastpage=` order.
fn multicast(doc: &mut Doc, ctx: &RenderContext) -> Result<(), RenderError> {
    let mut pages: Vec<&Multicastpage> = Vec::new();
    for r in &ctx.phone.multicastpages {
        let page = ctx
            .model
            .multicastpage(&r.name)
            .ok_or_else(|| undefined(ctx, "multicastpage", &r.name))?;
        if !pages.iter().any(|p| p.name == page.name) {
            pages.push(page);
        }
    }
    if pages.is_empty() {
        return Ok(());
    }
    doc.open("appconfig", Attrs::new().set("id", "multicastpage"))?;
    for page in pages {
        let attrs = Attrs::new()
            .set("alias", page.alias.as_deref().unwrap_or(&page.name))
            .opt("address", page.address.map(|a| a.to_string()))
            .opt("port", page.port.map(|p| p.to_string()))
            .opt("priority", page.priority.map(|p| p.to_string()))
            .opt("interrupt", page.interrupt.map(bit));
        doc.empty("multicastpage", attrs)?;
    }
    doc.close("appconfig")?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn custom_settings_are_unique_valid_names() {
        let settings: Vec<(String, String)> = [
            ("camera_url", "a"),
            ("bad key", "x"),
            ("1st", "x"),
            ("zoom", "1"),
            ("camera_url", "b"),
        ]
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        let mut doc = Doc::new().unwrap();
        doc.empty("settings", custom_settings(&settings)).unwrap();
        assert!(doc.finish().ends_with("<settings camera_url=\"b\" zoom=\"1\"/>\n"));
    }
}
