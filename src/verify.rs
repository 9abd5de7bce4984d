//! The streaming verifier (FORMAT.md sections 2, 3 and 7).
//!
//! Work is split in two phases so that drivers can parallelise the costly one:
//! - phase A, [`analyze`]: one line at a time, no shared state: strict parse,
//!   canonical bytes, id, leaf hash, signature (batched). Threads (native) or
//!   workers (wasm) run it on disjoint runs of whole lines.
//! - phase B, [`Verifier::ingest`]: in file order: indexes, refs, roster,
//!   checkpoints, incidents and tallies.
//!
//! Memory grows only with per-statement state (id, leaf hash, kind, actor),
//! never with the raw text: the verifier keeps at most one partial line.

use crate::accountability::{Collector as Incidents, Fact};
use crate::json::{self, Json, Numbers};
use crate::merkle::{self, Frontier};
use crate::note;
use crate::poll::Tally;
use crate::report::*;
use crate::signature::{self, Item, KeyCache, Mode, SigError};
use crate::statement::{self, id_to_hex, key_to_string, Body, Hash, Id, Key, Statement, MAX_LINE_BYTES};
use hashbrown::HashTable;
use std::hash::BuildHasher;

/// What a reader already trusts before reading a trace.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// The log key the reader pinned (`--key`); another one is `log.key.mismatch`.
    pub log_key: Option<Key>,
    pub signatures: Mode,
    /// Checkpoints seen earlier; the trace must extend the ones of its own
    /// origin (an empty origin means "this log"), or it is `checkpoint.fork`.
    pub known: Vec<KnownCheckpoint>,
    /// Keep each statement's byte offset and line (for the page's explorer).
    pub keep_rows: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct KnownCheckpoint {
    pub origin: String,
    pub size: u64,
    /// Lowercase hex.
    pub root: String,
}

/// Phase A's verdict on one line.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub enum LineOutcome {
    Empty,
    /// `{"checkpoint": "<note>"}`: checked in phase B.
    Checkpoint(String),
    /// A line that is a checkpoint line but not a well-formed one.
    BadCheckpointLine(String),
    Malformed(String),
    Statement(Box<Checked>),
}

#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct Checked {
    pub statement: Statement,
    pub signature: Result<(), SigError>,
    pub leaf: Hash,
}

/// Strips the line ending and classifies one line (no signature check yet).
fn classify(line: &[u8]) -> LineOutcome {
    let line = line.strip_suffix(b"\r").unwrap_or(line);
    if line.is_empty() {
        return LineOutcome::Empty;
    }
    // A line is the JSON value alone: no white space around it, so a changed
    // line ending can never leave a trace as it was (FORMAT.md section 1).
    if matches!(line[0], b' ' | b'\t' | b'\r') || matches!(line[line.len() - 1], b' ' | b'\t' | b'\r') {
        return LineOutcome::Malformed("white space before or after the JSON value (a line is the value alone; only \\r\\n line endings are tolerated)".into());
    }
    if line.len() > MAX_LINE_BYTES {
        return LineOutcome::Malformed(format!("the line is {} bytes, over the 1 MiB limit", line.len()));
    }
    let v = match json::parse(line, Numbers::SafeIntegers) {
        Ok(v) => v,
        Err(e) => return LineOutcome::Malformed(e.to_string()),
    };
    if let Some(cp) = v.get("checkpoint") {
        let Json::Obj(members) = &v else { unreachable!("get() only finds members of objects") };
        return match (members.len(), cp) {
            (1, Json::Str(note)) => LineOutcome::Checkpoint(note.clone()),
            (1, _) => LineOutcome::BadCheckpointLine(format!("\"checkpoint\" must be a string, not {}", cp.type_name())),
            _ => LineOutcome::BadCheckpointLine("a checkpoint line has exactly one member, \"checkpoint\"".into()),
        };
    }
    match statement::statement_from_json(&v) {
        Ok(st) => {
            let leaf = merkle::leaf_hash(&st.id, &st.sig);
            LineOutcome::Statement(Box::new(Checked { statement: st, signature: Err(SigError::Invalid), leaf }))
        }
        Err(e) => LineOutcome::Malformed(e),
    }
}

/// Phase A over whole lines: classify each, then check all signatures in batches.
pub fn analyze<'a>(lines: impl IntoIterator<Item = &'a [u8]>, mode: Mode, cache: &mut KeyCache) -> Vec<LineOutcome> {
    let mut out: Vec<LineOutcome> = lines.into_iter().map(classify).collect();
    let mut which = Vec::new();
    let items: Vec<Item> = out
        .iter()
        .enumerate()
        .filter_map(|(i, o)| match o {
            LineOutcome::Statement(c) => {
                which.push(i);
                Some(Item { key: &c.statement.actor, msg: &c.statement.id, sig: &c.statement.sig })
            }
            _ => None,
        })
        .collect();
    let results = signature::verify_all(&items, mode, cache);
    for (i, r) in which.into_iter().zip(results) {
        if let LineOutcome::Statement(c) = &mut out[i] {
            c.signature = r;
        }
    }
    out
}

/// Phase A results for a run of whole lines, as bytes another verifier
/// instance can ingest (wasm workers hand these to the one that merges).
#[derive(serde::Serialize, serde::Deserialize)]
struct Analyzed {
    bytes: u64,
    line_lengths: Vec<u32>,
    outcomes: Vec<LineOutcome>,
}

/// Phase A over `chunk` (whole lines; the last may lack its newline), serialized.
pub fn analyze_to_bytes(chunk: &[u8], mode: Mode, cache: &mut KeyCache) -> Vec<u8> {
    let line_lengths = lines(chunk).map(|l| l.len() as u32 + 1).collect();
    let outcomes = analyze(lines(chunk), mode, cache);
    postcard::to_allocvec(&Analyzed { bytes: chunk.len() as u64, line_lengths, outcomes }).expect("phase A results serialize")
}

/// Splits `buf` into lines at `\n` (the last piece may lack one).
pub fn lines(buf: &[u8]) -> impl Iterator<Item = &[u8]> {
    let trimmed = buf.strip_suffix(b"\n").unwrap_or(buf);
    let empty = buf.is_empty();
    trimmed.split(|&b| b == b'\n').filter(move |_| !empty)
}

/// Kinds the verifier acts on, interned first so their numbers are fixed.
const KNOWN_KINDS: [&str; 12] = ["", "log", "roster", "request", "model", "compute", "attest", "fault", "accept", "resolve", "poll", "vote"];
pub const KIND_MALFORMED: u32 = 0;
const KIND_REQUEST: u32 = 3;

/// Per-statement flags.
const USABLE: u8 = 1; // well-formed, signature valid, body valid, not a duplicate
const SIG_OK: u8 = 2;
const WELL_FORMED: u8 = 4;

/// A checkpoint line as read: settled at once (every statement it can cover
/// comes before it), so notes are never held for the whole trace.
struct PendingCheckpoint {
    line: u64,
    note: String,
    statements_before: u64,
    root_then: Hash,
}

struct UnresolvedRef {
    line: u64,
    index: u64,
    target: Id,
}

struct LogInfo {
    origin: String,
    key: Key,
}

/// The phase B state and the streaming front end.
pub struct Verifier {
    opts: Options,
    cache: KeyCache,
    partial: Vec<u8>,
    /// The current partial line is over the limit: skip to its end.
    overlong: Option<u64>,
    line: u64,
    bytes: u64,
    /// Byte offset of the start of the next line.
    line_start: u64,
    ids: Vec<Id>,
    leaves: Vec<Hash>,
    by_id: HashTable<u32>,
    hasher: hashbrown::DefaultHashBuilder,
    flags: Vec<u8>,
    kinds: Vec<u32>,
    kind_names: Vec<String>,
    kind_index: hashbrown::HashMap<String, u32>,
    actors: Vec<u32>,
    /// 1-based line of each statement.
    line_of: Vec<u32>,
    actor_keys: Vec<Key>,
    actor_index: hashbrown::HashMap<Key, u32>,
    frontier: Frontier,
    first_malformed: Option<u64>,
    log: Option<LogInfo>,
    roster: Vec<RosterMember>,
    roster_keys: hashbrown::HashMap<Key, usize>,
    /// Checkpoint lines read, and the largest valid one (what seals).
    checkpoints: u64,
    sealed: Option<CheckpointInfo>,
    unresolved: Vec<UnresolvedRef>,
    findings: Findings,
    incidents: Incidents,
    tally: Tally,
    /// Byte offset and length per statement, when `keep_rows`.
    pub rows: Vec<(u64, u32)>,
    /// Hashes committed to by statement bodies, when `keep_rows`: the first four
    /// bytes and the statement index (8 bytes, not 36: a million-statement trace
    /// has about 1.5 million). Candidates are confirmed against their line.
    commits: Vec<(u32, u32)>,
    finished: Option<Report>,
}

impl Verifier {
    pub fn new(opts: Options) -> Self {
        Verifier {
            cache: KeyCache::default(),
            partial: Vec::new(),
            overlong: None,
            line: 0,
            bytes: 0,
            line_start: 0,
            ids: Vec::new(),
            leaves: Vec::new(),
            by_id: HashTable::new(),
            hasher: Default::default(),
            flags: Vec::new(),
            kinds: Vec::new(),
            kind_names: KNOWN_KINDS.iter().map(|s| s.to_string()).collect(),
            kind_index: KNOWN_KINDS.iter().enumerate().map(|(i, s)| (s.to_string(), i as u32)).collect(),
            actors: Vec::new(),
            line_of: Vec::new(),
            actor_keys: Vec::new(),
            actor_index: Default::default(),
            frontier: Frontier::default(),
            first_malformed: None,
            log: None,
            roster: Vec::new(),
            roster_keys: Default::default(),
            checkpoints: 0,
            sealed: None,
            unresolved: Vec::new(),
            findings: Findings::default(),
            incidents: Incidents::default(),
            tally: Tally::default(),
            rows: Vec::new(),
            commits: Vec::new(),
            finished: None,
            opts,
        }
    }

    pub fn options(&self) -> &Options {
        &self.opts
    }

    /// Bytes, lines and statements consumed so far.
    pub fn progress(&self) -> (u64, u64, u64) {
        (self.bytes, self.line, self.ids.len() as u64)
    }

    /// Feeds any chunk of the trace; lines may be split across chunks.
    pub fn push(&mut self, mut chunk: &[u8]) {
        assert!(self.finished.is_none(), "push after finish");
        self.bytes += chunk.len() as u64;
        // Finish skipping an over-long line.
        if let Some(len) = self.overlong {
            match chunk.iter().position(|&b| b == b'\n') {
                None => {
                    self.overlong = Some(len + chunk.len() as u64);
                    return;
                }
                Some(p) => {
                    self.ingest_overlong(len + p as u64);
                    chunk = &chunk[p + 1..];
                }
            }
        }
        let Some(last_nl) = chunk.iter().rposition(|&b| b == b'\n') else {
            self.append_partial(chunk);
            return;
        };
        let (complete, rest) = chunk.split_at(last_nl + 1);
        if self.partial.is_empty() {
            self.run(complete);
        } else {
            let first_nl = complete.iter().position(|&b| b == b'\n').expect("has a newline");
            self.partial.extend_from_slice(&complete[..=first_nl]);
            let joined = std::mem::take(&mut self.partial);
            self.run(&joined);
            self.run(&complete[first_nl + 1..]);
        }
        self.append_partial(rest);
    }

    fn append_partial(&mut self, bytes: &[u8]) {
        if self.partial.len() + bytes.len() > MAX_LINE_BYTES + 1 {
            // Do not hold an endless line in memory: it is malformed whatever follows.
            self.overlong = Some((self.partial.len() + bytes.len()) as u64);
            self.partial.clear();
        } else {
            self.partial.extend_from_slice(bytes);
        }
    }

    fn ingest_overlong(&mut self, len: u64) {
        self.overlong = None;
        let start = self.line_start;
        let reason = format!("the line is {len} bytes, over the 1 MiB limit");
        self.ingest_at(LineOutcome::Malformed(reason), start, len as u32 + 1);
    }

    /// Phase A then B on whole lines, single-threaded.
    fn run(&mut self, complete: &[u8]) {
        // Bounded runs keep the phase A results small.
        let mut start = 0;
        while start < complete.len() {
            // Long enough runs to fill a signature batch (about 2,700 statements a MiB).
            let mut end = (start + (1 << 20)).min(complete.len());
            end = match complete[end - 1..].iter().position(|&b| b == b'\n') {
                Some(p) => end + p,
                None => complete.len(),
            };
            let piece = &complete[start..end];
            let outcomes = analyze(lines(piece), self.opts.signatures, &mut self.cache);
            self.ingest_lines(piece, outcomes);
            start = end;
        }
    }

    /// Phase B for the outcomes of [`analyze`] over `piece` (whole lines, in order).
    pub fn ingest_lines(&mut self, piece: &[u8], outcomes: Vec<LineOutcome>) {
        let mut it = lines(piece);
        for o in outcomes {
            let len = it.next().expect("one outcome per line").len() as u32 + 1;
            self.ingest_at(o, self.line_start, len);
        }
    }

    /// Phase B for the output of [`analyze_to_bytes`]; chunks must arrive in file order.
    pub fn ingest_bytes(&mut self, analyzed: &[u8]) -> Result<(), String> {
        let a: Analyzed = postcard::from_bytes(analyzed).map_err(|e| format!("not phase A output of this version: {e}"))?;
        if a.line_lengths.len() != a.outcomes.len() {
            return Err("phase A output has mismatched lines".into());
        }
        assert!(self.partial.is_empty() && self.overlong.is_none(), "ingest_bytes cannot be mixed with push of partial lines");
        self.bytes += a.bytes;
        for (o, len) in a.outcomes.into_iter().zip(a.line_lengths) {
            self.ingest_at(o, self.line_start, len);
        }
        Ok(())
    }

    /// For drivers that count bytes themselves (parallel native verify).
    pub fn add_bytes(&mut self, n: u64) {
        self.bytes += n;
    }

    fn intern_actor(&mut self, key: &Key) -> u32 {
        if let Some(&i) = self.actor_index.get(key) {
            return i;
        }
        let i = self.actor_keys.len() as u32;
        self.actor_keys.push(*key);
        self.actor_index.insert(*key, i);
        i
    }

    fn intern_kind(&mut self, kind: &str) -> u32 {
        if let Some(&i) = self.kind_index.get(kind) {
            return i;
        }
        let i = self.kind_names.len() as u32;
        self.kind_names.push(kind.to_string());
        self.kind_index.insert(kind.to_string(), i);
        i
    }

    fn lookup(&self, id: &Id) -> Option<u32> {
        let h = self.hasher.hash_one(id);
        self.by_id.find(h, |&i| self.ids[i as usize] == *id).copied()
    }

    fn find(&mut self, code: Code, index: Option<u64>, id: Option<&Id>, what: impl Into<String>) {
        self.findings.push(Finding::new(code, self.line, index, id.map(id_to_hex), what));
    }

    fn ingest_at(&mut self, o: LineOutcome, offset: u64, len: u32) {
        self.line += 1;
        self.line_start = offset + len as u64;
        match o {
            LineOutcome::Empty => {}
            LineOutcome::Checkpoint(note) => {
                let cp = PendingCheckpoint { line: self.line, note, statements_before: self.ids.len() as u64, root_then: self.frontier.root() };
                self.checkpoints += 1;
                self.settle_checkpoint(cp);
            }
            LineOutcome::BadCheckpointLine(reason) => {
                self.find(Code::CheckpointMalformed, None, None, format!("Checkpoint line {}: {reason}.", self.line))
            }
            LineOutcome::Malformed(reason) => {
                let index = self.ids.len() as u64;
                self.first_malformed.get_or_insert(index);
                // A malformed line keeps its slot; its id and leaf are unknown (zero).
                // Leaves are kept only up to the first malformed statement: no
                // checkpoint or proof can cover one, so later leaves serve nothing.
                self.ids.push([0; 32]);
                self.frontier.push([0; 32]);
                self.flags.push(0);
                self.kinds.push(KIND_MALFORMED);
                self.actors.push(u32::MAX);
                self.line_of.push(self.line as u32);
                if self.opts.keep_rows {
                    self.rows.push((offset, len));
                }
                self.find(Code::StatementMalformed, Some(index), None, format!("Line {} (statement {index}): {reason}.", self.line));
                if index == 0 {
                    self.find(Code::LogGenesisInvalid, Some(0), None, "The first statement is malformed, so the log has no origin or key.");
                }
            }
            LineOutcome::Statement(c) => self.ingest_statement(*c, offset, len),
        }
    }

    fn ingest_statement(&mut self, c: Checked, offset: u64, len: u32) {
        let Checked { statement: st, signature: sig, leaf } = c;
        let index = self.ids.len() as u64;
        let id = st.id;
        let duplicate = self.lookup(&id);
        self.ids.push(id);
        if self.first_malformed.is_none() {
            self.leaves.push(leaf);
        }
        self.frontier.push(leaf);
        let kind = self.intern_kind(&st.kind);
        self.kinds.push(kind);
        let actor = self.intern_actor(&st.actor);
        self.actors.push(actor);
        self.line_of.push(self.line as u32);
        if self.opts.keep_rows {
            self.rows.push((offset, len));
            for h in &st.commits {
                self.commits.push((hash_prefix(h), index as u32));
            }
        }
        let sig_ok = sig.is_ok();
        if let Err(e) = sig {
            let why = match e {
                SigError::BadKey => "its actor key is not a valid Ed25519 key (malformed, non-canonical or weak)",
                SigError::Invalid => "its signature does not verify under the strict rules",
            };
            self.find(Code::StatementSignatureInvalid, Some(index), Some(&id), format!("Statement {index} ({} by {}): {why}.", st.kind, short_key(&st.actor)));
        }
        if let Some(first) = duplicate {
            self.find(Code::StatementDuplicate, Some(index), Some(&id), format!("Statement {index} repeats statement {first}."));
        } else {
            let h = self.hasher.hash_one(id);
            let ids = &self.ids;
            let hasher = &self.hasher;
            self.by_id.insert_unique(h, index as u32, |&i| hasher.hash_one(ids[i as usize]));
        }
        // Refs: resolved now if earlier; anything else is settled at the end.
        let mut resolved: Vec<u32> = Vec::with_capacity(st.refs.len());
        for r in &st.refs {
            match self.lookup(r) {
                Some(i) if (i as u64) < index => resolved.push(i),
                _ => self.unresolved.push(UnresolvedRef { line: self.line, index, target: *r }),
            }
        }
        let mut usable = sig_ok && duplicate.is_none();
        if let Body::Invalid(reason) = &st.body {
            self.find(Code::BodyInvalid, Some(index), Some(&id), format!("Statement {index}: {reason}."));
            usable = false;
        }
        if index == 0 {
            self.genesis(&st);
        } else {
            self.later(&st, index, sig_ok, usable);
        }
        if usable && st.kind == "vote" {
            if let Body::Vote { choice } = st.body {
                match self.tally.vote(index as u32, actor, choice, st.time, &resolved) {
                    Ok(()) => {}
                    Err(crate::poll::VoteProblem::Late { closes }) => self.find(
                        Code::VoteLate,
                        Some(index),
                        Some(&id),
                        format!("Vote {index} is timed {} but the poll closed at {}.", statement::format_time(st.time), statement::format_time(closes)),
                    ),
                    Err(crate::poll::VoteProblem::Invalid(why)) => {
                        self.find(Code::BodyInvalid, Some(index), Some(&id), format!("Vote {index}: {why}."));
                        usable = false;
                    }
                }
            }
        }
        if usable {
            if let Body::Poll { question, options, closes } = &st.body {
                self.tally.poll(index as u32, id, question.clone(), options.clone(), *closes);
            }
            if let Body::Compute { output } = &st.body {
                let kinds = &self.kinds;
                self.incidents.add_compute(index as u32, *output, resolved.iter().copied().filter(|&r| kinds[r as usize] == KIND_REQUEST));
            }
            let fact = match &st.body {
                Body::Attest { pass, .. } => Some(Fact::Attest { pass: *pass }),
                Body::Fault { blame, what } => Some(Fact::Fault { blame: *blame, what: what.clone() }),
                Body::Accept { remedy, amount } => Some(Fact::Accept { remedy: remedy.clone(), amount: amount.clone() }),
                Body::Resolve { done } => Some(Fact::Resolve { done: *done }),
                _ => None,
            };
            if let Some(f) = fact {
                self.incidents.add(index as u32, f, resolved);
            }
        }
        self.flags.push(WELL_FORMED | if usable { USABLE } else { 0 } | if sig_ok { SIG_OK } else { 0 });
    }

    fn genesis(&mut self, st: &Statement) {
        let Body::Log { origin, roster } = &st.body else {
            let why = if st.kind == "log" { "its body is invalid" } else { "it is not of kind `log`" };
            self.find(Code::LogGenesisInvalid, Some(0), Some(&st.id), format!("Statement 0 cannot start a log: {why} (kind {}).", st.kind));
            return;
        };
        if let Some(pinned) = self.opts.log_key {
            if pinned != st.actor {
                self.find(
                    Code::LogKeyMismatch,
                    Some(0),
                    Some(&st.id),
                    format!("The log is signed by {} but you pinned {}.", key_to_string(&st.actor), key_to_string(&pinned)),
                );
            }
        }
        self.log = Some(LogInfo { origin: origin.clone(), key: st.actor });
        for e in roster {
            self.roster_add(e);
        }
    }

    fn roster_add(&mut self, e: &statement::RosterEntry) {
        let member = RosterMember { key: key_to_string(&e.key), name: e.name.clone(), role: e.role.clone(), removed: false };
        match self.roster_keys.get(&e.key) {
            Some(&i) => self.roster[i] = member,
            None => {
                self.roster_keys.insert(e.key, self.roster.len());
                self.roster.push(member);
            }
        }
    }

    fn later(&mut self, st: &Statement, index: u64, sig_ok: bool, usable: bool) {
        let log_key = self.log.as_ref().map(|l| l.key);
        let by_log = log_key == Some(st.actor);
        match &st.body {
            Body::Log { .. } => self.find(Code::LogRepeated, Some(index), Some(&st.id), format!("Statement {index} is a second `log` statement.")),
            Body::Roster { add, remove } if usable => {
                if by_log {
                    for k in remove {
                        if let Some(&i) = self.roster_keys.get(k) {
                            self.roster[i].removed = true;
                        }
                    }
                    for e in add {
                        self.roster_add(e);
                    }
                } else {
                    self.find(Code::RosterUnauthorized, Some(index), Some(&st.id), format!("Roster statement {index} is signed by {}, not the log key.", short_key(&st.actor)));
                }
            }
            _ => {}
        }
        if sig_ok && !by_log {
            let known = self.roster_keys.get(&st.actor).is_some_and(|&i| !self.roster[i].removed);
            if !known {
                self.find(Code::ActorUnrecognized, Some(index), Some(&st.id), format!("Statement {index} ({}) is by {}, who is not in the roster.", st.kind, short_key(&st.actor)));
            }
        }
    }

    /// Ends the trace: settles refs and checkpoints, builds incidents and tallies.
    pub fn finish(&mut self) -> Report {
        if let Some(r) = &self.finished {
            return r.clone();
        }
        if let Some(len) = self.overlong {
            self.ingest_overlong(len);
        }
        if !self.partial.is_empty() {
            let last = std::mem::take(&mut self.partial);
            let outcomes = if last.ends_with(b"\r") {
                // \r is tolerated only before \n; at the very end it is a changed line ending.
                vec![LineOutcome::Malformed("the last line ends with \\r but no \\n".into())]
            } else {
                analyze(lines(&last), self.opts.signatures, &mut self.cache)
            };
            self.ingest_lines(&last, outcomes);
        }
        let n = self.ids.len() as u64;
        let end_line = self.line;
        if n == 0 {
            self.findings.push(Finding::new(Code::TraceEmpty, 0, None, None, "The trace has no statements."));
        }
        for u in std::mem::take(&mut self.unresolved) {
            let (code, what) = match self.lookup(&u.target) {
                Some(i) if i as u64 == u.index => (Code::RefForward, format!("Statement {} refers to itself.", u.index)),
                Some(i) => (Code::RefForward, format!("Statement {} refers to statement {i}, which comes later.", u.index)),
                None => (Code::RefDangling, format!("Statement {} refers to {}, which is not in the log.", u.index, id_to_hex(&u.target))),
            };
            let id = self.ids[u.index as usize];
            self.findings.push(Finding::new(code, u.line, Some(u.index), Some(id_to_hex(&id)), what));
        }
        let sealed = self.sealed.clone();
        let sealed_size = sealed.as_ref().map_or(0, |c| c.size);
        if sealed_size < n {
            let first = sealed_size;
            let line = self.line_of[first as usize] as u64;
            self.findings.push(Finding::new(
                Code::TraceUnsealed,
                line,
                Some(first),
                Some(id_to_hex(&self.ids[first as usize])).filter(|_| self.flags[first as usize] & SIG_OK != 0),
                format!("Statements {first} to {} ({} of {n}) are covered by no valid checkpoint.", n - 1, n - first),
            ));
        }
        self.check_known();
        let (incidents, anomalies) = self.incidents.finish(&self.kinds, &self.actors, &self.actor_keys);
        for (index, other) in anomalies {
            let line = self.line_of[index as usize] as u64;
            self.findings.push(Finding::new(
                Code::AnomalySilentDisagreement,
                line,
                Some(index as u64),
                Some(id_to_hex(&self.ids[index as usize])),
                format!("Computes {index} and {other} answer the same request with different outputs."),
            ));
        }
        let mut accountability = Accountability::default();
        for i in &incidents {
            match i.category {
                Category::DetectedOnly => accountability.detected_only += 1,
                Category::ResponsibilityOnly => accountability.responsibility_only += 1,
                Category::Both => accountability.both += 1,
                Category::Silent => accountability.silent += 1,
            }
        }
        let (findings, findings_omitted, counts) = self.findings.finish();
        let status = if counts.error > 0 {
            Status::Failed
        } else if sealed_size < n {
            Status::Unsealed
        } else {
            Status::Verified
        };
        let report = Report {
            status,
            origin: self.log.as_ref().map(|l| l.origin.clone()),
            log_key: self.log.as_ref().map(|l| key_to_string(&l.key)),
            vkey: self.log.as_ref().map(|l| note::vkey(&l.origin, &l.key)),
            statements: n,
            checkpoints: self.checkpoints,
            lines: end_line,
            bytes: self.bytes,
            sealed,
            signature_mode: self.opts.signatures,
            findings,
            findings_omitted,
            counts,
            accountability,
            incidents,
            polls: self.tally.finish(),
            roster: self.roster.clone(),
        };
        self.finished = Some(report.clone());
        report
    }

    fn root_at(&self, size: u64) -> Hash {
        merkle::root(&self.leaves[..size as usize])
    }

    /// Checks one checkpoint line against the statements before it; the largest valid one seals.
    fn settle_checkpoint(&mut self, cp: PendingCheckpoint) {
        let at = |code: Code, what: String| Finding::new(code, cp.line, None, None, format!("Checkpoint on line {}: {what}.", cp.line));
        let Some(log) = &self.log else {
            self.findings.push(at(Code::CheckpointUncheckable, "the log has no valid first statement, so there is no key to check it with".into()));
            return;
        };
        let checked = match note::verify_checkpoint(&cp.note, &log.origin, &log.key) {
            Ok(c) => c,
            Err(e) => {
                let f = match e {
                    note::CheckpointError::Malformed(why) => at(Code::CheckpointMalformed, why),
                    note::CheckpointError::OriginMismatch { found } => at(Code::CheckpointOriginMismatch, format!("its origin is {}, the log's is {}", quoted(&found), quoted(&log.origin))),
                    note::CheckpointError::SignatureMissing => at(Code::CheckpointSignatureMissing, format!("no signature line by {} with key id {}", quoted(&log.origin), hex::encode(note::key_id(&log.origin, &log.key)))),
                    note::CheckpointError::SignatureInvalid => at(Code::CheckpointSignatureInvalid, "the log key's signature does not verify".into()),
                };
                self.findings.push(f);
                return;
            }
        };
        if checked.size > cp.statements_before {
            self.findings.push(at(Code::CheckpointSizeAhead, format!("it commits to {} statements but only {} come before it", checked.size, cp.statements_before)));
            return;
        }
        if let Some(m) = self.first_malformed.filter(|&m| m < checked.size) {
            self.findings.push(at(Code::CheckpointUncheckable, format!("it covers statement {m}, which is malformed")));
            return;
        }
        let root = if checked.size == cp.statements_before { cp.root_then } else { self.root_at(checked.size) };
        if root != checked.root {
            self.findings.push(at(
                Code::CheckpointRootMismatch,
                format!("the first {} statements hash to {} but the log signed {}", checked.size, hex::encode(root), hex::encode(checked.root)),
            ));
            return;
        }
        if self.sealed.as_ref().is_none_or(|b| checked.size >= b.size) {
            self.sealed = Some(CheckpointInfo { line: cp.line, size: checked.size, root: hex::encode(checked.root), valid: true, note: cp.note });
        }
    }

    /// Checkpoints the reader held before: this copy must contain each of them
    /// (FORMAT.md section 3). A copy that ends before one, or disagrees with it,
    /// is `checkpoint.inconsistent`: a reader who has seen more is never told
    /// that less is the whole log.
    fn check_known(&mut self) {
        let Some(log) = self.log.as_ref() else { return };
        let n = self.ids.len() as u64;
        let mut found = Vec::new();
        for known in self.opts.known.iter().filter(|k| k.origin.is_empty() || k.origin == log.origin) {
            let short = |r: &str| format!("{}…", r.chars().take(16).collect::<String>());
            if known.size > n {
                let missing = known.size - n;
                found.push(Finding::new(
                    Code::CheckpointInconsistent,
                    0,
                    None,
                    None,
                    format!(
                        "You saw this log at size {} (root {}); this copy has only {n} statements: {missing} statement(s) the log had committed to are missing from it. It is an old copy, or the log was rolled back.",
                        known.size,
                        short(&known.root)
                    ),
                ));
                continue;
            }
            // A copy broken before that size cannot be compared (it has failed already).
            if self.first_malformed.is_some_and(|m| m < known.size) {
                continue;
            }
            let root = hex::encode(self.root_at(known.size));
            if root != known.root {
                found.push(Finding::new(
                    Code::CheckpointInconsistent,
                    0,
                    known.size.checked_sub(1),
                    None,
                    format!("You saw this log at size {} with root {}; this copy has root {} at that size: the log forked (two different histories).", known.size, short(&known.root), short(&root)),
                ));
            }
        }
        for f in found {
            self.findings.push(f);
        }
    }

    // ----- read access for receipts, the explorer and artifacts -----

    pub fn statement_count(&self) -> u64 {
        self.ids.len() as u64
    }
    pub fn id(&self, index: u64) -> Option<Id> {
        self.ids.get(index as usize).copied().filter(|_| self.flags[index as usize] & WELL_FORMED != 0)
    }
    pub fn leaves(&self) -> &[Hash] {
        &self.leaves
    }
    pub fn kind_name(&self, index: u64) -> &str {
        &self.kind_names[self.kinds[index as usize] as usize]
    }
    /// The roster name of a key (base64url), if the roster names it.
    pub fn roster_name(&self, key: &str) -> Option<&str> {
        self.roster.iter().find(|m| m.key == key).map(|m| m.name.as_str())
    }
    pub fn line_of(&self, index: u64) -> u64 {
        self.line_of[index as usize] as u64
    }
    pub fn actor(&self, index: u64) -> Option<Key> {
        self.actor_keys.get(self.actors[index as usize] as usize).copied()
    }
    pub fn signature_ok(&self, index: u64) -> bool {
        self.flags[index as usize] & SIG_OK != 0
    }
    pub fn index_of(&self, id: &Id) -> Option<u64> {
        self.lookup(id).map(u64::from)
    }
    /// Indexes of statements whose body may contain `hash` (same first four
    /// bytes): confirm each with [`statement::line_commits_to`] on its line.
    pub fn commit_candidates(&self, hash: &Hash) -> Vec<u64> {
        let p = hash_prefix(hash);
        let mut out: Vec<u64> = self.commits.iter().filter(|(h, _)| *h == p).map(|&(_, i)| i as u64).collect();
        out.dedup();
        out
    }
    /// Inclusion proof of `index` in the tree of the first `size` statements.
    pub fn inclusion_proof(&self, index: u64, size: u64) -> Vec<Hash> {
        merkle::inclusion_proof(index, &self.leaves[..size as usize])
    }
}

fn hash_prefix(h: &Hash) -> u32 {
    u32::from_le_bytes(h[..4].try_into().expect("4 bytes"))
}

pub fn short_key(k: &Key) -> String {
    let s = key_to_string(k);
    format!("{}…", &s[..10])
}

/// Verifies a whole trace held in memory (tests and small inputs).
pub fn verify_bytes(trace: &[u8], opts: Options) -> Report {
    let mut v = Verifier::new(opts);
    v.push(trace);
    v.finish()
}

/// What the reader hands on: a run of whole lines, or the length of a line too
/// long to be a statement (skipped without holding it in memory).
#[cfg(not(target_arch = "wasm32"))]
enum Piece {
    Lines(Vec<u8>),
    /// Length without the newline, and whether a newline ended it.
    Overlong(u64, bool),
}

/// Native driver, pipelined: a reader thread cuts the input into runs of whole
/// lines, `threads` threads run phase A on them, and this thread runs phase B
/// in file order while they work. At most a fixed number of runs are in
/// flight, so memory stays flat whatever the input's size.
#[cfg(not(target_arch = "wasm32"))]
pub fn verify_reader(input: impl std::io::Read + Send, opts: Options, threads: usize, mut progress: impl FnMut(&Verifier)) -> std::io::Result<(Report, Verifier)> {
    use std::collections::BTreeMap;
    use std::sync::mpsc::{channel, sync_channel};
    use std::sync::{Arc, Mutex};

    const RUN: usize = 1 << 20;
    let threads = threads.max(1);
    let in_flight = threads * 3;
    let mode = opts.signatures;
    let mut v = Verifier::new(opts);
    let (job_tx, job_rx) = sync_channel::<(u64, Piece)>(in_flight);
    let job_rx = Arc::new(Mutex::new(job_rx));
    let (done_tx, done_rx) = channel::<(u64, Piece, Vec<LineOutcome>)>();
    // Credits bound the runs between the reader and the merge.
    let (credit_tx, credit_rx) = sync_channel::<()>(in_flight);
    for _ in 0..in_flight {
        credit_tx.send(()).expect("credit channel has room");
    }
    let mut tail: Vec<u8> = Vec::new();
    let mut read_error: Option<std::io::Error> = None;
    std::thread::scope(|s| {
        for _ in 0..threads {
            let job_rx = Arc::clone(&job_rx);
            let done_tx = done_tx.clone();
            s.spawn(move || {
                let mut cache = KeyCache::default();
                loop {
                    let job = job_rx.lock().expect("job queue lock").recv();
                    let Ok((seq, piece)) = job else { break };
                    let out = match &piece {
                        Piece::Lines(b) => analyze(lines(b), mode, &mut cache),
                        Piece::Overlong(..) => Vec::new(),
                    };
                    if done_tx.send((seq, piece, out)).is_err() {
                        break;
                    }
                }
            });
        }
        drop(done_tx);
        let reader = s.spawn(move || -> std::io::Result<Vec<u8>> {
            let mut input = input;
            let mut buf: Vec<u8> = Vec::with_capacity(RUN * 2);
            let mut seq = 0u64;
            let mut skipping: Option<u64> = None;
            let mut send = |piece: Piece| -> bool {
                if credit_rx.recv().is_err() {
                    return false;
                }
                let ok = job_tx.send((seq, piece)).is_ok();
                seq += 1;
                ok
            };
            loop {
                let start = buf.len();
                buf.resize(start + RUN, 0);
                let n = read_full(&mut input, &mut buf[start..])?;
                buf.truncate(start + n);
                if let Some(len) = skipping {
                    match buf.iter().position(|&b| b == b'\n') {
                        None => {
                            skipping = Some(len + buf.len() as u64);
                            buf.clear();
                            if n == 0 {
                                // The over-long line runs to the end of the input.
                                send(Piece::Overlong(len, false));
                                return Ok(Vec::new());
                            }
                            continue;
                        }
                        Some(p) => {
                            if !send(Piece::Overlong(len + p as u64, true)) {
                                return Ok(Vec::new());
                            }
                            buf.drain(..=p);
                            skipping = None;
                        }
                    }
                }
                let cut = buf.iter().rposition(|&b| b == b'\n').map_or(0, |p| p + 1);
                if cut > 0 {
                    let rest = buf.split_off(cut);
                    if !send(Piece::Lines(std::mem::replace(&mut buf, rest))) {
                        return Ok(Vec::new());
                    }
                } else if buf.len() > MAX_LINE_BYTES + 1 {
                    skipping = Some(buf.len() as u64);
                    buf.clear();
                }
                if n == 0 {
                    // The unterminated last line goes through `push`, so `finish` judges its ending.
                    return Ok(buf);
                }
            }
        });
        // Phase B, in order.
        let mut waiting: BTreeMap<u64, (Piece, Vec<LineOutcome>)> = BTreeMap::new();
        let mut next = 0u64;
        for (seq, piece, out) in done_rx.iter() {
            waiting.insert(seq, (piece, out));
            while let Some((piece, out)) = waiting.remove(&next) {
                match piece {
                    Piece::Lines(b) => {
                        v.add_bytes(b.len() as u64);
                        v.ingest_lines(&b, out);
                    }
                    Piece::Overlong(len, terminated) => {
                        v.add_bytes(len + terminated as u64);
                        v.ingest_overlong(len);
                    }
                }
                next += 1;
                let _ = credit_tx.send(());
                progress(&v);
            }
        }
        match reader.join().expect("reader thread panicked") {
            Ok(t) => tail = t,
            Err(e) => read_error = Some(e),
        }
    });
    if let Some(e) = read_error {
        return Err(e);
    }
    v.push(&tail);
    let report = v.finish();
    Ok((report, v))
}

#[cfg(not(target_arch = "wasm32"))]
fn read_full(r: &mut impl std::io::Read, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut n = 0;
    while n < buf.len() {
        match r.read(&mut buf[n..]) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(n)
}
