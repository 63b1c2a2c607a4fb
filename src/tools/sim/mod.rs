//! `digium-phones phone`: a simulated Digium phone that speaks the protocol of docs/protocol.md over
//! real UDP SIP and HTTP, to exercise a server the way a phone would.
//!
//! Exit codes: 0 done; 1 the server refused a request (`refused: <code> [need=<x>] <message>` on
//! stderr); 2 a usage, transport, timeout or integrity problem; 3 `--wait-reconfigure` saw no
//! `event.reconfigure`.

mod apps;
mod discover;
pub mod http;
mod parking_queues;
pub mod sip;
mod voicemail;

use std::collections::VecDeque;
use std::io::Write;
use std::net::{SocketAddr, ToSocketAddrs};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use digium_phones_core::presence;
use digium_phones_core::protocol::{self, Element, ErrorReply, Message, Request, Response, method};
use sip::{Identity, UserAgent};

/// `digium-phones phone`: acts as a phone. It sends provision.* requests as SIP MESSAGEs, fetches the
/// documents the replies name over HTTP, checks their MD5 and size, and prints the configuration on
/// stdout.
///
/// Exit: 0 ok, 1 refused by the server (`refused: <code> [need=<x>] <message>` on stderr),
/// 2 usage/transport/timeout/integrity, 3 no reconfigure event.
#[derive(Debug, clap::Args)]
#[command(group(
    clap::ArgGroup::new("target").required(true).multiple(true).args(["server", "discover", "discover_only"])
))]
pub struct PhoneArgs {
    /// The server: sip:proxy@HOST[:PORT] (UDP)
    #[arg(long, value_name = "URI", value_parser = parse_server)]
    server: Option<String>,
    /// The phone's MAC (separators allowed)
    #[arg(long, value_parser = parse_mac, required_unless_present = "discover_only")]
    mac: Option<String>,
    /// The phone's model: D40, D70, ...
    #[arg(long, value_parser = parse_model, required_unless_present = "discover_only")]
    model: Option<String>,
    /// The firmware version the phone reports
    #[arg(long, value_name = "VERSION")]
    firmware: Option<String>,
    /// The profile to claim
    #[arg(long, value_name = "NAME")]
    profile: Option<String>,
    /// The profile's PIN
    #[arg(long)]
    pin: Option<String>,
    /// The server's global PIN
    #[arg(long)]
    globalpin: Option<String>,
    /// Ask for the profile list first (printed on stderr; on stdout without --profile)
    #[arg(long)]
    userlist: bool,
    /// Local UDP address (default: an ephemeral port on the address routing to the server)
    #[arg(long, value_name = "IP:PORT")]
    listen: Option<SocketAddr>,
    /// Seconds for each request and each download
    #[arg(long, value_name = "SECS", value_parser = crate::parse_seconds, default_value = "10")]
    timeout: Duration,
    /// Then wait this long for event.reconfigure and print the new configuration
    #[arg(long, value_name = "SECS", value_parser = crate::parse_seconds)]
    wait_reconfigure: Option<Duration>,
    /// End the session with provision.logout at the end
    #[arg(long)]
    logout: bool,
    /// Once provisioned, set the user's status (presence.set); every line written is printed on
    /// stderr as: presence LINE STATE "SUBTYPE" "MESSAGE" (with " truncated" when the server cut
    /// the texts to fit its reply)
    #[arg(long, value_name = "STATE")]
    status: Option<String>,
    /// With --status: the subtype
    #[arg(long, value_name = "TEXT", requires = "status")]
    substatus: Option<String>,
    /// With --status: the message
    #[arg(long, value_name = "TEXT", requires = "status")]
    status_message: Option<String>,
    /// Once provisioned (after --status), read these lines' status (presence.get) and print them
    /// on stdout as --status does
    #[arg(long, value_name = "LINE[,LINE...]", value_parser = parse_lines)]
    get_presence: Option<String>,
    #[command(flatten)]
    apps: apps::AppArgs,
    #[command(flatten)]
    discovery: discover::DiscoveryArgs,
    #[command(flatten)]
    voicemail: voicemail::VoicemailArgs,
    #[command(flatten)]
    parking_queues: parking_queues::ParkingQueueArgs,
}

fn parse_server(text: &str) -> Result<String, String> {
    split_server(text).map(|_| text.to_owned()).map_err(|e| e.to_string())
}

fn parse_model(text: &str) -> Result<String, String> {
    if !text.is_empty() && text.chars().all(|c| c.is_ascii_alphanumeric()) {
        Ok(text.to_owned())
    } else {
        Err(format!("'{text}': letters and digits only (D40, D70, ...)"))
    }
}

fn parse_lines(text: &str) -> Result<String, String> {
    if text.split(',').all(|l| l.trim().is_empty()) {
        Err("at least one line name is needed".into())
    } else {
        Ok(text.to_owned())
    }
}

const DEFAULT_FIRMWARE: &str = "1.0.0.0";

#[derive(Debug, thiserror::Error)]
enum SimError {
    /// A command-line value that only turns out wrong once used (a discovered server's URI).
    #[error("error: {0}")]
    Usage(String),
    #[error("refused: {}", describe_refusal(.0))]
    Refused(ErrorReply),
    #[error("error: {0}")]
    Sip(#[from] sip::SipError),
    #[error("error: {0}")]
    Http(#[from] http::HttpError),
    #[error("error: timed out after {0:?} waiting for the answer to {1}")]
    NoResponse(Duration, String),
    #[error("error: {0}")]
    Integrity(String),
    #[error("error: cannot bind the UDP socket: {0}")]
    Bind(std::io::Error),
    #[error("error: {0}")]
    Discovery(String),
    #[error("no event.reconfigure within {0:?}")]
    NoReconfigure(Duration),
}

impl SimError {
    fn exit_code(&self) -> u8 {
        match self {
            Self::Refused(_) => 1,
            Self::NoReconfigure(_) => 3,
            _ => 2,
        }
    }
}

fn describe_refusal(reply: &ErrorReply) -> String {
    match &reply.need {
        Some(need) => format!("{} need={need} {}", reply.code, reply.message),
        None => format!("{} {}", reply.code, reply.message),
    }
}

#[derive(Debug)]
struct Options {
    server_uri: String,
    server: SocketAddr,
    mac: String,
    model: String,
    firmware: Option<String>,
    profile: Option<String>,
    pin: Option<String>,
    globalpin: Option<String>,
    userlist: bool,
    listen: Option<SocketAddr>,
    timeout: Duration,
    wait_reconfigure: Option<Duration>,
    logout: bool,
    status: Option<SetStatus>,
    get_presence: Option<String>,
    apps: apps::AppArgs,
    voicemail: voicemail::VoicemailArgs,
    parking_queues: parking_queues::ParkingQueueArgs,
}

/// What `--status` and its companions ask the server to set.
#[derive(Debug, Clone, PartialEq, Eq)]
struct SetStatus {
    status: String,
    substatus: Option<String>,
    message: Option<String>,
}

impl Options {
    /// The options of a run against `server_uri` (given, or discovered).
    fn new(args: PhoneArgs, server_uri: &str) -> Result<Self, SimError> {
        let status = args.status.map(|status| SetStatus {
            status,
            substatus: args.substatus,
            message: args.status_message,
        });
        args.parking_queues.check()?;
        Ok(Self {
            server: resolve_server(server_uri)?,
            server_uri: canonical_server_uri(server_uri),
            // Required by clap unless --discover-only, which never gets here.
            mac: args.mac.unwrap_or_default(),
            model: args.model.unwrap_or_default(),
            firmware: args.firmware,
            profile: args.profile,
            pin: args.pin,
            globalpin: args.globalpin,
            userlist: args.userlist,
            listen: args.listen,
            timeout: args.timeout,
            wait_reconfigure: args.wait_reconfigure,
            logout: args.logout,
            status,
            get_presence: args.get_presence,
            apps: args.apps,
            voicemail: args.voicemail,
            parking_queues: args.parking_queues,
        })
    }

    /// `Digium D70 1_0_0_0 (simulated)`: servers pick the model out of it the way FreePBX does
    /// (`Digium.*D(\d+)`), and the version is spelled with underscores as the phones do.
    fn user_agent(&self) -> String {
        let firmware = self.firmware.as_deref().unwrap_or(DEFAULT_FIRMWARE).replace('.', "_");
        format!("Digium {} {firmware} (simulated)", self.model)
    }

    /// Parameters every provisioning request carries.
    fn identify(&self, request: Request) -> Request {
        let request = request.with_param("mac", &self.mac).with_param("model", &self.model);
        match &self.firmware {
            Some(firmware) => request.with_param("firmware", firmware),
            None => request,
        }
    }
}

/// Twelve hex digits, separators (`:` `-` `.`) dropped, lower case, as the server keys phones.
fn parse_mac(text: &str) -> Result<String, String> {
    let digits: String = text
        .chars()
        .filter(|c| !matches!(c, ':' | '-' | '.'))
        .map(|c| c.to_ascii_lowercase())
        .collect();
    if digits.len() == 12 && digits.chars().all(|c| c.is_ascii_hexdigit()) {
        Ok(digits)
    } else {
        Err(format!("'{text}' is not a MAC address"))
    }
}

/// Host and port of `sip:proxy@HOST[:PORT][;transport=udp]`.
fn split_server(uri: &str) -> Result<(String, u16), SimError> {
    let bad = |why: &str| SimError::Usage(format!("--server '{uri}': {why}"));
    let rest = uri.strip_prefix("sip:").ok_or_else(|| bad("must start with sip:"))?;
    let mut parts = rest.split(';');
    let address = parts.next().unwrap_or_default();
    for param in parts {
        if let Some(transport) = param.strip_prefix("transport=")
            && !transport.eq_ignore_ascii_case("udp")
        {
            return Err(bad("only transport=udp is simulated"));
        }
    }
    let host_port = address.rsplit_once('@').map_or(address, |(_, host)| host);
    let (host, port) = if let Some(bracketed) = host_port.strip_prefix('[') {
        let (host, after) = bracketed.split_once(']').ok_or_else(|| bad("unclosed ["))?;
        (host, after.strip_prefix(':'))
    } else {
        match host_port.rsplit_once(':') {
            Some((host, port)) => (host, Some(port)),
            None => (host_port, None),
        }
    };
    let port = match port {
        Some(port) => port.parse().map_err(|_| bad("bad port"))?,
        None => 5060,
    };
    if host.is_empty() {
        return Err(bad("no host"));
    }
    Ok((host.to_owned(), port))
}

fn resolve_server(uri: &str) -> Result<SocketAddr, SimError> {
    let (host, port) = split_server(uri)?;
    (host.as_str(), port)
        .to_socket_addrs()
        .ok()
        .and_then(|mut addresses| addresses.next())
        .ok_or_else(|| SimError::Usage(format!("--server '{uri}': cannot resolve {host}")))
}

/// The Request-URI without URI parameters (the transport is UDP anyway).
fn canonical_server_uri(uri: &str) -> String {
    uri.split(';').next().unwrap_or(uri).to_owned()
}

/// Runs `digium-phones phone`.
pub fn run(args: PhoneArgs) -> ExitCode {
    let outcome =
        discover::server(&args.discovery, args.server.as_deref()).and_then(|server| match server {
            Some(server) => Phone::start(Options::new(args, &server)?)?.run(),
            None => Ok(()),
        });
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("{error}");
            ExitCode::from(error.exit_code())
        }
    }
}

/// A provisioned document, fetched and checked.
struct Document {
    text: String,
    root: Element,
}

struct Phone {
    options: Options,
    agent: UserAgent,
    /// Distinguishes this run's request ids from an earlier run's, which the server may still cache.
    run: String,
    next_id: u32,
    /// Event ids already acted on: the server may send an event again.
    seen_events: Vec<String>,
    /// Events that arrived while waiting for a response.
    pending_events: VecDeque<protocol::Event>,
}

impl Phone {
    fn start(options: Options) -> Result<Self, SimError> {
        let identity = Identity {
            server_uri: options.server_uri.clone(),
            server: options.server,
            user: options.mac.clone(),
            user_agent: options.user_agent(),
        };
        let agent = UserAgent::bind(identity, options.listen).map_err(SimError::Bind)?;
        eprintln!("phone {} at {} -> {}", options.mac, agent.local_addr(), options.server_uri);
        let run = sip::random_token()[..8].to_owned();
        Ok(Self {
            options,
            agent,
            run,
            next_id: 0,
            seen_events: Vec::new(),
            pending_events: VecDeque::new(),
        })
    }

    fn run(mut self) -> Result<(), SimError> {
        if self.options.userlist {
            let list = self.userlist()?;
            if self.options.profile.is_none() {
                print_document(&list.text);
                return Ok(());
            }
        }
        let session = self.configure(None)?;
        if let Some(status) = self.options.status.clone() {
            self.set_status(&session, &status)?;
        }
        if let Some(lines) = self.options.get_presence.clone() {
            self.get_presence(&session, &lines)?;
        }
        if self.options.voicemail.wanted() {
            self.voicemail(&session)?;
        }
        self.apps(&session)?;
        self.run_parking_queues(&session)?;
        let mut outcome = Ok(None);
        if let Some(wait) = self.options.wait_reconfigure {
            outcome = self.await_reconfigure(wait);
        }
        if self.options.logout {
            let session = match &outcome {
                Ok(Some(renewed)) => renewed.clone(),
                _ => session,
            };
            self.logout(&session)?;
        }
        outcome.map(|_| ())
    }

    fn userlist(&mut self) -> Result<Document, SimError> {
        let mut request = self.new_request(method::USERLIST);
        if let Some(pin) = &self.options.globalpin {
            request = request.with_param("globalpin", pin);
        }
        let result = self.call(request)?;
        let pointer = find_result(&result, "userlist")?;
        let list = self.fetch(pointer, "userlist")?;
        let users: Vec<&Element> = list.root.find_all("user").collect();
        if let Some(count) = pointer.get("count")
            && count.parse() != Ok(users.len())
        {
            return Err(SimError::Integrity(format!(
                "the reply counts {count} users, the list holds {}",
                users.len()
            )));
        }
        for user in users {
            let field = |name: &str| user.get(name).unwrap_or_default().to_owned();
            eprintln!(
                "user {} {:?} line={} auth={}",
                field("id"),
                field("name"),
                field("line"),
                field("auth")
            );
        }
        Ok(list)
    }

    /// `provision.config`, then the configuration fetched and printed. Returns the session id.
    fn configure(&mut self, banner: Option<&str>) -> Result<String, SimError> {
        let mut request = self.new_request(method::CONFIG);
        for (name, value) in [
            ("profile", &self.options.profile),
            ("pin", &self.options.pin),
            ("globalpin", &self.options.globalpin),
        ] {
            if let Some(value) = value {
                request = request.with_param(name, value);
            }
        }
        let result = self.call(request)?;
        let pointer = find_result(&result, "config")?;
        let session = find_result(&result, "session")?
            .get("id")
            .filter(|id| !id.is_empty())
            .ok_or_else(|| SimError::Integrity("the reply's <session> has no id".into()))?
            .to_owned();
        let config = self.fetch(pointer, "config")?;
        eprintln!("session {session}");
        if let Some(banner) = banner {
            println!("{banner}");
        }
        print_document(&config.text);
        Ok(session)
    }

    /// Answers MESSAGEs for up to `wait`; on `event.reconfigure`, provisions again. Returns the new
    /// session.
    fn await_reconfigure(&mut self, wait: Duration) -> Result<Option<String>, SimError> {
        let deadline = Instant::now() + wait;
        loop {
            let Some(event) = self.next_event(deadline)? else {
                return Err(SimError::NoReconfigure(wait));
            };
            if event.method == method::RECONFIGURE {
                return self.configure(Some("--- reconfigured")).map(Some);
            }
            eprintln!("event {} ignored", event.method);
        }
    }

    fn logout(&mut self, session: &str) -> Result<(), SimError> {
        let request =
            Request::new(self.next_request_id(), method::LOGOUT).with_param("session", session);
        self.call(request)?;
        eprintln!("logged out");
        Ok(())
    }

    /// `presence.set`; the lines written go to stderr.
    fn set_status(&mut self, session: &str, status: &SetStatus) -> Result<(), SimError> {
        let mut request = Request::new(self.next_request_id(), method::PRESENCE_SET)
            .with_param("session", session)
            .with_param("status", &status.status);
        for (name, value) in [("substatus", &status.substatus), ("message", &status.message)] {
            if let Some(value) = value {
                request = request.with_param(name, value);
            }
        }
        let result = self.call(request)?;
        let lines = presence_lines(&result)?;
        let mut stderr = std::io::stderr().lock();
        let _ = stderr.write_all(lines.as_bytes());
        Ok(())
    }

    /// `presence.get`; the lines go to stdout.
    fn get_presence(&mut self, session: &str, lines: &str) -> Result<(), SimError> {
        let request = Request::new(self.next_request_id(), method::PRESENCE_GET)
            .with_param("session", session)
            .with_param("lines", lines);
        let result = self.call(request)?;
        let lines = presence_lines(&result)?;
        if !lines.is_empty() {
            print_document(&lines);
        }
        Ok(())
    }

    fn new_request(&mut self, method: &str) -> Request {
        let request = Request::new(self.next_request_id(), method);
        self.options.identify(request)
    }

    fn next_request_id(&mut self) -> String {
        self.next_id += 1;
        format!("sim-{}-{}", self.run, self.next_id)
    }

    /// Sends a request and waits for the response with its id. An error reply becomes
    /// [`SimError::Refused`].
    fn call(&mut self, request: Request) -> Result<Vec<Element>, SimError> {
        let body = request.to_xml();
        if body.len() > protocol::MAX_BODY {
            return Err(SimError::Integrity(format!(
                "the {} request is {} bytes; Asterisk would deliver it empty",
                request.method,
                body.len()
            )));
        }
        let deadline = Instant::now() + self.options.timeout;
        self.agent.send_message(&body, deadline)?;
        loop {
            match self.next_message(deadline)? {
                Some(Message::Response(Response { id, result, .. })) if id == request.id => {
                    return result.map_err(SimError::Refused);
                }
                Some(Message::Event(event)) => self.pending_events.push_back(event),
                Some(other) => eprintln!("warning: ignored {} {}", other.method(), other.id()),
                None => {
                    return Err(SimError::NoResponse(self.options.timeout, request.method));
                }
            }
        }
    }

    /// The next readable body from the server; unreadable ones and repeated events are skipped.
    /// The next server → phone event, one that came while waiting for a response first; `None`
    /// once `deadline` passes.
    fn next_event(&mut self, deadline: Instant) -> Result<Option<protocol::Event>, SimError> {
        if let Some(event) = self.pending_events.pop_front() {
            return Ok(Some(event));
        }
        loop {
            match self.next_message(deadline)? {
                Some(Message::Event(event)) => return Ok(Some(event)),
                Some(_) => continue,
                None => return Ok(None),
            }
        }
    }

    fn next_message(&mut self, deadline: Instant) -> Result<Option<Message>, SimError> {
        loop {
            let Some(body) = self.agent.next_body(deadline)? else { return Ok(None) };
            let Ok(text) = String::from_utf8(body) else {
                eprintln!("warning: ignored a MESSAGE body that is not UTF-8");
                continue;
            };
            match protocol::parse(&text) {
                Ok(Message::Event(event)) => {
                    if self.seen_events.contains(&event.id) {
                        continue;
                    }
                    self.seen_events.push(event.id.clone());
                    return Ok(Some(Message::Event(event)));
                }
                Ok(message) => return Ok(Some(message)),
                Err(error) => eprintln!("warning: ignored an unreadable MESSAGE body: {error}"),
            }
        }
    }

    /// Fetches the document `pointer` (`url=`, `md5=`, `size=`) names, checks it and reads it.
    fn fetch(&self, pointer: &Element, root_name: &str) -> Result<Document, SimError> {
        let what = pointer.name.as_str();
        let url = pointer
            .get("url")
            .ok_or_else(|| SimError::Integrity(format!("the reply's <{what}> has no url")))?;
        if let Some(ms) = wait_as_told(pointer) {
            eprintln!("{what} after_ms {ms}");
        }
        let deadline = Instant::now() + self.options.timeout;
        let local = Some(self.agent.local_addr().ip());
        let body = http::get(url, &self.options.user_agent(), local, deadline)?;
        let expected = pointer
            .get("md5")
            .ok_or_else(|| SimError::Integrity(format!("the reply's <{what}> has no md5")))?;
        let actual = format!("{:x}", md5::compute(&body));
        if !actual.eq_ignore_ascii_case(expected) {
            return Err(SimError::Integrity(format!(
                "md5 mismatch for {url}: the reply says {expected}, the document has {actual}"
            )));
        }
        if let Some(size) = pointer.get("size")
            && size.parse() != Ok(body.len())
        {
            return Err(SimError::Integrity(format!(
                "size mismatch for {url}: the reply says {size}, the document has {} bytes",
                body.len()
            )));
        }
        let text = String::from_utf8(body)
            .map_err(|_| SimError::Integrity(format!("{url} is not UTF-8")))?;
        let root = protocol::parse_document(&text)
            .map_err(|error| SimError::Integrity(format!("{url} is not readable XML: {error}")))?;
        if root.name != root_name {
            return Err(SimError::Integrity(format!(
                "{url} holds <{}>, not <{root_name}>",
                root.name
            )));
        }
        Ok(Document { text, root })
    }
}

fn find_result<'a>(result: &'a [Element], name: &str) -> Result<&'a Element, SimError> {
    result
        .iter()
        .find(|element| element.name == name)
        .ok_or_else(|| SimError::Integrity(format!("the reply has no <{name}>")))
}

/// `presence LINE STATE "SUBTYPE" "MESSAGE"` for each `<presence/>` of a reply, one per line (the texts
/// quoted and escaped, so a newline in a message stays on its line).
fn presence_lines(result: &[Element]) -> Result<String, SimError> {
    let (entries, more) = presence::read_reply(result)
        .map_err(|error| SimError::Integrity(format!("the presence reply: {error}")))?;
    let mut text = String::new();
    for entry in entries {
        let reading = &entry.reading;
        text.push_str(&format!(
            "presence {} {} {:?} {:?}{}\n",
            entry.line,
            reading.state,
            reading.subtype,
            reading.message,
            if entry.truncated { " truncated" } else { "" }
        ));
    }
    if more > 0 {
        eprintln!("warning: {more} more lines did not fit in the reply; ask for them separately");
    }
    Ok(text)
}

fn print_document(text: &str) {
    let mut stdout = std::io::stdout().lock();
    let newline = if text.ends_with('\n') { "" } else { "\n" };
    // A closed stdout (piped into `head`) is not worth a panic.
    let _ = write!(stdout, "{text}{newline}").and_then(|()| stdout.flush());
}

/// Waits the `after_ms` a reply gives for its document before fetching it, as a phone should (the
/// server spreads a storm's fetches over time so Asterisk's HTTP backlog never overflows). Waits of
/// more than ten seconds are not from this server's pacing and are cut to that. Returns what the
/// reply said, if it said it.
pub fn wait_as_told(pointer: &Element) -> Option<u64> {
    const LONGEST_MS: u64 = 10_000;
    let ms = pointer.get("after_ms").and_then(|v| v.parse::<u64>().ok())?;
    std::thread::sleep(std::time::Duration::from_millis(ms.min(LONGEST_MS)));
    Some(ms)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(clap::Parser)]
    struct Line {
        #[command(flatten)]
        phone: PhoneArgs,
    }

    /// The simulator's flags as `digium-phones phone` reads them (for the flag tests of sim/*).
    pub(super) fn parse(args: &[&str]) -> Result<PhoneArgs, clap::Error> {
        use clap::Parser;
        Line::try_parse_from(std::iter::once(&"phone").chain(args)).map(|line| line.phone)
    }

    fn words(text: &str) -> Vec<&str> {
        text.split_whitespace().collect()
    }

    fn options(args: &[&str]) -> Options {
        let args = parse(args).unwrap();
        let server = args.server.clone().unwrap();
        Options::new(args, &server).unwrap()
    }

    #[test]
    fn parses_the_command_line() {
        let options = options(&words(
            "--server sip:proxy@127.0.0.1:5070;transport=udp --mac 00:0F:D3:AA:BB:01 --model D70 \
             --firmware 1.4.2.0 --profile=alice --userlist --timeout 0.5 --wait-reconfigure 3",
        ));
        assert_eq!(options.server, "127.0.0.1:5070".parse().unwrap());
        assert_eq!(options.server_uri, "sip:proxy@127.0.0.1:5070");
        assert_eq!(options.mac, "000fd3aabb01");
        assert_eq!(options.profile.as_deref(), Some("alice"));
        assert!(options.userlist && !options.logout);
        assert_eq!(options.timeout, Duration::from_millis(500));
        assert_eq!(options.wait_reconfigure, Some(Duration::from_secs(3)));
        assert_eq!(options.user_agent(), "Digium D70 1_4_2_0 (simulated)");
    }

    #[test]
    fn refuses_bad_command_lines() {
        for bad in [
            "",
            "--mac 000fd3aabb01 --model D70",
            "--server sip:proxy@127.0.0.1 --mac 000fd3aabb0 --model D70",
            "--server http://127.0.0.1 --mac 000fd3aabb01 --model D70",
            "--server sip:proxy@127.0.0.1;transport=tcp --mac 000fd3aabb01 --model D70",
            "--server sip:proxy@127.0.0.1 --mac 000fd3aabb01 --model D70 --bogus",
            "--server sip:proxy@127.0.0.1 --mac 000fd3aabb01 --model D70 --timeout 0",
            "--server sip:proxy@127.0.0.1 --mac 000fd3aabb01 --model D70 --model D40",
            "--server sip:proxy@127.0.0.1 --mac 000fd3aabb01 --model D70 --timeout 1 --timeout 2",
            "--server sip:proxy@127.0.0.1 --mac 000fd3aabb01 --model D70 --userlist=yes",
            "--server sip:proxy@127.0.0.1 --mac 000fd3aabb01 --model D70 --pin",
            "--server sip:proxy@127.0.0.1 --mac 000fd3aabb01 --model D70 --substatus Lunch",
            "--server sip:proxy@127.0.0.1 --mac 000fd3aabb01 --model D70 --status-message Hi",
            "--server sip:proxy@127.0.0.1 --mac 000fd3aabb01 --model D70 --get-presence ,",
            "--server sip:proxy@127.0.0.1 --mac 000fd3aabb01 --model D70 --status",
            "--server sip:proxy@127.0.0.1 --mac 000fd3aabb01 --model D-70",
        ] {
            assert!(parse(&words(bad)).is_err(), "{bad}");
        }
    }

    #[test]
    fn parses_presence_flags() {
        let mut line = words("--server sip:proxy@127.0.0.1 --mac 000fd3aabb01 --model D70");
        line.extend(["--status", "away", "--substatus", "Lunch, 1h", "--status-message"]);
        line.push("Back at 2\nCall Bob");
        line.push("--get-presence=200,201");
        let options = options(&line);
        assert_eq!(
            options.status,
            Some(SetStatus {
                status: "away".into(),
                substatus: Some("Lunch, 1h".into()),
                message: Some("Back at 2\nCall Bob".into()),
            })
        );
        assert_eq!(options.get_presence.as_deref(), Some("200,201"));
        let plain = options_plain();
        assert_eq!((plain.status, plain.get_presence), (None, None));
    }

    fn options_plain() -> Options {
        options(&words("--server sip:proxy@127.0.0.1 --mac 000fd3aabb01 --model D70"))
    }

    #[test]
    fn prints_presence_one_line_each() {
        let reply = |xml: &str| match protocol::parse(xml) {
            Ok(Message::Response(Response { result: Ok(result), .. })) => result,
            other => panic!("{other:?}"),
        };
        let result = reply(
            r#"<response v="1" id="1" method="presence.get" status="ok"><result>
            <presence line="200" state="away" subtype="Lunch, &quot;1h&quot;" message="a&#10;b"/>
            <presence line="201" state="not_set" truncated="1"/><more count="2"/></result></response>"#,
        );
        assert_eq!(
            presence_lines(&result).unwrap(),
            "presence 200 away \"Lunch, \\\"1h\\\"\" \"a\\nb\"\npresence 201 not_set \"\" \"\" truncated\n"
        );
        let result = reply(
            r#"<response v="1" id="1" method="presence.get" status="ok"><result><presence line="200" state="busy"/></result></response>"#,
        );
        assert!(matches!(presence_lines(&result), Err(SimError::Integrity(_))));
    }

    #[test]
    fn splits_server_uris() {
        assert_eq!(split_server("sip:proxy@example.org").unwrap(), ("example.org".into(), 5060));
        assert_eq!(split_server("sip:proxy@[::1]:5062").unwrap(), ("::1".into(), 5062));
        assert_eq!(split_server("sip:10.0.0.1:5070").unwrap(), ("10.0.0.1".into(), 5070));
    }

    #[test]
    fn refusals_are_printed_as_documented() {
        let refused = SimError::Refused(ErrorReply::new(401, "a PIN is needed").with_need("pin"));
        assert_eq!(refused.to_string(), "refused: 401 need=pin a PIN is needed");
        assert_eq!(refused.exit_code(), 1);
        let refused = SimError::Refused(ErrorReply::new(404, "no such profile"));
        assert_eq!(refused.to_string(), "refused: 404 no such profile");
    }
}
