//! Writing a verified trace as a tiled log (FORMAT.md section 8), without
//! I/O: the driver hands over the statement lines in order with their leaf
//! hashes and writes the files this names. Full tiles and bundles never
//! change once written; partials and the checkpoint are replaced as the log
//! grows, the checkpoint last (so a reader never sees a checkpoint whose
//! files are not there yet).

use crate::merkle::{self, Leaves};
use crate::note;
use crate::statement::Hash;
use crate::tiles::{self, Bundle, Tile, TILE_WIDTH};

/// The tiled layout of a log of `size` statements, built as they come.
pub struct Layout {
    size: u64,
    leaves: Vec<Hash>,
    bundle: Vec<u8>,
}

impl Layout {
    pub fn new(size: u64) -> Layout {
        Layout { size, leaves: Vec::with_capacity(size.min(1 << 24) as usize), bundle: Vec::new() }
    }

    /// Statements still to come.
    pub fn wanted(&self) -> u64 {
        self.size - self.leaves.len() as u64
    }

    /// The next statement's line (without its line ending) and leaf hash.
    /// Returns the entry bundle it completes, if it completes one.
    pub fn push(&mut self, line: &[u8], leaf: Hash) -> Option<(Bundle, Vec<u8>)> {
        assert!(self.wanted() > 0, "Layout::push past the log's size {}", self.size);
        self.bundle.extend_from_slice(line);
        self.bundle.push(b'\n');
        self.leaves.push(leaf);
        let n = self.leaves.len() as u64;
        (n % TILE_WIDTH == 0 || n == self.size).then(|| {
            let b = Bundle::at((n - 1) / TILE_WIDTH, self.size).expect("within the log");
            (b, std::mem::take(&mut self.bundle))
        })
    }

    /// The root of what was pushed (the checkpoint's root once complete).
    pub fn root(&self) -> Hash {
        merkle::root(&self.leaves)
    }

    /// The root at an earlier size (to check an earlier publication is a prefix).
    pub fn root_at(&self, size: u64) -> Option<Hash> {
        (size <= self.leaves.len() as u64).then(|| merkle::root(&self.leaves[..size as usize]))
    }

    /// The log's perfect subtrees (for consistency proofs and fork evidence), once complete.
    pub fn subtrees(&self) -> Leaves<'_> {
        assert_eq!(self.wanted(), 0, "Layout::subtrees before every statement was pushed");
        Leaves(&self.leaves)
    }

    /// Every hash tile of the log, all levels, full and partial.
    pub fn tiles(&self) -> impl Iterator<Item = (Tile, Vec<u8>)> + '_ {
        assert_eq!(self.wanted(), 0, "Layout::tiles before every statement was pushed");
        tiles::tiles_for(self.size).into_iter().map(|t| {
            let hashes = match tiles::tile_hashes(&t, &mut Leaves(&self.leaves)) {
                Ok(h) => h,
                Err(never) => match never {},
            };
            (t, tiles::encode_tile(&hashes))
        })
    }
}

/// Why a publication may not replace the one already in place.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// The existing checkpoint cannot be read.
    Unreadable(String),
    /// It is of another log.
    OtherLog { existing: String, new: String },
    /// It is larger: publishing would roll the log back.
    Rollback { existing: u64, new: u64 },
    /// Same size or a prefix, but another root: the trace is another history.
    Fork { size: u64 },
}

impl std::fmt::Display for Refusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Refusal::Unreadable(why) => write!(f, "the checkpoint already there cannot be read ({why}): publish into an empty folder, or remove the folder's files first"),
            Refusal::OtherLog { existing, new } => write!(f, "the folder holds the log {existing:?}, not {new:?}: publish each log into its own folder"),
            Refusal::Rollback { existing, new } => write!(
                f,
                "the folder holds this log at size {existing}, larger than this trace's checkpoint at size {new}: publishing would roll the log back (readers would see statements go missing); publish the newer trace"
            ),
            Refusal::Fork { size } => write!(
                f,
                "the folder holds this log with another root at size {size}: this trace is another history of the log (a fork), and publishing it would break every reader's proof; find out which history is the log's"
            ),
        }
    }
}

/// Whether the checkpoint already published (`existing`, the note's text) may
/// be replaced by this layout's, of `origin` and the layout's size: the same
/// log, no smaller, and a prefix of it.
pub fn may_replace(existing: &str, origin: &str, layout: &Layout) -> Result<(), Refusal> {
    let old = note::parse_checkpoint(existing).map_err(Refusal::Unreadable)?;
    if old.origin != origin {
        return Err(Refusal::OtherLog { existing: old.origin, new: origin.to_string() });
    }
    if old.size > layout.size {
        return Err(Refusal::Rollback { existing: old.size, new: layout.size });
    }
    match layout.root_at(old.size) {
        Some(root) if root == old.root => Ok(()),
        _ => Err(Refusal::Fork { size: old.size }),
    }
}
