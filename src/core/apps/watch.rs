//! Which sessions have an application open, so that live changes reach them and no one else.
//!
//! A session opens an application by asking for its state (`parking.list`, `queue.status`) and
//! closes it with `parking.close` / `queue.close`, by logging out, or by its session ending. The
//! table is bounded: past [`MAX_SESSIONS`] the oldest opening is dropped, so a flood of sessions
//! cannot grow it.

use std::collections::VecDeque;

/// At most this many sessions are followed at once.
pub const MAX_SESSIONS: usize = 1024;
/// At most this many queues per session.
pub const MAX_QUEUES: usize = 16;

/// What a session follows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum App {
    Parking,
    Queue(String),
}

#[derive(Debug, Clone)]
struct Watcher {
    session: String,
    profile: String,
    parking: bool,
    queues: Vec<String>,
}

#[derive(Debug, Default)]
pub struct Watchers {
    /// Oldest opening first.
    open: VecDeque<Watcher>,
}

impl Watchers {
    /// `session` (of `profile`) follows `app` from now on.
    pub fn open(&mut self, session: &str, profile: &str, app: App) {
        let at = match self.open.iter().position(|w| w.session == session) {
            Some(at) => at,
            None => {
                if self.open.len() >= MAX_SESSIONS {
                    self.open.pop_front();
                }
                self.open.push_back(Watcher {
                    session: session.to_owned(),
                    profile: profile.to_owned(),
                    parking: false,
                    queues: Vec::new(),
                });
                self.open.len() - 1
            }
        };
        let w = &mut self.open[at];
        w.profile = profile.to_owned();
        match app {
            App::Parking => w.parking = true,
            App::Queue(q) => {
                if !w.queues.contains(&q) {
                    if w.queues.len() >= MAX_QUEUES {
                        w.queues.remove(0);
                    }
                    w.queues.push(q);
                }
            }
        }
    }

    /// `session` stops following `app`; `None` closes everything it follows.
    pub fn close(&mut self, session: &str, app: Option<&App>) {
        for w in self.open.iter_mut().filter(|w| w.session == session) {
            match app {
                None => {
                    w.parking = false;
                    w.queues.clear();
                }
                Some(App::Parking) => w.parking = false,
                Some(App::Queue(q)) => w.queues.retain(|x| x != q),
            }
        }
        self.open.retain(|w| w.parking || !w.queues.is_empty());
    }

    /// The profiles with a live session following `app` (each once); sessions that `alive` says
    /// are gone are forgotten on the way.
    pub fn profiles(&mut self, app: &App, alive: impl Fn(&str) -> bool) -> Vec<String> {
        self.open.retain(|w| alive(&w.session));
        let mut profiles: Vec<String> = Vec::new();
        for w in &self.open {
            let follows = match app {
                App::Parking => w.parking,
                App::Queue(q) => w.queues.contains(q),
            };
            if follows && !profiles.contains(&w.profile) {
                profiles.push(w.profile.clone());
            }
        }
        profiles
    }

    /// `(session, profile, what)` for the CLI.
    pub fn list(&self) -> Vec<(String, String, String)> {
        self.open
            .iter()
            .map(|w| {
                let mut what: Vec<String> = Vec::new();
                if w.parking {
                    what.push("parking".into());
                }
                what.extend(w.queues.iter().map(|q| format!("queue {q}")));
                (w.session.clone(), w.profile.clone(), what.join(", "))
            })
            .collect()
    }

    pub fn len(&self) -> usize {
        self.open.len()
    }

    pub fn is_empty(&self) -> bool {
        self.open.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn follows_until_closed_or_gone() {
        let mut w = Watchers::default();
        w.open("s1", "alice", App::Parking);
        w.open("s2", "bob", App::Queue("sales".into()));
        w.open("s3", "alice", App::Parking);
        assert_eq!(w.profiles(&App::Parking, |_| true), ["alice"]);
        assert_eq!(w.profiles(&App::Queue("sales".into()), |_| true), ["bob"]);
        assert!(w.profiles(&App::Queue("other".into()), |_| true).is_empty());
        w.close("s1", Some(&App::Parking));
        assert_eq!(w.profiles(&App::Parking, |_| true), ["alice"]);
        // s3's session ended.
        assert!(w.profiles(&App::Parking, |s| s != "s3").is_empty());
        assert_eq!(w.len(), 1);
        w.close("s2", None);
        assert!(w.is_empty());
    }

    #[test]
    fn stays_bounded() {
        let mut w = Watchers::default();
        for i in 0..MAX_SESSIONS + 10 {
            w.open(&format!("s{i}"), "p", App::Parking);
        }
        assert_eq!(w.len(), MAX_SESSIONS);
        assert!(!w.list().iter().any(|(s, _, _)| s == "s0"));
        for i in 0..MAX_QUEUES + 3 {
            w.open("q", "p", App::Queue(format!("q{i}")));
        }
        let row = w.list().into_iter().find(|(s, _, _)| s == "q").unwrap();
        assert_eq!(row.2.matches("queue").count(), MAX_QUEUES);
    }
}
