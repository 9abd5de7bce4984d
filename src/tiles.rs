//! Tiled logs: the C2SP tlog-tiles layout with BLAKE3 hashes (FORMAT.md
//! section 8). Tile coordinates and paths, which tiles a tree size implies,
//! tiles as a source of subtree hashes, and checking fetched tiles against a
//! checkpoint's root. No I/O: drivers fetch what these functions name.

use crate::merkle::{self, Subtrees};
use crate::statement::Hash;
use std::collections::BTreeMap;

/// Tiles are subtrees of height 8 (C2SP tlog-tiles, "Merkle Tree").
pub const TILE_HEIGHT: u32 = 8;
/// Hashes in a full tile, and statements in a full entry bundle.
pub const TILE_WIDTH: u64 = 1 << TILE_HEIGHT;
/// Bytes of one hash in a tile (BLAKE3, FORMAT.md section 8).
pub const HASH_BYTES: usize = 32;
/// The highest level a u64 tree size can need (256^7 = 2^56; C2SP allows 0..=63).
pub const MAX_LEVEL: u8 = 7;

/// A hash tile: `level`, `index` within the level, and `width` hashes (1..=256; 256 is full).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Tile {
    pub level: u8,
    pub index: u64,
    pub width: u16,
}

/// An entry bundle: statements `256 * index ..` of which it holds `width` (256 is full).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Bundle {
    pub index: u64,
    pub width: u16,
}

/// `x001/x234/067`: the index in zero-padded 3-digit path elements, all but
/// the last starting with `x` (C2SP tlog-tiles).
pub fn index_path(mut n: u64) -> String {
    let mut parts = vec![format!("{:03}", n % 1000)];
    n /= 1000;
    while n > 0 {
        parts.push(format!("x{:03}", n % 1000));
        n /= 1000;
    }
    parts.reverse();
    parts.join("/")
}

fn with_width(base: String, width: u16) -> String {
    if width as u64 == TILE_WIDTH {
        base
    } else {
        format!("{base}.p/{width}")
    }
}

impl Tile {
    /// The tile at `level`, `index` in a tree of `size` leaves, if that tree has it.
    pub fn at(level: u8, index: u64, size: u64) -> Option<Tile> {
        let count = hashes_at_level(level, size);
        let start = index.checked_mul(TILE_WIDTH)?;
        (start < count).then(|| Tile { level, index, width: (count - start).min(TILE_WIDTH) as u16 })
    }
    /// `tile/<L>/<N>[.p/<W>]`.
    pub fn path(&self) -> String {
        with_width(format!("tile/{}/{}", self.level, index_path(self.index)), self.width)
    }
    pub fn is_full(&self) -> bool {
        self.width as u64 == TILE_WIDTH
    }
    /// The same tile when full (a reader may fall back to it when a partial is gone).
    pub fn full(&self) -> Tile {
        Tile { width: TILE_WIDTH as u16, ..*self }
    }
    /// The first leaf (statement index) the tile covers.
    pub fn first_leaf(&self) -> u64 {
        let shift = TILE_HEIGHT * (self.level as u32 + 1);
        self.index.checked_shl(shift).filter(|_| shift < 64).unwrap_or(0)
    }
    /// The tile one level up that holds this tile's hash (once this tile is full).
    pub fn parent(&self, size: u64) -> Option<Tile> {
        Tile::at(self.level + 1, self.index / TILE_WIDTH, size)
    }
    /// Expected size in bytes.
    pub fn byte_len(&self) -> usize {
        self.width as usize * HASH_BYTES
    }
}

impl Bundle {
    pub fn at(index: u64, size: u64) -> Option<Bundle> {
        Tile::at(0, index, size).map(|t| Bundle { index, width: t.width })
    }
    /// `tile/entries/<N>[.p/<W>]`.
    pub fn path(&self) -> String {
        with_width(format!("tile/entries/{}", index_path(self.index)), self.width)
    }
    pub fn first(&self) -> u64 {
        self.index * TILE_WIDTH
    }
    pub fn full(&self) -> Bundle {
        Bundle { width: TILE_WIDTH as u16, ..*self }
    }
    pub fn is_full(&self) -> bool {
        self.width as u64 == TILE_WIDTH
    }
}

/// How many complete height-8L nodes a tree of `size` leaves has.
fn hashes_at_level(level: u8, size: u64) -> u64 {
    let shift = TILE_HEIGHT * level as u32;
    if shift >= 64 {
        0
    } else {
        size >> shift
    }
}

/// Every hash tile a tree of `size` implies, level by level (full and partial).
pub fn tiles_for(size: u64) -> Vec<Tile> {
    let mut out = Vec::new();
    for level in 0..=MAX_LEVEL {
        let count = hashes_at_level(level, size);
        if count == 0 {
            break;
        }
        let tiles = count.div_ceil(TILE_WIDTH);
        out.extend((0..tiles).map(|i| Tile::at(level, i, size).expect("within the level")));
    }
    out
}

/// The hash tiles a tree of `new` leaves has that a tree of `old` did not
/// (new full tiles, and partials that grew): what a publisher writes when the
/// log grows from `old` to `new`.
pub fn tiles_changed(old: u64, new: u64) -> Vec<Tile> {
    assert!(old <= new, "tiles_changed: the log shrank from {old} to {new}");
    tiles_for(new).into_iter().filter(|t| t.index * TILE_WIDTH + t.width as u64 > hashes_at_level(t.level, old)).collect()
}

/// The entry bundles a tree of `new` leaves has that a tree of `old` did not.
pub fn bundles_changed(old: u64, new: u64) -> impl Iterator<Item = Bundle> {
    assert!(old <= new, "bundles_changed: the log shrank from {old} to {new}");
    let first = if old == new { new.div_ceil(TILE_WIDTH) } else { old / TILE_WIDTH };
    (first..new.div_ceil(TILE_WIDTH)).map(move |i| Bundle::at(i, new).expect("within the tree"))
}

/// The partial tiles of a tree of `size`: exactly what its root is made of.
pub fn partial_tiles(size: u64) -> Vec<Tile> {
    (0..=MAX_LEVEL).filter_map(|level| Tile::at(level, hashes_at_level(level, size) / TILE_WIDTH, size)).filter(|t| !t.is_full()).collect()
}

/// Every entry bundle of a tree of `size`.
pub fn bundles_for(size: u64) -> impl Iterator<Item = Bundle> {
    (0..size.div_ceil(TILE_WIDTH)).map(move |i| Bundle::at(i, size).expect("within the tree"))
}

/// A parsed tile path (what a server is asked for).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TilePath {
    Hashes(Tile),
    Entries(Bundle),
}

/// Parses `tile/<L>/<N>[.p/<W>]` or `tile/entries/<N>[.p/<W>]` in the one
/// spelling C2SP allows (no extra leading zeros, 3-digit elements).
pub fn parse_path(path: &str) -> Result<TilePath, String> {
    let rest = path.strip_prefix("tile/").ok_or("a tile path starts with tile/")?;
    let (level, rest) = rest.split_once('/').ok_or("a tile path is tile/<L>/<N>")?;
    let (index_part, width) = match rest.split_once(".p/") {
        Some((i, w)) => {
            let width: u16 = w.parse().ok().filter(|&n: &u16| (1..TILE_WIDTH as u16).contains(&n) && n.to_string() == w).ok_or_else(|| format!("partial width {w:?} is not 1 to 255"))?;
            (i, width)
        }
        None => (rest, TILE_WIDTH as u16),
    };
    let mut index: u64 = 0;
    let parts: Vec<&str> = index_part.split('/').collect();
    for (k, p) in parts.iter().enumerate() {
        let digits = if k + 1 < parts.len() { p.strip_prefix('x').ok_or("all but the last index element start with x")? } else { p };
        if digits.len() != 3 || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return Err(format!("index element {p:?} is not three digits"));
        }
        index = index.checked_mul(1000).and_then(|i| i.checked_add(digits.parse::<u64>().expect("digits"))).ok_or("index too large")?;
    }
    if index_path(index) != index_part {
        return Err(format!("index {index_part:?} is not in its one spelling ({})", index_path(index)));
    }
    if level == "entries" {
        return Ok(TilePath::Entries(Bundle { index, width }));
    }
    let l: u8 = level.parse().ok().filter(|&l: &u8| l <= 63 && l.to_string() == level).ok_or_else(|| format!("level {level:?} is not 0 to 63"))?;
    Ok(TilePath::Hashes(Tile { level: l, index, width }))
}

/// The hashes of a tile as served: `width` hashes of 32 bytes.
pub fn encode_tile(hashes: &[Hash]) -> Vec<u8> {
    hashes.iter().flat_map(|h| h.0).collect()
}

/// Reads a tile's bytes; `None` when the length is not `width` hashes. A full
/// tile stands in for a partial of the same position (its first `width` hashes).
pub fn decode_tile(tile: &Tile, bytes: &[u8]) -> Option<Vec<Hash>> {
    let want = tile.byte_len();
    let usable = if bytes.len() == want { bytes } else if !tile.is_full() && bytes.len() == TILE_WIDTH as usize * HASH_BYTES { &bytes[..want] } else { return None };
    Some(usable.chunks_exact(HASH_BYTES).map(|c| Hash::from_slice(c).expect("32 bytes")).collect())
}

/// The hash tile `(level, index)` of a tree of `size`, from any source of subtrees.
pub fn tile_hashes<S: Subtrees + ?Sized>(tile: &Tile, s: &mut S) -> Result<Vec<Hash>, S::Error> {
    let height = TILE_HEIGHT * tile.level as u32;
    (0..tile.width as u64).map(|i| s.subtree(height, tile.index * TILE_WIDTH + i)).collect()
}

/// Why a tile cannot serve a hash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TileError {
    /// A tile the computation needs was not supplied.
    Missing(Tile),
}

/// Tiles fetched for one tree size, as a source of subtree hashes.
#[derive(Debug, Clone)]
pub struct TileSet {
    size: u64,
    tiles: BTreeMap<(u8, u64), Vec<Hash>>,
}

impl TileSet {
    pub fn new(size: u64) -> TileSet {
        TileSet { size, tiles: BTreeMap::new() }
    }
    pub fn size(&self) -> u64 {
        self.size
    }
    /// Adds a tile's hashes (as decoded by [`decode_tile`]).
    pub fn insert(&mut self, tile: &Tile, hashes: Vec<Hash>) {
        assert_eq!(hashes.len(), tile.width as usize, "tile {} with {} hashes", tile.path(), hashes.len());
        self.tiles.insert((tile.level, tile.index), hashes);
    }
    pub fn get(&self, level: u8, index: u64) -> Option<&[Hash]> {
        self.tiles.get(&(level, index)).map(|v| v.as_slice())
    }

    /// Which tiles of a tree of `size` a computation reads (it is run once with
    /// placeholder hashes), plus what proves them: each full tile's parents up
    /// to a partial one, and the partial tiles that make the root.
    pub fn needed<T>(size: u64, compute: impl FnOnce(&mut dyn Subtrees<Error = TileError>) -> Result<T, TileError>) -> Vec<Tile> {
        struct Recorder {
            size: u64,
            seen: std::collections::BTreeSet<Tile>,
        }
        impl Subtrees for Recorder {
            type Error = TileError;
            fn subtree(&mut self, height: u32, index: u64) -> Result<Hash, TileError> {
                let level = (height / TILE_HEIGHT) as u8;
                let first = index << (height % TILE_HEIGHT);
                let tile = Tile::at(level, first / TILE_WIDTH, self.size).expect("a subtree of the tree lies in one of its tiles");
                self.seen.insert(tile);
                Ok(Hash::default())
            }
        }
        let mut rec = Recorder { size, seen: Default::default() };
        let _ = compute(&mut rec);
        let mut all = rec.seen;
        all.extend(partial_tiles(size));
        let mut chain: Vec<Tile> = all.iter().copied().collect();
        while let Some(t) = chain.pop() {
            if t.is_full() {
                if let Some(p) = t.parent(size) {
                    if all.insert(p) {
                        chain.push(p);
                    }
                }
            }
        }
        all.into_iter().collect()
    }

    /// Checks every tile held against `root`: the partial tiles must make the
    /// root, and each full tile must hash to its entry in the tile above it
    /// (which is checked in turn), as Go's tlog.TileHashReader does.
    pub fn authenticate(&mut self, root: &Hash) -> Result<(), TileFault> {
        let size = self.size;
        match merkle::root_of(size, self) {
            Err(TileError::Missing(t)) => return Err(TileFault::Missing(t)),
            Ok(r) if r != *root => return Err(TileFault::Mismatch(partial_tiles(size))),
            Ok(_) => {}
        }
        for (&(level, index), hashes) in &self.tiles {
            let tile = Tile::at(level, index, size).expect("held tiles are tiles of the tree");
            if !tile.is_full() {
                continue;
            }
            let parent = tile.parent(size).expect("a full tile has a parent in the tree");
            let above = self.tiles.get(&(parent.level, parent.index)).ok_or(TileFault::Missing(parent))?;
            if above[(index % TILE_WIDTH) as usize] != merkle::perfect_root(hashes) {
                return Err(TileFault::Mismatch(vec![tile]));
            }
        }
        Ok(())
    }
}

/// Why tiles do not prove what they should.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TileFault {
    /// A tile needed to check the others was not supplied.
    Missing(Tile),
    /// These tiles do not fit the root (for the root itself: all the partial tiles).
    Mismatch(Vec<Tile>),
}

impl Subtrees for TileSet {
    type Error = TileError;
    fn subtree(&mut self, height: u32, index: u64) -> Result<Hash, TileError> {
        let level = (height / TILE_HEIGHT) as u8;
        let j = height % TILE_HEIGHT;
        let first = index << j;
        let n = 1u64 << j;
        let tile_index = first / TILE_WIDTH;
        let tile = Tile::at(level, tile_index, self.size).expect("a subtree of the tree lies in one of its tiles");
        let hashes = self.tiles.get(&(level, tile_index)).ok_or(TileError::Missing(tile))?;
        let at = (first % TILE_WIDTH) as usize;
        let slice = hashes.get(at..at + n as usize).ok_or(TileError::Missing(tile))?;
        Ok(merkle::perfect_root(slice))
    }
}

/// What is wrong with the framing of an entry bundle that should hold `width`
/// statements (FORMAT.md section 8), if anything: each line followed by `\n`,
/// no `\r`, no empty line, exactly `width` lines. (Checkpoint lines and
/// malformed statements are found when the lines are read.)
pub fn bundle_problem(bytes: &[u8], width: u16) -> Option<String> {
    if bytes.is_empty() {
        return Some("it is empty".into());
    }
    if bytes.last() != Some(&b'\n') {
        return Some("its last line has no final \\n".into());
    }
    if let Some(at) = bytes.iter().position(|&b| b == b'\r') {
        let line = bytes[..at].iter().filter(|&&b| b == b'\n').count() + 1;
        return Some(format!("line {line} holds a \\r (bundles use \\n alone)"));
    }
    let mut lines = 0u64;
    for (k, line) in bytes[..bytes.len() - 1].split(|&b| b == b'\n').enumerate() {
        if line.is_empty() {
            return Some(format!("line {} is empty", k + 1));
        }
        lines += 1;
    }
    (lines != width as u64).then(|| format!("it holds {lines} lines where its path calls for {width}"))
}
