//! `userlist_auth` and `config_auth`, as DPMA documents them:
//! - the profile list needs nothing, or the global PIN;
//! - claiming a profile needs nothing, the phone's MAC to match the profile's, the profile's PIN
//!   (`pin = voicemail`: the primary line's voicemail PIN), or the global PIN (typed once, it covers
//!   both steps); `mac_globalpin` asks for both the MAC and the global PIN.

use crate::model::general::{ConfigAuth, UserlistAuth};
use crate::model::mac::Mac;
use crate::model::phone::Pin;
use crate::model::{Model, Phone};

/// Why a request is refused; `code` and `need` go into the protocol's error reply.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{code}: {message}")]
pub struct Refusal {
    pub code: u16,
    pub need: Option<&'static str>,
    pub message: String,
    /// What the refusal counts as, for lockouts and the security log.
    pub counts: Counts,
}

/// What a refused request tried.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Counts {
    Nothing,
    /// A wrong PIN or global PIN, or (with MAC authentication) a MAC that is not the profile's.
    WrongSecret,
    /// A MAC no profile has, under MAC authentication: probing.
    UnknownMac(Mac),
}

impl Refusal {
    fn need(what: &'static str, message: &str) -> Self {
        Self { code: 401, need: Some(what), message: message.to_string(), counts: Counts::Nothing }
    }

    fn forbidden(message: &str) -> Self {
        Self { code: 403, need: None, message: message.to_string(), counts: Counts::Nothing }
    }

    fn wrong(message: &str) -> Self {
        Self { counts: Counts::WrongSecret, ..Self::forbidden(message) }
    }

    fn not_found(message: &str) -> Self {
        Self { code: 404, need: None, message: message.to_string(), counts: Counts::Nothing }
    }

    /// Whether this refusal counts as a failed guess of a secret.
    pub fn is_wrong_secret(&self) -> bool {
        self.counts == Counts::WrongSecret
    }

    /// The unknown MAC this refusal was for, when it counts as probing.
    pub fn unknown_mac(&self) -> Option<Mac> {
        match self.counts {
            Counts::UnknownMac(m) => Some(m),
            _ => None,
        }
    }
}

/// One line of the profile list: nothing secret.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserEntry {
    pub id: String,
    pub name: String,
    pub line: String,
    /// What claiming it needs: `none`, `mac`, `pin` or `globalpin`.
    pub auth: &'static str,
}

/// Compares secrets in time independent of where they differ.
pub(crate) fn same_secret(given: &str, expected: &str) -> bool {
    let (a, b) = (given.as_bytes(), expected.as_bytes());
    let mut diff = a.len() ^ b.len();
    for i in 0..a.len().max(b.len()) {
        diff |= usize::from(a.get(i).copied().unwrap_or(0) ^ b.get(i).copied().unwrap_or(0));
    }
    diff == 0 && !expected.is_empty()
}

fn check_globalpin(model: &Model, given: Option<&str>) -> Result<(), Refusal> {
    let expected = model.general.globalpin.expose();
    match given {
        None | Some("") => Err(Refusal::need("globalpin", "the global PIN is needed")),
        Some(g) if same_secret(g, expected) => Ok(()),
        Some(_) => Err(Refusal::wrong("wrong global PIN")),
    }
}

fn auth_word(auth: ConfigAuth) -> &'static str {
    match auth {
        ConfigAuth::Disabled => "none",
        ConfigAuth::Mac => "mac",
        ConfigAuth::Pin => "pin",
        ConfigAuth::GlobalPin => "globalpin",
        ConfigAuth::MacGlobalPin => "mac_globalpin",
    }
}

fn uses_mac(auth: ConfigAuth) -> bool {
    matches!(auth, ConfigAuth::Mac | ConfigAuth::MacGlobalPin)
}

fn check_mac(phone: &Phone, mac: Option<Mac>) -> Result<(), Refusal> {
    match (phone.mac, mac) {
        (Some(expected), Some(given)) if expected == given => Ok(()),
        (_, None) => Err(Refusal::need("mac", "this server identifies phones by MAC")),
        _ => Err(Refusal::wrong("this profile belongs to another phone")),
    }
}

/// The profiles a phone may choose from.
pub fn userlist(
    model: &Model,
    mac: Option<Mac>,
    globalpin: Option<&str>,
) -> Result<Vec<UserEntry>, Refusal> {
    if model.general.userlist_auth == UserlistAuth::GlobalPin {
        check_globalpin(model, globalpin)?;
    }
    let auth = model.general.config_auth;
    Ok(model
        .phones
        .iter()
        // With MAC authentication a phone can only ever claim its own profile.
        .filter(|p| !uses_mac(auth) || (p.mac.is_some() && p.mac == mac))
        .map(|p| UserEntry {
            id: p.name.clone(),
            name: p.full_name.clone().unwrap_or_else(|| p.name.clone()),
            line: p.primary_line().unwrap_or_default().to_string(),
            auth: auth_word(auth),
        })
        .collect())
}

/// Whether a profile list asked for with `mac` is probing: under MAC authentication the list holds
/// only the phone's own profile, so an empty one tells the asker that no profile has that MAC.
pub fn userlist_probe(model: &Model, mac: Option<Mac>) -> Option<Mac> {
    let mac = mac?;
    (uses_mac(model.general.config_auth) && model.phone_with_mac(mac).is_none()).then_some(mac)
}

/// A granted claim.
#[derive(Debug)]
pub struct Claim<'a> {
    pub phone: &'a Phone,
}

/// Decides whether the phone with `mac` may claim `profile` (or, when absent, the profile with its
/// MAC). `voicemail_pin` looks up the voicemail PIN of a mailbox (`ext@context`) for `pin = voicemail`.
pub fn claim<'a>(
    model: &'a Model,
    mac: Option<Mac>,
    profile: Option<&str>,
    pin: Option<&str>,
    globalpin: Option<&str>,
    voicemail_pin: impl Fn(&str) -> Option<String>,
) -> Result<Claim<'a>, Refusal> {
    let phone = match profile.filter(|p| !p.is_empty()) {
        Some(name) => model
            .phone(name)
            .ok_or_else(|| Refusal::not_found(&format!("no profile named '{name}'")))?,
        None => mac.and_then(|m| model.phone_with_mac(m)).ok_or_else(|| {
            let refusal =
                Refusal::not_found("no profile has this phone's MAC; choose one from the list");
            match mac {
                Some(m) if uses_mac(model.general.config_auth) => {
                    Refusal { counts: Counts::UnknownMac(m), ..refusal }
                }
                _ => refusal,
            }
        })?,
    };
    match model.general.config_auth {
        ConfigAuth::Disabled => {}
        ConfigAuth::Mac => check_mac(phone, mac)?,
        // The DPMA guide names this mode without its rule; both checks is the safe reading.
        ConfigAuth::MacGlobalPin => {
            check_mac(phone, mac)?;
            check_globalpin(model, globalpin.or(pin))?;
        }
        ConfigAuth::GlobalPin => check_globalpin(model, globalpin.or(pin))?,
        ConfigAuth::Pin => {
            let expected = match &phone.pin {
                Pin::Digits(p) => p.expose().to_string(),
                Pin::Voicemail => {
                    let mailbox = primary_mailbox(model, phone).ok_or_else(|| {
                        Refusal::forbidden("pin = voicemail, but the profile has no mailbox")
                    })?;
                    voicemail_pin(&mailbox).ok_or_else(|| {
                        Refusal::forbidden("pin = voicemail, but the mailbox has no voicemail PIN")
                    })?
                }
                Pin::None => {
                    return Err(Refusal::forbidden(
                        "the profile has no PIN, so it cannot be claimed",
                    ));
                }
            };
            match pin {
                None | Some("") => {
                    return Err(Refusal::need("pin", "a PIN is needed for this profile"));
                }
                Some(p) if same_secret(p, &expected) => {}
                Some(_) => return Err(Refusal::wrong("wrong PIN")),
            }
        }
    }
    Ok(Claim { phone })
}

/// The mailbox whose PIN `pin = voicemail` means: the phone's own `mailbox`, else its primary line's.
pub fn primary_mailbox(model: &Model, phone: &Phone) -> Option<String> {
    phone.mailbox.clone().or_else(|| {
        let line = model.line(phone.lines.first()?.name.as_str())?;
        line.mailbox.as_deref().map(str::to_string)
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn secret_comparison() {
        assert!(super::same_secret("1234", "1234"));
        assert!(!super::same_secret("1234", "12345"));
        assert!(!super::same_secret("1235", "1234"));
        assert!(!super::same_secret("", ""));
    }
}
