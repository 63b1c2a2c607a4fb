//! `--voicemail` and `--record`: the visual voicemail and one-touch recording methods
//! (docs/protocol.md, "Voicemail", "Recording"), each result printed on stdout as plain lines.

use std::path::PathBuf;
use std::time::Instant;

use digium_phones_core::apps::voicemail::{Folder, Mailbox, check_message_id, wire};
use digium_phones_core::protocol::{Element, Request};

use super::{Phone, SimError, find_result, http, print_document};

#[derive(Debug, Clone, Default, clap::Args)]
pub struct VoicemailArgs {
    /// Once provisioned: list | messages FOLDER | play ID | move ID FOLDER | delete ID |
    /// forward ID BOX | heard ID. Prints `folder ID "LABEL" COUNT`, `message ID FOLDER DURATION
    /// "CALLERID" "DATE" FLAG`, `moved ID FOLDER`, ...
    #[arg(long, num_args = 1..=3, value_names = ["ACTION", "ARG"], value_parser = clap::builder::NonEmptyStringValueParser::new())]
    voicemail: Option<Vec<String>>,
    /// With --voicemail play: download the audio into FILE instead of being called
    #[arg(long, value_name = "FILE")]
    download: Option<PathBuf>,
    /// With --voicemail: which of the phone's mailboxes (BOX@CONTEXT; default: its first)
    #[arg(long, value_name = "BOX")]
    mailbox: Option<String>,
    /// With --voicemail: the mailbox PIN, when the voicemail application requires it
    #[arg(long, value_name = "PIN")]
    mailbox_pin: Option<String>,
    /// Once provisioned: start or stop recording the phone's current call
    #[arg(long, value_name = "start|stop", value_parser = ["start", "stop"])]
    record: Option<String>,
    /// With --record: the SIP Call-ID of the call meant
    #[arg(long, value_name = "CALL-ID", requires = "record")]
    callid: Option<String>,
}

/// One parsed `--voicemail` command.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Command {
    List,
    Messages(Folder),
    Play(String),
    Move(String, Folder),
    Delete(String),
    Forward(String, Mailbox),
    Heard(String),
}

fn usage(text: impl Into<String>) -> SimError {
    SimError::Usage(text.into())
}

fn parse_command(words: &[String]) -> Result<Command, SimError> {
    let id = |i: usize| -> Result<String, SimError> {
        let word = words.get(i).ok_or_else(|| usage("--voicemail: a message ID is needed"))?;
        check_message_id(word).map(str::to_owned).map_err(|e| usage(format!("--voicemail: {e}")))
    };
    let folder = |i: usize| -> Result<Folder, SimError> {
        let word = words.get(i).ok_or_else(|| usage("--voicemail: a FOLDER is needed"))?;
        Folder::parse(word).map_err(|e| usage(format!("--voicemail: {e}")))
    };
    let want = |n: usize| {
        if words.len() == n {
            Ok(())
        } else {
            Err(usage(format!("--voicemail {}: {} arguments expected", words[0], n - 1)))
        }
    };
    match words.first().map(String::as_str) {
        Some("list") => want(1).map(|()| Command::List),
        Some("messages") => want(2).and_then(|()| Ok(Command::Messages(folder(1)?))),
        Some("play") => want(2).and_then(|()| Ok(Command::Play(id(1)?))),
        Some("move") => want(3).and_then(|()| Ok(Command::Move(id(1)?, folder(2)?))),
        Some("delete") => want(2).and_then(|()| Ok(Command::Delete(id(1)?))),
        Some("heard") => want(2).and_then(|()| Ok(Command::Heard(id(1)?))),
        Some("forward") => want(3).and_then(|()| {
            let to = Mailbox::parse(&words[2]).map_err(|e| usage(format!("--voicemail: {e}")))?;
            Ok(Command::Forward(id(1)?, to))
        }),
        _ => Err(usage(
            "--voicemail: list | messages FOLDER | play ID | move ID FOLDER | delete ID | forward ID BOX | heard ID",
        )),
    }
}

impl VoicemailArgs {
    pub fn wanted(&self) -> bool {
        self.voicemail.is_some() || self.record.is_some()
    }
}

impl Phone {
    /// Runs `--voicemail` and then `--record`, if given.
    pub(super) fn voicemail(&mut self, session: &str) -> Result<(), SimError> {
        let args = self.options.voicemail.clone();
        if let Some(words) = &args.voicemail {
            let command = parse_command(words)?;
            self.voicemail_command(session, &args, &command)?;
        }
        if let Some(action) = &args.record {
            let method = if action == "start" { wire::RECORD_START } else { wire::RECORD_STOP };
            let mut request = self.session_request(method, session);
            if let Some(call_id) = &args.callid {
                request = request.with_param("callid", call_id);
            }
            let result = self.call(request)?;
            let element = result
                .first()
                .ok_or_else(|| SimError::Integrity("an empty record reply".into()))?;
            let get = |name: &str| element.get(name).unwrap_or_default().to_owned();
            print_document(&format!(
                "{} {} {}/{}",
                element.name,
                get("channel"),
                get("mailbox"),
                get("folder")
            ));
        }
        Ok(())
    }

    fn session_request(&mut self, method: &str, session: &str) -> Request {
        Request::new(self.next_request_id(), method).with_param("session", session)
    }

    fn voicemail_request(&mut self, method: &str, session: &str, args: &VoicemailArgs) -> Request {
        let mut request = self.session_request(method, session);
        if let Some(mailbox) = &args.mailbox {
            request = request.with_param("mailbox", mailbox);
        }
        if let Some(pin) = &args.mailbox_pin {
            request = request.with_param("pin", pin);
        }
        request
    }

    fn voicemail_command(
        &mut self,
        session: &str,
        args: &VoicemailArgs,
        command: &Command,
    ) -> Result<(), SimError> {
        let mut out = String::new();
        match command {
            Command::List => {
                let request = self.voicemail_request(wire::FOLDERS, session, args);
                let result = self.call(request)?;
                let mailbox = find_result(&result, "mailbox")?.get("id").unwrap_or_default();
                out.push_str(&format!("mailbox {mailbox}\n"));
                for f in wire::read_folders(&result) {
                    out.push_str(&format!("folder {} {:?} {}\n", f.folder, f.label, f.count));
                }
            }
            Command::Messages(folder) => {
                let mut offset = 0;
                loop {
                    let request = self
                        .voicemail_request(wire::MESSAGES, session, args)
                        .with_param("folder", folder.name())
                        .with_param("offset", offset.to_string());
                    let result = self.call(request)?;
                    let (messages, more) = wire::read_messages(&result);
                    for m in messages {
                        out.push_str(&format!(
                            "message {} {} {} {:?} {:?} {}\n",
                            m.id, m.folder, m.duration, m.callerid, m.date, m.flag
                        ));
                    }
                    match more {
                        Some(next) if next > offset => offset = next,
                        _ => break,
                    }
                }
            }
            Command::Play(id) => {
                let mut request =
                    self.voicemail_request(wire::PLAY, session, args).with_param("id", id);
                if args.download.is_some() {
                    request = request.with_param("mode", "download");
                }
                let result = self.call(request)?;
                match &args.download {
                    Some(file) => out.push_str(&self.download(&result, id, file)?),
                    None => {
                        let call = find_result(&result, "call")?;
                        out.push_str(&format!(
                            "calling {} {id}\n",
                            call.get("line").unwrap_or_default()
                        ));
                    }
                }
            }
            Command::Move(id, folder) => {
                let request = self
                    .voicemail_request(wire::MOVE, session, args)
                    .with_param("id", id)
                    .with_param("folder", folder.name());
                let result = self.call(request)?;
                let now = find_result(&result, "message")?.get("folder").unwrap_or_default();
                out.push_str(&format!("moved {id} {now}\n"));
            }
            Command::Heard(id) => {
                let request =
                    self.voicemail_request(wire::HEARD, session, args).with_param("id", id);
                let result = self.call(request)?;
                let now = find_result(&result, "message")?.get("folder").unwrap_or_default();
                out.push_str(&format!("heard {id} {now}\n"));
            }
            Command::Delete(id) => {
                let request =
                    self.voicemail_request(wire::DELETE, session, args).with_param("id", id);
                self.call(request)?;
                out.push_str(&format!("deleted {id}\n"));
            }
            Command::Forward(id, to) => {
                let request = self
                    .voicemail_request(wire::FORWARD, session, args)
                    .with_param("id", id)
                    .with_param("to", to.to_string());
                self.call(request)?;
                out.push_str(&format!("forwarded {id} {to}\n"));
            }
        }
        print_document(&out);
        Ok(())
    }

    /// Fetches the `<audio url= type= size=/>` of a play reply into `file`.
    fn download(
        &self,
        result: &[Element],
        id: &str,
        file: &std::path::Path,
    ) -> Result<String, SimError> {
        let audio = find_result(result, "audio")?;
        let url = audio
            .get("url")
            .ok_or_else(|| SimError::Integrity("the reply's <audio> has no url".into()))?;
        eprintln!("audio {url}");
        let deadline = Instant::now() + self.options.timeout;
        let local = Some(self.agent.local_addr().ip());
        let body = http::get(url, &self.options.user_agent(), local, deadline)?;
        if let Some(size) = audio.get("size")
            && size.parse() != Ok(body.len())
        {
            return Err(SimError::Integrity(format!(
                "size mismatch for {url}: the reply says {size}, the file has {} bytes",
                body.len()
            )));
        }
        std::fs::write(file, &body)
            .map_err(|e| SimError::Usage(format!("cannot write {}: {e}", file.display())))?;
        Ok(format!(
            "downloaded {id} {} {} {}\n",
            audio.get("type").unwrap_or_default(),
            body.len(),
            file.display()
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(text: &str) -> Vec<String> {
        text.split_whitespace().map(str::to_owned).collect()
    }

    #[test]
    fn commands_parse_and_refuse_bad_arguments() {
        assert_eq!(parse_command(&words("list")).unwrap(), Command::List);
        assert_eq!(
            parse_command(&words("messages recordings")).unwrap(),
            Command::Messages(Folder::Cust5)
        );
        assert_eq!(
            parse_command(&words("move 1-a Work")).unwrap(),
            Command::Move("1-a".into(), Folder::Work)
        );
        assert!(matches!(
            parse_command(&words("forward 1-a 200@default")).unwrap(),
            Command::Forward(_, _)
        ));
        for bad in ["list x", "messages", "messages Spam", "move 1-a", "play a:b", "frobnicate"] {
            assert!(parse_command(&words(bad)).is_err(), "{bad}");
        }
    }
}
