//! Short-lived tokens for HTTP fetches and the sessions of phones that claimed a profile.
//!
//! Time is passed in (seconds on a monotonic clock) and randomness too, so both are testable.

use std::collections::{HashMap, VecDeque};
use std::net::IpAddr;

/// How long a token in a reply stays valid: long enough for a phone to fetch, short enough that a
/// leaked URL is soon useless.
pub const TOKEN_TTL_SECS: u64 = 120;
/// Tokens kept at most; the oldest go first, so a flood cannot grow memory without bound.
pub const MAX_TOKENS: usize = 4096;

/// A document waiting to be fetched, exactly as announced (its MD5 is in the reply).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Token {
    /// `config.xml` or `userlist.xml`.
    pub document: &'static str,
    pub body: String,
    /// Only this address may fetch it.
    pub client: IpAddr,
    pub expires: u64,
    /// A voicemail message's audio served from the spool instead of `body` (`voicemail.play`),
    /// found again by its id when fetched: numbers change when earlier messages go.
    pub message: Option<crate::apps::voicemail::MessageRef>,
}

/// Tokens by id, and their ids in the order they were issued: every token lives as long, so the front
/// is always the one that expires first, and keeping the store bounded costs O(1) per token.
#[derive(Debug, Default)]
pub struct TokenStore {
    tokens: HashMap<String, Token>,
    issued: VecDeque<String>,
}

/// 128 random bits as 32 hex digits.
pub fn token_id(random: [u8; 16]) -> String {
    random.iter().map(|b| format!("{b:02x}")).collect()
}

impl TokenStore {
    pub fn issue(&mut self, random: [u8; 16], token: Token, now: u64) -> String {
        while let Some(oldest) = self.issued.front() {
            let expired = self.tokens.get(oldest).is_none_or(|t| t.expires <= now);
            if !expired && self.tokens.len() < MAX_TOKENS {
                break;
            }
            if let Some(id) = self.issued.pop_front() {
                self.tokens.remove(&id);
            }
        }
        let id = token_id(random);
        if self.tokens.insert(id.clone(), token).is_none() {
            self.issued.push_back(id.clone());
        }
        id
    }

    /// The document behind `id`, if the token is valid for `client` now and names `document`.
    pub fn fetch(
        &self,
        id: &str,
        document: &str,
        client: Option<IpAddr>,
        now: u64,
    ) -> Option<&Token> {
        self.tokens
            .get(id)
            .filter(|t| t.expires > now && t.document == document && Some(t.client) == client)
    }

    pub fn len(&self) -> usize {
        self.tokens.len()
    }

    pub fn is_empty(&self) -> bool {
        self.tokens.is_empty()
    }
}

/// A phone that claimed a profile.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    pub id: String,
    pub profile: String,
    pub mac: String,
    pub model: String,
    pub firmware: String,
    /// Where server → phone MESSAGEs go (a pjsip: destination).
    pub reply_to: String,
    /// `ip:port` the phone wrote from.
    pub address: String,
    /// The host the phone reached the server at (the From of server → phone MESSAGEs).
    pub server: String,
    pub last_seen: u64,
}

/// Sessions by id; a phone (by MAC and address) has at most one.
#[derive(Debug, Default)]
pub struct SessionTable {
    sessions: Vec<Session>,
}

/// Sessions kept at most; the least recently seen go first.
pub const MAX_SESSIONS: usize = 20_000;

impl SessionTable {
    /// Records a claim; a phone's earlier session (same MAC, or same address when it sent no MAC) ends.
    pub fn open(&mut self, session: Session) -> &Session {
        self.sessions.retain(|s| {
            let same_phone = if session.mac.is_empty() {
                s.address == session.address
            } else {
                s.mac == session.mac
            };
            !same_phone
        });
        if self.sessions.len() >= MAX_SESSIONS {
            if let Some(i) =
                self.sessions.iter().enumerate().min_by_key(|(_, s)| s.last_seen).map(|(i, _)| i)
            {
                self.sessions.remove(i);
            }
        }
        self.sessions.push(session);
        self.sessions.last().expect("just pushed")
    }

    pub fn close(&mut self, id: &str) -> Option<Session> {
        let i = self.sessions.iter().position(|s| s.id == id)?;
        Some(self.sessions.remove(i))
    }

    pub fn touch(&mut self, id: &str, now: u64) {
        if let Some(s) = self.sessions.iter_mut().find(|s| s.id == id) {
            s.last_seen = now;
        }
    }

    pub fn of_profile<'a>(&'a self, profile: &'a str) -> impl Iterator<Item = &'a Session> {
        self.sessions.iter().filter(move |s| s.profile == profile)
    }

    pub fn all(&self) -> &[Session] {
        &self.sessions
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const HERE: IpAddr = IpAddr::V4(std::net::Ipv4Addr::new(192, 0, 2, 7));
    const THERE: IpAddr = IpAddr::V4(std::net::Ipv4Addr::new(192, 0, 2, 8));

    fn token(expires: u64) -> Token {
        Token {
            document: "config.xml",
            body: "<config/>".into(),
            client: HERE,
            expires,
            message: None,
        }
    }

    #[test]
    fn tokens_bound_to_client_document_and_time() {
        let mut store = TokenStore::default();
        let id = store.issue([7; 16], token(100), 0);
        assert_eq!(id, "07".repeat(16));
        assert!(store.fetch(&id, "config.xml", Some(HERE), 99).is_some());
        assert!(store.fetch(&id, "config.xml", Some(HERE), 100).is_none(), "expired");
        assert!(store.fetch(&id, "config.xml", Some(THERE), 50).is_none(), "other client");
        assert!(store.fetch(&id, "config.xml", None, 50).is_none(), "unknown client");
        assert!(store.fetch(&id, "userlist.xml", Some(HERE), 50).is_none(), "other document");
        assert!(store.fetch("nope", "config.xml", Some(HERE), 50).is_none());
    }

    #[test]
    fn token_store_is_bounded() {
        let mut store = TokenStore::default();
        for i in 0..MAX_TOKENS + 10 {
            let mut r = [0u8; 16];
            r[..8].copy_from_slice(&(i as u64).to_le_bytes());
            store.issue(r, token(1_000 + i as u64), 0);
        }
        assert_eq!(store.len(), MAX_TOKENS);
        // Expired ones are dropped on the next issue.
        store.issue([1; 16], token(10_000_000), 999_999);
        assert_eq!(store.len(), 1);
    }

    #[test]
    fn a_full_token_store_forgets_the_oldest_first() {
        let mut store = TokenStore::default();
        let ids: Vec<String> = (0..MAX_TOKENS + 1)
            .map(|i| {
                let mut r = [0u8; 16];
                r[..8].copy_from_slice(&(i as u64).to_le_bytes());
                store.issue(r, token(500), 1)
            })
            .collect();
        assert_eq!(store.len(), MAX_TOKENS);
        assert!(store.fetch(&ids[0], "config.xml", Some(HERE), 2).is_none(), "the oldest went");
        assert!(store.fetch(&ids[1], "config.xml", Some(HERE), 2).is_some());
        assert!(store.fetch(&ids[MAX_TOKENS], "config.xml", Some(HERE), 2).is_some());
    }

    fn session(id: &str, mac: &str, address: &str) -> Session {
        Session {
            id: id.into(),
            profile: "alice".into(),
            mac: mac.into(),
            model: "D70".into(),
            firmware: String::new(),
            reply_to: format!("pjsip:dpma_endpoint/sip:{address}"),
            address: address.into(),
            server: "192.0.2.1".into(),
            last_seen: 0,
        }
    }

    #[test]
    fn one_session_per_phone() {
        let mut t = SessionTable::default();
        t.open(session("a", "000fd3aabb01", "192.0.2.7:5060"));
        t.open(session("b", "000fd3aabb02", "192.0.2.8:5060"));
        t.open(session("c", "000fd3aabb01", "192.0.2.7:5062"));
        assert_eq!(t.all().iter().map(|s| s.id.as_str()).collect::<Vec<_>>(), ["b", "c"]);
        assert_eq!(t.of_profile("alice").count(), 2);
        assert_eq!(t.close("b").map(|s| s.id), Some("b".into()));
        assert!(t.close("b").is_none());
    }
}
