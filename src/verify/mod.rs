//! The streaming verifier (FORMAT.md sections 2, 3 and 7).
//!
//! Work is split in two phases so that drivers can parallelise the costly one:
//! - phase A ([`analyze`]): one line at a time, no shared state: strict parse,
//!   canonical bytes, id, leaf hash, signature (batched);
//! - phase B ([`Verifier::ingest_lines`], `ingest.rs`): in file order: indexes,
//!   refs, roster, checkpoints, incidents and tallies.
//!
//! Lines are cut by one [`Framer`] for every driver. Memory grows only with
//! per-statement state (`index.rs`), never with the raw text: the verifier
//! keeps at most one partial line.

mod analyze;
mod column;
mod framing;
mod ids;
mod index;
mod ingest;
mod replay;
mod state;
mod tree;

pub use analyze::{analyze, analyze_to_bytes, classify, outcomes_from_bytes, Checked, LineOutcome};
pub use framing::{line_content, lines, Framer, Piece};
pub use ids::{FingerprintKey, RECENT_IDS};
pub use ingest::short_key;
pub(crate) use ingest::{forked as forked_finding, rolled_back as rolled_back_finding};
pub use replay::{Replayed, RootReplay};
pub use tree::{Dropped, RECENT_BLOCKS};

use crate::accountability::Collector as Incidents;
use crate::note;
use crate::poll::Tally;
use crate::report::*;
use crate::signature::{KeyCache, Mode};
use crate::merkle;
use crate::statement::{key_to_string, Hash, Id, Key};
use analyze::Analyzed;
use index::Index;
use tree::Tree;

/// What a reader already trusts before reading a trace.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// The log key the reader pinned (`--key`); another one is `log.key.mismatch`.
    pub log_key: Option<Key>,
    pub signatures: Mode,
    /// Checkpoints seen earlier; the trace must contain the ones of its own
    /// origin (an empty origin means "this log"), or it is `checkpoint.inconsistent`.
    pub known: Vec<KnownCheckpoint>,
    /// Keep each statement's byte offset and line (for the page's explorer).
    pub keep_rows: bool,
    /// Keep every leaf hash (32 bytes a statement), for tools that prove the
    /// inclusion of any statement or cannot read the trace again; otherwise
    /// only recent leaves are kept (`tree.rs`).
    pub keep_leaves: bool,
    /// Named leniency: keep an 8-byte keyed fingerprint of each id and of
    /// each compute's output instead of the 32 bytes (a quarter of the
    /// memory; a false match has probability 2^-64 and cannot be aimed at
    /// without this key). Draw it at random for each reading and never show
    /// it to the log. With `keep_rows` ids stay full (the explorer shows
    /// them); outputs are still fingerprinted. Ids that findings name are
    /// kept (`ids.rs`); an old one the driver cannot read back is left out
    /// of its finding.
    pub fingerprint_key: Option<FingerprintKey>,
    /// A trust policy (FORMAT.md section 9): the log must be one it names, and a
    /// checkpoint seals only when its witnesses' quorum is met.
    pub policy: Option<crate::policy::Policy>,
    /// Policies the reader pinned earlier, one per log: without `policy`, the one whose
    /// `log` lines name the trace's origin applies (trust on first use, like the key).
    pub pinned_policies: Vec<crate::policy::Policy>,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct KnownCheckpoint {
    pub origin: String,
    pub size: u64,
    /// Lowercase hex in JSON (the page passes what it remembered).
    #[serde(with = "crate::types::hex_hash")]
    pub root: Hash,
}

/// A checkpoint line as read: settled at once (every statement it can cover
/// comes before it), so notes are never held for the whole trace.
struct PendingCheckpoint {
    line: u64,
    note: String,
    statements_before: u64,
    root_then: Hash,
}

/// A valid checkpoint of an old, unaligned size whose root needs leaves the
/// tree no longer holds: settled at the end with a root the driver supplies.
#[derive(serde::Serialize, serde::Deserialize)]
struct DeferredCheckpoint {
    line: u64,
    note: String,
    size: u64,
    root: Hash,
    cosigners: Vec<crate::report::Cosigner>,
}

#[derive(serde::Serialize, serde::Deserialize)]
struct UnresolvedRef {
    line: u64,
    index: u64,
    /// The id of the statement with the ref (kept here: the index may keep only fingerprints).
    source: Id,
    target: Id,
}

#[derive(serde::Serialize, serde::Deserialize)]
struct LogInfo {
    origin: String,
    key: Key,
}

/// The phase B state and the streaming front end.
pub struct Verifier {
    opts: Options,
    cache: KeyCache,
    framer: Framer,
    line: u64,
    bytes: u64,
    /// Byte offset of the start of the next line.
    line_start: u64,
    index: Index,
    tree: Tree,
    /// Roots at the sizes of the reader's known checkpoints, taken as the tree passes them.
    known_roots: Vec<(u64, Option<Hash>)>,
    deferred: Vec<DeferredCheckpoint>,
    supplied_roots: Vec<(u64, Hash)>,
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
    finished: Option<Report>,
    /// The input ended early for a reason already reported (a tiled log's
    /// file missing or invalid): no `trace.empty` or `trace.unsealed` on top.
    cut_short: bool,
}

impl Verifier {
    /// Without a policy given: the pinned one that names `origin`, if any.
    pub(crate) fn adopt_pinned_policy(&mut self, origin: &str) {
        if self.opts.policy.is_none() {
            self.opts.policy = self.opts.pinned_policies.iter().find(|p| p.logs.iter().any(|l| l.origin == origin)).cloned();
        }
    }

    pub fn new(opts: Options) -> Self {
        let mut index = Index::new(opts.keep_rows, opts.fingerprint_key);
        // Until a checkpoint seals, the first unsealed statement is statement 0.
        index.want_id(0);
        Verifier {
            cache: KeyCache::default(),
            framer: Framer::default(),
            line: 0,
            bytes: 0,
            line_start: 0,
            index,
            tree: Tree::new(opts.keep_leaves),
            known_roots: {
                let mut sizes: Vec<u64> = opts.known.iter().map(|k| k.size).collect();
                sizes.sort_unstable();
                sizes.dedup();
                sizes.into_iter().map(|s| (s, (s == 0).then(merkle::empty_root))).collect()
            },
            deferred: Vec::new(),
            supplied_roots: Vec::new(),
            first_malformed: None,
            log: None,
            roster: Vec::new(),
            roster_keys: Default::default(),
            checkpoints: 0,
            sealed: None,
            unresolved: Vec::new(),
            findings: Findings::default(),
            incidents: Incidents::new(opts.fingerprint_key),
            tally: Tally::default(),
            finished: None,
            cut_short: false,
            opts,
        }
    }

    pub fn options(&self) -> &Options {
        &self.opts
    }

    /// Bytes, lines and statements consumed so far.
    pub fn progress(&self) -> (u64, u64, u64) {
        (self.bytes, self.line, self.index.len())
    }

    /// Feeds any chunk of the trace; lines may be split across chunks.
    pub fn push(&mut self, chunk: &[u8]) {
        assert!(self.finished.is_none(), "push after finish");
        self.bytes += chunk.len() as u64;
        let mut framer = std::mem::take(&mut self.framer);
        framer.push(chunk, |piece| self.piece(piece));
        self.framer = framer;
    }

    fn piece(&mut self, piece: Piece) {
        match piece {
            Piece::Lines(l) => self.run(l),
            Piece::Overlong(len, _) => self.ingest_overlong(len),
            Piece::Last(last) => {
                let outcomes = if last.ends_with(b"\r") {
                    // \r is tolerated only before \n; at the very end it is a changed line ending.
                    vec![LineOutcome::Malformed("the last line ends with \\r but no \\n".into())]
                } else {
                    analyze(lines(last), self.opts.signatures, &mut self.cache)
                };
                self.ingest_lines(last, outcomes);
            }
        }
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
        assert!(self.framer.is_idle(), "ingest_bytes cannot be mixed with push of partial lines");
        self.bytes += a.bytes;
        for (o, len) in a.outcomes.into_iter().zip(a.line_lengths) {
            self.ingest_at(o, self.line_start, len);
        }
        Ok(())
    }

    /// For drivers that frame and count bytes themselves (the native pipeline).
    pub fn add_bytes(&mut self, n: u64) {
        self.bytes += n;
    }

    /// A line too long to be a statement, as the driver's framer counted it.
    pub fn ingest_skipped_line(&mut self, len: u64) {
        self.ingest_overlong(len);
    }

    /// Ends the trace: settles refs, checkpoints and incidents, and builds the report.
    pub fn finish(&mut self) -> Report {
        if let Some(r) = &self.finished {
            return r.clone();
        }
        self.end_of_input();
        if self.index.len() == 0 && !self.cut_short {
            self.findings.push(Finding::new(Code::TraceEmpty, 0, None, None, "The trace has no statements."));
        }
        self.settle_refs();
        self.settle_deferred();
        if !self.cut_short {
            self.report_unsealed();
        }
        self.check_known();
        self.index.end_lookups();
        let incidents = self.settle_incidents();
        let report = self.report(incidents);
        self.finished = Some(report.clone());
        report
    }

    /// The unterminated last line, or the over-long one being skipped.
    fn end_of_input(&mut self) {
        let mut framer = std::mem::take(&mut self.framer);
        framer.finish(|piece| self.piece(piece));
    }

    fn report(&mut self, incidents: Vec<Incident>) -> Report {
        let n = self.index.len();
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
        let sealed_size = self.sealed.as_ref().map_or(0, |c| c.size);
        let status = if counts.error > 0 {
            Status::Failed
        } else if sealed_size < n {
            Status::Unsealed
        } else {
            Status::Verified
        };
        Report {
            status,
            origin: self.log.as_ref().map(|l| l.origin.clone()),
            log_key: self.log.as_ref().map(|l| key_to_string(&l.key)),
            vkey: self.log.as_ref().map(|l| note::vkey(&l.origin, &l.key)),
            statements: n,
            checkpoints: self.checkpoints,
            lines: self.line,
            bytes: self.bytes,
            sealed: self.sealed.clone(),
            signature_mode: self.opts.signatures,
            findings,
            findings_omitted,
            counts,
            accountability,
            incidents,
            polls: self.tally.finish(),
            roster: self.roster.clone(),
            policy: self.opts.policy.as_ref().map(|p| crate::report::PolicyInfo {
                quorum: p.describe(),
                requires_witnesses: !p.needs_none(),
                witnesses: p.witnesses.iter().map(|w| crate::report::PolicyWitness { name: w.name.clone(), vkey: w.key.vkey() }).collect(),
            }),
            fork: None,
        }
    }

    // ----- read access for receipts, the explorer and artifacts -----

    pub fn statement_count(&self) -> u64 {
        self.index.len()
    }
    pub fn id(&self, index: u64) -> Option<Id> {
        self.index.id(index)
    }
    /// The root of the first `size` statements, if the tree still holds what it needs.
    pub fn root_at(&mut self, size: u64) -> Result<Hash, Dropped> {
        self.tree.root_at(size)
    }
    pub fn kind_name(&self, index: u64) -> &str {
        self.index.kind_name(index)
    }
    /// The roster name of a key (base64url), if the roster names it.
    pub fn roster_name(&self, key: &str) -> Option<&str> {
        self.roster.iter().find(|m| m.key == key).map(|m| m.name.as_str())
    }
    pub fn line_of(&self, index: u64) -> u64 {
        self.index.line_of(index)
    }
    pub fn actor(&self, index: u64) -> Option<Key> {
        self.index.actor(index)
    }
    pub fn signature_ok(&self, index: u64) -> bool {
        self.index.flags(index) & index::SIG_OK != 0
    }
    pub fn index_of(&self, id: &Id) -> Option<u64> {
        self.index.lookup(id).map(u64::from)
    }
    /// Byte offset and length of a statement's line (kept with `keep_rows`).
    pub fn row(&self, index: u64) -> Option<(u64, u32)> {
        self.index.row(index)
    }
    /// Statements whose refs name statement `index` (needs `keep_rows`).
    pub fn referrers(&self, index: u64) -> Vec<u64> {
        self.index.referrers(index)
    }
    /// Indexes of statements whose body may contain `hash` (same first four
    /// bytes): confirm each with [`crate::statement::line_commits_to`] on its line.
    pub fn commit_candidates(&self, hash: &Hash) -> Vec<u64> {
        self.index.commit_candidates(hash)
    }
    /// Inclusion proof of `index` in the tree of the first `size` statements
    /// (every leaf is at hand with `keep_leaves`).
    pub fn inclusion_proof(&mut self, index: u64, size: u64) -> Result<Vec<Hash>, Dropped> {
        self.tree.inclusion_proof(index, size)
    }

    /// Sizes of checkpoints whose roots need leaves the tree dropped: the
    /// driver computes them by reading the trace again ([`RootReplay`]) and
    /// hands them to [`Verifier::supply_root`] before [`Verifier::finish`].
    pub fn deferred_sizes(&self) -> Vec<u64> {
        let mut s: Vec<u64> = self.deferred.iter().map(|d| d.size).collect();
        s.sort_unstable();
        s.dedup();
        s
    }

    pub fn supply_root(&mut self, size: u64, root: Hash) {
        self.supplied_roots.push((size, root));
    }

    /// Statements whose ids findings will name but that only fingerprints
    /// keep: the driver reads them again ([`RootReplay`]) and hands them to
    /// [`Verifier::supply_id`] before [`Verifier::finish`].
    pub fn missing_ids(&self) -> Vec<u64> {
        self.index.missing_ids()
    }

    /// What to read again before [`Verifier::finish`]: [`Verifier::deferred_sizes`] and [`Verifier::missing_ids`].
    pub fn replay(&self) -> Option<RootReplay> {
        let (sizes, ids) = (self.deferred_sizes(), self.missing_ids());
        (!sizes.is_empty() || !ids.is_empty()).then(|| RootReplay::new(sizes, ids))
    }

    /// Hands over what [`Verifier::replay`] found.
    pub fn supply(&mut self, found: Replayed) {
        for (size, root) in found.roots {
            self.supply_root(size, root);
        }
        for (index, id) in found.ids {
            self.supply_id(index, id);
        }
    }

    /// An id read again; ignored unless it is that statement's.
    pub fn supply_id(&mut self, index: u64, id: Id) {
        self.index.supply_id(index, id);
    }

    // ----- for the driver of a tiled log (crate::tiled) -----

    /// A finding about tiles, bundles or checkpoints the reader holds.
    /// Reading stopped early for a reason already reported (see `cut_short`).
    pub fn cut_short(&mut self) {
        self.cut_short = true;
    }

    pub fn push_finding(&mut self, f: Finding) {
        self.findings.push(f);
    }
    /// The log's origin and key, once the genesis has been read.
    pub fn log_identity(&self) -> Option<(&str, Key)> {
        self.log.as_ref().map(|l| (l.origin.as_str(), l.key))
    }
    /// The root of every statement so far.
    pub fn root(&self) -> Hash {
        self.tree.root()
    }
    /// Leaf `index`, if still held (recent blocks, or every leaf with `keep_leaves`).
    pub fn leaf(&self, index: u64) -> Option<Hash> {
        self.tree.leaf(index)
    }
    /// The hashes the statements read so far give for `tile` (of a tree of at most their number).
    pub fn computed_tile(&mut self, tile: &crate::tiles::Tile) -> Result<Vec<Hash>, Dropped> {
        crate::tiles::tile_hashes(tile, &mut self.tree)
    }
}

/// Verifies a whole trace held in memory (tests and small inputs).
pub fn verify_bytes(trace: &[u8], opts: Options) -> Report {
    let mut v = Verifier::new(opts);
    v.push(trace);
    v.finish()
}
