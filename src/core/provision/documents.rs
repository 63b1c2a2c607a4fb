//! Documents fetched over HTTP that are not the phone's configuration.

use super::auth::UserEntry;
use crate::core::protocol::Element;

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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::protocol::parse_document;

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
