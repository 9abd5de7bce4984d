//! The Merkle tree as the verifier keeps it: the frontier (the root at any
//! moment), the hash of every complete 256-leaf block (what level-1 tiles
//! hold: 32 bytes per 256 statements), and the leaves of recent blocks only.
//! Older roots come from blocks; the leaves of old blocks are needed only by
//! a checkpoint that covers an old, unaligned size, which the driver settles
//! by reading that part of the trace again (see `Verifier::deferred_sizes`).

use crate::merkle::{self, Frontier, Subtrees};
use crate::statement::Hash;
use crate::tiles::{TILE_HEIGHT, TILE_WIDTH};
use serde::{Deserialize, Serialize};
use std::collections::VecDeque;

/// Blocks of leaves kept besides the one being filled (16,384 leaves, 512 KiB).
pub const RECENT_BLOCKS: usize = 64;

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Tree {
    frontier: Frontier,
    /// Hash of each complete block of 256 leaves.
    blocks: Vec<Hash>,
    /// Leaves of the last blocks: `(block number, leaves)`, oldest first; the last may be partial.
    recent: VecDeque<(u64, Vec<Hash>)>,
    /// Every leaf (`Options::keep_leaves`: tools that prove inclusion anywhere).
    all: Option<Vec<Hash>>,
}

/// A subtree the tree no longer holds the leaves of.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Dropped {
    pub block: u64,
}

impl Tree {
    pub fn new(keep_all: bool) -> Tree {
        Tree { all: keep_all.then(Vec::new), ..Tree::default() }
    }

    pub fn size(&self) -> u64 {
        self.frontier.size()
    }

    pub fn root(&self) -> Hash {
        self.frontier.root()
    }

    pub fn push(&mut self, leaf: Hash) {
        let index = self.frontier.size();
        let block = index / TILE_WIDTH;
        match self.recent.back_mut() {
            Some((b, leaves)) if *b == block => leaves.push(leaf),
            _ => {
                self.recent.push_back((block, vec![leaf]));
                if self.recent.len() > RECENT_BLOCKS + 1 {
                    self.recent.pop_front();
                }
            }
        }
        if let Some(all) = &mut self.all {
            all.push(leaf);
        }
        let blocks = &mut self.blocks;
        self.frontier.push_with(leaf, |height, _, hash| {
            if height == TILE_HEIGHT {
                blocks.push(*hash);
            }
        });
    }

    /// The root of the first `size` leaves (at most the current size).
    pub fn root_at(&mut self, size: u64) -> Result<Hash, Dropped> {
        assert!(size <= self.size(), "root at {size} of a tree of {}", self.size());
        if size == self.size() {
            return Ok(self.root());
        }
        merkle::root_of(size, self)
    }

    /// The inclusion proof of leaf `index` in the tree of `size`.
    pub fn inclusion_proof(&mut self, index: u64, size: u64) -> Result<Vec<Hash>, Dropped> {
        merkle::inclusion_proof_of(index, size, self)
    }

    /// Leaf `index`, if it is still held.
    pub fn leaf(&self, index: u64) -> Option<Hash> {
        if let Some(all) = &self.all {
            return all.get(index as usize).copied();
        }
        let block = index / TILE_WIDTH;
        self.recent.iter().find(|(b, _)| *b == block).and_then(|(_, l)| l.get((index % TILE_WIDTH) as usize).copied())
    }

    /// Hashes of complete 256-leaf blocks (level-1 tile entries).
    #[cfg(test)]
    pub fn block_hashes(&self) -> &[Hash] {
        &self.blocks
    }
}

impl Subtrees for Tree {
    type Error = Dropped;
    fn subtree(&mut self, height: u32, index: u64) -> Result<Hash, Dropped> {
        if height >= TILE_HEIGHT {
            let n = 1usize << (height - TILE_HEIGHT);
            let first = (index as usize) << (height - TILE_HEIGHT);
            return Ok(merkle::perfect_root(&self.blocks[first..first + n]));
        }
        let n = 1u64 << height;
        let first = index << height;
        if let Some(all) = &self.all {
            return Ok(merkle::perfect_root(&all[first as usize..(first + n) as usize]));
        }
        let block = first / TILE_WIDTH;
        let (_, leaves) = self.recent.iter().find(|(b, _)| *b == block).ok_or(Dropped { block })?;
        let at = (first % TILE_WIDTH) as usize;
        Ok(merkle::perfect_root(&leaves[at..at + n as usize]))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roots_at_every_size_from_blocks_and_recent_leaves() {
        let leaves: Vec<Hash> = (0..20_000u32).map(|i| Hash(*blake3::hash(&i.to_le_bytes()).as_bytes())).collect();
        let mut t = Tree::new(false);
        for l in &leaves {
            t.push(*l);
        }
        assert_eq!(t.root(), merkle::root(&leaves));
        assert_eq!(t.block_hashes().len(), 20_000 / 256);
        // Aligned sizes come from block hashes, however old.
        for size in [256u64, 512, 4096, 19_968] {
            assert_eq!(t.root_at(size), Ok(merkle::root(&leaves[..size as usize])), "{size}");
        }
        // Recent unaligned sizes from the leaves kept.
        for size in [20_000u64 - 1, 20_000 - 16_000, 19_000] {
            assert_eq!(t.root_at(size), Ok(merkle::root(&leaves[..size as usize])), "{size}");
        }
        // An old unaligned size needs leaves that are gone.
        assert_eq!(t.root_at(300), Err(Dropped { block: 1 }));
        let mut all = Tree::new(true);
        for l in &leaves {
            all.push(*l);
        }
        assert_eq!(all.root_at(300), Ok(merkle::root(&leaves[..300])));
        assert_eq!(all.inclusion_proof(5, 300).unwrap(), merkle::inclusion_proof(5, &leaves[..300]));
    }
}
