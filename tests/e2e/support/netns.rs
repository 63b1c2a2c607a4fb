//! Network namespaces: hosts of their own for what crosses a network (mDNS).

use std::process::Command;

/// Two network namespaces joined by a veth pair: a server side and a client side, with addresses
/// that exist only inside them. Removed on drop.
pub struct NetnsPair {
    pub server: String,
    pub client: String,
    pub server_ip: String,
}

fn ip(args: &[&str]) {
    let out = Command::new("ip").args(args).output().expect("run ip");
    assert!(
        out.status.success(),
        "ip {}: {}",
        args.join(" "),
        String::from_utf8_lossy(&out.stderr)
    );
}

impl NetnsPair {
    pub fn new(tag: &str) -> Self {
        let id = std::process::id() % 250;
        let (server, client) = (format!("rdp-{tag}-s{id}"), format!("rdp-{tag}-c{id}"));
        let (vs, vc) = (format!("rdp{id}{tag}s"), format!("rdp{id}{tag}c"));
        let (vs, vc) =
            (vs.chars().take(15).collect::<String>(), vc.chars().take(15).collect::<String>());
        for ns in [&server, &client] {
            let _ = Command::new("ip").args(["netns", "del", ns]).output();
            ip(&["netns", "add", ns]);
            ip(&["-n", ns, "link", "set", "lo", "up"]);
        }
        ip(&["link", "add", &vs, "type", "veth", "peer", "name", &vc]);
        ip(&["link", "set", &vs, "netns", &server]);
        ip(&["link", "set", &vc, "netns", &client]);
        let (server_ip, client_ip) = (format!("10.231.{id}.1"), format!("10.231.{id}.2"));
        for (ns, dev, addr) in [(&server, &vs, &server_ip), (&client, &vc, &client_ip)] {
            ip(&["-n", ns, "addr", "add", &format!("{addr}/24"), "dev", dev]);
            ip(&["-n", ns, "link", "set", dev, "up", "multicast", "on"]);
            ip(&["-n", ns, "route", "add", "224.0.0.0/4", "dev", dev]);
        }
        Self { server, client, server_ip }
    }

    /// A command to run inside the client namespace.
    pub fn in_client(&self, program: &str) -> Command {
        let mut c = Command::new("ip");
        c.args(["netns", "exec", &self.client, program]);
        c
    }
}

impl Drop for NetnsPair {
    fn drop(&mut self) {
        for ns in [&self.server, &self.client] {
            let _ = Command::new("ip").args(["netns", "del", ns]).output();
        }
    }
}
