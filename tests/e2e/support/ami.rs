//! The Asterisk Manager Interface, as a plain client speaks it.

use std::time::Duration;

use super::Asterisk;

impl Asterisk {
    /// One AMI action (as `Key: Value` pairs) after logging in; returns the response block.
    pub fn ami(&self, action: &[(&str, &str)]) -> String {
        self.ami_actions(&[action]).remove(0)
    }

    /// Several AMI actions sent in one write, so Asterisk starts each the moment the one before
    /// returns; returns their response blocks in order.
    pub fn ami_actions(&self, actions: &[&[(&str, &str)]]) -> Vec<String> {
        use std::io::{BufRead, BufReader, Write};
        let stream =
            std::net::TcpStream::connect(("127.0.0.1", self.ami_port)).expect("connect AMI");
        stream.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        let mut reader = BufReader::new(stream.try_clone().unwrap());
        let mut writer = stream;
        let mut banner = String::new();
        reader.read_line(&mut banner).unwrap();
        // A block ends at a blank line, and a blank line before any of its lines (a stray one) is
        // skipped; `None` when the connection ends (or times out) first.
        let read_block = |reader: &mut BufReader<std::net::TcpStream>| {
            let mut block = String::new();
            loop {
                let mut line = String::new();
                if reader.read_line(&mut line).unwrap_or(0) == 0 {
                    return None;
                }
                if line != "\r\n" {
                    block.push_str(&line);
                } else if !block.is_empty() {
                    return Some(block);
                }
            }
        };
        write!(writer, "Action: Login\r\nUsername: sandbox\r\nSecret: sandbox\r\n\r\n").unwrap();
        let login = read_block(&mut reader).unwrap_or_default();
        assert!(login.contains("Success"), "AMI login failed: {login}");
        let mut text = String::new();
        for (i, action) in actions.iter().enumerate() {
            for (k, v) in *action {
                text.push_str(&format!("{k}: {v}\r\n"));
            }
            text.push_str(&format!("ActionID: t{}\r\n\r\n", i + 1));
        }
        writer.write_all(text.as_bytes()).unwrap();
        // Skip events until the response to each action.
        let mut responses = Vec::new();
        while responses.len() < actions.len() {
            let wanted = format!("ActionID: t{}\r\n", responses.len() + 1);
            match read_block(&mut reader) {
                Some(block) if block.contains(&wanted) => responses.push(block),
                // An event.
                Some(_) => {}
                // No answer: an empty response, which the caller's checks report.
                None => responses.push(String::new()),
            }
        }
        let _ = writer.write_all(b"Action: Logoff\r\n\r\n");
        responses
    }
}
