//! Facts the module takes from Asterisk's other configuration files, read from their [`RawConfig`]:
//! how phones reach Asterisk's HTTP server (http.conf) and mailbox PINs (voicemail.conf). The
//! module loads the files through Asterisk's config API; the reading is here.

use crate::raw::RawConfig;

/// How phones reach Asterisk's HTTP server, from http.conf.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpServer {
    pub scheme: &'static str,
    pub port: u16,
    /// Asterisk's URI prefix, e.g. `` or `/asterisk`.
    pub prefix: String,
}

impl HttpServer {
    /// The base URL of this module's files as seen by a phone that reached SIP at `host`.
    pub fn base_url(&self, host: &str) -> String {
        format!("{}://{host}:{}{}/digium_phones", self.scheme, self.port, self.prefix)
    }
}

/// The last value of `key` in `[general]`, trimmed.
fn general_value(cfg: &RawConfig, key: &str) -> Option<String> {
    cfg.sections
        .iter()
        .filter(|s| s.name.eq_ignore_ascii_case("general"))
        .flat_map(|s| s.entries.iter())
        .rev()
        .find(|e| e.key.eq_ignore_ascii_case(key))
        .map(|e| e.value.trim().to_string())
}

/// Asterisk's `ast_true`.
fn yes(v: Option<String>) -> bool {
    v.is_some_and(|v| {
        matches!(v.to_ascii_lowercase().as_str(), "yes" | "true" | "on" | "1" | "y" | "t")
    })
}

/// The port of `host:port`, `[v6]:port` (none for a bare host).
fn port_of(addr: &str) -> Option<u16> {
    let after = addr.rsplit_once(']').map_or(addr, |(_, rest)| rest);
    after.rsplit_once(':').and_then(|(_, p)| p.parse().ok())
}

/// http.conf's server: plain HTTP when enabled, else HTTPS when TLS is enabled; `None` when neither.
/// `prefix` is the one Asterisk reports in use.
pub fn http_server(http_conf: &RawConfig, prefix: &str) -> Option<HttpServer> {
    let prefix = prefix.to_string();
    if yes(general_value(http_conf, "enabled")) {
        let port =
            general_value(http_conf, "bindport").and_then(|p| p.parse().ok()).unwrap_or(8088);
        return Some(HttpServer { scheme: "http", port, prefix });
    }
    if yes(general_value(http_conf, "tlsenable")) {
        let port =
            general_value(http_conf, "tlsbindaddr").as_deref().and_then(port_of).unwrap_or(8089);
        return Some(HttpServer { scheme: "https", port, prefix });
    }
    None
}

/// Which of Asterisk's HTTP servers http.conf enables: plain HTTP (`enabled`), HTTPS (`tlsenable`).
pub fn http_listeners(http_conf: &RawConfig) -> crate::provision::httpauth::Listeners {
    crate::provision::httpauth::Listeners::Known {
        plain: yes(general_value(http_conf, "enabled")),
        tls: yes(general_value(http_conf, "tlsenable")),
    }
}

/// The PIN of `mailbox` (`box@context`, context `default` when absent) in voicemail.conf.
pub fn voicemail_pin(voicemail_conf: &RawConfig, mailbox: &str) -> Option<String> {
    let (mailbox, context) = mailbox.split_once('@').unwrap_or((mailbox, "default"));
    let value = voicemail_conf
        .sections
        .iter()
        .filter(|s| s.name == context)
        .flat_map(|s| s.entries.iter())
        .find(|e| e.key.trim() == mailbox)
        .map(|e| e.value.clone())?;
    // `box => pin,name,email,...`; a leading '-' only stops users changing it.
    let pin = value.split(',').next()?.trim().trim_start_matches('-');
    (!pin.is_empty()).then(|| pin.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn conf(sections: &[(&str, &[(&str, &str)])]) -> RawConfig {
        RawConfig::of(sections)
    }

    #[test]
    fn plain_http_wins_over_tls() {
        let both =
            conf(&[("general", &[("enabled", "yes"), ("bindport", "8080"), ("tlsenable", "yes")])]);
        let server = http_server(&both, "/asterisk").unwrap();
        assert_eq!(server.base_url("pbx"), "http://pbx:8080/asterisk/digium_phones");
        let default_port = conf(&[("general", &[("enabled", "on")])]);
        assert_eq!(http_server(&default_port, "").unwrap().port, 8088);
    }

    #[test]
    fn tls_alone_gives_https_on_its_port() {
        for (addr, port) in [("0.0.0.0:8443", 8443), ("[::]:9443", 9443), ("0.0.0.0", 8089)] {
            let tls = conf(&[("general", &[("tlsenable", "yes"), ("tlsbindaddr", addr)])]);
            let server = http_server(&tls, "").unwrap();
            assert_eq!((server.scheme, server.port), ("https", port), "{addr}");
        }
    }

    #[test]
    fn disabled_server_gives_nothing() {
        assert_eq!(http_server(&conf(&[("general", &[("enabled", "no")])]), ""), None);
        assert_eq!(http_server(&conf(&[]), ""), None);
    }

    #[test]
    fn the_last_value_counts() {
        let twice = conf(&[("general", &[("enabled", "yes"), ("enabled", "no")])]);
        assert_eq!(http_server(&twice, ""), None);
    }

    #[test]
    fn listeners() {
        use crate::provision::httpauth::Listeners;
        let both = conf(&[("general", &[("enabled", "yes"), ("tlsenable", "yes")])]);
        assert_eq!(http_listeners(&both), Listeners::Known { plain: true, tls: true });
        let tls = conf(&[("general", &[("tlsenable", "yes")])]);
        assert_eq!(http_listeners(&tls), Listeners::Known { plain: false, tls: true });
        assert_eq!(http_listeners(&conf(&[])), Listeners::Known { plain: false, tls: false });
    }

    #[test]
    fn mailbox_pins() {
        let vm = conf(&[
            ("default", &[("100", "1234,Alice,alice@example.org"), ("101", "-4321,Bob")]),
            ("sales", &[("200", " 9876 ,Carol"), ("201", ",Dave")]),
        ]);
        assert_eq!(voicemail_pin(&vm, "100").as_deref(), Some("1234"));
        assert_eq!(voicemail_pin(&vm, "101@default").as_deref(), Some("4321"));
        assert_eq!(voicemail_pin(&vm, "200@sales").as_deref(), Some("9876"));
        assert_eq!(voicemail_pin(&vm, "201@sales"), None);
        assert_eq!(voicemail_pin(&vm, "200"), None);
        assert_eq!(voicemail_pin(&vm, "999@sales"), None);
    }
}
