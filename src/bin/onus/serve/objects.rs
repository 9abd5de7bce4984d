//! Tiles, bundles and checkpoints on object storage (`onus serve --tiles`):
//! a local folder or an S3-compatible bucket, through the `object_store`
//! crate. Each log is a tiled log (FORMAT.md section 8) under `PREFIX/NAME/`,
//! so any static host or CDN pointed at the bucket serves it, and the
//! frontends answer `/logs/NAME/checkpoint` and `/logs/NAME/tile/…` from it
//! without touching the database.
//!
//! The publisher (its own thread, as Tessera's) writes what a new checkpoint
//! adds: new bundles and tiles first, the checkpoint last, so a reader never
//! sees a checkpoint whose files are missing. Everything it writes is a
//! function of the sequenced entries, so a publisher that died half-way, or a
//! frontend that took over from it, simply writes the same bytes again from the
//! size of the checkpoint in the store.

use super::backend::Backend;
use super::state::State;
use super::tiles::Source;
use object_store::path::Path as ObjPath;
use object_store::{ObjectStore, PutPayload};
use onus::merkle;
use onus::note;
use onus::tiles::{self, Tile};
use std::collections::HashMap;
use std::sync::{Arc, RwLock};
use std::time::Duration;

/// A store's URL or folder, as given to `--tiles`.
pub struct Objects {
    store: Arc<dyn ObjectStore>,
    prefix: String,
    pub describe: String,
}

/// How often the publisher looks again without being told (a failed write, a takeover).
const RETRY: Duration = Duration::from_secs(2);

impl Objects {
    /// `s3://bucket/prefix` (credentials, region and endpoint from the usual `AWS_*` variables;
    /// an `http://` endpoint is allowed), `file:///path`, or a folder.
    pub fn open(spec: &str) -> Result<Objects, String> {
        if let Some(rest) = spec.strip_prefix("s3://") {
            let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
            if bucket.is_empty() {
                return Err(format!("--tiles {spec}: name a bucket (s3://BUCKET/PREFIX)"));
            }
            let endpoint = std::env::var("AWS_ENDPOINT").or_else(|_| std::env::var("AWS_ENDPOINT_URL")).unwrap_or_default();
            let store = object_store::aws::AmazonS3Builder::from_env()
                .with_bucket_name(bucket)
                .with_allow_http(endpoint.starts_with("http://"))
                .build()
                .map_err(|e| format!("--tiles {spec}: {e} (set AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_REGION, and AWS_ENDPOINT for a store other than AWS)"))?;
            return Ok(Objects { store: Arc::new(store), prefix: prefix.trim_matches('/').to_string(), describe: spec.to_string() });
        }
        let folder = spec.strip_prefix("file://").unwrap_or(spec);
        if folder.is_empty() {
            return Err("--tiles needs a folder, file:///path or s3://bucket/prefix".into());
        }
        std::fs::create_dir_all(folder).map_err(|e| format!("--tiles {spec}: cannot create the folder: {e}"))?;
        let store = object_store::local::LocalFileSystem::new_with_prefix(folder).map_err(|e| format!("--tiles {spec}: {e}"))?;
        Ok(Objects { store: Arc::new(store), prefix: String::new(), describe: spec.to_string() })
    }

    fn path(&self, log: &str, rel: &str) -> ObjPath {
        match self.prefix.as_str() {
            "" => ObjPath::from(format!("{log}/{rel}")),
            p => ObjPath::from(format!("{p}/{log}/{rel}")),
        }
    }

    /// An object's bytes, or None when it is not there.
    pub async fn get(&self, log: &str, rel: &str) -> Result<Option<Vec<u8>>, String> {
        match self.store.get(&self.path(log, rel)).await {
            Ok(r) => r.bytes().await.map(|b| Some(b.to_vec())).map_err(|e| format!("{}: {log}/{rel}: {e}", self.describe)),
            Err(object_store::Error::NotFound { .. }) => Ok(None),
            Err(e) => Err(format!("{}: {log}/{rel}: {e}", self.describe)),
        }
    }

    pub async fn put(&self, log: &str, rel: &str, bytes: Vec<u8>) -> Result<(), String> {
        self.store.put(&self.path(log, rel), PutPayload::from(bytes)).await.map(|_| ()).map_err(|e| format!("{}: writing {log}/{rel}: {e}", self.describe))
    }
}

/// The publisher thread: told the database id of a log whenever its writer
/// seals it, and every [`RETRY`] looks at every log by itself.
pub struct Publisher {
    pub objects: Arc<Objects>,
    pub db: Box<dyn Backend>,
    pub shared: Arc<RwLock<State>>,
    pub rt: tokio::runtime::Handle,
    /// The size of each log's checkpoint in the store, once read.
    published: HashMap<i64, u64>,
    /// For tests: a pause between a publication's tiles and its checkpoint (a crash window).
    pub pause: Duration,
}

impl Publisher {
    pub fn new(objects: Arc<Objects>, db: Box<dyn Backend>, shared: Arc<RwLock<State>>, rt: tokio::runtime::Handle) -> Publisher {
        Publisher { objects, db, shared, rt, published: HashMap::new(), pause: Duration::ZERO }
    }

    pub fn run(mut self, rx: std::sync::mpsc::Receiver<i64>) {
        self.publish_all();
        loop {
            match rx.recv_timeout(RETRY) {
                Ok(_) | Err(std::sync::mpsc::RecvTimeoutError::Timeout) => {}
                Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => {
                    self.publish_all();
                    return;
                }
            }
            while rx.try_recv().is_ok() {}
            self.publish_all();
        }
    }

    /// Every log whose latest checkpoint is not in the store yet, if this process is its sealer.
    pub fn publish_all(&mut self) {
        let ids: Vec<i64> = self.shared.read().expect("state lock").logs.iter().filter(|l| l.sealed.is_some()).map(|l| l.db_id).collect();
        for id in ids {
            if let Err(e) = self.publish(id) {
                // Nothing is lost: the entries are in the database; the next round writes them.
                eprintln!("onus serve: WARNING: publishing to {} failed ({e}); retrying in {} s", self.objects.describe, RETRY.as_secs());
                self.published.remove(&id);
            }
        }
    }

    fn publish(&mut self, db_id: i64) -> Result<(), String> {
        let (name, origin, size, note) = {
            let s = self.shared.read().expect("state lock");
            let Some(log) = s.logs.iter().find(|l| l.db_id == db_id) else { return Ok(()) };
            let Some(sealed) = &log.sealed else { return Ok(()) };
            (log.name.clone(), log.origin.clone(), sealed.size, sealed.note.clone())
        };
        if self.published.get(&db_id).is_some_and(|&p| p >= size) {
            return Ok(());
        }
        if !self.db.holds_lease(db_id)? && !self.take_lapsed_lease(db_id, &name, &origin, size)? {
            return Ok(());
        }
        let from = match self.published.get(&db_id) {
            Some(&p) => p,
            None => self.in_store(&name, &origin, db_id)?,
        };
        if from >= size {
            self.published.insert(db_id, from);
            return Ok(());
        }
        let objects = self.objects.clone();
        for b in tiles::bundles_changed(from, size) {
            let bytes = self.db.bundle(db_id, b.first(), b.width as u64)?;
            self.rt.block_on(objects.put(&name, &b.path(), bytes))?;
        }
        for t in tiles::tiles_changed(from, size) {
            let bytes = self.tile(db_id, &t)?;
            self.rt.block_on(objects.put(&name, &t.path(), bytes))?;
        }
        if !self.pause.is_zero() {
            eprintln!("onus serve: publishing {name} at size {size}: bundles and tiles written, the checkpoint next (test pause)");
            std::thread::sleep(self.pause);
        }
        // Last, and only while still the sealer: a frontend that lost its lease half-way
        // never puts an older checkpoint over a newer one.
        if !self.db.holds_lease(db_id)? {
            return Ok(());
        }
        self.rt.block_on(objects.put(&name, "checkpoint", note.into_bytes()))?;
        self.published.insert(db_id, size);
        Ok(())
    }

    /// A sealer that dies after sealing but before its checkpoint is in the store
    /// leaves nothing unsealed, so no writer takes its lease again and the store
    /// would lag until the next statement: when the store lags this log's
    /// checkpoint and no live process holds the lease, this publisher takes it.
    fn take_lapsed_lease(&mut self, db_id: i64, name: &str, origin: &str, size: u64) -> Result<bool, String> {
        // Kept, so that a publication that follows starts from it without reading it again.
        let in_store = self.in_store(name, origin, db_id)?;
        self.published.insert(db_id, in_store);
        Ok(in_store < size && self.db.take_lease_alone(db_id)?)
    }

    /// The size of the checkpoint in the store (0 if none), refusing one of another log or history.
    fn in_store(&mut self, name: &str, origin: &str, db_id: i64) -> Result<u64, String> {
        let Some(bytes) = self.rt.block_on(self.objects.get(name, "checkpoint"))? else { return Ok(0) };
        let text = String::from_utf8_lossy(&bytes);
        let cp = note::parse_checkpoint(&text).map_err(|e| format!("{name}/checkpoint in the store cannot be read ({e})"))?;
        if cp.origin != origin {
            return Err(format!("{name}/checkpoint in the store is of log {:?}, not {origin:?}: give each collector's logs their own --tiles", cp.origin));
        }
        let s = self.shared.read().expect("state lock");
        let log = s.logs.iter().find(|l| l.db_id == db_id).expect("a known log");
        if cp.size > log.size() || merkle::root(&log.leaves[..cp.size as usize]) != cp.root {
            return Err(format!("{name}/checkpoint in the store (size {}) is not a checkpoint of this log's history: another history is in the store; not overwritten", cp.size));
        }
        Ok(cp.size)
    }

    fn tile(&self, db_id: i64, t: &Tile) -> Result<Vec<u8>, String> {
        let mut src = {
            let s = self.shared.read().expect("state lock");
            let log = s.logs.iter().find(|l| l.db_id == db_id).expect("a known log");
            Source::copy(log, t)
        };
        let hashes = tiles::tile_hashes(t, &mut src).map_err(|()| format!("the hashes of {} are not in memory", t.path()))?;
        Ok(tiles::encode_tile(&hashes))
    }
}
