//! Phase B: in file order, what depends on what came before: indexes, refs,
//! the roster, checkpoints, the known checkpoints, incidents and tallies.

use super::analyze::{Checked, LineOutcome};
use super::index::{SIG_OK, USABLE, WELL_FORMED};
use super::{DeferredCheckpoint, LogInfo, PendingCheckpoint, UnresolvedRef, Verifier};
use crate::accountability::Fact;
use crate::note;
use crate::poll::VoteProblem;
use crate::policy::Witnessed;
use crate::report::*;
use crate::statement::{self, id_to_hex, key_to_string, Body, Hash, Id, Key, Kind, RosterEntry, Statement};

impl Verifier {
    pub(super) fn find(&mut self, code: Code, index: Option<u64>, id: Option<&Id>, what: impl Into<String>) {
        self.findings.push(Finding::new(code, self.line, index, id.map(id_to_hex), what));
    }

    /// Phase B for one line's outcome; `offset` and `len` locate it in the file.
    pub(super) fn ingest_at(&mut self, o: LineOutcome, offset: u64, len: u32) {
        self.line += 1;
        self.line_start = offset + len as u64;
        match o {
            LineOutcome::Empty => {}
            LineOutcome::Checkpoint(note) => {
                let cp = PendingCheckpoint { line: self.line, note, statements_before: self.index.len(), root_then: self.tree.root() };
                self.checkpoints += 1;
                self.settle_checkpoint(cp);
            }
            LineOutcome::BadCheckpointLine(reason) => self.find(Code::CheckpointMalformed, None, None, format!("Checkpoint line {}: {reason}.", self.line)),
            LineOutcome::Malformed(reason) => self.ingest_malformed(reason, offset, len),
            LineOutcome::Statement(c) => self.ingest_statement(*c, offset, len),
        }
    }

    fn ingest_malformed(&mut self, reason: String, offset: u64, len: u32) {
        let index = self.index.len();
        self.first_malformed.get_or_insert(index);
        self.index.push_malformed(self.line, offset, len);
        self.push_leaf(Hash::default());
        self.find(Code::StatementMalformed, Some(index), None, format!("Line {} (statement {index}): {reason}.", self.line));
        if index == 0 {
            self.find(Code::LogGenesisInvalid, Some(0), None, "The first statement is malformed, so the log has no origin or key.");
        }
    }

    /// A line too long to be a statement, skipped without holding it.
    pub(super) fn ingest_overlong(&mut self, len: u64) {
        let start = self.line_start;
        let reason = format!("the line is {len} bytes, over the 1 MiB limit");
        self.ingest_at(LineOutcome::Malformed(reason), start, len as u32 + 1);
    }

    fn ingest_statement(&mut self, c: Checked, offset: u64, len: u32) {
        let Checked { statement: st, signature: sig, leaf } = c;
        let index = self.index.len();
        let id = st.id;
        let duplicate = self.index.push_statement(&st, self.line, offset, len);
        self.push_leaf(leaf);
        let sig_ok = sig.is_ok();
        if let Err(e) = sig {
            self.find(Code::StatementSignatureInvalid, Some(index), Some(&id), format!("Statement {index} ({} by {}): {}.", st.kind, short_key(&st.actor), e.explain()));
        }
        if let Some(first) = duplicate {
            self.find(Code::StatementDuplicate, Some(index), Some(&id), format!("Statement {index} repeats statement {first}."));
        }
        let resolved = self.resolve_refs(&st, index);
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
        if usable {
            usable = self.count_vote(&st, index, &resolved);
        }
        if usable {
            self.collect_facts(&st, index, resolved);
        }
        self.index.set_flags(index, WELL_FORMED | if usable { USABLE } else { 0 } | if sig_ok { SIG_OK } else { 0 });
    }

    /// A statement's leaf (zero for a malformed one: nothing can cover it), and
    /// the root at the size of any checkpoint the reader holds, as the tree passes it.
    fn push_leaf(&mut self, leaf: Hash) {
        self.tree.push(leaf);
        let size = self.tree.size();
        if let Ok(k) = self.known_roots.binary_search_by_key(&size, |k| k.0) {
            self.known_roots[k].1 = Some(self.tree.root());
        }
    }

    /// Refs to earlier statements, as indexes; anything else is settled at the end.
    fn resolve_refs(&mut self, st: &Statement, index: u64) -> Vec<u32> {
        let mut resolved: Vec<u32> = Vec::with_capacity(st.refs.len());
        for r in &st.refs {
            match self.index.lookup(r) {
                Some(i) if (i as u64) < index => {
                    self.index.note_ref(i, index as u32);
                    resolved.push(i);
                }
                _ => self.unresolved.push(UnresolvedRef { line: self.line, index, source: st.id, target: *r }),
            }
        }
        resolved
    }

    /// Counts a usable vote (FORMAT.md section 6); false when the vote turns out invalid.
    fn count_vote(&mut self, st: &Statement, index: u64, resolved: &[u32]) -> bool {
        let Body::Vote { choice } = st.body else { return true };
        let actor = self.index.actor_code(index);
        match self.tally.vote(index as u32, actor, choice, st.time, resolved) {
            Ok(()) => true,
            Err(VoteProblem::Late { closes }) => {
                let what = format!("Vote {index} is timed {} but the poll closed at {}.", statement::format_time(st.time), statement::format_time(closes));
                self.find(Code::VoteLate, Some(index), Some(&st.id), what);
                true
            }
            Err(VoteProblem::Invalid(why)) => {
                self.find(Code::BodyInvalid, Some(index), Some(&st.id), format!("Vote {index}: {why}."));
                false
            }
        }
    }

    /// What a usable statement adds to polls and incidents (FORMAT.md sections 5 and 6).
    fn collect_facts(&mut self, st: &Statement, index: u64, resolved: Vec<u32>) {
        if let Body::Poll { question, options, closes } = &st.body {
            self.tally.poll(index as u32, st.id, question.clone(), options.clone(), *closes);
        }
        if let Body::Compute { output } = &st.body {
            let index_of = &self.index;
            let request = Kind::Request.code();
            let disagreed = self.incidents.add_compute(index as u32, *output, resolved.iter().copied().filter(|&r| Some(index_of.kind_code(r)) == request));
            for first in disagreed {
                self.index.want_id(first as u64);
            }
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

    fn genesis(&mut self, st: &Statement) {
        let Body::Log { origin, roster } = &st.body else {
            let why = if st.kind == Kind::Log { "its body is invalid" } else { "it is not of kind `log`" };
            self.find(Code::LogGenesisInvalid, Some(0), Some(&st.id), format!("Statement 0 cannot start a log: {why} (kind {}).", st.kind));
            return;
        };
        if let Some(pinned) = self.opts.log_key {
            if pinned != st.actor {
                let what = format!("The log is signed by {} but you pinned {}.", key_to_string(&st.actor), key_to_string(&pinned));
                self.find(Code::LogKeyMismatch, Some(0), Some(&st.id), what);
            }
        }
        self.adopt_pinned_policy(origin);
        if let Some(p) = &self.opts.policy {
            if !p.names_log(origin, &st.actor) {
                let named: Vec<String> = p.logs.iter().map(|l| crate::note::vkey(&l.origin, &l.key)).collect();
                let what = format!("The log is {}, which your trust policy does not name (its log lines name {}).", crate::note::vkey(origin, &st.actor), named.join(", "));
                self.find(Code::LogKeyMismatch, Some(0), Some(&st.id), what);
            }
        }
        self.log = Some(LogInfo { origin: origin.clone(), key: st.actor });
        for e in roster {
            self.roster_add(e);
        }
    }

    fn roster_add(&mut self, e: &RosterEntry) {
        let member = RosterMember { key: key_to_string(&e.key), name: e.name.clone(), role: e.role.clone(), removed: false };
        match self.roster_keys.get(&e.key) {
            Some(&i) => self.roster[i] = member,
            None => {
                self.roster_keys.insert(e.key, self.roster.len());
                self.roster.push(member);
            }
        }
    }

    /// Statements after the genesis: a repeated `log`, roster changes, unknown actors.
    fn later(&mut self, st: &Statement, index: u64, sig_ok: bool, usable: bool) {
        let by_log = self.log.as_ref().map(|l| l.key) == Some(st.actor);
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
                let f = at(e.code(), e.explain(&log.origin, &log.key));
                self.findings.push(f);
                return;
            }
        };
        let cosigners = match self.witnessed(&cp.note) {
            Ok(c) => c,
            Err((code, what)) => {
                self.findings.push(at(code, what));
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
        let root = if checked.size == cp.statements_before {
            cp.root_then
        } else {
            match self.tree.root_at(checked.size) {
                Ok(r) => r,
                Err(_) => {
                    // If it seals, `trace.unsealed` names the statement after it.
                    self.index.want_id(checked.size);
                    self.deferred.push(DeferredCheckpoint { line: cp.line, note: cp.note, size: checked.size, root: checked.root, cosigners });
                    return;
                }
            }
        };
        self.settle_root(cp.line, cp.note, checked.size, checked.root, root, cosigners);
    }

    /// Under a policy: the witnesses that cosigned a note the log validly signed, or why it seals nothing.
    fn witnessed(&self, note: &str) -> Result<Vec<crate::report::Cosigner>, (Code, String)> {
        let Some(p) = &self.opts.policy else { return Ok(Vec::new()) };
        let names = |c: &[crate::report::Cosigner]| match c.len() {
            0 => "no witness of the policy".to_string(),
            _ => c.iter().map(|c| c.witness.clone()).collect::<Vec<_>>().join(", "),
        };
        match p.evaluate(note) {
            Ok(Witnessed::Met(c)) => Ok(c),
            Ok(Witnessed::Unmet(c)) => Err((Code::CheckpointQuorumUnmet, format!("the log signed it, but your policy's quorum ({}) is not met: cosigned by {}", p.describe(), names(&c)))),
            Ok(Witnessed::Invalid { witness, why }) => Err((Code::CheckpointCosignatureInvalid, format!("the cosignature by witness {witness} does not verify ({why})"))),
            Err(why) => Err((Code::CheckpointMalformed, why)),
        }
    }

    /// A valid checkpoint's root against the statements' root at its size; the largest that agrees seals.
    fn settle_root(&mut self, line: u64, note: String, size: u64, signed: Hash, computed: Hash, cosigners: Vec<crate::report::Cosigner>) {
        if computed != signed {
            let what = format!("Checkpoint on line {line}: the first {size} statements hash to {} but the log signed {}.", hex::encode(computed), hex::encode(signed));
            self.findings.push(Finding::new(Code::CheckpointRootMismatch, line, None, None, what));
            return;
        }
        if self.sealed.as_ref().is_none_or(|b| size >= b.size) {
            // The first statement it leaves unsealed is the one `trace.unsealed` may name.
            let before = self.sealed.as_ref().map_or(0, |b| b.size);
            self.index.release_id(before);
            self.index.want_id(size);
            self.sealed = Some(CheckpointInfo { line, size, root: hex::encode(signed), valid: true, note, cosigners });
        }
    }

    /// Checkpoints whose roots the driver computed by reading the trace again;
    /// without one, the checkpoint cannot be checked here.
    pub(super) fn settle_deferred(&mut self) {
        for d in std::mem::take(&mut self.deferred) {
            match self.supplied_roots.iter().find(|(s, _)| *s == d.size).map(|(_, r)| *r) {
                Some(root) => self.settle_root(d.line, d.note, d.size, d.root, root, d.cosigners),
                None => {
                    let what = format!(
                        "Checkpoint on line {}: it commits to the first {} statements, an older part of the trace than this verifier keeps leaves for (the last {} statements), and that part was not read again. Verify the trace from a file.",
                        d.line,
                        d.size,
                        super::RECENT_BLOCKS as u64 * crate::tiles::TILE_WIDTH
                    );
                    self.findings.push(Finding::new(Code::CheckpointUncheckable, d.line, None, None, what));
                }
            }
        }
    }

    /// Refs that did not name an earlier statement: forward or dangling.
    pub(super) fn settle_refs(&mut self) {
        for u in std::mem::take(&mut self.unresolved) {
            let (code, what) = match self.index.lookup(&u.target) {
                Some(i) if i as u64 == u.index => (Code::RefForward, format!("Statement {} refers to itself.", u.index)),
                Some(i) => (Code::RefForward, format!("Statement {} refers to statement {i}, which comes later.", u.index)),
                None => (Code::RefDangling, format!("Statement {} refers to {}, which is not in the log.", u.index, id_to_hex(&u.target))),
            };
            self.findings.push(Finding::new(code, u.line, Some(u.index), Some(id_to_hex(&u.source)), what));
        }
    }

    /// Statements no valid checkpoint covers (one finding, at the first of them).
    pub(super) fn report_unsealed(&mut self) {
        let n = self.index.len();
        let first = self.sealed.as_ref().map_or(0, |c| c.size);
        if first >= n {
            return;
        }
        let id = self.index.raw_id(first).filter(|_| self.index.flags(first) & SIG_OK != 0).map(|id| id_to_hex(&id));
        let what = format!("Statements {first} to {} ({} of {n}) are covered by no valid checkpoint.", n - 1, n - first);
        self.findings.push(Finding::new(Code::TraceUnsealed, self.index.line_of(first), Some(first), id, what));
    }

    /// Checkpoints the reader held before: this copy must contain each of them
    /// (FORMAT.md section 3). A copy that ends before one, or disagrees with it,
    /// is `checkpoint.inconsistent`: a reader who has seen more is never told
    /// that less is the whole log.
    pub(super) fn check_known(&mut self) {
        let Some(log) = self.log.as_ref() else { return };
        let n = self.index.len();
        let mut found = Vec::new();
        for known in self.opts.known.iter().filter(|k| k.origin.is_empty() || k.origin == log.origin) {
            if known.size > n {
                found.push(rolled_back(known, n));
                continue;
            }
            // A copy broken before that size cannot be compared (it has failed already).
            if self.first_malformed.is_some_and(|m| m < known.size) {
                continue;
            }
            let root = self.known_roots.iter().find(|k| k.0 == known.size).and_then(|k| k.1).expect("the tree passed every known size up to its own");
            if root != known.root {
                found.push(forked(known, &root));
            }
        }
        for f in found {
            self.findings.push(f);
        }
    }

    /// Incidents and silent disagreements (FORMAT.md section 5).
    pub(super) fn settle_incidents(&mut self) -> Vec<Incident> {
        let index = &self.index;
        let (incidents, anomalies) = self.incidents.finish(|i| index.kind_code(i), |i| index.actor(i as u64));
        for (index, other) in anomalies {
            let index = index as u64;
            let what = format!("Computes {index} and {other} answer the same request with different outputs.");
            let f = Finding::new(Code::AnomalySilentDisagreement, self.index.line_of(index), Some(index), self.index.raw_id(index).map(|id| id_to_hex(&id)), what);
            self.findings.push(f);
        }
        incidents
    }
}

fn short_hash(r: &Hash) -> String {
    format!("{}…", &r.to_string()[..16])
}

/// `checkpoint.inconsistent`: this copy ends before a checkpoint the reader holds.
pub(crate) fn rolled_back(known: &super::KnownCheckpoint, n: u64) -> Finding {
    let missing = known.size - n;
    let what = format!(
        "You saw this log at size {} (root {}); this copy has only {n} statements: {missing} statement(s) the log had committed to are missing from it. It is an old copy, or the log was rolled back.",
        known.size,
        short_hash(&known.root)
    );
    Finding::new(Code::CheckpointInconsistent, 0, None, None, what)
}

/// `checkpoint.inconsistent`: this copy has another root at a size the reader holds.
pub(crate) fn forked(known: &super::KnownCheckpoint, root: &Hash) -> Finding {
    let what = format!("You saw this log at size {} with root {}; this copy has root {} at that size: the log forked (two different histories).", known.size, short_hash(&known.root), short_hash(root));
    Finding::new(Code::CheckpointInconsistent, 0, known.size.checked_sub(1), None, what)
}

pub fn short_key(k: &Key) -> String {
    let s = key_to_string(k);
    format!("{}…", &s[..10])
}
