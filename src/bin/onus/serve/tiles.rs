//! Every log the collector keeps, also as a tiled log (FORMAT.md section 8):
//! `/logs/NAME/checkpoint` (in http.rs) and `/logs/NAME/tile/...`, made on
//! request from the leaves in memory and the lines in SQLite. Full tiles and
//! bundles never change, so a CDN may keep them forever; partials are kept
//! briefly (C2SP tlog-tiles lets a log delete them once full).

use super::http::App;
use super::limits::retry_secs;
use super::Refusal;
use axum::body::Bytes;
use axum::extract::{ConnectInfo, Path as UrlPath, State as AppState};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use onus::merkle::{self, Subtrees};
use onus::statement::Hash;
use onus::tiles::{self, Tile, TilePath, TILE_HEIGHT, TILE_WIDTH};
use std::net::SocketAddr;

pub const IMMUTABLE: &str = "public, max-age=31536000, immutable";
pub const PARTIAL: &str = "public, max-age=60";
/// Rate tokens a tile or bundle costs: a full verification of a large log
/// fetches thousands, a returning reader a handful.
const TILE_TOKENS: f64 = 0.05;

pub async fn tile(AppState(app): AppState<App>, ConnectInfo(peer): ConnectInfo<SocketAddr>, UrlPath((name, rest)): UrlPath<(String, String)>) -> Response {
    if let Err(wait) = app.limiter.take(peer.ip(), TILE_TOKENS) {
        return Refusal::rate_limited(retry_secs(wait)).into_response();
    }
    let path = format!("tile/{rest}");
    let parsed = match tiles::parse_path(&path) {
        Ok(p) => p,
        Err(why) => return Refusal::new(404, "tile.path", format!("{path} is not a tile path ({why}); tiles are tile/<L>/<N>[.p/<W>] and tile/entries/<N>[.p/<W>] (C2SP tlog-tiles).")).into_response(),
    };
    if let Some(objects) = &app.objects {
        return from_store(objects, &app, &name, &path, parsed).await;
    }
    let (db_id, source) = {
        let s = app.shared.read().expect("state lock");
        let Some(log) = s.get(&name) else {
            return Refusal::new(404, "log.unknown", format!("There is no log named {name:?} on this collector. GET /logs lists its logs.")).into_response();
        };
        let size = log.sealed.as_ref().map_or(0, |c| c.size);
        if !within(&parsed, size) {
            return Refusal::new(404, "tile.unknown", format!("{path} is beyond the log's checkpoint (size {size}); fetch checkpoint first.")).into_response();
        }
        let source = match parsed {
            TilePath::Hashes(t) => Some(Source::copy(log, &t)),
            TilePath::Entries(_) => None,
        };
        (log.db_id, source)
    };
    let (bytes, full) = match (parsed, source) {
        (TilePath::Hashes(t), Some(mut src)) => {
            let hashes = tokio::task::spawn_blocking(move || tiles::tile_hashes(&t, &mut src)).await.expect("tile task");
            match hashes {
                Ok(h) => (tiles::encode_tile(&h), t.is_full()),
                Err(()) => return Refusal::new(500, "tile.internal", "the collector lacks the hashes of this tile".into()).into_response(),
            }
        }
        (TilePath::Entries(b), _) => match app.readers.read(move |conn| conn.bundle(db_id, b.first(), b.width as u64)).await {
            Ok(bytes) => (bytes, b.is_full()),
            Err(r) => return r.into_response(),
        },
        (TilePath::Hashes(_), None) => unreachable!("hash tiles have a source"),
    };
    ([(header::CONTENT_TYPE, content_type(&parsed)), (header::CACHE_CONTROL, if full { IMMUTABLE } else { PARTIAL })], Bytes::from(bytes)).into_response()
}

fn content_type(p: &TilePath) -> &'static str {
    if matches!(p, TilePath::Entries(_)) {
        "application/jsonl; charset=utf-8"
    } else {
        "application/octet-stream"
    }
}

/// With `--tiles`: what the publisher wrote, never the database.
async fn from_store(objects: &super::objects::Objects, app: &App, name: &str, path: &str, parsed: TilePath) -> Response {
    if app.shared.read().expect("state lock").get(name).is_none() {
        return Refusal::new(404, "log.unknown", format!("There is no log named {name:?} on this collector. GET /logs lists its logs.")).into_response();
    }
    let full = match parsed {
        TilePath::Hashes(t) => t.is_full(),
        TilePath::Entries(b) => b.is_full(),
    };
    match objects.get(name, path).await {
        Ok(Some(bytes)) => ([(header::CONTENT_TYPE, content_type(&parsed)), (header::CACHE_CONTROL, if full { IMMUTABLE } else { PARTIAL })], Bytes::from(bytes)).into_response(),
        Ok(None) => Refusal::new(404, "tile.unknown", format!("{path} is not in the published log; fetch checkpoint first.")).into_response(),
        Err(e) => Refusal::new(503, "tiles.unavailable", format!("The object store could not be read ({e}); retry in a few seconds.")).retry(2).into_response(),
    }
}

/// Whether every hash or statement a tile names is under the checkpoint.
fn within(p: &TilePath, size: u64) -> bool {
    let (level, index, width) = match p {
        TilePath::Hashes(t) => (t.level as u32, t.index, t.width as u64),
        TilePath::Entries(b) => (0, b.index, b.width as u64),
    };
    let shift = TILE_HEIGHT * level;
    let end = index.checked_mul(TILE_WIDTH).and_then(|s| s.checked_add(width));
    match (end, shift < 64) {
        (Some(end), true) => end.checked_shl(shift).filter(|e| e >> shift == end).is_some_and(|e| e <= size),
        _ => false,
    }
}

/// What one hash tile is made of, copied out of the lock: leaves for level 0,
/// block hashes above (a level-2 tile copies 2 MiB, hashes 65,280 nodes).
pub struct Source {
    first: u64,
    leaves: Vec<Hash>,
    blocks: Vec<Hash>,
}

impl Source {
    pub fn copy(log: &super::state::LogState, t: &Tile) -> Source {
        let span = (t.width as u64) << (TILE_HEIGHT * t.level as u32);
        let first = t.first_leaf();
        if t.level == 0 {
            Source { first, leaves: log.leaves[first as usize..(first + span) as usize].to_vec(), blocks: Vec::new() }
        } else {
            let b = (first / TILE_WIDTH) as usize..((first + span) / TILE_WIDTH) as usize;
            Source { first, leaves: Vec::new(), blocks: log.blocks[b].to_vec() }
        }
    }
}

impl Subtrees for Source {
    type Error = ();
    fn subtree(&mut self, height: u32, index: u64) -> Result<Hash, ()> {
        InMemory { first: self.first, leaves: &self.leaves, blocks: &self.blocks }.subtree(height, index)
    }
}

/// Perfect subtrees from a log's leaves and 256-leaf block roots in memory,
/// from leaf `first` on (the whole log: [`InMemory::of`]).
pub struct InMemory<'a> {
    pub first: u64,
    pub leaves: &'a [Hash],
    pub blocks: &'a [Hash],
}

impl<'a> InMemory<'a> {
    pub fn of(log: &'a super::state::LogState) -> InMemory<'a> {
        InMemory { first: 0, leaves: &log.leaves, blocks: &log.blocks }
    }
}

impl Subtrees for InMemory<'_> {
    type Error = ();
    fn subtree(&mut self, height: u32, index: u64) -> Result<Hash, ()> {
        let w = 1u64 << height;
        let start = index.checked_mul(w).and_then(|s| s.checked_sub(self.first)).ok_or(())?;
        if height < TILE_HEIGHT {
            return self.leaves.get(start as usize..(start + w) as usize).map(merkle::perfect_root).ok_or(());
        }
        let (b, per) = (start / TILE_WIDTH, w / TILE_WIDTH);
        self.blocks.get(b as usize..(b + per) as usize).map(merkle::perfect_root).ok_or(())
    }
}
