//! What the verifier keeps per statement: what later checks need (refs by
//! id, kinds and actors for incidents and tallies, flags) and what the page's
//! explorer reads back (rows, hashes bodies commit to). About 46 bytes a
//! statement with full ids and 22 with fingerprints (id or fingerprint, its
//! slot in the lookup table, flags, kind, actor), in blocks (no doubling);
//! leaves live in the tree (`tree.rs`), and line numbers are derived from
//! the few lines that are not statements.

use super::column::Column;
use super::ids::{FingerprintKey, Ids};
use crate::statement::{Hash, Id, Key, Kind, Statement};
use crate::tiles::TILE_WIDTH;
use serde::{Deserialize, Serialize};

/// Kind numbers: 0 for a malformed statement, 1 to 11 the vocabulary
/// ([`Kind::code`]), then other kinds in the order they first appear.
pub const KIND_MALFORMED: u32 = 0;
const FIRST_OTHER_KIND: u32 = Kind::VOCABULARY.len() as u32 + 1;
/// In the kinds column: "the kind number is in `wide_kinds`".
const KIND_WIDE: u8 = u8::MAX;

/// Per-statement flags.
pub const USABLE: u8 = 1; // well-formed, signature valid, body valid, not a duplicate
pub const SIG_OK: u8 = 2;
pub const WELL_FORMED: u8 = 4;

/// Runs of lines that are not statements (checkpoint and empty lines), so a
/// statement's line and byte offset follow from its index.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
struct Gaps {
    /// The statement index each run comes before (increasing).
    before: Vec<u64>,
    /// Lines and bytes of all runs up to and including this one.
    lines: Vec<u64>,
    bytes: Vec<u64>,
}

impl Gaps {
    fn add(&mut self, before: u64, lines: u64, bytes: u64) {
        let (l0, b0) = (self.lines.last().copied().unwrap_or(0), self.bytes.last().copied().unwrap_or(0));
        if self.before.last() == Some(&before) {
            *self.lines.last_mut().expect("a run") += lines;
            *self.bytes.last_mut().expect("a run") += bytes;
        } else {
            self.before.push(before);
            self.lines.push(l0 + lines);
            self.bytes.push(b0 + bytes);
        }
    }
    /// Lines and bytes of the runs before statement `index`.
    fn before(&self, index: u64) -> (u64, u64) {
        match self.before.partition_point(|&b| b <= index) {
            0 => (0, 0),
            k => (self.lines[k - 1], self.bytes[k - 1]),
        }
    }
}

#[derive(Serialize, Deserialize)]
pub struct Index {
    ids: Ids,
    flags: Column<u8>,
    /// Kind numbers below [`KIND_WIDE`] (a trace has few kinds: a byte each).
    kinds: Column<u8>,
    /// Kind numbers from [`KIND_WIDE`] on, by statement index (only traces with hundreds of kinds have any).
    wide_kinds: hashbrown::HashMap<u32, u32>,
    /// Names of the kinds outside the vocabulary, from [`FIRST_OTHER_KIND`] on.
    other_kinds: Vec<String>,
    #[serde(skip)]
    other_kind_index: hashbrown::HashMap<String, u32>,
    actors: Column<u32>,
    actor_keys: Vec<Key>,
    #[serde(skip)]
    actor_index: hashbrown::HashMap<Key, u32>,
    gaps: Gaps,
    /// Line and byte offset where the next statement is expected when no gap comes first.
    next_line: u64,
    next_offset: u64,
    keep_rows: bool,
    /// Line length per statement, and the sum of lengths before each block of 256, when `keep_rows`.
    lens: Column<u32>,
    lens_before_block: Vec<u64>,
    /// Hashes committed to by statement bodies, when `keep_rows`: the first four
    /// bytes and the statement index (8 bytes, not 36). Candidates are confirmed against their line.
    commits: Vec<(u32, u32)>,
    /// Resolved refs, when `keep_rows`: (referenced statement, referring
    /// statement), for the explorer's "Referenced by" (8 bytes a ref). Never
    /// saved: only a page that keeps rows asks.
    #[serde(skip)]
    referrers: Vec<(u32, u32)>,
}

impl Index {
    /// With `keep_rows` every id is kept (the explorer shows them); otherwise
    /// fingerprints, if the reader gave a key (`ids.rs`).
    pub fn new(keep_rows: bool, key: Option<FingerprintKey>) -> Index {
        Index {
            ids: Ids::new(key.filter(|_| !keep_rows)),
            flags: Column::default(),
            kinds: Column::default(),
            wide_kinds: Default::default(),
            other_kinds: Vec::new(),
            other_kind_index: Default::default(),
            actors: Column::default(),
            actor_keys: Vec::new(),
            actor_index: Default::default(),
            gaps: Gaps::default(),
            next_line: 1,
            next_offset: 0,
            keep_rows,
            lens: Column::default(),
            lens_before_block: Vec::new(),
            commits: Vec::new(),
            referrers: Vec::new(),
        }
    }

    /// Rebuilds the lookup tables after loading a saved index.
    pub fn rebuild(&mut self) {
        let flags = &self.flags;
        self.ids.rebuild(|i| flags.at(i) & WELL_FORMED != 0);
        self.other_kind_index = self.other_kinds.iter().enumerate().map(|(i, k)| (k.clone(), FIRST_OTHER_KIND + i as u32)).collect();
        self.actor_index = self.actor_keys.iter().enumerate().map(|(i, k)| (*k, i as u32)).collect();
    }

    /// Statements so far (the next statement's index).
    pub fn len(&self) -> u64 {
        self.ids.len()
    }

    /// Where a statement's line is: gaps before it are what was skipped.
    fn place(&mut self, line: u64, offset: u64, len: u32) {
        let index = self.len();
        if line > self.next_line || offset > self.next_offset {
            self.gaps.add(index, line - self.next_line, offset - self.next_offset);
        }
        self.next_line = line + 1;
        self.next_offset = offset + len as u64;
        if self.keep_rows {
            if index % TILE_WIDTH == 0 {
                let before = self.lens_before_block.last().copied().unwrap_or(0) + self.block_tail_len();
                self.lens_before_block.push(before);
            }
            self.lens.push(len);
        }
    }

    /// Sum of the lengths in the last (full) block, for the next block's prefix sum.
    fn block_tail_len(&self) -> u64 {
        let n = self.lens.len();
        if n == 0 {
            return 0;
        }
        let start = (n - 1) / TILE_WIDTH as usize * TILE_WIDTH as usize;
        (start..n).map(|i| self.lens.at(i) as u64).sum()
    }

    /// A malformed line keeps its slot; its id and leaf are unknown (zero).
    pub fn push_malformed(&mut self, line: u64, offset: u64, len: u32) {
        self.place(line, offset, len);
        self.ids.push(None);
        self.flags.push(0);
        self.kinds.push(KIND_MALFORMED as u8);
        self.actors.push(u32::MAX);
    }

    /// Adds a well-formed statement; returns the index of an earlier copy of it.
    /// Its flags are set with [`Index::set_flags`] once phase B has judged it.
    pub fn push_statement(&mut self, st: &Statement, line: u64, offset: u64, len: u32) -> Option<u32> {
        let index = self.ids.len() as u32;
        self.place(line, offset, len);
        let duplicate = self.ids.push(Some(&st.id));
        let kind = self.intern_kind(&st.kind);
        match u8::try_from(kind) {
            Ok(k) if k < KIND_WIDE => self.kinds.push(k),
            _ => {
                self.kinds.push(KIND_WIDE);
                self.wide_kinds.insert(index, kind);
            }
        }
        let actor = self.intern_actor(&st.actor);
        self.actors.push(actor);
        self.flags.push(WELL_FORMED);
        if self.keep_rows {
            for h in &st.commits {
                self.commits.push((hash_prefix(h), index));
            }
        }
        duplicate
    }

    pub fn set_flags(&mut self, index: u64, flags: u8) {
        self.flags.set(index as usize, flags);
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
        self.ids.lookup(id)
    }

    /// See [`Ids::end_lookups`].
    pub fn end_lookups(&mut self) {
        self.ids.end_lookups();
    }

    /// The id of a well-formed statement, if it is kept (always, unless fingerprints).
    pub fn id(&self, index: u64) -> Option<Id> {
        self.ids.get(index).filter(|_| self.flags.at(index as usize) & WELL_FORMED != 0)
    }
    /// The id slot (zero for a malformed statement), if it is kept.
    pub fn raw_id(&self, index: u64) -> Option<Id> {
        self.ids.get(index)
    }
    /// Keeps statement `index`'s id for a finding (see `ids.rs`); [`Index::release_id`] undoes it.
    pub fn want_id(&mut self, index: u64) {
        self.ids.want(index);
    }
    pub fn release_id(&mut self, index: u64) {
        self.ids.release(index);
    }
    pub fn missing_ids(&self) -> Vec<u64> {
        self.ids.missing()
    }
    pub fn supply_id(&mut self, index: u64, id: Id) {
        self.ids.supply(index, id);
    }
    pub fn flags(&self, index: u64) -> u8 {
        self.flags.at(index as usize)
    }
    pub fn kind_code(&self, index: u32) -> u32 {
        match self.kinds.at(index as usize) {
            KIND_WIDE => self.wide_kinds[&index],
            k => k as u32,
        }
    }
    /// The kind's word ("" for a malformed statement).
    pub fn kind_name(&self, index: u64) -> &str {
        match self.kind_code(index as u32) {
            KIND_MALFORMED => "",
            c if c < FIRST_OTHER_KIND => Kind::VOCABULARY[c as usize - 1].as_str(),
            c => &self.other_kinds[(c - FIRST_OTHER_KIND) as usize],
        }
    }
    /// The interned actor of a statement (u32::MAX for a malformed one).
    pub fn actor_code(&self, index: u64) -> u32 {
        self.actors.at(index as usize)
    }
    pub fn actor(&self, index: u64) -> Option<Key> {
        self.actor_keys.get(self.actors.at(index as usize) as usize).copied()
    }
    pub fn line_of(&self, index: u64) -> u64 {
        index + 1 + self.gaps.before(index).0
    }
    /// Byte offset and length of a statement's line, when `keep_rows`.
    pub fn row(&self, index: u64) -> Option<(u64, u32)> {
        let len = self.lens.get(index as usize)?;
        let block = (index / TILE_WIDTH) as usize;
        let start = block * TILE_WIDTH as usize;
        let within: u64 = (start..index as usize).map(|i| self.lens.at(i) as u64).sum();
        Some((self.lens_before_block[block] + within + self.gaps.before(index).1, len))
    }
    /// Notes that statement `from` refers to the earlier statement `to` (kept only with `keep_rows`).
    pub fn note_ref(&mut self, to: u32, from: u32) {
        if self.keep_rows {
            self.referrers.push((to, from));
        }
    }
    /// Statements that refer to statement `index`, in log order (empty unless `keep_rows`).
    pub fn referrers(&self, index: u64) -> Vec<u64> {
        let mut out: Vec<u64> = self.referrers.iter().filter(|&&(to, _)| to as u64 == index).map(|&(_, from)| from as u64).collect();
        out.dedup();
        out
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_and_offsets_follow_from_the_gaps() {
        let mut ix = Index::new(true, None);
        // Statements on lines 1, 2, (checkpoint on 3, empty 4), 5, 6 ... with lengths 10 each, gap lines 7 and 1 bytes.
        ix.push_malformed(1, 0, 10);
        ix.push_malformed(2, 10, 10);
        ix.push_malformed(5, 28, 10);
        for k in 0..600u64 {
            ix.push_malformed(6 + k, 38 + 10 * k, 10);
        }
        assert_eq!(ix.line_of(0), 1);
        assert_eq!(ix.line_of(1), 2);
        assert_eq!(ix.line_of(2), 5);
        assert_eq!(ix.line_of(500), 503);
        assert_eq!(ix.row(0), Some((0, 10)));
        assert_eq!(ix.row(2), Some((28, 10)));
        assert_eq!(ix.row(300), Some((28 + 298 * 10, 10)));
        assert_eq!(ix.row(602), Some((28 + 600 * 10, 10)));
    }
}
