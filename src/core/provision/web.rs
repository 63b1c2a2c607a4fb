//! The module's HTTP namespace, `/digium_phones/...`: what each path means, and which MAC a stock
//! phone asks for (its model and firmware: `model::models::from_user_agent`).

use crate::model::mac::Mac;

/// What a path under `/digium_phones/` asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Route<'a> {
    /// `session/<token>/<document>`: a document published behind a token.
    Session {
        token: &'a str,
        document: &'a str,
    },
    /// `files/<name>`: a file of `file_directory` (`name` may hold subdirectories).
    File(&'a str),
    /// `firmware/<name>`: a file of `firmware_package_directory`.
    Firmware(&'a str),
    /// `<mac>.cfg`: the configuration of a stock phone pointed at this server (DHCP option 66).
    StockConfig(&'a str),
    NotFound,
}

/// The route of `path`, the part after `/digium_phones/`.
pub fn route(path: &str) -> Route<'_> {
    let under = |dir: &str| {
        path.strip_prefix(dir)
            .and_then(|rest| if rest.is_empty() { Some("") } else { rest.strip_prefix('/') })
    };
    if let Some(name) = under("files") {
        return Route::File(name);
    }
    if let Some(name) = under("firmware") {
        return Route::Firmware(name);
    }
    let parts: Vec<&str> = path.split('/').collect();
    match parts.as_slice() {
        ["session", token, document] => Route::Session { token, document },
        [name] if name.len() > ".cfg".len() && name.ends_with(".cfg") => {
            Route::StockConfig(name.trim_end_matches(".cfg"))
        }
        _ => Route::NotFound,
    }
}

/// The MAC a stock phone asks for: the one in `<mac>.cfg`, or, for `000000000000.cfg` (what a
/// phone asks before it knows better), the one its User-Agent carries (`send_mac_with_useragent`).
pub fn requested_mac(name: &str, user_agent: &str) -> Option<Mac> {
    if name == "000000000000" { mac_in_user_agent(user_agent) } else { name.parse().ok() }
}

/// The first run of 12 hex digits in a User-Agent that is a MAC other than all zeros.
pub fn mac_in_user_agent(user_agent: &str) -> Option<Mac> {
    user_agent
        .split(|c: char| !c.is_ascii_hexdigit())
        .filter(|w| w.len() == 12)
        .filter_map(|w| w.parse::<Mac>().ok())
        .find(|m| m.to_string() != "000000000000")
}

/// The MAC a User-Agent names when it is not the one `<name>.cfg` asks for (`useragent_mac_binding`).
/// `000000000000.cfg` takes its MAC from the User-Agent, so it never conflicts.
pub fn user_agent_conflict(name: &str, user_agent: &str) -> Option<Mac> {
    let asked: Mac = name.parse().ok()?;
    let named = mac_in_user_agent(user_agent)?;
    (name != "000000000000" && named != asked).then_some(named)
}

/// The host of a `Host:` header (`pbx:8088` → `pbx`, `[::1]:8088` → `[::1]`).
pub fn host_of(header: &str) -> &str {
    match header.rsplit_once(':') {
        Some((host, port)) if !host.is_empty() && port.chars().all(|c| c.is_ascii_digit()) => {
            if host.starts_with('[') && !host.ends_with(']') {
                header
            } else {
                host
            }
        }
        _ => header,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn routes() {
        assert_eq!(
            route("session/3fa9/config.xml"),
            Route::Session { token: "3fa9", document: "config.xml" }
        );
        assert_eq!(route("files/contacts/sales.xml"), Route::File("contacts/sales.xml"));
        assert_eq!(route("files"), Route::File(""));
        assert_eq!(route("firmware/2_9_17/D70.eff"), Route::Firmware("2_9_17/D70.eff"));
        assert_eq!(route("000fd3aabb01.cfg"), Route::StockConfig("000fd3aabb01"));
        for nothing in ["", ".cfg", "session/x", "session/a/b/c", "filesx/a", "a/b.cfg", "x.xml"] {
            assert_eq!(route(nothing), Route::NotFound, "{nothing}");
        }
    }

    #[test]
    fn a_phone_names_itself_in_its_user_agent() {
        let ua = "Digium D65 2_9_16 000fd3aabb01";
        assert_eq!(mac_in_user_agent(ua).map(|m| m.to_string()).as_deref(), Some("000fd3aabb01"));
        assert_eq!(mac_in_user_agent("Digium D70 000000000000"), None);
        let asked = requested_mac("000000000000", ua).map(|m| m.to_string());
        assert_eq!(asked.as_deref(), Some("000fd3aabb01"));
        let named = requested_mac("000fd3aabb02", ua).map(|m| m.to_string());
        assert_eq!(named.as_deref(), Some("000fd3aabb02"));
        assert_eq!(requested_mac("nonsense", ua), None);
    }

    #[test]
    fn user_agent_binding() {
        let ua = "Digium D65 2_9_16 000fd3aabb01";
        assert_eq!(user_agent_conflict("000fd3aabb01", ua), None);
        assert_eq!(
            user_agent_conflict("000fd3aabb02", ua).map(|m| m.to_string()).as_deref(),
            Some("000fd3aabb01")
        );
        assert_eq!(user_agent_conflict("000000000000", ua), None);
        assert_eq!(user_agent_conflict("000fd3aabb02", "Digium D65 2_9_16"), None);
        assert_eq!(user_agent_conflict("nonsense", ua), None);
    }

    #[test]
    fn host_headers() {
        assert_eq!(host_of("pbx.example.org:8088"), "pbx.example.org");
        assert_eq!(host_of("pbx"), "pbx");
        assert_eq!(host_of("[2001:db8::1]:8088"), "[2001:db8::1]");
        assert_eq!(host_of("[2001:db8::1]"), "[2001:db8::1]");
    }
}
