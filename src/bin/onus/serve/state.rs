//! What the collector keeps in memory per log, rebuilt from SQLite on start:
//! the leaf hashes and Merkle frontier (for checkpoints and receipts), the id
//! index (for duplicates and receipts), the polls, and the latest checkpoint.
//! Only the writer thread changes it, after its transaction has committed.

use super::store::{LogKind, LogRow, StoredRow};
use onus::json::{self, Json, Numbers};
use onus::merkle::{self, Frontier};
use onus::note;
use onus::statement::{self, Body, Hash, Id, Key};
use std::collections::{BTreeMap, HashMap};

#[derive(Debug, Clone)]
pub struct PollInfo {
    pub id: Id,
    pub index: u64,
    /// The poll statement's own time: when it was opened.
    pub time: i64,
    pub question: String,
    pub options: Vec<String>,
    pub closes: i64,
}

#[derive(Debug, Clone)]
pub struct Sealed {
    pub size: u64,
    pub root: Hash,
    /// The signed note.
    pub note: String,
}

pub struct LogState {
    pub db_id: i64,
    pub name: String,
    pub origin: String,
    pub public: Key,
    pub key_file: String,
    pub kind: LogKind,
    /// Who may append to a network log: the roster as of the latest statement (key -> name, role).
    pub roster: BTreeMap<Key, (String, String)>,
    /// Line number of the next line in trace.jsonl.
    pub next_seq: i64,
    pub leaves: Vec<Hash>,
    /// The hash of each complete block of 256 leaves (the entries of level-1
    /// tiles), so tiles above level 0 cost no rehashing of leaves.
    pub blocks: Vec<Hash>,
    pub frontier: Frontier,
    pub ids: HashMap<Id, u64>,
    pub polls: Vec<PollInfo>,
    pub poll_by_id: HashMap<Id, usize>,
    pub sealed: Option<Sealed>,
    /// Integrity problems found while reading the database (it was altered).
    pub problems: Vec<String>,
}

impl LogState {
    pub fn new(row: LogRow) -> LogState {
        LogState {
            db_id: row.db_id,
            name: row.name,
            origin: row.origin,
            public: row.public,
            key_file: row.key_file,
            kind: row.kind,
            roster: BTreeMap::new(),
            next_seq: 0,
            leaves: Vec::new(),
            blocks: Vec::new(),
            frontier: Frontier::default(),
            ids: HashMap::new(),
            polls: Vec::new(),
            poll_by_id: HashMap::new(),
            sealed: None,
            problems: Vec::new(),
        }
    }

    pub fn size(&self) -> u64 {
        self.leaves.len() as u64
    }

    pub fn vkey(&self) -> String {
        note::vkey(&self.origin, &self.public)
    }

    /// Statements not covered by the latest checkpoint.
    pub fn unsealed(&self) -> u64 {
        self.size() - self.sealed.as_ref().map_or(0, |s| s.size)
    }

    fn problem(&mut self, what: String) {
        eprintln!("onus serve: WARNING: log {}: {what}", self.name);
        self.problems.push(what);
    }

    /// What a committed statement changes besides the tree: a poll to take
    /// ballots for, or the roster (the genesis `log` statement and `roster`
    /// statements, when the log key made them; FORMAT.md section 3).
    pub fn effect(&self, index: u64, st: &statement::Statement) -> Effect {
        match &st.body {
            Body::Poll { question, options, closes } => Effect::Poll(PollInfo { id: st.id, index, time: st.time, question: question.clone(), options: options.clone(), closes: *closes }),
            Body::Log { roster, .. } if index == 0 && st.actor == self.public => Effect::Roster { add: roster.clone(), remove: Vec::new() },
            Body::Roster { add, remove } if st.actor == self.public => Effect::Roster { add: add.clone(), remove: remove.clone() },
            _ => Effect::None,
        }
    }

    /// Appends a statement the writer has just committed.
    pub fn push_statement(&mut self, id: Id, leaf: Hash, effect: Effect) {
        let index = self.size();
        self.leaves.push(leaf);
        if self.leaves.len() % onus::tiles::TILE_WIDTH as usize == 0 {
            let block = &self.leaves[self.leaves.len() - onus::tiles::TILE_WIDTH as usize..];
            self.blocks.push(merkle::perfect_root(block));
        }
        self.frontier.push(leaf);
        self.ids.entry(id).or_insert(index);
        match effect {
            Effect::None => {}
            Effect::Poll(p) => {
                self.poll_by_id.insert(p.id, self.polls.len());
                self.polls.push(p);
            }
            Effect::Roster { add, remove } => {
                // Removals first: a statement that removes and re-adds a key keeps it.
                for k in remove {
                    self.roster.remove(&k);
                }
                for e in add {
                    self.roster.insert(e.key, (e.name, e.role));
                }
            }
        }
        self.next_seq += 1;
    }

    /// Records a checkpoint line the writer has just committed.
    pub fn push_checkpoint(&mut self, sealed: Sealed) {
        self.sealed = Some(sealed);
        self.next_seq += 1;
    }

    /// Reads one stored line (on start, or one another process appended),
    /// checking it against what was recorded when it was appended.
    pub fn ingest(&mut self, row: StoredRow) {
        if row.seq != self.next_seq {
            self.problem(format!("line {} follows line {}: lines are missing from the database", row.seq, self.next_seq - 1));
        }
        self.next_seq = row.seq;
        if let Some(size) = row.size {
            self.ingest_checkpoint(row.seq, size as u64, &row.line);
            self.next_seq = row.seq + 1;
            return;
        }
        let index = self.size();
        if row.idx != Some(index as i64) {
            self.problem(format!("line {} holds statement index {:?} where {index} was expected", row.seq, row.idx));
        }
        let stored_id: Option<Id> = row.id.as_deref().and_then(Id::from_slice);
        let stored_leaf: Option<Hash> = row.leaf.as_deref().and_then(Hash::from_slice);
        let mut effect = Effect::None;
        let (id, leaf) = match statement::parse_statement(row.line.as_bytes()) {
            Ok(st) => {
                let leaf = merkle::leaf_hash(&st.id, &st.sig);
                if stored_id.is_some_and(|s| s != st.id) || stored_leaf.is_some_and(|s| s != leaf) {
                    self.problem(format!("statement {index} (line {}) no longer matches the id and leaf hash recorded when it was appended: the database was altered", row.seq));
                }
                effect = self.effect(index, &st);
                (stored_id.unwrap_or(st.id), stored_leaf.unwrap_or(leaf))
            }
            Err(e) => {
                self.problem(format!("statement {index} (line {}) is malformed ({e}): the database was altered", row.seq));
                (stored_id.unwrap_or_default(), stored_leaf.unwrap_or_default())
            }
        };
        // The recorded leaf is what earlier checkpoints signed: keep it, so that
        // an edit of the database never gets a checkpoint of its own.
        self.push_statement(id, leaf, effect);
    }

    fn ingest_checkpoint(&mut self, seq: i64, size: u64, line: &str) {
        let note = match json::parse(line.as_bytes(), Numbers::SafeIntegers) {
            Ok(Json::Obj(m)) => m.into_iter().find(|(k, _)| k == "checkpoint").and_then(|(_, v)| match v {
                Json::Str(s) => Some(s),
                _ => None,
            }),
            _ => None,
        };
        let Some(note) = note else {
            self.problem(format!("checkpoint line {seq} is not a checkpoint line"));
            return;
        };
        match note::verify_checkpoint(&note, &self.origin, &self.public) {
            Ok(cp) if cp.size == size && cp.size <= self.size() => {
                let root = if cp.size == self.size() { self.frontier.root() } else { merkle::root(&self.leaves[..cp.size as usize]) };
                if root != cp.root {
                    self.problem(format!("checkpoint line {seq} (size {size}) does not match the recorded leaves"));
                }
                if self.sealed.as_ref().is_none_or(|s| s.size <= cp.size) {
                    self.sealed = Some(Sealed { size: cp.size, root: cp.root, note });
                }
            }
            Ok(cp) => self.problem(format!("checkpoint line {seq} claims size {} (recorded {size}, {} statements before it)", cp.size, self.size())),
            Err(e) => self.problem(format!("checkpoint line {seq} does not verify under the log key: {e:?}")),
        }
    }
}

/// What a statement changes in a log's state besides its tree.
pub enum Effect {
    None,
    Poll(PollInfo),
    Roster { add: Vec<statement::RosterEntry>, remove: Vec<Key> },
}

/// Every log the collector serves.
#[derive(Default)]
pub struct State {
    pub logs: Vec<LogState>,
    pub by_name: HashMap<String, usize>,
    /// Highest database id of a log read so far.
    pub max_log_id: i64,
}

impl State {
    pub fn get(&self, name: &str) -> Option<&LogState> {
        self.by_name.get(name).map(|&i| &self.logs[i])
    }
    pub fn add(&mut self, log: LogState) {
        self.max_log_id = self.max_log_id.max(log.db_id);
        self.by_name.insert(log.name.clone(), self.logs.len());
        self.logs.push(log);
    }
}
