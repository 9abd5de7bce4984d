//! What the verifier keeps per statement: what later checks need (refs by id,
//! kinds and actors for incidents and tallies, leaves for checkpoints that
//! cover fewer statements than precede them) and what the page's explorer
//! and receipts read back.

use crate::statement::{Hash, Id, Key, Kind, Statement};
use hashbrown::HashTable;
use std::hash::BuildHasher;

/// Kind numbers: 0 for a malformed statement, 1 to 11 the vocabulary
/// ([`Kind::code`]), then other kinds in the order they first appear.
pub const KIND_MALFORMED: u32 = 0;
const FIRST_OTHER_KIND: u32 = Kind::VOCABULARY.len() as u32 + 1;

/// Per-statement flags.
pub const USABLE: u8 = 1; // well-formed, signature valid, body valid, not a duplicate
pub const SIG_OK: u8 = 2;
pub const WELL_FORMED: u8 = 4;

pub struct Index {
    ids: Vec<Id>,
    /// Statement indexes by id (first copy only).
    by_id: HashTable<u32>,
    hasher: hashbrown::DefaultHashBuilder,
    /// Leaf hashes up to the first malformed statement: no checkpoint or
    /// proof can cover one, so later leaves serve nothing.
    leaves: Vec<Hash>,
    flags: Vec<u8>,
    kinds: Vec<u32>,
    /// Names of the kinds outside the vocabulary, from [`FIRST_OTHER_KIND`] on.
    other_kinds: Vec<String>,
    other_kind_index: hashbrown::HashMap<String, u32>,
    actors: Vec<u32>,
    actor_keys: Vec<Key>,
    actor_index: hashbrown::HashMap<Key, u32>,
    /// 1-based line of each statement.
    line_of: Vec<u32>,
    keep_rows: bool,
    /// Byte offset and length per statement, when `keep_rows`.
    rows: Vec<(u64, u32)>,
    /// Hashes committed to by statement bodies, when `keep_rows`: the first four
    /// bytes and the statement index (8 bytes, not 36: a million-statement trace
    /// has about 1.5 million). Candidates are confirmed against their line.
    commits: Vec<(u32, u32)>,
}

impl Index {
    pub fn new(keep_rows: bool) -> Index {
        Index {
            ids: Vec::new(),
            by_id: HashTable::new(),
            hasher: Default::default(),
            leaves: Vec::new(),
            flags: Vec::new(),
            kinds: Vec::new(),
            other_kinds: Vec::new(),
            other_kind_index: Default::default(),
            actors: Vec::new(),
            actor_keys: Vec::new(),
            actor_index: Default::default(),
            line_of: Vec::new(),
            keep_rows,
            rows: Vec::new(),
            commits: Vec::new(),
        }
    }

    /// Statements so far (the next statement's index).
    pub fn len(&self) -> u64 {
        self.ids.len() as u64
    }

    /// A malformed line keeps its slot; its id and leaf are unknown (zero).
    pub fn push_malformed(&mut self, line: u64, offset: u64, len: u32) {
        self.ids.push(Id::default());
        self.flags.push(0);
        self.kinds.push(KIND_MALFORMED);
        self.actors.push(u32::MAX);
        self.line_of.push(line as u32);
        if self.keep_rows {
            self.rows.push((offset, len));
        }
    }

    /// Adds a well-formed statement; returns the index of an earlier copy of it.
    /// Its flags are set with [`Index::set_flags`] once phase B has judged it.
    pub fn push_statement(&mut self, st: &Statement, leaf: Hash, keep_leaf: bool, line: u64, offset: u64, len: u32) -> Option<u32> {
        let index = self.ids.len() as u32;
        let duplicate = self.lookup(&st.id);
        self.ids.push(st.id);
        if keep_leaf {
            self.leaves.push(leaf);
        }
        let kind = self.intern_kind(&st.kind);
        self.kinds.push(kind);
        let actor = self.intern_actor(&st.actor);
        self.actors.push(actor);
        self.line_of.push(line as u32);
        self.flags.push(WELL_FORMED);
        if self.keep_rows {
            self.rows.push((offset, len));
            for h in &st.commits {
                self.commits.push((hash_prefix(h), index));
            }
        }
        if duplicate.is_none() {
            let h = self.hasher.hash_one(st.id);
            let (ids, hasher) = (&self.ids, &self.hasher);
            self.by_id.insert_unique(h, index, |&i| hasher.hash_one(ids[i as usize]));
        }
        duplicate
    }

    pub fn set_flags(&mut self, index: u64, flags: u8) {
        self.flags[index as usize] = flags;
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

    fn intern_kind(&mut self, kind: &Kind) -> u32 {
        if let Some(code) = kind.code() {
            return code;
        }
        let word = kind.as_str();
        if let Some(&i) = self.other_kind_index.get(word) {
            return i;
        }
        let i = FIRST_OTHER_KIND + self.other_kinds.len() as u32;
        self.other_kinds.push(word.to_string());
        self.other_kind_index.insert(word.to_string(), i);
        i
    }

    /// The index of the (first) statement with this id.
    pub fn lookup(&self, id: &Id) -> Option<u32> {
        let h = self.hasher.hash_one(id);
        self.by_id.find(h, |&i| self.ids[i as usize] == *id).copied()
    }

    /// The id of a well-formed statement.
    pub fn id(&self, index: u64) -> Option<Id> {
        self.ids.get(index as usize).copied().filter(|_| self.flags[index as usize] & WELL_FORMED != 0)
    }
    /// The id slot, zero for a malformed statement.
    pub fn raw_id(&self, index: u64) -> Id {
        self.ids[index as usize]
    }
    pub fn flags(&self, index: u64) -> u8 {
        self.flags[index as usize]
    }
    pub fn kinds(&self) -> &[u32] {
        &self.kinds
    }
    pub fn kind_code(&self, index: u32) -> u32 {
        self.kinds[index as usize]
    }
    /// The kind's word ("" for a malformed statement).
    pub fn kind_name(&self, index: u64) -> &str {
        match self.kinds[index as usize] {
            KIND_MALFORMED => "",
            c if c < FIRST_OTHER_KIND => Kind::VOCABULARY[c as usize - 1].as_str(),
            c => &self.other_kinds[(c - FIRST_OTHER_KIND) as usize],
        }
    }
    /// The interned actor of a statement (u32::MAX for a malformed one).
    pub fn actor_code(&self, index: u64) -> u32 {
        self.actors[index as usize]
    }
    pub fn actors(&self) -> &[u32] {
        &self.actors
    }
    pub fn actor_keys(&self) -> &[Key] {
        &self.actor_keys
    }
    pub fn actor(&self, index: u64) -> Option<Key> {
        self.actor_keys.get(self.actors[index as usize] as usize).copied()
    }
    pub fn line_of(&self, index: u64) -> u64 {
        self.line_of[index as usize] as u64
    }
    pub fn leaves(&self) -> &[Hash] {
        &self.leaves
    }
    pub fn row(&self, index: u64) -> Option<(u64, u32)> {
        self.rows.get(index as usize).copied()
    }
    /// Indexes of statements whose body may contain `hash` (same first four bytes).
    pub fn commit_candidates(&self, hash: &Hash) -> Vec<u64> {
        let p = hash_prefix(hash);
        let mut out: Vec<u64> = self.commits.iter().filter(|(h, _)| *h == p).map(|&(_, i)| i as u64).collect();
        out.dedup();
        out
    }
}

fn hash_prefix(h: &Hash) -> u32 {
    u32::from_le_bytes(h.0[..4].try_into().expect("4 bytes"))
}
