//! A simulated decentralized inference network, written as a trace.
//!
//! Clients and gateways send requests; compute nodes answer them; verifiers
//! attest; when something breaks, someone detects it (a fault or a failed
//! attest) and someone may step forward (accept) and settle it (resolve).
//! The four accountability outcomes appear in realistic proportions, with a
//! community poll running alongside. Deterministic per seed; statements are
//! generated in order, signed in parallel, and streamed out.

use crate::json::Json;
use crate::merkle::{self, Frontier};
use crate::note;
use crate::statement::{self, format_time, id_to_hex, key_to_string, Id, Key, Sig};
use ed25519_dalek::{Signer, SigningKey};
use rand_chacha::rand_core::{RngCore, SeedableRng};
use rand_chacha::ChaCha20Rng;
use std::io::{self, Write};

pub const DEMO_ORIGIN: &str = "demo.onus.dev/inference-2026-11";
/// A checkpoint line is written after this many statements, and at the end.
pub const CHECKPOINT_EVERY: u64 = 2500;
pub use crate::poll::{EXAMPLE_OPTIONS as POLL_OPTIONS, EXAMPLE_QUESTION as POLL_QUESTION};
/// Until the collector moves to the note module's name for it.
pub use crate::note::checkpoint_line;
const START: i64 = 1_795_420_800; // 2026-11-23T08:00:00Z

/// The demo's keys, derived from the seed so that a seed names one network.
pub fn demo_key(seed: u64, role: &str, i: usize) -> SigningKey {
    let material = format!("{seed}/{role}/{i}");
    SigningKey::from_bytes(&blake3::derive_key("onus 2026-11 demo key", material.as_bytes()))
}

struct Member {
    key: SigningKey,
    name: String,
    role: &'static str,
}

struct Unsigned {
    obj: Vec<(String, Json)>,
    signer: usize,
    id: Id,
}

struct Gen {
    rng: ChaCha20Rng,
    members: Vec<Member>,
    log: SigningKey,
    time: i64,
    out: Vec<Unsigned>,
    models: Vec<(String, Id)>,
    poll: Option<Id>,
    voted: Vec<bool>,
    next_node: usize,
    seed: u64,
}

fn s(v: &str) -> Json {
    Json::Str(v.into())
}
fn obj(members: &[(&str, Json)]) -> Json {
    Json::Obj(members.iter().map(|(k, v)| (k.to_string(), v.clone())).collect())
}

impl Gen {
    fn new(seed: u64) -> Gen {
        let mut members = Vec::new();
        let mut add = |role: &'static str, count: usize, prefix: &str| {
            for i in 0..count {
                members.push(Member { key: demo_key(seed, role, i), name: format!("{prefix}-{}", i + 1), role });
            }
        };
        add("client", 8, "client");
        add("gateway", 3, "gateway");
        add("compute", 12, "node");
        add("verifier", 4, "verifier");
        add("operator", 1, "operator");
        add("insurer", 1, "insurer");
        add("voter", 60, "voter");
        let voters = 60;
        Gen {
            rng: ChaCha20Rng::seed_from_u64(seed),
            members,
            log: demo_key(seed, "log", 0),
            time: START,
            out: Vec::new(),
            models: Vec::new(),
            poll: None,
            voted: vec![false; voters],
            next_node: 12,
            seed,
        }
    }

    fn pick(&mut self, role: &str) -> usize {
        let idx: Vec<usize> = self.members.iter().enumerate().filter(|(_, m)| m.role == role).map(|(i, _)| i).collect();
        idx[(self.rng.next_u32() as usize) % idx.len()]
    }
    fn chance(&mut self, p: f64) -> bool {
        (self.rng.next_u32() as f64) < p * (u32::MAX as f64)
    }
    fn hash(&mut self) -> Json {
        let mut b = [0u8; 32];
        self.rng.fill_bytes(&mut b);
        Json::Str(hex::encode(b))
    }
    fn tick(&mut self, max: u32) {
        self.time += (self.rng.next_u32() % (max + 1)) as i64;
    }

    /// Adds a statement by member `who` (usize::MAX = the log key) and returns its id.
    fn emit(&mut self, who: usize, kind: &str, refs: &[Id], body: Json) -> Id {
        let actor = if who == usize::MAX { self.log.verifying_key() } else { self.members[who].key.verifying_key() };
        let members = vec![
            ("v".to_string(), Json::Int(1)),
            ("kind".to_string(), s(kind)),
            ("actor".to_string(), s(&key_to_string(&Key(actor.to_bytes())))),
            ("time".to_string(), s(&format_time(self.time))),
            ("refs".to_string(), Json::Arr(refs.iter().map(|r| s(&id_to_hex(r))).collect())),
            ("body".to_string(), body),
        ];
        let whole = Json::Obj(members);
        let id = statement::statement_id(&whole);
        let Json::Obj(members) = whole else { unreachable!() };
        self.out.push(Unsigned { obj: members, signer: who, id });
        id
    }

    fn roster_json(&self, range: std::ops::Range<usize>) -> Json {
        Json::Arr(
            self.members[range]
                .iter()
                .map(|m| obj(&[("key", s(&key_to_string(&Key::of(&m.key)))), ("name", s(&m.name)), ("role", s(m.role))]))
                .collect(),
        )
    }

    fn opening(&mut self) {
        let roster = self.roster_json(0..self.members.len());
        self.emit(usize::MAX, "log", &[], obj(&[("origin", s(DEMO_ORIGIN)), ("roster", roster)]));
        let op = self.pick("operator");
        for name in ["llama-4-8b-instruct", "qwen3-14b", "mistral-small-3"] {
            self.tick(2);
            let weights = self.hash();
            let id = self.emit(op, "model", &[], obj(&[("name", s(name)), ("weights", weights)]));
            self.models.push((name.to_string(), id));
        }
        let closes = format_time(START + 30 * 86400);
        let options = Json::Arr(POLL_OPTIONS.iter().map(|o| s(o)).collect());
        self.poll = Some(self.emit(op, "poll", &[], obj(&[("question", s(POLL_QUESTION)), ("options", options), ("closes", s(&closes))])));
    }

    /// One inference job; sometimes it goes wrong, and sometimes someone answers for it.
    fn job(&mut self) {
        self.tick(3);
        let requester = if self.chance(0.7) { self.pick("client") } else { self.pick("gateway") };
        let (model_name, model_id) = self.models[(self.rng.next_u32() as usize) % self.models.len()].clone();
        let input = self.hash();
        let req = self.emit(requester, "request", &[], obj(&[("model", s(&model_name)), ("input", input), ("params", obj(&[("max_tokens", Json::Int(512)), ("temperature", s("0.7"))]))]));
        let node = self.pick("compute");
        let node_key = key_to_string(&Key::of(&self.members[node].key));
        self.tick(2);
        // Occasionally a node never answers.
        if self.chance(0.004) {
            self.tick(30);
            let gw = self.pick("gateway");
            let fault = self.emit(gw, "fault", &[req], obj(&[("blame", s(&node_key)), ("what", s("timeout")), ("note", s("no compute within 30 s"))]));
            self.maybe_accept(fault, node, &node_key, 0.55);
            return;
        }
        let output = self.hash();
        let compute = self.emit(node, "compute", &[req, model_id], obj(&[("output", output)]));
        let roll = self.rng.next_u32() % 1000;
        if roll < 6 {
            // Silent disagreement: a second node answers differently and nobody signs anything.
            let other = self.pick("compute");
            let out2 = self.hash();
            self.emit(other, "compute", &[req, model_id], obj(&[("output", out2)]));
            if self.chance(0.25) {
                // ...until, later, the first node owns up without anyone accusing it.
                self.tick(60);
                self.emit(node, "accept", &[compute], obj(&[("remedy", s("rerun")), ("note", s("non-deterministic kernel; rerun at our cost"))]));
            }
            return;
        }
        let verifier = self.pick("verifier");
        let method = ["tee", "zkml", "rerun", "sample"][(self.rng.next_u32() % 4) as usize];
        self.tick(2);
        if roll < 26 {
            let evidence = self.hash();
            let attest = self.emit(verifier, "attest", &[compute], obj(&[("method", s(method)), ("verdict", s("fail")), ("evidence", evidence)]));
            let what = match method {
                "zkml" => "bad-proof",
                "tee" => "bad-attestation",
                _ => "wrong-output",
            };
            if self.chance(0.6) {
                self.tick(5);
                let ev = self.hash();
                let fault = self.emit(verifier, "fault", &[attest], obj(&[("blame", s(&node_key)), ("what", s(what)), ("evidence", ev)]));
                self.maybe_accept(fault, node, &node_key, 0.7);
            } else {
                self.maybe_accept(attest, node, &node_key, 0.35);
            }
            return;
        }
        self.emit(verifier, "attest", &[compute], obj(&[("method", s(method)), ("verdict", s("pass"))]));
        if roll < 36 {
            // The client notices what the attester missed.
            self.tick(20);
            let fault = self.emit(requester, "fault", &[compute], obj(&[("blame", s(&node_key)), ("what", s("wrong-output")), ("note", s("output does not match the model's reference answer"))]));
            self.maybe_accept(fault, node, &node_key, 0.5);
        } else if roll < 40 {
            // A node owns up to a problem nobody reported.
            self.tick(40);
            self.emit(node, "accept", &[compute], obj(&[("remedy", s("refund")), ("amount", s("0.40 USDC")), ("note", s("served from a stale weights cache"))]));
        }
    }

    /// Someone may step forward for the incident that `cause` starts.
    fn maybe_accept(&mut self, cause: Id, node: usize, node_key: &str, p: f64) {
        let _ = node_key;
        if !self.chance(p) {
            return;
        }
        self.tick(60);
        let by = if self.chance(0.7) { node } else if self.chance(0.6) { self.pick("insurer") } else { self.pick("operator") };
        let remedy = ["refund", "rerun", "compensate", "slash", "refund", "rerun"][(self.rng.next_u32() % 6) as usize];
        let amount = format!("{}.{:02} USDC", self.rng.next_u32() % 20, self.rng.next_u32() % 100);
        let accept = self.emit(by, "accept", &[cause], obj(&[("remedy", s(remedy)), ("amount", s(&amount))]));
        let r = self.rng.next_u32() % 100;
        if r < 80 {
            self.tick(120);
            let harmed = self.pick("client");
            let outcome = if r < 70 { "done" } else { "disputed" };
            self.emit(harmed, "resolve", &[accept], obj(&[("outcome", s(outcome)), ("note", s(if outcome == "done" { "refund received" } else { "amount does not cover the loss" }))]));
        }
    }

    fn vote(&mut self) {
        // A second passes, so a voter repeating a vote makes a new statement, not a duplicate.
        self.time += 1;
        let v = (self.rng.next_u32() as usize) % self.voted.len();
        let voter = self.members.iter().position(|m| m.role == "voter").expect("voters") + v;
        // Choices lean toward "both are essential", as the project's first poll did.
        let r = self.rng.next_u32() % 100;
        let choice = if r < 22 { 0 } else if r < 40 { 1 } else if r < 93 { 2 } else { 3 };
        self.voted[v] = true;
        let poll = self.poll.expect("poll opened first");
        self.emit(voter, "vote", &[poll], obj(&[("choice", Json::Int(choice))]));
    }

    fn roster_change(&mut self) {
        let i = self.next_node;
        self.next_node += 1;
        self.members.push(Member { key: demo_key(self.seed, "compute", i), name: format!("node-{}", i + 1), role: "compute" });
        let add = self.roster_json(self.members.len() - 1..self.members.len());
        self.emit(usize::MAX, "roster", &[], obj(&[("add", add), ("remove", Json::Arr(vec![]))]));
    }

    fn step(&mut self, emitted: u64) {
        if emitted > 0 && emitted % 20_000 < 8 && self.out.is_empty() && self.chance(0.5) {
            self.roster_change();
        }
        if self.chance(0.02) {
            self.vote();
        } else {
            self.job();
        }
    }
}

/// What was written.
#[derive(Debug, Clone)]
pub struct Summary {
    pub statements: u64,
    pub checkpoints: u64,
    pub log_key: String,
    pub vkey: String,
}

/// Writes an `n`-statement demo trace to `out`, signing on `threads` threads.
pub fn write_demo(out: &mut impl Write, n: u64, seed: u64, threads: usize, mut progress: impl FnMut(u64)) -> io::Result<Summary> {
    let mut g = Gen::new(seed);
    let mut frontier = Frontier::default();
    let mut written = 0u64;
    let mut checkpoints = 0u64;
    let log_key = g.log.clone();
    g.opening();
    let batch = 8192;
    while written < n {
        while (g.out.len() as u64) < (n - written).min(batch) {
            g.step(written + g.out.len() as u64);
        }
        let take = ((n - written) as usize).min(g.out.len()).min(batch as usize);
        let chunk: Vec<Unsigned> = g.out.drain(..take).collect();
        let lines = sign_all(&chunk, &g.members, &g.log, threads);
        let mut text = Vec::with_capacity(lines.iter().map(|l| l.0.len() + 1).sum());
        for (line, leaf) in lines {
            text.extend_from_slice(line.as_bytes());
            text.push(b'\n');
            frontier.push(leaf);
            written += 1;
            if written % CHECKPOINT_EVERY == 0 || written == n {
                let note = note::sign_note(&note::checkpoint_text(DEMO_ORIGIN, frontier.size(), &frontier.root()), DEMO_ORIGIN, &log_key);
                text.extend_from_slice(note::checkpoint_line(&note).as_bytes());
                text.push(b'\n');
                checkpoints += 1;
            }
        }
        out.write_all(&text)?;
        progress(written);
    }
    out.flush()?;
    let pk = Key::of(&log_key);
    Ok(Summary { statements: written, checkpoints, log_key: key_to_string(&pk), vkey: note::vkey(DEMO_ORIGIN, &pk) })
}

fn sign_all(chunk: &[Unsigned], members: &[Member], log: &SigningKey, threads: usize) -> Vec<(String, statement::Hash)> {
    let sign_one = |u: &Unsigned| {
        let key = if u.signer == usize::MAX { log } else { &members[u.signer].key };
        let sig = Sig(key.sign(&u.id.0).to_bytes());
        let mut members = u.obj.clone();
        members.push(("sig".into(), s(&statement::sig_to_string(&sig))));
        let line = String::from_utf8(crate::json::canonical(&Json::Obj(members))).expect("UTF-8");
        (line, merkle::leaf_hash(&u.id, &sig))
    };
    #[cfg(not(target_arch = "wasm32"))]
    {
        let per = chunk.len().div_ceil(threads.max(1)).max(1);
        std::thread::scope(|sc| {
            let hs: Vec<_> = chunk.chunks(per).map(|part| sc.spawn(move || part.iter().map(sign_one).collect::<Vec<_>>())).collect();
            hs.into_iter().flat_map(|h| h.join().expect("signing thread panicked")).collect()
        })
    }
    #[cfg(target_arch = "wasm32")]
    {
        let _ = threads;
        chunk.iter().map(sign_one).collect()
    }
}
