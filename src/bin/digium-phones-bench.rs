//! `digium-phones-bench`: the load generator of contrib/bench.sh.
//!
//! It includes the core and the phone simulator's SIP and HTTP clients by path, as `digium-phones`
//! does, because the library carries the Asterisk module's symbols and cannot be linked into a program.
#[path = "../core/mod.rs"]
#[allow(dead_code, unused_imports)]
mod core;
#[path = "digium_phones/sim/http.rs"]
#[allow(dead_code)]
mod http;
#[path = "digium_phones/sim/sip.rs"]
#[allow(dead_code)]
mod sip;

#[path = "digium_phones_bench/generate.rs"]
mod generate;
#[path = "digium_phones_bench/memory.rs"]
mod memory;
#[path = "digium_phones_bench/process.rs"]
mod process;
#[path = "digium_phones_bench/reload.rs"]
mod reload;
#[path = "digium_phones_bench/stats.rs"]
mod stats;
#[path = "digium_phones_bench/storm.rs"]
mod storm;

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

const USAGE: &str = "\
usage: digium-phones-bench generate --phones N --dir DIR [--template-path PATH]
           writes DIR/res_digium_phone.conf (N phones, 2N lines), DIR/pjsip-phoneprov.conf (the same
           phones as res_phoneprov users), DIR/phoneprov.conf and DIR/phoneprov-template.xml (made
           from the document this module serves phone 1); PATH is where phoneprov.conf finds the
           template, relative to Asterisk's <astdatadir>/phoneprov
       digium-phones-bench storm --mode ours|floor|phoneprov --phones N --sip-port P --http-port P
           [--first I] [--round R] [--pid PID] [--timeout SECS] [--clk-tck HZ]
           N phones on 127.0.x.y provision at once; prints one `storm key=value...` line, and the
           failures by reason on stderr
       digium-phones-bench reload --ami-port P --sip-port P --conf FILE --with FILE --pid PID
           [--settle SECS] [--clk-tck HZ] [--probes yes|no]
           replaces FILE by the other, reloads the module over AMI while probes measure the message
           path (none with --probes no, for memory figures); prints one `reload key=value...` line
       digium-phones-bench memory --phones N
           the memory a generated file of N phones takes, read and built into its model (this
           process's RSS); prints one `memory key=value...` line
       digium-phones-bench ports
           prints three free loopback ports: SIP (UDP), HTTP and AMI (TCP)

exit: 0 done (failures are reported, not fatal), 2 usage or setup error";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let outcome = match args.first().map(String::as_str) {
        Some("generate") => options(&args[1..]).and_then(|o| generate_files(&o)),
        Some("storm") => options(&args[1..]).and_then(|o| storm(&o)),
        Some("reload") => options(&args[1..]).and_then(|o| reload(&o)),
        Some("memory") => options(&args[1..])
            .and_then(|o| o.number("phones", None))
            .and_then(memory::measure)
            .map(|line| println!("{line}")),
        Some("ports") => ports(),
        Some("-h" | "--help" | "help") => {
            println!("{USAGE}");
            Ok(())
        }
        _ => Err(format!("expected a command\n{USAGE}")),
    };
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("digium-phones-bench: {e}");
            ExitCode::from(2)
        }
    }
}

/// `--name value` pairs.
struct Options(HashMap<String, String>);

fn options(args: &[String]) -> Result<Options, String> {
    let mut map = HashMap::new();
    let mut it = args.iter();
    while let Some(flag) = it.next() {
        let name = flag.strip_prefix("--").ok_or_else(|| format!("unexpected '{flag}'"))?;
        let value = it.next().ok_or_else(|| format!("--{name} needs a value"))?;
        if map.insert(name.to_string(), value.clone()).is_some() {
            return Err(format!("--{name} given twice"));
        }
    }
    Ok(Options(map))
}

impl Options {
    fn text(&self, name: &str) -> Result<&str, String> {
        self.0.get(name).map(String::as_str).ok_or_else(|| format!("--{name} is required"))
    }

    fn number<T: std::str::FromStr>(&self, name: &str, default: Option<T>) -> Result<T, String> {
        match self.0.get(name) {
            Some(v) => v.parse().map_err(|_| format!("--{name} '{v}': not a number")),
            None => default.ok_or_else(|| format!("--{name} is required")),
        }
    }

    fn seconds(&self, name: &str, default: f64) -> Result<Duration, String> {
        let secs: f64 = self.number(name, Some(default))?;
        Duration::try_from_secs_f64(secs).map_err(|_| format!("--{name}: not a duration"))
    }
}

fn write(path: &Path, text: &str) -> Result<(), String> {
    std::fs::write(path, text).map_err(|e| format!("{}: {e}", path.display()))
}

fn generate_files(o: &Options) -> Result<(), String> {
    let phones: usize = o.number("phones", None)?;
    if phones == 0 {
        return Err("--phones must be at least 1".into());
    }
    let dir = PathBuf::from(o.text("dir")?);
    std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let conf = dir.join("res_digium_phone.conf");
    write(&conf, &generate::digium_conf(phones))?;
    write(&dir.join("pjsip-phoneprov.conf"), &generate::pjsip_phoneprov(phones))?;
    let template = o.0.get("template-path").cloned().unwrap_or("phoneprov-template.xml".into());
    write(&dir.join("phoneprov.conf"), &generate::phoneprov_conf(&template))?;
    let document = render_phone_one(&conf)?;
    write(&dir.join("phoneprov-template.xml"), &generate::phoneprov_template(&document, 1))?;
    Ok(())
}

/// The document the module serves phone 1 of a generated file, for a phone on 127.0.1.1 that
/// reached the server at 127.0.0.1.
fn render_phone_one(conf: &Path) -> Result<String, String> {
    use crate::core::provision::documents::{self, PhoneRequest};
    let loaded = core::conf::read(conf).map_err(|e| e.finding().to_string())?;
    let built = core::model::build(&loaded.config, None);
    let profile = generate::profile(1);
    let phone = built.model.phone(&profile).ok_or("phone 1 is not in the generated file")?;
    let request = PhoneRequest {
        phone_model: Some("D70"),
        phone_ip: Some(storm::phone_ip(1)),
        server_host: "127.0.0.1",
        files_url: "http://127.0.0.1:8088/digium_phones/files",
    };
    documents::phone_document(&built.model, phone, &request, &|_| None, &HashMap::new())
}

fn ticks(o: &Options) -> Result<u64, String> {
    o.number("clk-tck", Some(100))
}

fn sip(o: &Options) -> Result<SocketAddr, String> {
    Ok(SocketAddr::from(([127, 0, 0, 1], o.number::<u16>("sip-port", None)?)))
}

fn storm(o: &Options) -> Result<(), String> {
    let mode = o.text("mode")?;
    let storm = storm::Storm {
        mode: storm::Mode::parse(mode).ok_or_else(|| format!("--mode '{mode}': unknown"))?,
        phones: o.number("phones", None)?,
        first: o.number("first", Some(1))?,
        round: o.number("round", Some(1))?,
        sip: sip(o)?,
        http_port: o.number("http-port", None)?,
        timeout: o.seconds("timeout", 60.0)?,
        pid: o.0.get("pid").map(|p| p.parse().map_err(|_| "--pid: not a pid")).transpose()?,
        ticks_per_second: ticks(o)?,
    };
    if storm.phones == 0 || storm.first == 0 {
        return Err("--phones and --first start at 1".into());
    }
    let report = storm::run(&storm);
    for (error, count) in &report.errors {
        eprintln!("{} failure x{count}: {error}", storm.mode.name());
    }
    println!("{}", report.line());
    Ok(())
}

fn reload(o: &Options) -> Result<(), String> {
    let run = reload::Reload {
        ami_port: o.number("ami-port", None)?,
        sip: sip(o)?,
        conf: PathBuf::from(o.text("conf")?),
        with: PathBuf::from(o.text("with")?),
        pid: o.number("pid", None)?,
        ticks_per_second: ticks(o)?,
        settle: o.seconds("settle", 1.0)?,
        probes: match o.0.get("probes").map(String::as_str) {
            None | Some("yes") => true,
            Some("no") => false,
            Some(other) => return Err(format!("--probes '{other}': yes or no")),
        },
    };
    println!("{}", reload::run(&run)?);
    Ok(())
}

/// Free ports: each is bound (and released) so nothing else holds it right now.
fn ports() -> Result<(), String> {
    let udp = std::net::UdpSocket::bind("127.0.0.1:0").map_err(|e| e.to_string())?;
    let tcp1 = std::net::TcpListener::bind("127.0.0.1:0").map_err(|e| e.to_string())?;
    let tcp2 = std::net::TcpListener::bind("127.0.0.1:0").map_err(|e| e.to_string())?;
    let port = |a: std::io::Result<SocketAddr>| a.map(|a| a.port()).map_err(|e| e.to_string());
    println!(
        "{} {} {}",
        port(udp.local_addr())?,
        port(tcp1.local_addr())?,
        port(tcp2.local_addr())?
    );
    Ok(())
}
