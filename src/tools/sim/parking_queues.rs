//! The simulated phone's parking and queues applications: `--parking list|retrieve LOT SPACE`,
//! `--queue status|login|logout|pause|unpause QUEUE [--reason R]`, and `--app-events SECS` to stay
//! and print the live updates the server pushes. Everything is printed as plain lines on stdout.

use std::time::{Duration, Instant};

use digium_phones_core::apps::{parking, queues};
use digium_phones_core::protocol::{Element, Request};

use super::{Phone, SimError, print_document};

#[derive(Debug, Clone, Default, clap::Args)]
pub struct ParkingQueueArgs {
    /// Once provisioned, use the parking application: `list` (one line per lot and parked call),
    /// or `retrieve LOT SPACE` (the server calls the phone's line into the parked call)
    #[arg(long, num_args = 1..=3, value_names = ["ACTION", "LOT", "SPACE"], value_parser = parse_word)]
    parking: Option<Vec<String>>,
    /// Once provisioned, use the queues application: `status QUEUE`, `login QUEUE`, `logout QUEUE`,
    /// `pause QUEUE`, `unpause QUEUE`
    #[arg(long, num_args = 2, value_names = ["ACTION", "QUEUE"], value_parser = parse_word)]
    queue: Option<Vec<String>>,
    /// With --queue pause: why
    #[arg(long, value_name = "TEXT", requires = "queue")]
    reason: Option<String>,
    /// Then stay this long and print each parking.update / queue.update event as a line; then
    /// close the applications used (parking.close, queue.close)
    #[arg(long, value_name = "SECS", value_parser = crate::parse_seconds)]
    app_events: Option<Duration>,
}

fn parse_word(text: &str) -> Result<String, String> {
    if text.is_empty() { Err("an empty value".into()) } else { Ok(text.to_owned()) }
}

impl ParkingQueueArgs {
    /// The command line's mistakes that clap cannot see.
    pub fn check(&self) -> Result<(), SimError> {
        let usage = |why: &str| Err(SimError::Usage(why.to_owned()));
        if let Some(p) = &self.parking {
            match (p[0].as_str(), p.len()) {
                ("list", 1) | ("retrieve", 3) => {}
                _ => return usage("--parking list | --parking retrieve LOT SPACE"),
            }
        }
        if let Some(q) = &self.queue
            && !["status", "login", "logout", "pause", "unpause"].contains(&q[0].as_str())
        {
            return usage("--queue status|login|logout|pause|unpause QUEUE");
        }
        if self.reason.is_some() && self.queue.as_ref().is_none_or(|q| q[0] != "pause") {
            return usage("--reason goes with --queue pause");
        }
        Ok(())
    }
}

/// One plain line for an element: its name, then `key="value"` for each attribute.
fn element_line(e: &Element) -> String {
    let mut line = e.name.clone();
    for (k, v) in &e.attrs {
        line.push_str(&format!(" {k}={v:?}"));
    }
    line
}

fn print_lines(lines: &[String]) {
    if !lines.is_empty() {
        print_document(&lines.join("\n"));
    }
}

impl Phone {
    /// Runs what `--parking`, `--queue` and `--app-events` ask for, in that order.
    pub(super) fn run_parking_queues(&mut self, session: &str) -> Result<(), SimError> {
        let args = self.options.parking_queues.clone();
        if let Some(p) = &args.parking {
            let mut request = Request::new(
                self.next_request_id(),
                if p[0] == "list" { parking::LIST } else { parking::RETRIEVE },
            )
            .with_param("session", session);
            if p[0] == "retrieve" {
                request = request.with_param("lot", &p[1]).with_param("space", &p[2]);
            }
            let result = self.call(request)?;
            if p[0] == "list" {
                print_lines(&parking::lines(&result));
            } else {
                print_lines(&result.iter().map(element_line).collect::<Vec<_>>());
            }
        }
        if let Some(q) = &args.queue {
            let method = match q[0].as_str() {
                "status" => queues::STATUS,
                "login" => queues::LOGIN,
                "logout" => queues::LOGOUT,
                "pause" => queues::PAUSE,
                _ => queues::UNPAUSE,
            };
            let mut request = Request::new(self.next_request_id(), method)
                .with_param("session", session)
                .with_param("queue", &q[1]);
            if let Some(reason) = &args.reason {
                request = request.with_param("reason", reason);
            }
            let result = self.call(request)?;
            if method == queues::STATUS {
                print_lines(&queues::lines(&result));
            } else {
                print_lines(&result.iter().map(element_line).collect::<Vec<_>>());
            }
        }
        if let Some(wait) = args.app_events {
            self.print_app_events(wait)?;
            // Leaving the applications, as a phone does when its user closes them: no more updates.
            let followed =
                [(args.parking.is_some(), parking::CLOSE), (args.queue.is_some(), queues::CLOSE)];
            for (_, close) in followed.into_iter().filter(|(used, _)| *used) {
                let request = Request::new(self.next_request_id(), close);
                self.call(request.with_param("session", session))?;
                print_document(&format!("closed {close}"));
            }
        }
        Ok(())
    }

    /// Prints `event <method> <element> key="value"…` for each application event until `wait` ends.
    fn print_app_events(&mut self, wait: Duration) -> Result<(), SimError> {
        let deadline = Instant::now() + wait;
        loop {
            let Some(event) = self.next_event(deadline)? else { return Ok(()) };
            if event.method != parking::UPDATE && event.method != queues::UPDATE {
                eprintln!("event {} ignored", event.method);
                continue;
            }
            for e in &event.data {
                print_document(&format!("event {} {}", event.method, element_line(e)));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(clap::Parser)]
    struct Line {
        #[command(flatten)]
        args: ParkingQueueArgs,
    }

    fn parse(args: &str) -> Result<ParkingQueueArgs, String> {
        use clap::Parser;
        let line = Line::try_parse_from(std::iter::once("x").chain(args.split_whitespace()))
            .map_err(|e| e.to_string())?;
        line.args.check().map_err(|e| e.to_string())?;
        Ok(line.args)
    }

    #[test]
    fn parses_application_flags() {
        let a = parse("--parking retrieve sales 801 --app-events 5").unwrap();
        assert_eq!(a.parking.unwrap(), ["retrieve", "sales", "801"]);
        assert_eq!(a.app_events, Some(Duration::from_secs(5)));
        let a = parse("--queue pause sales --reason lunch").unwrap();
        assert_eq!(
            (a.queue.unwrap(), a.reason.as_deref()),
            (vec!["pause".into(), "sales".into()], Some("lunch"))
        );
        for bad in [
            "--parking",
            "--parking retrieve sales",
            "--parking list sales",
            "--parking fetch",
            "--queue status",
            "--queue join sales",
            "--queue status sales --reason x",
            "--reason x",
        ] {
            assert!(parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn prints_elements_as_lines() {
        let e = Element::new("done").attr("queue", "sales").attr("via", "app_queue");
        assert_eq!(element_line(&e), r#"done queue="sales" via="app_queue""#);
    }
}
