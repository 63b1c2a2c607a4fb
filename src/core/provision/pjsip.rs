//! What the module reads of pjsip.conf: DPMA names line sections after PJSIP endpoints, so a line's
//! SIP password is its endpoint's (`endpoint` → first `auth=` → `password`).

use std::collections::HashMap;

use crate::raw::{RawConfig, RawSection};

fn of_type<'a>(
    cfg: &'a RawConfig,
    ty: &'a str,
) -> impl Iterator<Item = &'a std::sync::Arc<RawSection>> + 'a {
    cfg.concrete()
        .filter(move |s| s.last("type").is_some_and(|t| t.value.trim().eq_ignore_ascii_case(ty)))
}

/// Endpoint name → password, for endpoints whose first auth has a non-empty `password`.
pub fn endpoint_passwords(cfg: &RawConfig) -> HashMap<String, String> {
    let passwords: HashMap<&str, &str> = of_type(cfg, "auth")
        .filter_map(|s| Some((s.name.as_str(), s.last("password")?.value.trim())))
        .filter(|(_, p)| !p.is_empty())
        .collect();
    of_type(cfg, "endpoint")
        .filter_map(|e| {
            let auth = e.last("auth")?.value.split(',').next()?.trim().to_string();
            Some((e.name.clone(), (*passwords.get(auth.as_str())?).to_string()))
        })
        .collect()
}

/// Endpoint name → its `mailboxes` (as written: a list), for endpoints that set it. Visual voicemail
/// falls back to it for lines without `mailbox`.
pub fn endpoint_mailboxes(cfg: &RawConfig) -> HashMap<String, String> {
    of_type(cfg, "endpoint")
        .filter_map(|e| Some((e.name.clone(), e.last("mailboxes")?.value.trim().to_string())))
        .filter(|(_, m)| !m.is_empty())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_follow_the_first_auth() {
        let cfg = RawConfig {
            sections: vec![
                RawSection::of("200", &[("type", "endpoint"), ("auth", "200-auth, other")]),
                RawSection::of("200-auth", &[("type", "auth"), ("password", "p200")]),
                RawSection::of("201", &[("type", "endpoint")]),
                RawSection::of("202", &[("type", "endpoint"), ("auth", "nope")]),
                RawSection::of("203", &[("type", "endpoint"), ("auth", "empty")]),
                RawSection::of("empty", &[("type", "auth"), ("password", "")]),
            ],
        };
        let p = endpoint_passwords(&cfg);
        assert_eq!(p.len(), 1);
        assert_eq!(p["200"], "p200");
    }
}
