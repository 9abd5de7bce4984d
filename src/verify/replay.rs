//! Reading a trace again for the roots of old checkpoints (see
//! `Verifier::deferred_sizes`): leaves only, no signatures, no state kept
//! beyond a frontier. Lines are cut and classified as phase A does.

use super::analyze::{classify, LineOutcome};
use super::framing::{lines, Framer, Piece};
use crate::merkle::Frontier;
use crate::statement::Hash;

pub struct RootReplay {
    framer: Framer,
    frontier: Frontier,
    /// Sizes still wanted (ascending) and the roots found.
    wanted: Vec<u64>,
    found: Vec<(u64, Hash)>,
}

impl RootReplay {
    pub fn new(mut sizes: Vec<u64>) -> RootReplay {
        sizes.sort_unstable();
        sizes.dedup();
        sizes.reverse();
        RootReplay { framer: Framer::default(), frontier: Frontier::default(), wanted: sizes, found: Vec::new() }
    }

    /// Every wanted root has been found: the rest of the trace need not be read.
    pub fn done(&self) -> bool {
        self.wanted.is_empty()
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
                        LineOutcome::Statement(c) => self.leaf(c.leaf),
                    }
                }
            }
            Piece::Overlong(..) => self.leaf(Hash::default()),
        }
    }

    fn leaf(&mut self, leaf: Hash) {
        self.frontier.push(leaf);
        while self.wanted.last() == Some(&self.frontier.size()) {
            self.wanted.pop();
            self.found.push((self.frontier.size(), self.frontier.root()));
        }
    }

    /// The roots found, by size.
    pub fn finish(mut self) -> Vec<(u64, Hash)> {
        let mut framer = std::mem::take(&mut self.framer);
        framer.finish(|p| self.piece(p));
        self.found
    }
}
