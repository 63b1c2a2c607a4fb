//! A phone's line as a real SIP user agent (Debian's baresip, headless), for tests that need more than
//! [`super::Ua`]: a line that only rings (for pickup), the call events baresip reports over its TCP
//! control socket (`ctrl_tcp`: JSON in netstrings; its commands, such as `hangup`, are the `menu`
//! module's), and the SIP trace of what it received. Stopped, and its files removed, on drop.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use super::ports::free_port;

/// The program; contrib/sandbox.sh installs it (baresip-core) on the host.
const BARESIP: &str = "baresip";

pub struct LineUa {
    child: Child,
    control: TcpStream,
    dir: PathBuf,
    /// Every event baresip reported so far (its JSON text), in order.
    pub events: Vec<String>,
    pending: Vec<u8>,
}

/// Two minutes of a 440 Hz tone as a WAV file (8 kHz, mono, 16-bit). baresip hangs up when its
/// source ends, so the tone must outlast every call a test holds, even on a loaded machine.
fn tone_wav() -> Vec<u8> {
    let samples: Vec<i16> = (0..8000 * 120)
        .map(|i| {
            (8000.0 * (f64::from(i) * 2.0 * std::f64::consts::PI * 440.0 / 8000.0).sin()) as i16
        })
        .collect();
    let data_len = (samples.len() * 2) as u32;
    let mut wav = Vec::with_capacity(44 + data_len as usize);
    wav.extend_from_slice(b"RIFF");
    wav.extend_from_slice(&(36 + data_len).to_le_bytes());
    wav.extend_from_slice(b"WAVEfmt ");
    wav.extend_from_slice(&16u32.to_le_bytes());
    wav.extend_from_slice(&1u16.to_le_bytes()); // PCM
    wav.extend_from_slice(&1u16.to_le_bytes()); // mono
    wav.extend_from_slice(&8000u32.to_le_bytes());
    wav.extend_from_slice(&16_000u32.to_le_bytes()); // bytes per second
    wav.extend_from_slice(&2u16.to_le_bytes()); // block align
    wav.extend_from_slice(&16u16.to_le_bytes());
    wav.extend_from_slice(b"data");
    wav.extend_from_slice(&data_len.to_le_bytes());
    for s in samples {
        wav.extend_from_slice(&s.to_le_bytes());
    }
    wav
}

impl LineUa {
    /// Starts a user agent registering as `user` (password `password`) with the SIP server on
    /// 127.0.0.1:`server_port`, answering calls automatically. `None` (after saying why) when baresip
    /// is not installed, which under CI is a failure.
    pub fn start(user: &str, password: &str, server_port: u16) -> Option<Self> {
        Self::launch(user, password, server_port, "auto")
    }

    /// As [`LineUa::start`], but calls only ring: nothing answers them (for pickup).
    pub fn start_ringing(user: &str, password: &str, server_port: u16) -> Option<Self> {
        Self::launch(user, password, server_port, "manual")
    }

    fn launch(user: &str, password: &str, server_port: u16, answermode: &str) -> Option<Self> {
        if Command::new(BARESIP).arg("-h").output().is_err() {
            assert!(
                std::env::var("CI").as_deref() != Ok("true"),
                "baresip is not installed (contrib/sandbox.sh setup installs baresip-core)"
            );
            eprintln!("SKIPPED: baresip is not installed");
            return None;
        }
        let dir = std::env::temp_dir().join(format!(
            "rdp-ua-{}-{user}-{}",
            std::process::id(),
            free_port()
        ));
        std::fs::create_dir_all(&dir).expect("UA directory");
        // baresip also listens for SIP over TLS on the port after its SIP port, which free_port
        // keeps for it.
        let sip = free_port();
        let control = free_port();
        // What the UA sends: a tone, as 8 kHz 16-bit PCM (ausine only runs at 48 kHz).
        std::fs::write(dir.join("tone.wav"), tone_wav()).expect("UA tone");
        let config = format!(
            "module_path /usr/lib/baresip/modules\n\
             sip_listen 127.0.0.1:{sip}\n\
             audio_player aufile,{played}\n\
             audio_source aufile,{tone}\n\
             audio_alert aufile,/dev/null\n\
             rtp_ports 30000-39999\n\
             module g711.so\n\
             module aufile.so\n\
             module_app account.so\n\
             module_app menu.so\n\
             module_app ctrl_tcp.so\n\
             ctrl_tcp_listen 127.0.0.1:{control}\n",
            played = dir.join("played.wav").display(),
            tone = dir.join("tone.wav").display(),
        );
        std::fs::write(dir.join("config"), config).expect("UA config");
        std::fs::write(
            dir.join("accounts"),
            format!(
                "<sip:{user}@127.0.0.1:{server_port};transport=udp>;auth_pass={password};answermode={answermode};regint=300\n"
            ),
        )
        .expect("UA accounts");
        std::fs::write(dir.join("contacts"), "").expect("UA contacts");
        // -s: the SIP trace goes to its output, where tests read the headers it got.
        let child = Command::new(BARESIP)
            .arg("-s")
            .arg("-f")
            .arg(&dir)
            .stdin(Stdio::null())
            .stdout(std::fs::File::create(dir.join("stdout.log")).expect("UA log"))
            .stderr(Stdio::from(std::fs::File::create(dir.join("stderr.log")).expect("UA log")))
            .spawn()
            .expect("start baresip");
        let deadline = Instant::now() + Duration::from_secs(10);
        let control = loop {
            match TcpStream::connect(("127.0.0.1", control)) {
                Ok(stream) => break stream,
                Err(e) if Instant::now() > deadline => panic!("baresip control socket: {e}"),
                Err(_) => std::thread::sleep(Duration::from_millis(50)),
            }
        };
        control.set_read_timeout(Some(Duration::from_millis(200))).unwrap();
        Some(Self { child, control, dir, events: Vec::new(), pending: Vec::new() })
    }

    /// Reads what baresip reported since the last call.
    fn poll(&mut self) {
        let mut buf = [0u8; 4096];
        while let Ok(n) = self.control.read(&mut buf) {
            if n == 0 {
                break;
            }
            self.pending.extend_from_slice(&buf[..n]);
        }
        // Netstrings: <length>:<bytes>,
        while let Some(colon) = self.pending.iter().position(|b| *b == b':') {
            let Ok(len) = String::from_utf8_lossy(&self.pending[..colon]).parse::<usize>() else {
                self.pending.clear();
                break;
            };
            if self.pending.len() < colon + 1 + len + 1 {
                break;
            }
            let text =
                String::from_utf8_lossy(&self.pending[colon + 1..colon + 1 + len]).into_owned();
            self.pending.drain(..colon + 1 + len + 1);
            self.events.push(text);
        }
    }

    fn count(&self, kind: &str) -> usize {
        let needle = format!("\"type\":\"{kind}\"");
        self.events.iter().filter(|e| e.contains(&needle)).count()
    }

    /// Waits (bounded) until baresip has reported `kind` (`REGISTER_OK`, `CALL_ESTABLISHED`,
    /// `CALL_CLOSED`, …) more than `seen` times.
    fn wait_for(&mut self, kind: &str, seen: usize) -> bool {
        let deadline = Instant::now() + Duration::from_secs(15);
        while Instant::now() < deadline {
            self.poll();
            if self.count(kind) > seen {
                return true;
            }
        }
        false
    }

    /// Waits until the registration succeeded. baresip registers as it starts, often before the
    /// control socket is connected, so its own output is read too ("200 OK … [1 binding]").
    pub fn wait_registered(&mut self) -> bool {
        let deadline = Instant::now() + Duration::from_secs(15);
        while Instant::now() < deadline {
            self.poll();
            if self.count("REGISTER_OK") > 0 || self.output().contains(" 200 OK (") {
                return true;
            }
        }
        false
    }

    /// Waits for a call to be established (answered, media up).
    pub fn wait_established(&mut self) -> bool {
        self.wait_for("CALL_ESTABLISHED", 0)
    }

    /// Waits for a call to come in (ringing, or about to be answered).
    pub fn wait_incoming(&mut self) -> bool {
        self.wait_for("CALL_INCOMING", 0)
    }

    /// Whether a call is up now: more calls established than closed.
    pub fn in_call(&mut self) -> bool {
        self.poll();
        self.count("CALL_ESTABLISHED") > self.count("CALL_CLOSED")
    }

    /// Hangs up the current call and waits for baresip to report it closed.
    pub fn hangup(&mut self) -> bool {
        self.poll();
        let closed = self.count("CALL_CLOSED");
        let command = r#"{"command":"hangup","params":"","token":"t"}"#;
        let frame = format!("{}:{command},", command.len());
        self.control.write_all(frame.as_bytes()).expect("baresip control");
        self.wait_for("CALL_CLOSED", closed)
    }

    /// baresip's own output with its SIP trace (every request and response it sent and got).
    pub fn output(&self) -> String {
        std::fs::read_to_string(self.dir.join("stdout.log")).unwrap_or_default()
    }
}

impl Drop for LineUa {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
