//! Reading a trace again for the roots of old checkpoints (see
//! `Verifier::deferred_sizes`) and the ids of old statements a finding names
//! (`Verifier::missing_ids`): leaves only, no signatures, no state kept
//! beyond a frontier. Lines are cut and classified as phase A does.

use super::analyze::{classify, LineOutcome};
use super::framing::{lines, Framer, Piece};
use crate::merkle::Frontier;
use crate::statement::{Hash, Id};

pub struct RootReplay {
    framer: Framer,
    frontier: Frontier,
    /// Sizes still wanted (ascending) and the roots found.
    wanted: Vec<u64>,
    found: Vec<(u64, Hash)>,
    /// Statement indexes whose ids are wanted (descending) and the ids found.
    wanted_ids: Vec<u64>,
    ids: Vec<(u64, Id)>,
}

/// What reading again found.
pub struct Replayed {
    pub roots: Vec<(u64, Hash)>,
    pub ids: Vec<(u64, Id)>,
}

impl RootReplay {
    pub fn new(sizes: Vec<u64>, ids: Vec<u64>) -> RootReplay {
        let descending = |mut v: Vec<u64>| {
            v.sort_unstable_by(|a, b| b.cmp(a));
            v.dedup();
            v
        };
        RootReplay { framer: Framer::default(), frontier: Frontier::default(), wanted: descending(sizes), found: Vec::new(), wanted_ids: descending(ids), ids: Vec::new() }
    }

    /// Everything wanted has been found: the rest of the trace need not be read.
    pub fn done(&self) -> bool {
        self.wanted.is_empty() && self.wanted_ids.is_empty()
    }

    pub fn push(&mut self, chunk: &[u8]) {
        let mut framer = std::mem::take(&mut self.framer);
        framer.push(chunk, |p| self.piece(p));
        self.framer = framer;
    }

    fn piece(&mut self, piece: Piece) {
        match piece {
            Piece::Lines(run) | Piece::Last(run) => {
                for line in lines(run) {
                    match classify(line) {
                        LineOutcome::Empty | LineOutcome::Checkpoint(_) | LineOutcome::BadCheckpointLine(_) => {}
                        LineOutcome::Malformed(_) => self.leaf(Hash::default()),
                        LineOutcome::Statement(c) => {
                            if self.wanted_ids.last() == Some(&self.frontier.size()) {
                                self.ids.push((self.frontier.size(), c.statement.id));
                            }
                            self.leaf(c.leaf)
                        }
                    }
                }
            }
            Piece::Overlong(..) => self.leaf(Hash::default()),
        }
    }

    fn leaf(&mut self, leaf: Hash) {
        // This slot's id is taken (a malformed statement has none): it is not looked for further.
        if self.wanted_ids.last() == Some(&self.frontier.size()) {
            self.wanted_ids.pop();
        }
        self.frontier.push(leaf);
        while self.wanted.last() == Some(&self.frontier.size()) {
            self.wanted.pop();
            self.found.push((self.frontier.size(), self.frontier.root()));
        }
    }

    pub fn finish(mut self) -> Replayed {
        let mut framer = std::mem::take(&mut self.framer);
        framer.finish(|p| self.piece(p));
        Replayed { roots: self.found, ids: self.ids }
    }
}
