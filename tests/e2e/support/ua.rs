//! A real SIP user agent for the tests: Debian's headless `baresip`, registered as an endpoint,
//! answering every call by itself and sending a tone, driven over its TCP control socket
//! (`ctrl_tcp`, netstring-framed JSON). Stopped on drop.

use std::io::Write;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use super::ports::free_port;

/// A running baresip with one account.
pub struct Ua {
    child: Child,
    dir: PathBuf,
    control_port: u16,
    /// Calls seen established so far (by [`Ua::established`]).
    calls: AtomicUsize,
}

impl Ua {
    /// Starts baresip registering as `user` with `password` at 127.0.0.1:`server_port`, answering
    /// calls itself (`answermode=auto`) with a 440 Hz tone as its microphone and no speaker.
    /// `None` (after saying why) when baresip is not installed, except under CI.
    pub fn register(user: &str, password: &str, server_port: u16) -> Option<Self> {
        if Command::new("baresip").arg("-h").output().is_err() {
            assert!(
                std::env::var("CI").as_deref() != Ok("true"),
                "baresip is missing (contrib/sandbox.sh setup installs baresip-core)"
            );
            eprintln!("SKIPPED: baresip is not installed");
            return None;
        }
        let sip_port = free_port();
        let control_port = free_port();
        let dir =
            std::env::temp_dir().join(format!("rdp-ua-{}-{user}-{sip_port}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("baresip dir");
        let config = format!(
            "poll_method epoll\n\
             sip_listen 127.0.0.1:{sip_port}\n\
             sip_transports udp\n\
             audio_player alsa,null\n\
             audio_source ausine,440\n\
             ausrc_srate 48000\n\
             ausrc_channels 2\n\
             audio_alert alsa,null\n\
             module_path /usr/lib/baresip/modules\n\
             module g711.so\n\
             module ausine.so\n\
             module alsa.so\n\
             module ctrl_tcp.so\n\
             module_app account.so\n\
             module_app menu.so\n\
             ctrl_tcp_listen 127.0.0.1:{control_port}\n"
        );
        std::fs::write(dir.join("config"), config).expect("baresip config");
        std::fs::write(
            dir.join("accounts"),
            format!(
                "<sip:{user}@127.0.0.1:{server_port};transport=udp>;auth_pass={password};answermode=auto;regint=600;audio_codecs=PCMU\n"
            ),
        )
        .expect("baresip accounts");
        // Line-buffered, so what it prints reaches the log as it happens (stdout is a file here).
        let child = Command::new("stdbuf")
            .args(["-oL", "-eL", "baresip", "-f"])
            .arg(&dir)
            .stdin(Stdio::null())
            .stdout(Stdio::from(std::fs::File::create(dir.join("log")).expect("log")))
            .stderr(Stdio::from(std::fs::File::create(dir.join("err")).expect("err")))
            .spawn()
            .expect("start baresip");
        Some(Self { child, dir, control_port, calls: AtomicUsize::new(0) })
    }

    /// What baresip has printed so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.join("log")).unwrap_or_default()
            + &std::fs::read_to_string(self.dir.join("err")).unwrap_or_default()
    }

    /// Waits (bounded) until baresip's log holds `needle`.
    pub fn wait_for(&self, needle: &str) -> bool {
        let deadline = Instant::now() + Duration::from_secs(15);
        while Instant::now() < deadline {
            if self.log().contains(needle) {
                return true;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        false
    }

    /// Registered with the server (a 200 to its REGISTER).
    pub fn registered(&self) -> bool {
        self.wait_for("200 OK")
    }

    /// Waits (bounded) for a call established since the last time this said yes.
    pub fn established(&self) -> bool {
        let deadline = Instant::now() + Duration::from_secs(15);
        while Instant::now() < deadline {
            let seen = self.log().matches("Call established").count();
            if seen > self.calls.load(Ordering::Relaxed) {
                self.calls.store(seen, Ordering::Relaxed);
                return true;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        false
    }

    /// Sends a control command (`hangup`, `dial`, …) with its parameter.
    pub fn command(&self, command: &str, params: &str) {
        let json =
            format!("{{\"command\":\"{command}\",\"params\":\"{params}\",\"token\":\"rdp\"}}");
        let mut control = std::net::TcpStream::connect(("127.0.0.1", self.control_port))
            .expect("baresip control");
        write!(control, "{}:{json},", json.len()).expect("baresip control");
    }

    /// Hangs up the current call.
    pub fn hang_up(&self) {
        self.command("hangup", "");
    }
}

impl Drop for Ua {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
