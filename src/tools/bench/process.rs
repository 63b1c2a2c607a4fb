//! What a process costs, from /proc: CPU time (user + system, every thread) and resident memory.

use std::io;
use std::time::Duration;

/// One reading of a process.
#[derive(Debug, Clone, Copy, Default)]
pub struct Usage {
    /// User plus system time of every thread, in clock ticks.
    pub cpu_ticks: u64,
    /// VmRSS, in KiB.
    pub rss_kib: u64,
}

impl Usage {
    /// `pid`'s usage now; `"self"` reads this process.
    pub fn of(pid: &str) -> io::Result<Self> {
        let stat = std::fs::read_to_string(format!("/proc/{pid}/stat"))?;
        // The command name may hold spaces and parentheses: fields are counted after the last ')'.
        let after = stat.rsplit_once(')').map(|(_, rest)| rest).unwrap_or_default();
        let fields: Vec<&str> = after.split_whitespace().collect();
        // After the name: state is field 3 of stat(5), so utime (14) and stime (15) are at 11 and 12.
        let tick = |at: usize| fields.get(at).and_then(|f| f.parse::<u64>().ok()).unwrap_or(0);
        let status = std::fs::read_to_string(format!("/proc/{pid}/status"))?;
        let rss_kib = status
            .lines()
            .find_map(|line| line.strip_prefix("VmRSS:"))
            .and_then(|rest| rest.split_whitespace().next())
            .and_then(|kib| kib.parse().ok())
            .unwrap_or(0);
        Ok(Self { cpu_ticks: tick(11) + tick(12), rss_kib })
    }

    /// CPU time between two readings.
    pub fn cpu_since(&self, earlier: &Usage, ticks_per_second: u64) -> Duration {
        let ticks = self.cpu_ticks.saturating_sub(earlier.cpu_ticks);
        Duration::from_millis(ticks * 1000 / ticks_per_second.max(1))
    }
}

/// The kernel's count of connections dropped because a listening socket's accept queue was full
/// (`TcpExtListenOverflows` of /proc/net/netstat, this network namespace, every socket); `None`
/// where the kernel does not say.
pub fn listen_overflows() -> Option<u64> {
    let text = std::fs::read_to_string("/proc/net/netstat").ok()?;
    // Pairs of lines: `TcpExt: <names…>` then `TcpExt: <values…>`.
    let mut tcp_ext = text.lines().filter(|l| l.starts_with("TcpExt:"));
    let (names, values) = (tcp_ext.next()?, tcp_ext.next()?);
    let at = names.split_whitespace().position(|n| n == "ListenOverflows")?;
    values.split_whitespace().nth(at)?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_listen_overflow_counter() {
        if std::path::Path::new("/proc/net/netstat").exists() {
            assert!(listen_overflows().is_some());
        }
    }

    #[test]
    fn reads_this_process() {
        let usage = Usage::of("self").unwrap();
        assert!(usage.rss_kib > 0);
        let later = Usage { cpu_ticks: usage.cpu_ticks + 250, ..usage };
        assert_eq!(later.cpu_since(&usage, 100), Duration::from_millis(2500));
    }
}
