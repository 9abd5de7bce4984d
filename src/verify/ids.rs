//! Statements by id: what refs and repeated statements are checked against.
//!
//! Ids are kept in one of two ways:
//! - every 32-byte id (`Full`, the default: strict, and what the page's
//!   explorer shows);
//! - an 8-byte fingerprint of each id (`Fingerprints`, with
//!   [`Options::fingerprint_key`](super::Options)): the first 8 bytes of the
//!   BLAKE3 keyed hash of the id under a key the reader drew at random and
//!   never shows to the log. Two different ids share a fingerprint with
//!   probability 2^-64 for each comparison, and a log cannot aim for a match
//!   without the key, so a made-up ref cannot pass for an existing statement.
//!   A quarter of the memory; the ids themselves are kept for the last
//!   [`RECENT_IDS`] statements and for the few statements a finding will name
//!   ([`Ids::want`]); the driver reads older ones back when it can.

use super::column::Column;
use crate::statement::Id;
use hashbrown::HashTable;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, VecDeque};
use std::hash::BuildHasher;

/// Ids kept in full with fingerprints: as many statements as the tree keeps leaves for.
pub const RECENT_IDS: usize = (super::RECENT_BLOCKS + 1) * crate::tiles::TILE_WIDTH as usize;

/// The reader's secret key for id fingerprints (32 random bytes, never sent anywhere).
#[derive(Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct FingerprintKey(pub [u8; 32]);

impl std::fmt::Debug for FingerprintKey {
    fn fmt(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("FingerprintKey(..)")
    }
}

#[derive(Serialize, Deserialize)]
enum Store {
    Full(Column<Id>),
    Fingerprints {
        key: FingerprintKey,
        fps: Column<u64>,
        /// Ids of the last statements, oldest first.
        recent: VecDeque<Id>,
        /// Statements a finding may name: how many wants, and the id once known.
        wants: BTreeMap<u64, (u32, Option<Id>)>,
    },
}

#[derive(Serialize, Deserialize)]
pub struct Ids {
    store: Store,
    /// Statement indexes by id (first copy only); rebuilt on load.
    #[serde(skip)]
    table: HashTable<u32>,
    #[serde(skip)]
    hasher: hashbrown::DefaultHashBuilder,
    /// The table was given back ([`Ids::end_lookups`]).
    #[serde(skip)]
    ended: bool,
}

/// What a lookup compares: the id itself, or its fingerprint.
#[derive(Clone, Copy)]
enum Probe<'a> {
    Full(&'a Id, u64),
    Fingerprint(u64),
}

impl Ids {
    pub fn new(key: Option<FingerprintKey>) -> Ids {
        let store = match key {
            None => Store::Full(Column::default()),
            Some(key) => Store::Fingerprints { key, fps: Column::default(), recent: VecDeque::new(), wants: BTreeMap::new() },
        };
        Ids { store, table: HashTable::new(), hasher: Default::default(), ended: false }
    }

    pub fn len(&self) -> u64 {
        (match &self.store {
            Store::Full(ids) => ids.len(),
            Store::Fingerprints { fps, .. } => fps.len(),
        }) as u64
    }

    fn probe<'a>(&self, id: &'a Id) -> Probe<'a> {
        match &self.store {
            Store::Full(_) => Probe::Full(id, self.hasher.hash_one(id)),
            Store::Fingerprints { key, .. } => Probe::Fingerprint(key.fingerprint(id.as_bytes())),
        }
    }

    fn find(&self, p: Probe) -> Option<u32> {
        match (p, &self.store) {
            (Probe::Full(id, h), Store::Full(ids)) => self.table.find(h, |&i| ids.at(i as usize) == *id).copied(),
            // The fingerprint is a keyed hash already: it is the table's hash too.
            (Probe::Fingerprint(fp), Store::Fingerprints { fps, .. }) => self.table.find(fp, |&i| fps.at(i as usize) == fp).copied(),
            _ => unreachable!("a probe is made by its own store"),
        }
    }

    fn insert(&mut self, index: u32, p: Probe) {
        let h = match p {
            Probe::Full(_, h) | Probe::Fingerprint(h) => h,
        };
        match &self.store {
            Store::Full(ids) => {
                let hasher = &self.hasher;
                self.table.insert_unique(h, index, |&i| hasher.hash_one(ids.at(i as usize)));
            }
            Store::Fingerprints { fps, .. } => {
                self.table.insert_unique(h, index, |&i| fps.at(i as usize));
            }
        }
    }

    /// The index of the (first) statement with this id.
    pub fn lookup(&self, id: &Id) -> Option<u32> {
        assert!(!self.ended, "no lookups after Ids::end_lookups");
        self.find(self.probe(id))
    }

    /// With fingerprints, gives the lookup table back once every ref is
    /// settled (the end of a reading), so that settling incidents can use
    /// its memory. Full ids keep it: the explorer looks ids up afterwards.
    pub fn end_lookups(&mut self) {
        if let Store::Fingerprints { .. } = self.store {
            self.table = HashTable::new();
            self.ended = true;
        }
    }

    /// Adds the next statement's id (`None` for a malformed line, which no ref
    /// can name); returns the index of an earlier statement with the same id.
    pub fn push(&mut self, id: Option<&Id>) -> Option<u32> {
        let index = self.len();
        let probe = id.map(|id| self.probe(id));
        let earlier = probe.and_then(|p| self.find(p));
        let slot = id.copied().unwrap_or_default();
        match &mut self.store {
            Store::Full(ids) => ids.push(slot),
            Store::Fingerprints { fps, recent, wants, .. } => {
                fps.push(match probe {
                    Some(Probe::Fingerprint(fp)) => fp,
                    _ => 0,
                });
                recent.push_back(slot);
                if recent.len() > RECENT_IDS {
                    recent.pop_front();
                }
                if let Some((_, known)) = wants.get_mut(&index) {
                    *known = Some(slot);
                }
            }
        }
        if let (Some(p), None) = (probe, earlier) {
            self.insert(index as u32, p);
        }
        earlier
    }

    /// The id in slot `index` (zero for a malformed line), if it is kept.
    pub fn get(&self, index: u64) -> Option<Id> {
        match &self.store {
            Store::Full(ids) => ids.get(index as usize),
            Store::Fingerprints { recent, wants, .. } => {
                let first_recent = self.len() - recent.len() as u64;
                if index >= first_recent && index < self.len() {
                    return Some(recent[(index - first_recent) as usize]);
                }
                wants.get(&index).and_then(|w| w.1)
            }
        }
    }

    /// Keeps the id of statement `index` (past or future) for a finding.
    pub fn want(&mut self, index: u64) {
        let known = self.get(index);
        if let Store::Fingerprints { wants, .. } = &mut self.store {
            let w = wants.entry(index).or_insert((0, None));
            w.0 += 1;
            w.1 = w.1.or(known);
        }
    }

    /// Undoes one [`Ids::want`].
    pub fn release(&mut self, index: u64) {
        if let Store::Fingerprints { wants, .. } = &mut self.store {
            if let Some(w) = wants.get_mut(&index) {
                w.0 -= 1;
                if w.0 == 0 {
                    wants.remove(&index);
                }
            }
        }
    }

    /// Past statements whose ids are wanted but no longer kept: the driver
    /// reads them back from the trace ([`super::RootReplay`]) if it can.
    pub fn missing(&self) -> Vec<u64> {
        match &self.store {
            Store::Full(_) => Vec::new(),
            Store::Fingerprints { wants, .. } => wants.iter().filter(|(&i, w)| w.1.is_none() && i < self.len()).map(|(&i, _)| i).collect(),
        }
    }

    /// An id read back by the driver; ignored unless it is the statement's (its fingerprint matches).
    pub fn supply(&mut self, index: u64, id: Id) {
        if let Store::Fingerprints { key, fps, wants, .. } = &mut self.store {
            let matches = fps.get(index as usize) == Some(key.fingerprint(id.as_bytes()));
            if let (true, Some(w)) = (matches, wants.get_mut(&index)) {
                w.1 = Some(id);
            }
        }
    }

    /// Rebuilds the lookup table after loading; `well_formed(i)` says which slots hold an id.
    pub fn rebuild(&mut self, well_formed: impl Fn(usize) -> bool) {
        let n = self.len() as usize;
        self.table = HashTable::with_capacity(n);
        for i in (0..n).filter(|&i| well_formed(i)) {
            let id;
            let p = match &self.store {
                Store::Full(ids) => {
                    id = ids.at(i);
                    Probe::Full(&id, self.hasher.hash_one(id))
                }
                Store::Fingerprints { fps, .. } => Probe::Fingerprint(fps.at(i)),
            };
            // Only the first copy of a repeated id is in the table.
            if self.find(p).is_none() {
                self.insert(i as u32, p);
            }
        }
    }
}

impl FingerprintKey {
    /// The first 8 bytes of BLAKE3-keyed(key, value), little-endian (ids, compute outputs).
    pub fn fingerprint(&self, value: &[u8; 32]) -> u64 {
        let h = blake3::keyed_hash(&self.0, value);
        u64::from_le_bytes(h.as_bytes()[..8].try_into().expect("8 bytes"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id(n: u32) -> Id {
        Id(*blake3::hash(&n.to_le_bytes()).as_bytes())
    }

    fn both() -> [Ids; 2] {
        [Ids::new(None), Ids::new(Some(FingerprintKey([7; 32])))]
    }

    #[test]
    fn lookups_and_repeats_agree_in_both_stores() {
        for mut ids in both() {
            assert_eq!(ids.push(Some(&id(0))), None);
            assert_eq!(ids.push(None), None);
            assert_eq!(ids.push(Some(&id(2))), None);
            assert_eq!(ids.push(Some(&id(0))), Some(0), "a repeat names the first copy");
            assert_eq!(ids.lookup(&id(2)), Some(2));
            assert_eq!(ids.lookup(&id(9)), None);
            // A made-up id that shares the first 8 bytes of a real one is not it.
            let mut near = id(2);
            near.0[31] ^= 1;
            assert_eq!(ids.lookup(&near), None);
            assert_eq!(ids.get(2), Some(id(2)));
            let bytes = postcard::to_allocvec(&ids).unwrap();
            let mut back: Ids = postcard::from_bytes(&bytes).unwrap();
            back.rebuild(|i| i != 1);
            assert_eq!(back.lookup(&id(0)), Some(0));
            assert_eq!(back.lookup(&id(2)), Some(2));
            assert_eq!(back.push(Some(&id(2))), Some(2));
        }
    }

    #[test]
    fn fingerprints_keep_recent_and_wanted_ids_and_take_back_only_the_right_one() {
        let mut ids = Ids::new(Some(FingerprintKey([1; 32])));
        ids.want(5); // a future statement
        let n = RECENT_IDS as u32 + 100;
        for k in 0..n {
            ids.push(Some(&id(k)));
        }
        assert_eq!(ids.get(5), Some(id(5)), "wanted before it came");
        assert_eq!(ids.get(n as u64 - 1), Some(id(n - 1)), "recent");
        assert_eq!(ids.get(50), None, "neither recent nor wanted");
        ids.want(50);
        assert_eq!(ids.missing(), vec![50]);
        ids.supply(50, id(51));
        assert_eq!(ids.missing(), vec![50], "another statement's id is not taken");
        ids.supply(50, id(50));
        assert_eq!(ids.get(50), Some(id(50)));
        assert!(ids.missing().is_empty());
        ids.release(5);
        assert_eq!(ids.get(5), None);
        assert_eq!(ids.lookup(&id(50)), Some(50), "lookups need no kept id");
    }
}
