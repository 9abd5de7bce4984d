//! A small trace builder for tests: real keys, real signatures, real checkpoints.
#![allow(dead_code)]

use ed25519_dalek::SigningKey;
use onus::json::{self, Json, Numbers};
use onus::statement::{self, key_to_string, Draft, Hash, Id, Key};
use onus::{merkle, note, Options, Report};

pub const ORIGIN: &str = "test.onus.dev/log";
pub const T0: i64 = 1_795_420_800; // 2026-11-23T08:00:00Z

pub fn key(n: u8) -> SigningKey {
    SigningKey::from_bytes(&[n; 32])
}
pub fn pk(k: &SigningKey) -> String {
    key_to_string(&Key::of(k))
}
pub fn j(s: &str) -> Json {
    json::parse(s.as_bytes(), Numbers::SafeIntegers).expect("test JSON")
}

pub struct Trace {
    pub log: SigningKey,
    pub lines: Vec<String>,
    pub leaves: Vec<Hash>,
    pub time: i64,
}

impl Trace {
    /// A log whose roster names keys 1..=5 (client, compute, verifier, operator, insurer).
    pub fn new() -> Trace {
        let mut t = Trace { log: key(100), lines: vec![], leaves: vec![], time: T0 };
        let roster: Vec<String> = ["client", "compute", "verifier", "operator", "insurer"]
            .iter()
            .enumerate()
            .map(|(i, role)| format!(r#"{{"key":"{}","name":"{role}-1","role":"{role}"}}"#, pk(&key(i as u8 + 1))))
            .collect();
        let log = t.log.clone();
        t.add(&log, "log", &[], &format!(r#"{{"origin":"{ORIGIN}","roster":[{}]}}"#, roster.join(",")));
        t
    }
    /// Signs and appends a statement; returns its id.
    pub fn add(&mut self, by: &SigningKey, kind: &str, refs: &[Id], body: &str) -> Id {
        self.time += 1;
        let (line, id) = statement::sign_statement(by, &Draft { kind, time: self.time, refs, body: j(body) });
        self.push_line(line);
        id
    }
    pub fn add_at(&mut self, by: &SigningKey, kind: &str, refs: &[Id], body: &str, time: i64) -> Id {
        let (line, id) = statement::sign_statement(by, &Draft { kind, time, refs, body: j(body) });
        self.push_line(line);
        id
    }
    /// Appends a line as is (statement or not); statements get a leaf when parseable.
    pub fn push_line(&mut self, line: String) {
        if let Ok(st) = statement::parse_statement(line.as_bytes()) {
            self.leaves.push(merkle::leaf_hash(&st.id, &st.sig));
        } else if !line.is_empty() && !line.starts_with("{\"checkpoint\"") {
            self.leaves.push(Hash::default());
        }
        self.lines.push(line);
    }
    pub fn raw(&mut self, line: &str) {
        self.push_line(line.to_string());
    }
    pub fn note(&self, size: usize) -> String {
        let root = merkle::root(&self.leaves[..size]);
        note::sign_note(&note::checkpoint_text(ORIGIN, size as u64, &root), ORIGIN, &self.log)
    }
    /// Appends a checkpoint over every statement so far.
    pub fn seal(&mut self) {
        let n = self.note(self.leaves.len());
        self.lines.push(note::checkpoint_line(&n));
    }
    pub fn checkpoint_note(&mut self, note: &str) {
        self.lines.push(note::checkpoint_line(note));
    }
    pub fn text(&self) -> String {
        let mut s = self.lines.join("\n");
        s.push('\n');
        s
    }
    pub fn verify(&self) -> Report {
        onus::verify_bytes(self.text().as_bytes(), Options::default())
    }
    pub fn verify_with(&self, opts: Options) -> Report {
        onus::verify_bytes(self.text().as_bytes(), opts)
    }
}

/// The (code, line, index) of every finding.
pub fn codes(r: &Report) -> Vec<(String, u64, Option<u64>)> {
    r.findings.iter().map(|f| (f.code.as_str().to_string(), f.line.unwrap_or(0), f.index)).collect()
}

/// Asserts that `r` has exactly one finding with `code`, at `line` and `index`.
pub fn has(r: &Report, code: &str, line: u64, index: Option<u64>) {
    let hits: Vec<_> = r.findings.iter().filter(|f| f.code.as_str() == code).collect();
    assert_eq!(hits.len(), 1, "want one {code}, got {:?}", codes(r));
    assert_eq!((hits[0].line, hits[0].index), (Some(line), index), "{code}: {}", hits[0].message);
}
