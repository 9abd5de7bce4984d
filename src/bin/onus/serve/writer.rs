//! The one writer: group commit of ballots and sealing of checkpoints.
//!
//! Request tasks parse ballots and check their signatures (the costly part, in
//! a blocking pool of one per core), then hand them over a channel to this thread. It
//! takes everything waiting (up to a batch), checks what depends on the log's
//! state (poll, choice, closing time, duplicates), appends the batch in ONE
//! `BEGIN IMMEDIATE` transaction, commits (an fsync of the WAL), and only then
//! answers each request. While it waits for the disk, the next batch queues up,
//! so one fsync is shared by many ballots.
//!
//! Other processes may append to the same database (`onus poll create` on
//! SQLite, other frontends on PostgreSQL); inside each transaction the writer
//! reads what they added before it appends (see [`super::backend`]).
//!
//! Sealing: every tick, each log with statements no checkpoint covers gets one,
//! in its own transaction, if this process holds the log's sealing lease
//! (always, on SQLite). The publisher ([`super::objects`]) is told afterwards.

use super::backend::{Backend, NewRow};
use super::state::{LogState, PollInfo, Sealed, State};
use super::store::{self, LogKind};
use super::{now, Refusal, MAX_CLOCK_AHEAD};
use onus::merkle;
use onus::note;
use onus::statement::{self, format_time, id_to_hex, Body, Hash, Id, Statement};
use std::collections::{HashMap, HashSet};
use std::path::PathBuf;
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};
use tokio::sync::{mpsc, oneshot};

/// A ballot whose signature has been checked, waiting for the writer.
pub struct Ballot {
    pub log: String,
    pub st: Statement,
    /// The canonical line to store.
    pub line: String,
    pub reply: oneshot::Sender<Result<Accepted, Refusal>>,
}

#[derive(Debug, Clone, Copy)]
pub struct Accepted {
    pub index: u64,
    pub id: Id,
}

pub enum Msg {
    Ballot(Box<Ballot>),
    /// Sign a checkpoint for every log with unsealed statements.
    Seal,
    /// Seal, then stop; answers when done.
    Shutdown(oneshot::Sender<()>),
}

/// Reads every log of the database into memory (on start).
pub fn load(db: &mut dyn Backend) -> Result<State, String> {
    let mut state = State::default();
    for row in db.logs_after(0)? {
        let mut log = LogState::new(row);
        db.rows_after(log.db_id, -1, &mut |r| log.ingest(r))?;
        state.add(log);
    }
    Ok(state)
}

/// Reads what other processes appended since we last looked: new logs, and new
/// lines of every log (`only`: of these logs).
pub fn sync(db: &mut dyn Backend, shared: &RwLock<State>, only: Option<&[i64]>) -> Result<(), String> {
    sync_logs(db, shared, only, true)
}

/// [`sync`], looking for new logs only if `new_logs` (the writer's ticks do; a transaction
/// that holds some logs needs only theirs).
pub fn sync_logs(db: &mut dyn Backend, shared: &RwLock<State>, only: Option<&[i64]>, new_logs: bool) -> Result<(), String> {
    let (max_id, tails): (i64, Vec<(usize, i64, i64)>) = {
        let s = shared.read().expect("state lock");
        let wanted = |id: &i64| only.is_none_or(|o| o.contains(id));
        (s.max_log_id, s.logs.iter().enumerate().filter(|(_, l)| wanted(&l.db_id)).map(|(i, l)| (i, l.db_id, l.next_seq)).collect())
    };
    let mut new_rows = Vec::new();
    for (pos, db_id, next_seq) in tails {
        let mut rows = Vec::new();
        db.rows_after(db_id, next_seq - 1, &mut |r| rows.push(r))?;
        if !rows.is_empty() {
            new_rows.push((pos, rows));
        }
    }
    let mut added = Vec::new();
    for row in if new_logs { db.logs_after(max_id)? } else { Vec::new() } {
        let mut log = LogState::new(row);
        db.rows_after(log.db_id, -1, &mut |r| log.ingest(r))?;
        added.push(log);
    }
    if new_rows.is_empty() && added.is_empty() {
        return Ok(());
    }
    let quiet = db.shared();
    let mut s = shared.write().expect("state lock");
    for (pos, rows) in new_rows {
        let log = &mut s.logs[pos];
        let before = log.size();
        for r in rows {
            log.ingest(r);
        }
        // On PostgreSQL other frontends append all the time: not worth a line each.
        // Checkpoint lines alone (the witnessing sealer's) are not worth a line either.
        if !quiet && log.size() > before {
            eprintln!("onus serve: log {}: read {} statement(s) another process appended", log.name, log.size() - before);
        }
    }
    for log in added {
        eprintln!("onus serve: log {} ({}) created by another process", log.name, log.origin);
        s.add(log);
    }
    Ok(())
}

struct Pending {
    log_pos: usize,
    db_id: i64,
    seq: i64,
    index: u64,
    id: Id,
    leaf: Hash,
}

pub struct Writer {
    db: Box<dyn Backend>,
    shared: Arc<RwLock<State>>,
    keys: store::LogKeys,
    max_batch: usize,
    /// A log is sealed at most this often (the ticks may come faster, to read other frontends' work).
    seal_every: Duration,
    last_seal: HashMap<i64, Instant>,
    /// Told the size of every checkpoint this writer signs (the publisher, with `--tiles`).
    sealed_to: Option<std::sync::mpsc::Sender<i64>>,
    /// With `--witness`: the witnessing sealer seals; this writer only tells it when.
    seal_by: Option<std::sync::mpsc::Sender<i64>>,
    /// Ballots committed, and the transactions that committed them.
    committed: u64,
    transactions: u64,
    largest_batch: usize,
}

impl Writer {
    pub fn new(db: Box<dyn Backend>, shared: Arc<RwLock<State>>, dir: PathBuf, max_batch: usize, seal_every: Duration, sealed_to: Option<std::sync::mpsc::Sender<i64>>, seal_by: Option<std::sync::mpsc::Sender<i64>>) -> Writer {
        Writer {
            db,
            shared,
            keys: store::LogKeys::new(dir),
            max_batch: max_batch.max(1),
            seal_every,
            last_seal: HashMap::new(),
            sealed_to,
            seal_by,
            committed: 0,
            transactions: 0,
            largest_batch: 0,
        }
    }

    /// Seals whatever no checkpoint covers yet (on start, before listening).
    pub fn seal_now(&mut self) -> Result<(), String> {
        self.seal(true)
    }

    pub fn run(mut self, mut rx: mpsc::Receiver<Msg>) {
        while let Some(first) = rx.blocking_recv() {
            let mut ballots = Vec::new();
            let mut seal = false;
            let mut stop = None;
            let mut take = |m: Msg, ballots: &mut Vec<Ballot>| match m {
                Msg::Ballot(b) => ballots.push(*b),
                Msg::Seal => seal = true,
                Msg::Shutdown(done) => stop = Some(done),
            };
            take(first, &mut ballots);
            while ballots.len() < self.max_batch {
                match rx.try_recv() {
                    Ok(m) => take(m, &mut ballots),
                    Err(_) => break,
                }
            }
            if !ballots.is_empty() {
                self.commit_ballots(ballots);
            }
            if seal || stop.is_some() {
                if let Err(e) = self.seal(stop.is_some()) {
                    eprintln!("onus serve: sealing failed: {e}");
                }
            }
            if let Some(done) = stop {
                if self.transactions > 0 {
                    eprintln!(
                        "onus serve: committed {} ballot(s) in {} transaction(s) (group commit: {:.1} per fsync on average, {} at most)",
                        self.committed,
                        self.transactions,
                        self.committed as f64 / self.transactions as f64,
                        self.largest_batch
                    );
                }
                let _ = done.send(());
                return;
            }
        }
    }

    /// A write transaction holding `logs`, with what others appended to them read in.
    fn begin(&mut self, logs: &[i64]) -> Result<(), String> {
        self.db.begin(logs)?;
        let only = self.db.shared().then_some(logs);
        let synced = self.db.others_wrote().and_then(|changed| match changed {
            true => sync_logs(self.db.as_mut(), &self.shared, only, only.is_none()),
            false => Ok(()),
        });
        if let Err(e) = synced {
            self.db.rollback();
            return Err(e);
        }
        Ok(())
    }

    fn commit_ballots(&mut self, ballots: Vec<Ballot>) {
        let logs: Vec<i64> = {
            let state = self.shared.read().expect("state lock");
            let mut ids: Vec<i64> = ballots.iter().filter_map(|b| state.get(&b.log).map(|l| l.db_id)).collect();
            ids.sort_unstable();
            ids.dedup();
            ids
        };
        if let Err(e) = self.begin(&logs) {
            for b in ballots {
                let _ = b.reply.send(Err(Refusal::storage(&e)));
            }
            return;
        }
        let now = now();
        let mut pending: Vec<(Ballot, Pending)> = Vec::with_capacity(ballots.len());
        {
            let state = self.shared.read().expect("state lock");
            let mut next: HashMap<usize, (i64, u64)> = HashMap::new();
            let mut in_batch: HashSet<(usize, Id)> = HashSet::new();
            for b in ballots {
                let pos = match check(&state, &b, now) {
                    Ok(pos) => pos,
                    Err(r) => {
                        let _ = b.reply.send(Err(r));
                        continue;
                    }
                };
                if !in_batch.insert((pos, b.st.id)) {
                    let _ = b.reply.send(Err(Refusal::duplicate(&b.st.id, None)));
                    continue;
                }
                let log = &state.logs[pos];
                let at = next.entry(pos).or_insert((log.next_seq, log.size()));
                let p = Pending { log_pos: pos, db_id: log.db_id, seq: at.0, index: at.1, id: b.st.id, leaf: merkle::leaf_hash(&b.st.id, &b.st.sig) };
                at.0 += 1;
                at.1 += 1;
                pending.push((b, p));
            }
        }
        let rows: Vec<NewRow> = pending.iter().map(|(b, p)| NewRow { log: p.db_id, seq: p.seq, idx: p.index, id: p.id, leaf: p.leaf, line: &b.line }).collect();
        let written = self.db.insert_statements(&rows);
        drop(rows);
        let result = match written {
            Ok(()) => self.db.commit(),
            Err(e) => {
                self.db.rollback();
                Err(e)
            }
        };
        if let Err(e) = result {
            eprintln!("onus serve: could not commit {} ballot(s): {e}", pending.len());
            for (b, _) in pending {
                let _ = b.reply.send(Err(Refusal::storage(&e)));
            }
            return;
        }
        // Durable: now the ballots exist, in memory and for the requests.
        if !pending.is_empty() {
            self.committed += pending.len() as u64;
            self.transactions += 1;
            self.largest_batch = self.largest_batch.max(pending.len());
        }
        let mut state = self.shared.write().expect("state lock");
        let mut replies = Vec::with_capacity(pending.len());
        for (b, p) in pending {
            let effect = state.logs[p.log_pos].effect(p.index, &b.st);
            state.logs[p.log_pos].push_statement(p.id, p.leaf, effect);
            replies.push((b.reply, Accepted { index: p.index, id: p.id }));
        }
        drop(state);
        for (reply, acc) in replies {
            let _ = reply.send(Ok(acc));
        }
    }

    /// Signs a checkpoint of every log that has statements no checkpoint
    /// covers, each in its own transaction, where this process holds the
    /// log's lease; `now` ignores the seal interval (on start and shutdown).
    fn seal(&mut self, now: bool) -> Result<(), String> {
        if self.db.shared() {
            // Other frontends' statements and checkpoints: for this frontend's reads too.
            sync(self.db.as_mut(), &self.shared, None)?;
        } else if self.db.others_wrote()? {
            sync(self.db.as_mut(), &self.shared, None)?;
        }
        let todo: Vec<i64> = self.shared.read().expect("state lock").logs.iter().filter(|l| l.unsealed() > 0).map(|l| l.db_id).collect();
        let due: Vec<i64> = todo.into_iter().filter(|id| now || self.last_seal.get(id).is_none_or(|t| t.elapsed() >= self.seal_every)).collect();
        let mut first_error = None;
        for db_id in due {
            self.last_seal.insert(db_id, Instant::now());
            if let Some(by) = &self.seal_by {
                let _ = by.send(db_id);
                continue;
            }
            match self.seal_log(db_id) {
                Ok(Some(_size)) => {
                    if let Some(to) = &self.sealed_to {
                        let _ = to.send(db_id);
                    }
                }
                Ok(None) => {}
                Err(e) => {
                    first_error.get_or_insert(e);
                }
            }
        }
        first_error.map_or(Ok(()), Err)
    }

    /// One log's checkpoint, if it still needs one and this process may sign it: the size signed.
    fn seal_log(&mut self, db_id: i64) -> Result<Option<u64>, String> {
        let Some(pos) = self.shared.read().expect("state lock").logs.iter().position(|l| l.db_id == db_id) else { return Ok(None) };
        // Without the log's key, this frontend does not compete for its lease.
        let shared = self.shared.clone();
        if self.keys.get(&shared.read().expect("state lock").logs[pos]).is_none() {
            return Ok(None);
        }
        self.begin(&[db_id])?;
        let leased = match self.db.take_lease(db_id) {
            Ok(l) => l,
            Err(e) => {
                self.db.rollback();
                return Err(e);
            }
        };
        let signed = {
            let shared = self.shared.clone();
            let state = shared.read().expect("state lock");
            let log = &state.logs[pos];
            match (leased && log.unsealed() > 0).then(|| self.keys.get(log)).flatten() {
                None => None,
                Some(key) => {
                    let (size, root) = (log.size(), log.frontier.root());
                    let signed = note::sign_note(&note::checkpoint_text(&log.origin, size, &root), &log.origin, &key);
                    let line = onus::note::checkpoint_line(&signed);
                    Some((log.next_seq, line, Sealed { size, root, note: signed }))
                }
            }
        };
        let Some((seq, line, sealed)) = signed else {
            // A lease taken or renewed is worth keeping even with nothing to sign.
            return self.db.commit().map(|()| None);
        };
        if let Err(e) = self.db.insert_checkpoint(db_id, seq, sealed.size, &line) {
            self.db.rollback();
            return Err(e);
        }
        self.db.commit()?;
        let size = sealed.size;
        self.shared.write().expect("state lock").logs[pos].push_checkpoint(sealed);
        Ok(Some(size))
    }
}

/// What depends on the log's state: for a poll log, the poll, the choice, the
/// time; for a network log, the roster and the refs; duplicates for both.
fn check(state: &State, b: &Ballot, now: i64) -> Result<usize, Refusal> {
    let Some(&pos) = state.by_name.get(&b.log) else {
        return Err(Refusal::new(404, "log.unknown", format!("There is no log named {:?} on this collector. GET /logs lists its logs.", b.log)));
    };
    let log = &state.logs[pos];
    match log.kind {
        LogKind::Polls => check_ballot(log, b, now).map(|()| pos),
        LogKind::Network => check_member(log, b, now).map(|()| pos),
    }
}

/// A statement for a network log: by a key on its roster (or the log key), every ref
/// to an earlier statement of the log, not from the future, not there already.
fn check_member(log: &LogState, b: &Ballot, now: i64) -> Result<(), Refusal> {
    let st = &b.st;
    if st.actor != log.public && !log.roster.contains_key(&st.actor) {
        return Err(Refusal::new(
            403,
            "actor.unrecognized",
            format!(
                "Key {} is not on the roster of log {:?}: only its members may append. The log's operator adds a key with `onus log roster --log {} --add KEY:NAME:ROLE`.",
                statement::key_to_string(&st.actor),
                log.name,
                log.name
            ),
        ));
    }
    if st.kind == "roster" && st.actor != log.public {
        return Err(Refusal::new(403, "roster.not-log-key", format!("Only the key of log {:?} may change its roster.", log.name)));
    }
    if let Some(r) = st.refs.iter().find(|r| !log.ids.contains_key(*r)) {
        return Err(Refusal::new(422, "ref.dangling", format!("The statement refers to {}, which is not a statement of log {:?} (yet). Post the statement it answers first.", id_to_hex(r), log.name)));
    }
    if st.time > now + MAX_CLOCK_AHEAD {
        return Err(Refusal::new(
            422,
            "time.future",
            format!("The statement is timed {}, but the collector's clock says {}. Check the clock of the machine that signed it.", format_time(st.time), format_time(now)),
        ));
    }
    if let Some(&i) = log.ids.get(&st.id) {
        return Err(Refusal::duplicate(&st.id, Some(i)));
    }
    Ok(())
}

/// A ballot for a poll log.
fn check_ballot(log: &LogState, b: &Ballot, now: i64) -> Result<(), Refusal> {
    if b.st.actor == log.public {
        return Err(Refusal::new(
            422,
            "vote.log-key",
            format!("The ballot is signed by the key of log {:?} itself; the log's own key may not vote. Vote with a key of your own (the poll widget makes one).", log.name),
        ));
    }
    if log.polls.is_empty() {
        return Err(Refusal::new(422, "log.not-poll", format!("Log {:?} has no poll, so it takes no ballots. Post ballots to the log of the poll (GET /logs lists the polls).", log.name)));
    }
    let target = b.st.refs[0];
    let poll: &PollInfo = match log.poll_by_id.get(&target) {
        Some(&p) => &log.polls[p],
        None => {
            return Err(match log.ids.get(&target) {
                Some(i) => Refusal::new(422, "poll.unknown", format!("The ballot refers to statement {i} of log {:?}, which is not a poll. Refer to the poll statement's id.", log.name)),
                None => Refusal::new(422, "ref.dangling", format!("The ballot refers to {}, which is not a statement of log {:?}. Check the poll id (GET /logs lists the polls).", id_to_hex(&target), log.name)),
            })
        }
    };
    let Body::Vote { choice } = b.st.body else {
        return Err(Refusal::new(422, "body.invalid", "A ballot's body is {\"choice\": N}.".into()));
    };
    if choice < 0 || choice as usize >= poll.options.len() {
        let n = poll.options.len();
        return Err(Refusal::new(422, "body.invalid", format!("Choice {choice} is out of range: the poll has {n} options, numbered 0 to {}.", n - 1)));
    }
    // The format lets a verifier count such a ballot; this collector does not take it.
    // Before the poll existed, beyond the clock skew allowed the other way.
    if b.st.time < poll.time - MAX_CLOCK_AHEAD {
        return Err(Refusal::new(
            422,
            "time.past",
            format!(
                "The ballot is timed {}, before the poll was opened ({}). Check your device's clock and vote again.",
                format_time(b.st.time),
                format_time(poll.time)
            ),
        ));
    }
    if now > poll.closes {
        return Err(Refusal::new(422, "vote.late", format!("The poll closed at {}; ballots are no longer accepted. Its result stays in the log.", format_time(poll.closes))));
    }
    if b.st.time > poll.closes {
        return Err(Refusal::new(422, "vote.late", format!("The ballot is timed {}, after the poll closes ({}). Time it now, and check your device's clock.", format_time(b.st.time), format_time(poll.closes))));
    }
    if b.st.time > now + MAX_CLOCK_AHEAD {
        return Err(Refusal::new(
            422,
            "time.future",
            format!("The ballot is timed {}, but the collector's clock says {}. Check your device's clock and vote again.", format_time(b.st.time), format_time(now)),
        ));
    }
    if let Some(&i) = log.ids.get(&b.st.id) {
        return Err(Refusal::duplicate(&b.st.id, Some(i)));
    }
    Ok(())
}
