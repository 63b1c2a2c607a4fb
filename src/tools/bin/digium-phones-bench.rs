//! `digium-phones-bench`: the load generator of contrib/bench.sh (docs/benchmarks.md).
//!
//! Exit: 0 done (failures are reported, not fatal), 2 a usage or setup error.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use clap::{Parser, Subcommand};
use digium_phones::bench::{generate, memory, reload, storm};
use digium_phones::parse_seconds;
use digium_phones_core::{conf, model};

/// Counts the heap this program holds, so that `memory` reports what the model keeps rather than
/// what the allocator has yet to give back. It adds two atomic counts to every allocation of the
/// program, the storm's phones included (whose own CPU each storm line reports).
#[global_allocator]
static HEAP: &stats_alloc::StatsAlloc<std::alloc::System> = &stats_alloc::INSTRUMENTED_SYSTEM;

fn heap_held() -> u64 {
    // A reallocation adds to one of the two by the size's change.
    let s = HEAP.stats();
    u64::try_from(s.bytes_allocated.saturating_sub(s.bytes_deallocated)).unwrap_or(0)
}

/// The load generator of contrib/bench.sh.
#[derive(Parser)]
#[command(name = "digium-phones-bench", version)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Write DIR/res_digium_phone.conf (N phones, 2N lines), DIR/pjsip-phoneprov.conf (the same
    /// phones as res_phoneprov users), DIR/phoneprov.conf and DIR/phoneprov-template.xml (made from
    /// the document this module serves phone 1).
    Generate {
        #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
        phones: u32,
        #[arg(long)]
        dir: PathBuf,
        /// Where phoneprov.conf finds the template, relative to Asterisk's <astdatadir>/phoneprov
        #[arg(long, value_name = "PATH", default_value = "phoneprov-template.xml")]
        template_path: String,
    },
    /// Provision N phones on 127.0.x.y at once; prints one `storm key=value...` line, and the
    /// failures by reason on stderr.
    Storm {
        #[arg(long, value_enum)]
        mode: storm::Mode,
        #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
        phones: u32,
        #[command(flatten)]
        ports: Ports,
        #[arg(long, value_name = "PORT")]
        http_port: u16,
        /// The number of the first phone (1-based, as generated)
        #[arg(long, value_name = "I", default_value = "1", value_parser = clap::value_parser!(u32).range(1..))]
        first: u32,
        /// Keeps request ids of successive rounds apart
        #[arg(long, value_name = "R", default_value = "1")]
        round: u32,
        /// Asterisk's pid, for its CPU and memory
        #[arg(long)]
        pid: Option<u32>,
        #[arg(long, value_name = "SECS", default_value = "60", value_parser = parse_seconds)]
        timeout: Duration,
        #[command(flatten)]
        clock: Clock,
        /// `ours` fetches at once, ignoring the reply's after_ms (a phone that does not pace)
        #[arg(long)]
        unpaced: bool,
    },
    /// Replace FILE by the other and reload the module over AMI while probes measure the message
    /// path; prints one `reload key=value...` line.
    Reload {
        #[arg(long, value_name = "PORT")]
        ami_port: u16,
        #[command(flatten)]
        ports: Ports,
        /// The instance's res_digium_phone.conf, as seen from here
        #[arg(long, value_name = "FILE")]
        conf: PathBuf,
        /// What to put there
        #[arg(long, value_name = "FILE")]
        with: PathBuf,
        #[arg(long)]
        pid: u32,
        /// Probing before and after the reload
        #[arg(long, value_name = "SECS", default_value = "1", value_parser = parse_seconds)]
        settle: Duration,
        /// Probe the message path (no: the memory figures are the module's alone)
        #[arg(long, default_value = "yes", value_parser = ["yes", "no"])]
        probes: String,
        #[command(flatten)]
        clock: Clock,
    },
    /// The memory a generated file of N phones takes, read and built into its model (this
    /// process's RSS); prints one `memory key=value...` line.
    Memory {
        #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
        phones: u32,
    },
    /// Print three free loopback ports: SIP (UDP), HTTP and AMI (TCP).
    Ports,
}

#[derive(clap::Args)]
struct Ports {
    /// The instance's SIP port on 127.0.0.1
    #[arg(long, value_name = "PORT")]
    sip_port: u16,
}

impl Ports {
    fn sip(&self) -> SocketAddr {
        SocketAddr::from(([127, 0, 0, 1], self.sip_port))
    }
}

#[derive(clap::Args)]
struct Clock {
    /// Clock ticks per second of /proc/PID/stat (getconf CLK_TCK)
    #[arg(long, value_name = "HZ", default_value = "100")]
    clk_tck: u64,
}

fn main() -> ExitCode {
    let outcome = match Cli::parse().command {
        Command::Generate { phones, dir, template_path } => {
            generate_files(phones as usize, &dir, &template_path)
        }
        Command::Storm {
            mode,
            phones,
            ports,
            http_port,
            first,
            round,
            pid,
            timeout,
            clock,
            unpaced,
        } => {
            run_storm(storm::Storm {
                mode,
                phones: phones as usize,
                first: first as usize,
                round: round as usize,
                sip: ports.sip(),
                http_port,
                timeout,
                pid,
                ticks_per_second: clock.clk_tck,
                paced: !unpaced,
            });
            Ok(())
        }
        Command::Reload { ami_port, ports, conf, with, pid, settle, probes, clock } => {
            reload::run(&reload::Reload {
                ami_port,
                sip: ports.sip(),
                conf,
                with,
                pid,
                ticks_per_second: clock.clk_tck,
                settle,
                probes: probes == "yes",
            })
            .map(|line| println!("{line}"))
        }
        Command::Memory { phones } => {
            memory::measure(phones as usize, heap_held).map(|line| println!("{line}"))
        }
        Command::Ports => ports(),
    };
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("digium-phones-bench: {e}");
            ExitCode::from(2)
        }
    }
}

fn write(path: &Path, text: &str) -> Result<(), String> {
    std::fs::write(path, text).map_err(|e| format!("{}: {e}", path.display()))
}

fn generate_files(phones: usize, dir: &Path, template: &str) -> Result<(), String> {
    std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let conf = dir.join("res_digium_phone.conf");
    write(&conf, &generate::digium_conf(phones))?;
    write(&dir.join("pjsip-phoneprov.conf"), &generate::pjsip_phoneprov(phones))?;
    write(&dir.join("phoneprov.conf"), &generate::phoneprov_conf(template))?;
    let document = render_phone_one(&conf)?;
    write(&dir.join("phoneprov-template.xml"), &generate::phoneprov_template(&document, 1))?;
    Ok(())
}

/// The document the module serves phone 1 of a generated file, for a phone on 127.0.1.1 that
/// reached the server at 127.0.0.1.
fn render_phone_one(conf: &Path) -> Result<String, String> {
    use digium_phones_core::provision::documents::{self, PhoneRequest};
    let loaded = conf::read(conf).map_err(|e| e.finding().to_string())?;
    let built = model::build(&loaded.config, None);
    let profile = generate::profile(1);
    let phone = built.model.phone(&profile).ok_or("phone 1 is not in the generated file")?;
    let request = PhoneRequest {
        phone_model: Some("D70"),
        phone_ip: Some(storm::phone_ip(1)),
        server_host: "127.0.0.1",
        files_url: "http://127.0.0.1:8088/digium_phones/files",
        message_channel: true,
        ..PhoneRequest::default()
    };
    documents::phone_document(&built.model, phone, &request, &|_| None, &HashMap::new())
}

fn run_storm(storm: storm::Storm) {
    let report = storm::run(&storm);
    for (error, count) in &report.errors {
        eprintln!("{} failure x{count}: {error}", storm.mode.name());
    }
    println!("{}", report.line());
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
