//! Custom phone apps in the simulator: `app.request` relayed to an app server, and `app.event`
//! pushes from it (docs/protocol.md, "App servers").

use std::time::{Duration, Instant};

use digium_phones_core::apps::bridge;
use digium_phones_core::protocol::{Element, Event, Request};

use super::{Phone, SimError};

#[derive(Debug, Clone, clap::Args)]
pub struct AppArgs {
    /// Once provisioned, ask the app server that registered METHOD (over AMI) with these JSON
    /// parameters (app.request); its answer is printed on stdout as: app-response JSON
    #[arg(long, num_args = 2, value_names = ["METHOD", "JSON"])]
    app_request: Option<Vec<String>>,
    /// Send --app-request this many times, each after the answer to the one before
    #[arg(long, value_name = "N", default_value = "1", requires = "app_request")]
    app_repeat: u32,
    /// Then stay this long and print every app.event pushed to the phone on stdout as:
    /// app-event METHOD JSON
    #[arg(long, value_name = "SECS", value_parser = crate::parse_seconds)]
    wait_events: Option<Duration>,
}

impl Phone {
    /// What `--app-request` and `--wait-events` ask, in that order.
    pub(super) fn apps(&mut self, session: &str) -> Result<(), SimError> {
        let args = self.options.apps.clone();
        if let Some([method, json]) = args.app_request.as_deref() {
            for _ in 0..args.app_repeat {
                let json = self.app_request(session, method, json)?;
                println!("app-response {json}");
            }
        }
        if let Some(wait) = args.wait_events {
            self.wait_app_events(wait)?;
        }
        Ok(())
    }

    fn app_request(&mut self, session: &str, method: &str, json: &str) -> Result<String, SimError> {
        let request = Request::new(self.next_request_id(), bridge::REQUEST)
            .with_param("session", session)
            .with_param("method", method)
            .with_param("json", json);
        let result = self.call(request)?;
        result
            .iter()
            .find(|e| e.name == "json")
            .map(|e| e.text.clone())
            .ok_or_else(|| SimError::Integrity("the app.request reply has no <json>".into()))
    }

    fn wait_app_events(&mut self, wait: Duration) -> Result<(), SimError> {
        let deadline = Instant::now() + wait;
        loop {
            let Some(event) = self.next_event(deadline)? else { return Ok(()) };
            match app_event(&event) {
                Some((method, json)) => println!("app-event {method} {json}"),
                None => eprintln!("event {} ignored", event.method),
            }
        }
    }
}

/// The method and JSON of an `app.event`.
fn app_event(event: &Event) -> Option<(&str, &str)> {
    if event.method != bridge::EVENT {
        return None;
    }
    let message: &Element = event.data.iter().find(|e| e.name == "message")?;
    Some((message.get("method")?, message.text.as_str()))
}

#[cfg(test)]
mod tests {
    use super::super::tests::parse;
    use super::*;
    use digium_phones_core::protocol;

    #[test]
    fn parses_the_app_flags() {
        let base = ["--server", "sip:proxy@127.0.0.1", "--mac", "000fd3aabb01", "--model", "D70"];
        let with = |extra: &[&str]| parse(&[&base[..], extra].concat());
        let args = with(&["--app-request", "digium.confapp", "{\"a\": 1}", "--app-repeat", "3"])
            .unwrap()
            .apps;
        assert_eq!(
            args.app_request.as_deref(),
            Some(&["digium.confapp".to_string(), "{\"a\": 1}".to_string()][..])
        );
        assert_eq!(args.app_repeat, 3);
        assert!(with(&["--app-request", "only.method"]).is_err());
        assert!(with(&["--app-repeat", "2"]).is_err(), "--app-repeat needs --app-request");
        let waiting = with(&["--wait-events", "1.5"]).unwrap().apps;
        assert_eq!(waiting.wait_events, Some(Duration::from_millis(1500)));
    }

    #[test]
    fn reads_pushed_events() {
        let xml = r#"<event v="1" id="s3" method="app.event"><data><message method="digium.confapp.update">{"muted":true}</message></data></event>"#;
        let Ok(protocol::Message::Event(event)) = protocol::parse(xml) else { panic!() };
        assert_eq!(app_event(&event), Some(("digium.confapp.update", r#"{"muted":true}"#)));
        let other = Event::new("s4", "event.reconfigure");
        assert_eq!(app_event(&other), None);
    }
}
