//! Verifying a tiled log (FORMAT.md section 8), without I/O: this names the
//! files to fetch, the driver (CLI, page, widget) fetches them and hands them
//! back. The statements go through the same [`Verifier`] as a trace file, so
//! the report is the one for the equivalent trace: the bundles in order,
//! then one checkpoint line.
//!
//! The steps, in order:
//! 1. [`TiledVerifier::checkpoint`]: the server's checkpoint; names the hash
//!    tiles to fetch (those its root is made of, every tile above level 0 over
//!    the new statements, and what proves the held checkpoint a prefix).
//! 2. [`TiledVerifier::supply_tile`] for each, then [`TiledVerifier::plan`]:
//!    the tiles are checked against the root, the held checkpoint against the
//!    tiles, and the bundles still to read are named.
//! 3. [`TiledVerifier::push_bundle`] for each bundle in order, with its
//!    level-0 tile ([`TiledVerifier::bundle_tile`]).
//! 4. [`TiledVerifier::finish`]: the report, and the state to save.

pub mod state;

use crate::merkle::{self, Subtrees};
use crate::note::{self, checkpoint_line};
use crate::report::{Code, Finding, Report, Status};
use crate::signature::KeyCache;
use crate::statement::{Hash, Key};
use crate::tiles::{self, Bundle, Tile, TileFault, TileSet, TILE_HEIGHT, TILE_WIDTH};
use crate::verify::{analyze, forked_finding, lines, rolled_back_finding, KnownCheckpoint, LineOutcome, Options, Verifier};
pub use state::{HeldCheckpoint, StateError};

/// The checkpoint a server shows, as read (its signature is checked with the
/// statements, as for a checkpoint line).
#[derive(Debug, Clone)]
struct Served {
    note: String,
    origin: String,
    size: u64,
    root: Hash,
}

/// Why a tiled log cannot be verified against the state the reader gave.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TiledError {
    /// The state is of another log (another origin or key).
    OtherLog { held: String, served: String },
}

impl std::fmt::Display for TiledError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            TiledError::OtherLog { held, served } => write!(
                f,
                "the state is of the log {held:?}, but this log's checkpoint names {served:?}: give the state file of this log, or none to verify it from the start"
            ),
        }
    }
}

/// What became of the held checkpoint (for "N new statements since your last visit").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Since {
    /// No state was given: verified from the start.
    Fresh,
    /// The log grew (or not) from the held size, consistently.
    Extended { held: u64 },
    /// The server showed an older checkpoint, proven a prefix of the held one.
    Stale { held: u64, served: u64 },
    /// The log forked or shrank below the held checkpoint.
    Inconsistent { held: u64 },
}

pub struct TiledVerifier {
    opts: Options,
    inner: Verifier,
    held: Option<HeldCheckpoint>,
    served: Option<Served>,
    tiles: TileSet,
    /// The tiles asked for in step 1.
    requested: Vec<Tile>,
    /// Every tile held authenticates against the served root.
    authentic: bool,
    /// Known checkpoints (`--known`) at sizes the held state already passed: checked from tiles.
    known_from_tiles: Vec<KnownCheckpoint>,
    since: Since,
    /// Reading bundles stopped (a bundle missing or not framed as its path calls for).
    stopped: bool,
    /// A bundle's statements did not hash as the tiles say (so upper tiles are not blamed).
    bundle_at_fault: bool,
    /// Tile paths already reported, so one bad tile is one finding.
    reported: std::collections::BTreeSet<String>,
    cache: KeyCache,
    /// Whether `finish` makes the state for a next run (a snapshot costs memory).
    keep_state: bool,
    /// Evidence that the served checkpoint forked from the held one (for the report).
    fork: Option<crate::fork::ForkEvidence>,
}

impl TiledVerifier {
    /// A verification from statement 0.
    pub fn new(opts: Options) -> TiledVerifier {
        let inner = Verifier::new(Options { keep_leaves: false, ..opts.clone() });
        TiledVerifier::with(opts, inner, None, Vec::new())
    }

    /// A verification that goes on from a saved state ([`state::encode`]).
    pub fn resume(state_file: &[u8], opts: Options) -> Result<TiledVerifier, StateError> {
        let (held, body) = state::decode(state_file)?;
        // Known checkpoints the saved run has passed are checked from tiles;
        // later ones by the verifier as it reads.
        let (old, new): (Vec<_>, Vec<_>) = opts.known.iter().cloned().partition(|k| k.size <= held.size);
        let inner = Verifier::restore(body, Options { known: new, keep_leaves: false, ..opts.clone() }).map_err(StateError::Corrupt)?;
        match inner.log_identity() {
            Some((origin, key)) if origin == held.origin && key == held.key => {}
            _ => return Err(StateError::Corrupt("its statements are of another log than its checkpoint".into())),
        }
        if inner.statement_count() != held.size || inner.root() != held.root {
            return Err(StateError::Corrupt(format!("its statements ({}) do not make its checkpoint (size {})", inner.statement_count(), held.size)));
        }
        if opts.log_key.is_some_and(|k| k != held.key) {
            return Err(StateError::OtherKey);
        }
        Ok(TiledVerifier::with(opts, inner, Some(held), old))
    }

    fn with(opts: Options, inner: Verifier, held: Option<HeldCheckpoint>, known_from_tiles: Vec<KnownCheckpoint>) -> TiledVerifier {
        TiledVerifier {
            opts,
            inner,
            since: if held.is_some() { Since::Extended { held: 0 } } else { Since::Fresh },
            held,
            served: None,
            tiles: TileSet::new(0),
            requested: Vec::new(),
            authentic: false,
            known_from_tiles,
            stopped: false,
            bundle_at_fault: false,
            reported: Default::default(),
            cache: KeyCache::default(),
            fork: None,
            keep_state: true,
        }
    }

    /// No state for a next run from `finish` (a reader who keeps none).
    pub fn without_state(mut self) -> TiledVerifier {
        self.keep_state = false;
        self
    }

    /// The checkpoint the reader held before this run.
    pub fn held(&self) -> Option<&HeldCheckpoint> {
        self.held.as_ref()
    }

    /// Step 1: the server's `checkpoint` file. Returns the hash tiles to fetch.
    pub fn checkpoint(&mut self, text: &[u8]) -> Result<Vec<Tile>, TiledError> {
        let served = match std::str::from_utf8(text).map_err(|_| "it is not UTF-8 text".to_string()).and_then(|t| note::parse_checkpoint(t).map(|c| (t, c))) {
            Ok((t, c)) => Served { note: t.to_string(), origin: c.origin, size: c.size, root: c.root },
            Err(why) => {
                self.inner.push_finding(Finding::at_path(Code::CheckpointMalformed, 0, "checkpoint".into(), format!("The log's checkpoint file cannot be read: {why}.")));
                self.stopped = true;
                return Ok(Vec::new());
            }
        };
        if let Some(h) = &self.held {
            if h.origin != served.origin {
                return Err(TiledError::OtherLog { held: h.origin.clone(), served: served.origin });
            }
        }
        let n = served.size;
        let m = self.held.as_ref().map_or(0, |h| h.size);
        if n < m {
            // Older than the held checkpoint: the held tree gives the root at n
            // if it still can; otherwise the held size's tiles prove it a prefix.
            let wanted = if self.inner.root_at(n).is_ok() { Vec::new() } else { TileSet::needed(m, |s| merkle::consistency_proof_of(n, m, s)) };
            self.tiles = TileSet::new(m);
            self.requested = wanted.clone();
            self.served = Some(served);
            return Ok(wanted);
        }
        let mut wanted: Vec<Tile> = TileSet::needed(n, |s| merkle::root_of(n, s));
        if self.held.is_some() && m < n {
            wanted.extend(TileSet::needed(n, |s| merkle::consistency_proof_of(m, n, s)));
            wanted.extend(TileSet::needed(n, |s| merkle::root_of(m, s)));
        }
        for k in &self.known_from_tiles {
            if k.size <= n {
                let size = k.size;
                wanted.extend(TileSet::needed(n, |s| merkle::root_of(size, s)));
            }
        }
        // Every tile above level 0 over the new statements (level-0 tiles come with their bundles).
        if m < n {
            for level in 1..=tiles::MAX_LEVEL {
                let shift = TILE_HEIGHT * (level as u32 + 1);
                if shift >= 64 {
                    break;
                }
                for index in (m >> shift)..=((n - 1) >> shift) {
                    wanted.extend(Tile::at(level, index, n));
                }
            }
        }
        wanted.sort();
        wanted.dedup();
        self.tiles = TileSet::new(n);
        self.requested = wanted.clone();
        self.served = Some(served);
        Ok(wanted)
    }

    /// A tile asked for in step 1: its bytes, or `None` when it cannot be fetched.
    pub fn supply_tile(&mut self, tile: Tile, bytes: Option<&[u8]>) {
        match bytes.map(|b| tiles::decode_tile(&tile, b)) {
            Some(Some(hashes)) => self.tiles.insert(&tile, hashes),
            Some(None) => {
                let got = bytes.map_or(0, |b| b.len());
                self.tile_finding(Code::TileMismatch, &tile, format!("The tile {} holds {got} bytes, where {} hashes of 32 bytes are called for.", tile.path(), tile.width));
            }
            None => self.tile_finding(Code::TileMissing, &tile, format!("The tile {} cannot be fetched.", tile.path())),
        }
    }

    fn tile_finding(&mut self, code: Code, tile: &Tile, what: String) {
        if self.reported.insert(tile.path()) {
            self.inner.push_finding(Finding::at_path(code, tile.first_leaf(), tile.path(), what));
        }
    }

    fn bundle_finding(&mut self, code: Code, b: &Bundle, what: String) {
        if self.reported.insert(b.path()) {
            self.inner.push_finding(Finding::at_path(code, b.first(), b.path(), what));
        }
    }

    /// Step 2: checks the tiles and the held checkpoint; the bundles to read, in order.
    pub fn plan(&mut self) -> Vec<Bundle> {
        let Some(served) = self.served.clone() else { return Vec::new() };
        if self.stopped {
            return Vec::new();
        }
        let n = served.size;
        if let Some(held) = self.held.clone().filter(|h| n < h.size) {
            self.stale_or_rolled_back(&held, &served);
            self.stopped = true;
            return Vec::new();
        }
        self.authentic = self.requested.iter().all(|t| self.tiles.get(t.level, t.index).is_some()) && self.authenticate(&served);
        if let Some(held) = self.held.clone() {
            self.since = Since::Extended { held: held.size };
            if n == held.size && served.root != held.root {
                self.fork = self.fork_evidence(&held, &served);
                self.inconsistent(forked_finding(&known(&held), &served.root));
                return Vec::new();
            }
            if n > held.size && self.authentic {
                if let Err(root) = self.tiles_extend(&held, &served) {
                    self.fork = self.fork_evidence(&held, &served);
                    self.inconsistent(forked_finding(&known(&held), &root));
                    return Vec::new();
                }
            }
        }
        self.check_known_from_tiles();
        let m = self.inner.statement_count();
        if m >= n {
            return Vec::new();
        }
        (m / TILE_WIDTH..n.div_ceil(TILE_WIDTH)).map(|i| Bundle::at(i, n).expect("within the log")).collect()
    }

    /// The partial tiles make the root and each full tile hashes into the one above.
    fn authenticate(&mut self, served: &Served) -> bool {
        match self.tiles.authenticate(&served.root) {
            Ok(()) => true,
            Err(TileFault::Missing(t)) => {
                self.tile_finding(Code::TileMissing, &t, format!("The tile {} cannot be fetched.", t.path()));
                false
            }
            Err(TileFault::Mismatch(bad)) => {
                for t in bad {
                    let what = if t.is_full() {
                        format!("The tile {} does not hash to its entry in the tile above it.", t.path())
                    } else {
                        format!("The partial tiles (such as {}) do not make the checkpoint's root at size {}.", t.path(), served.size)
                    };
                    self.tile_finding(Code::TileMismatch, &t, what);
                }
                false
            }
        }
    }

    /// RFC 9162 2.1.4 from tiles: the held checkpoint is a prefix of the served one.
    /// On failure, the root the tiles give at the held size.
    fn tiles_extend(&mut self, held: &HeldCheckpoint, served: &Served) -> Result<(), Hash> {
        let old_root = merkle::root_of(held.size, &mut self.tiles).expect("tiles for the held size were asked for");
        let proof = merkle::consistency_proof_of(held.size, served.size, &mut self.tiles).expect("tiles for the proof were asked for");
        match merkle::verify_consistency(held.size, served.size, &held.root, &served.root, &proof) {
            Ok(()) => Ok(()),
            Err(_) => Err(old_root),
        }
    }

    /// Fork evidence from the held note, the served one and the served tiles,
    /// when it proves the fork (both notes signed by the log's key).
    fn fork_evidence(&mut self, held: &HeldCheckpoint, served: &Served) -> Option<crate::fork::ForkEvidence> {
        let vkey = note::vkey(&held.origin, &held.key);
        let e = crate::fork::evidence(&vkey, &held.note, &served.note, &mut self.tiles).ok()?;
        crate::fork::check(&e, None).ok().map(|_| e)
    }

    /// The server's checkpoint is older than the held one: a stale cache if
    /// the held tree has the server's root at its size, signed by the log.
    fn stale_or_rolled_back(&mut self, held: &HeldCheckpoint, served: &Served) {
        let signed = note::verify_checkpoint(&served.note, &held.origin, &held.key).is_ok();
        let prefix = match self.inner.root_at(served.size) {
            Ok(root) => root == served.root,
            // RFC 9162 2.1.4 from the held size's tiles (the proof checks both roots).
            Err(_) => merkle::consistency_proof_of(served.size, held.size, &mut self.tiles)
                .is_ok_and(|p| merkle::verify_consistency(served.size, held.size, &served.root, &held.root, &p).is_ok()),
        };
        if signed && prefix {
            self.since = Since::Stale { held: held.size, served: served.size };
            let what = format!(
                "The server shows the log at size {} but you hold its checkpoint at size {}, which extends it: a cache served an older checkpoint. This report is of the checkpoint you hold.",
                served.size, held.size
            );
            self.inner.push_finding(Finding::at_path(Code::CheckpointStale, served.size, "checkpoint".into(), what));
        } else {
            // Not provably a prefix (or not signed by the log): statements are missing.
            self.inconsistent(rolled_back_finding(&known(held), served.size));
        }
    }

    fn inconsistent(&mut self, f: Finding) {
        let held = self.held.as_ref().map_or(0, |h| h.size);
        self.since = Since::Inconsistent { held };
        self.inner.push_finding(f);
        self.stopped = true;
    }

    /// `--known` checkpoints older than the held state, from tiles.
    fn check_known_from_tiles(&mut self) {
        let n = self.tiles.size();
        for k in std::mem::take(&mut self.known_from_tiles) {
            if k.size > n || !self.authentic {
                continue;
            }
            if let Ok(root) = merkle::root_of(k.size, &mut self.tiles) {
                if root != k.root {
                    self.inner.push_finding(forked_finding(&k, &root));
                }
            }
        }
    }

    /// The level-0 tile to fetch with `bundle`, unless step 1 already did.
    pub fn bundle_tile(&self, bundle: &Bundle) -> Option<Tile> {
        let t = Tile { level: 0, index: bundle.index, width: bundle.width };
        (self.tiles.get(0, bundle.index).is_none()).then_some(t)
    }

    /// Step 3, one bundle (in order): its bytes and its level-0 tile's
    /// (`None` for what could not be fetched). Returns false when reading stops.
    pub fn push_bundle(&mut self, bundle: Bundle, bytes: Option<&[u8]>, tile0: Option<&[u8]>) -> bool {
        let outcomes = bytes.map(|b| analyze(lines(b), self.opts.signatures, &mut self.cache));
        self.push_bundle_outcomes(bundle, bytes, outcomes.unwrap_or_default(), tile0)
    }

    /// [`TiledVerifier::push_bundle`] with phase A already run on the bundle's lines (threads, workers).
    pub fn push_bundle_outcomes(&mut self, bundle: Bundle, bytes: Option<&[u8]>, outcomes: Vec<LineOutcome>, tile0: Option<&[u8]>) -> bool {
        if self.stopped {
            return false;
        }
        let Some(bytes) = bytes else {
            self.bundle_finding(Code::TileMissing, &bundle, format!("The entry bundle {} cannot be fetched; statements from {} on were not read.", bundle.path(), bundle.first()));
            self.stopped = true;
            return false;
        };
        if let Some(why) = self.bundle_framing(&bundle, bytes, &outcomes) {
            self.bundle_finding(Code::TileBundleInvalid, &bundle, format!("The entry bundle {}: {why}; statements from {} on were not read.", bundle.path(), bundle.first()));
            self.stopped = true;
            return false;
        }
        // Statements of a partial bundle read in an earlier run are skipped, but must be the same.
        let first = bundle.first();
        let skip = self.inner.statement_count().saturating_sub(first) as usize;
        for (k, o) in outcomes.iter().take(skip).enumerate() {
            let leaf = match o {
                LineOutcome::Statement(c) => Some(c.leaf),
                _ => None,
            };
            let held = self.inner.leaf(first + k as u64);
            if held.is_none() || leaf != held {
                self.bundle_finding(Code::TileBundleInvalid, &bundle, format!("The entry bundle {}: statement {} is not the one verified before.", bundle.path(), first + k as u64));
                self.stopped = true;
                return false;
            }
        }
        let offset: usize = lines(bytes).take(skip).map(|l| l.len() + 1).sum();
        let rest = &bytes[offset..];
        let malformed = outcomes.iter().position(|o| matches!(o, LineOutcome::Malformed(_)));
        self.inner.add_bytes(rest.len() as u64);
        self.inner.ingest_lines(rest, outcomes.into_iter().skip(skip).collect());
        if let Some(k) = malformed {
            // Reported as in a trace file (section 3); a publisher never publishes one.
            self.bundle_finding(Code::TileBundleInvalid, &bundle, format!("The entry bundle {}: line {} is not a well-formed statement; statements after it were not read.", bundle.path(), k + 1));
            self.stopped = true;
            return false;
        }
        self.check_bundle_hashes(&bundle, tile0);
        true
    }

    /// Lines as a bundle's path calls for: the framing, and only statements.
    fn bundle_framing(&self, bundle: &Bundle, bytes: &[u8], outcomes: &[LineOutcome]) -> Option<String> {
        if let Some(why) = tiles::bundle_problem(bytes, bundle.width) {
            return Some(why);
        }
        outcomes.iter().position(|o| !matches!(o, LineOutcome::Statement(_) | LineOutcome::Malformed(_))).map(|k| format!("line {} is not a statement (bundles hold statements only)", k + 1))
    }

    /// The bundle's leaves against the authenticated tiles and its own level-0 tile.
    fn check_bundle_hashes(&mut self, bundle: &Bundle, tile0: Option<&[u8]>) {
        let tile = Tile { level: 0, index: bundle.index, width: bundle.width };
        let computed = self.inner.computed_tile(&tile).expect("a bundle's leaves are recent");
        // What the checkpoint vouches for: the entry above a full tile, or the partial tile itself.
        let vouched: Option<Vec<Hash>> = if !self.authentic {
            None
        } else if bundle.is_full() {
            let above = self.tiles.get(1, bundle.index / TILE_WIDTH).map(|h| h[(bundle.index % TILE_WIDTH) as usize]);
            above.map(|h| vec![h])
        } else {
            self.tiles.get(0, bundle.index).map(|h| h.to_vec())
        };
        let of_computed = |c: &[Hash]| if bundle.is_full() { vec![merkle::perfect_root(c)] } else { c.to_vec() };
        if let Some(v) = &vouched {
            if *v != of_computed(&computed) {
                self.bundle_at_fault = true;
                self.bundle_finding(
                    Code::TileBundleInvalid,
                    bundle,
                    format!("The entry bundle {}: its statements do not hash to what the log's tiles and checkpoint commit to (a statement changed, missing or moved).", bundle.path()),
                );
            }
        }
        if self.tiles.get(0, bundle.index).is_some() {
            return;
        }
        match tile0.map(|b| tiles::decode_tile(&tile, b)) {
            None => self.tile_finding(Code::TileMissing, &tile, format!("The tile {} cannot be fetched.", tile.path())),
            Some(None) => self.tile_finding(Code::TileMismatch, &tile, format!("The tile {} is not {} hashes of 32 bytes.", tile.path(), tile.width)),
            Some(Some(fetched)) if fetched != computed => {
                // The tile is at fault unless it is the one the checkpoint vouches for.
                if vouched.as_ref().is_none_or(|v| *v != of_computed(&fetched)) {
                    self.tile_finding(Code::TileMismatch, &tile, format!("The tile {} does not hold the hashes of the statements in {}.", tile.path(), bundle.path()));
                }
            }
            Some(Some(_)) => {}
        }
    }

    /// Step 4: the report (of the equivalent trace), and the state to save
    /// for the next run (`None`: keep the one you have, or none when it failed).
    pub fn finish(mut self) -> (Report, Option<Vec<u8>>, Since) {
        let Some(served) = self.served.clone() else {
            return (self.inner.finish(), None, self.since);
        };
        if matches!(self.since, Since::Stale { .. }) {
            let held = self.held.clone().expect("stale only with a held checkpoint");
            self.ingest_checkpoint(&held.note);
            return (self.inner.finish(), None, self.since);
        }
        if self.stopped {
            // What was read stands, under the checkpoint held before (if any).
            if let Some(held) = self.held.clone() {
                self.ingest_checkpoint(&held.note);
            }
            self.inner.cut_short();
            let mut report = self.inner.finish();
            report.fork = self.fork.take();
            return (report, None, self.since);
        }
        self.compare_upper_tiles();
        let snapshot = self.keep_state.then(|| self.inner.snapshot());
        self.ingest_checkpoint(&served.note);
        let report = self.inner.finish();
        let state = match (&report.status, self.inner.log_identity(), snapshot) {
            (Status::Verified, Some((origin, key)), Some(snapshot)) => {
                let held = HeldCheckpoint { origin: origin.to_string(), key, size: served.size, root: served.root, note: served.note.clone() };
                Some(state::encode(&held, &snapshot))
            }
            _ => None,
        };
        (report, state, self.since)
    }

    fn ingest_checkpoint(&mut self, note: &str) {
        let line = format!("{}\n", checkpoint_line(note));
        self.inner.push(line.as_bytes());
    }

    /// Every tile above level 0 that was fetched must hold what the bundles give.
    fn compare_upper_tiles(&mut self) {
        if self.bundle_at_fault {
            return;
        }
        let m = self.held.as_ref().map_or(0, |h| h.size);
        for t in self.requested.clone() {
            if t.level == 0 || (t.index + 1) << (TILE_HEIGHT * (t.level as u32 + 1)) <= m {
                continue;
            }
            let Some(fetched) = self.tiles.get(t.level, t.index).map(|h| h.to_vec()) else { continue };
            if let Ok(computed) = self.inner.computed_tile(&t) {
                if computed != fetched {
                    self.tile_finding(Code::TileMismatch, &t, format!("The tile {} does not hold the hashes of the statements under it.", t.path()));
                }
            }
        }
    }
}

fn known(h: &HeldCheckpoint) -> KnownCheckpoint {
    KnownCheckpoint { origin: h.origin.clone(), size: h.size, root: h.root }
}

/// The log key a state was made with (for a reader who gives none).
pub fn state_key(state_file: &[u8]) -> Result<Key, StateError> {
    state::decode(state_file).map(|(h, _)| h.key)
}

/// One statement checked alone (`&index=N`), step 1: from the log's
/// checkpoint, the hash tiles its inclusion proof reads and its entry bundle.
pub fn one_statement_files(checkpoint: &[u8], index: u64) -> Result<(Vec<Tile>, Bundle), String> {
    let c = std::str::from_utf8(checkpoint).map_err(|_| "the checkpoint is not UTF-8 text".to_string()).and_then(note::parse_checkpoint)?;
    if index >= c.size {
        return Err(format!("the log's checkpoint covers statements 0 to {}; there is no statement {index} in it yet", c.size.saturating_sub(1)));
    }
    let tiles = inclusion_tiles(index, c.size);
    Ok((tiles, Bundle::at(index / TILE_WIDTH, c.size).expect("index < size")))
}

/// Step 2: the statement's receipt (its line, the inclusion proof read from
/// the tiles, the checkpoint), for [`crate::receipt::verify_receipt`], which
/// checks the signature, the proof against the root and the checkpoint's signer.
/// The level-0 hashes come from the bundle itself (its lines' leaf hashes), so
/// a bundle that is not what the log holds gives a proof that fails there.
pub fn one_statement_receipt(checkpoint: &[u8], index: u64, tiles: &[(Tile, Vec<u8>)], bundle: &[u8]) -> Result<String, String> {
    let text = std::str::from_utf8(checkpoint).map_err(|_| "the checkpoint is not UTF-8 text".to_string())?;
    let c = note::parse_checkpoint(text)?;
    let mut set = TileSet::new(c.size);
    for (t, bytes) in tiles {
        let hashes = tiles::decode_tile(t, bytes).ok_or_else(|| format!("the tile {} is not {} hashes of 32 bytes", t.path(), t.width))?;
        set.insert(t, hashes);
    }
    let level0 = Tile::at(0, index / TILE_WIDTH, c.size).ok_or_else(|| format!("the log's checkpoint covers statements 0 to {}; there is no statement {index} in it yet", c.size.saturating_sub(1)))?;
    set.insert(&level0, bundle_leaves(bundle, &level0)?);
    let proof = merkle::inclusion_proof_of(index, c.size, &mut set).map_err(|e| format!("the tiles do not give the proof: {e:?}"))?;
    let at = (index % TILE_WIDTH) as usize;
    let line = lines(bundle).nth(at).ok_or_else(|| format!("the entry bundle has no line {} (it holds statements {} on)", at + 1, index - at as u64))?;
    crate::receipt::make_receipt(crate::verify::line_content(line), index, &proof, text)
}

/// The leaf hashes of a bundle's lines: the level-0 tile `tile` it stands for.
fn bundle_leaves(bundle: &[u8], tile: &Tile) -> Result<Vec<Hash>, String> {
    let path = Bundle { index: tile.index, width: tile.width }.path();
    let leaves = lines(bundle)
        .enumerate()
        .map(|(k, line)| {
            let s = crate::statement::parse_statement(crate::verify::line_content(line))
                .map_err(|e| format!("line {} of {path} is not a statement ({e}): the bundle is invalid (tile.bundle.invalid)", k + 1))?;
            Ok(merkle::leaf_hash(&s.id, &s.sig))
        })
        .collect::<Result<Vec<_>, String>>()?;
    if leaves.len() != tile.width as usize {
        return Err(format!("{path} holds {} lines where its path names {}: the bundle is invalid (tile.bundle.invalid)", leaves.len(), tile.width));
    }
    Ok(leaves)
}

/// Which hash tiles of a log of `size` one statement's inclusion proof reads
/// (`&index=N`). Not the level-0 tile its leaf is in: the statement's bundle,
/// fetched anyway, gives those hashes (8 KiB fewer a check). The level-0
/// partial at the right edge may still be needed (partials are never hashed
/// into the level above).
pub fn inclusion_tiles(index: u64, size: u64) -> Vec<Tile> {
    let own = index / TILE_WIDTH;
    let mut t = TileSet::needed(size, |s| merkle::inclusion_proof_of(index, size, s));
    t.retain(|t| t.level > 0 || t.index != own);
    t.sort();
    t.dedup();
    t
}

/// The inclusion proof of `index` from fetched tiles (checked by the caller against the root).
pub fn inclusion_from_tiles(index: u64, size: u64, tiles: &mut TileSet) -> Result<(Hash, Vec<Hash>), tiles::TileError> {
    let leaf = tiles.subtree(0, index)?;
    Ok((leaf, merkle::inclusion_proof_of(index, size, tiles)?))
}
