//! Hints for the parking spaces phones watch on BLF keys. DPMA's manual has the admin write
//! `exten => 701,hint,park:701@parkedcalls` where the phone subscribes; this makes that hint for each
//! space a phone's contact lists subscribe to (`subscribe_to="sip:701@…"`) in a lot the phone may see,
//! in the contexts its lines subscribe in.

use std::collections::HashMap;

use super::Visible;
use crate::check::sheets::contact_attribute;
use crate::finding::{Finding, Severity};
use crate::model::{Model, Phone};
use crate::names::NameMap;
use crate::presence::{Endpoint, Hint, HintOwner, HintPlan, hint_context_of};
use crate::provision::files;
use crate::raw::RawConfig;

/// A lot's spaces and the context res_parking puts them in, as res_parking.conf defines them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LotSpaces {
    pub name: String,
    pub context: String,
    pub first: u32,
    pub last: u32,
}

impl LotSpaces {
    /// The `park:` device res_parking reports a space's state under.
    pub fn device(&self, space: u32) -> String {
        format!("park:{space}@{}", self.context)
    }

    fn holds(&self, space: u32) -> bool {
        (self.first..=self.last).contains(&space)
    }
}

/// res_parking's defaults for a lot (res_parking.conf.sample): spaces 701-750 in `parkedcalls`.
const DEFAULT_CONTEXT: &str = "parkedcalls";
const DEFAULT_SPACES: (u32, u32) = (701, 750);
/// The lot res_parking always has, configured or not.
const DEFAULT_LOT: &str = "default";

/// The lots of res_parking.conf: every section but `[general]` is a lot named after it; `default`
/// exists even when the file does not name it. A lot whose `parkpos` res_parking would refuse is
/// left out; lots made at run time (`parkeddynamic`) are not here.
pub fn configured_lots(res_parking_conf: &RawConfig) -> Vec<LotSpaces> {
    let mut lots: Vec<LotSpaces> = res_parking_conf
        .concrete()
        .filter(|s| !s.name.eq_ignore_ascii_case("general"))
        .filter_map(|s| {
            let context = s.last("context").map(|e| e.value.trim()).filter(|c| !c.is_empty());
            let (first, last) = match s.last("parkpos") {
                Some(e) => space_range(&e.value)?,
                None => DEFAULT_SPACES,
            };
            Some(LotSpaces {
                name: s.name.clone(),
                context: context.unwrap_or(DEFAULT_CONTEXT).to_string(),
                first,
                last,
            })
        })
        .collect();
    if !lots.iter().any(|l| l.name == DEFAULT_LOT) {
        let (first, last) = DEFAULT_SPACES;
        lots.push(LotSpaces {
            name: DEFAULT_LOT.into(),
            context: DEFAULT_CONTEXT.into(),
            first,
            last,
        });
    }
    lots
}

/// `parkpos = 701-750`.
fn space_range(value: &str) -> Option<(u32, u32)> {
    let (first, last) = value.split_once('-')?;
    let (first, last) = (first.trim().parse().ok()?, last.trim().parse().ok()?);
    (first <= last).then_some((first, last))
}

/// The user part of every `subscribe_to` URI in a contact list (`sip:701@pbx` gives `701`), in order.
pub fn subscribed_users(contact_list: &str) -> Vec<String> {
    contact_attribute(contact_list, "subscribe_to")
        .iter()
        .map(|uri| {
            let rest = ["sip:", "sips:"].iter().find_map(|s| uri.strip_prefix(s)).unwrap_or(uri);
            rest.split_once('@').map_or(rest, |(user, _)| user).to_string()
        })
        .filter(|user| !user.is_empty())
        .collect()
}

/// The users phones' contact lists (`contact=`, read from `file_directory`) subscribe to, each list
/// read once. Lists given as URLs or that cannot be read give none.
#[derive(Debug, Default)]
pub struct ContactLists {
    dir: Option<std::path::PathBuf>,
    read: HashMap<String, Vec<String>>,
}

impl ContactLists {
    pub fn new(model: &Model) -> Self {
        Self { dir: model.general.file_directory.as_ref().map(Into::into), read: HashMap::new() }
    }

    pub fn subscriptions(&mut self, phone: &Phone) -> Vec<String> {
        let Some(dir) = &self.dir else { return Vec::new() };
        let mut users = Vec::new();
        for name in &phone.contacts {
            let list = self.read.entry(name.clone()).or_insert_with(|| {
                if name.contains("://") {
                    return Vec::new();
                }
                files::resolve(dir, name)
                    .ok()
                    .and_then(|path| std::fs::read(path).ok())
                    .map(|bytes| subscribed_users(&String::from_utf8_lossy(&bytes)))
                    .unwrap_or_default()
            });
            users.extend(list.iter().cloned());
        }
        users
    }
}

/// Adds to `plan` a hint `<space>` → `park:<space>@<lot context>` for each space that a phone's
/// contact lists subscribe to (`subscriptions` reads them) in a lot its parking application shows,
/// in the hint context of each of its internal lines ([`hint_context_of`]). Where `plan` already
/// hints that extension in that context the line's hint stays and the phone gets a warning; so does
/// a space two lots claim in one context (the first lot keeps it).
pub fn add_parking_hints(
    plan: &mut HintPlan,
    model: &Model,
    lots: &[LotSpaces],
    subscriptions: &mut dyn FnMut(&Phone) -> Vec<String>,
    endpoint: &dyn Fn(&str) -> Option<Endpoint>,
) {
    let mut taken: NameMap<(String, String), usize> = NameMap::default();
    let mut line_contexts: NameMap<String, String> = NameMap::default();
    for (at, hint) in plan.hints.iter().enumerate() {
        taken.insert((hint.context.clone(), hint.exten.clone()), at);
        if let HintOwner::Line(line) = &hint.owner {
            line_contexts.entry(line.clone()).or_insert_with(|| hint.context.clone());
        }
    }
    for phone in &model.phones {
        let visible = Visible::of(model, &phone.name);
        if visible == Visible::None || phone.contacts.is_empty() {
            continue;
        }
        let spaces: Vec<(u32, &LotSpaces)> = subscriptions(phone)
            .iter()
            .filter(|u| !u.is_empty() && u.bytes().all(|b| b.is_ascii_digit()))
            .filter_map(|u| u.parse::<u32>().ok().filter(|n| n.to_string() == *u))
            .filter_map(|space| {
                lots.iter().find(|l| visible.allows(&l.name) && l.holds(space)).map(|l| (space, l))
            })
            .collect();
        if spaces.is_empty() {
            continue;
        }
        let mut contexts: Vec<String> = Vec::new();
        for reference in &phone.lines {
            let Some(line) = model.line(&reference.name) else { continue };
            // The context the line's own hints went to: its endpoint was read once already.
            let context = match line_contexts.get(line.name.as_str()) {
                Some(context) => context.clone(),
                None => hint_context_of(model, line, endpoint),
            };
            if !contexts.contains(&context) {
                contexts.push(context);
            }
        }
        for context in &contexts {
            for (space, lot) in &spaces {
                let hint = Hint {
                    context: context.clone(),
                    exten: space.to_string(),
                    hint: lot.device(*space),
                    owner: HintOwner::ParkingLot(lot.name.clone()),
                };
                let key = (hint.context.clone(), hint.exten.clone());
                match taken.get(&key).map(|at| &plan.hints[*at]) {
                    Some(existing) if existing.hint == hint.hint => {}
                    Some(existing) => plan.findings.push(warning(
                        phone,
                        format!(
                            "parking space {space} of lot '{}' is watched by the phone's \
                             contacts, but {space}@{context} already hints {}; no parking hint there",
                            lot.name, existing.owner
                        ),
                    )),
                    None => {
                        taken.insert(key, plan.hints.len());
                        plan.hints.push(hint);
                    }
                }
            }
        }
    }
}

fn warning(phone: &Phone, message: String) -> Finding {
    let (file, line) = match phone.raw.last("contact") {
        Some(entry) => (&*entry.file, entry.line),
        None => phone.raw.location(),
    };
    Finding {
        severity: Severity::Warning,
        file: file.to_string(),
        line,
        section: phone.name.clone(),
        option: "contact".into(),
        message,
    }
}
