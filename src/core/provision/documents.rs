//! Documents fetched over HTTP that are not the phone's configuration.

use super::auth::UserEntry;
use crate::protocol::Element;

/// The profile list a `provision.userlist` reply points to (docs/protocol.md).
pub fn userlist(entries: &[UserEntry]) -> String {
    let root = entries.iter().fold(Element::new("userlist"), |root, u| {
        root.child(
            Element::new("user")
                .attr("id", &u.id)
                .attr("name", &u.name)
                .attr("line", &u.line)
                .attr("auth", u.auth),
        )
    });
    format!("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n{}\n", root.to_xml())
}

/// Lower-case hex MD5, as phones compare it.
pub fn md5_hex(bytes: &[u8]) -> String {
    format!("{:x}", md5::compute(bytes))
}

/// What the configuration document depends on besides the model: facts of the request.
#[derive(Debug, Clone, Default)]
pub struct PhoneRequest<'a> {
    /// The model the phone reports (`D70`): the MESSAGE request's `model`, or the HTTP User-Agent's
    /// (see [`crate::model::models::from_user_agent`]).
    pub phone_model: Option<&'a str>,
    /// The firmware version the phone reports, likewise.
    pub phone_firmware: Option<crate::model::models::FirmwareVersion>,
    /// The phone claimed its profile over the MESSAGE protocol; false for a stock phone fetching
    /// `<mac>.cfg` over HTTP.
    pub message_channel: bool,
    pub phone_ip: Option<std::net::IpAddr>,
    /// The host the phone reached the server at.
    pub server_host: &'a str,
    /// Where files from `file_directory` are served (`…/digium_phones/files`).
    pub files_url: &'a str,
}

/// The configuration document a phone gets for `phone`: its `config_file` verbatim when it names
/// one (from `file_directory`), else the rendered XML. `md5` gives the MD5 of a file in
/// `file_directory` (the module caches them); `endpoint_passwords` the PJSIP passwords of lines.
pub fn phone_document(
    model: &crate::model::Model,
    phone: &crate::model::Phone,
    request: &PhoneRequest,
    md5: &dyn Fn(&std::path::Path) -> Option<String>,
    endpoint_passwords: &std::collections::HashMap<String, String>,
) -> Result<String, String> {
    use crate::provision::files;
    use crate::xml::{self, RenderContext};
    use std::path::Path;

    let file_dir = model.general.file_directory.as_deref();
    if let Some(name) = &phone.config_file {
        let dir = file_dir.ok_or("config_file is set but file_directory is not")?;
        let path = files::resolve(Path::new(dir), name).map_err(|e| e.to_string())?;
        return std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()));
    }
    let file_md5 = |name: &str| md5(&files::resolve(Path::new(file_dir?), name).ok()?);
    let ctx = RenderContext {
        model,
        phone,
        phone_model: request.phone_model,
        phone_firmware: request.phone_firmware,
        message_channel: request.message_channel,
        phone_ip: request.phone_ip,
        server_host: request.server_host,
        sip_port: model.general.mdns_port.unwrap_or(5060),
        files_url: request.files_url,
        file_md5: &file_md5,
    };
    xml::render_config_with_secrets(&ctx, &|line| endpoint_passwords.get(line).cloned())
        .map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::parse_document;

    #[test]
    fn userlist_round_trips_hostile_names() {
        let entries = [UserEntry {
            id: "a".into(),
            name: "Tom & \"Jerry\" <x>".into(),
            line: "200".into(),
            auth: "pin",
        }];
        let xml = userlist(&entries);
        let doc =
            parse_document(xml.trim_start_matches("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"))
                .unwrap();
        let user = doc.find("user").unwrap();
        assert_eq!(user.get("name"), Some("Tom & \"Jerry\" <x>"));
        assert_eq!(user.get("auth"), Some("pin"));
    }

    #[test]
    fn md5_is_lower_hex() {
        assert_eq!(md5_hex(b""), "d41d8cd98f00b204e9800998ecf8427e");
    }
}
