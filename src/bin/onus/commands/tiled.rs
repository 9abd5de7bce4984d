//! `onus verify DIR/` or `onus verify https://…/`: a tiled log (FORMAT.md
//! section 8), resumable with `--state FILE`. The core names the files; this
//! fetches them several at a time and runs phase A on the bundles in threads.

use crate::output::Progress;
use crate::source::{parallel_map, Source, MAX_FILE};
use crate::Fail;
use onus::report::Report;
use onus::signature::KeyCache;
use onus::tiled::{Since, TiledVerifier};
use onus::tiles::{Bundle, Tile, HASH_BYTES, TILE_WIDTH};
use onus::verify::{analyze, lines, LineOutcome, Options};
use std::path::Path;

/// Files fetched at once over HTTP (a folder is read by as many threads as cores).
const HTTP_PARALLEL: usize = 16;
/// Bundles in flight: fetched and analysed ahead of the in-order merge.
const WINDOW: usize = 64;

/// What one run found, with what became of the held checkpoint.
pub struct TiledRun {
    pub report: Report,
    pub since: Since,
}

pub fn verify_tiled(src: &Source, opts: Options, state: Option<&Path>, threads: usize) -> Result<TiledRun, Fail> {
    let parallel = match src {
        Source::Dir(_) => threads,
        Source::Http { .. } => HTTP_PARALLEL.max(threads),
    };
    let mut tv = open_state(state, opts.clone())?;
    let checkpoint = src.get("checkpoint", 1 << 20).map_err(Fail)?.ok_or_else(|| Fail(format!("{} holds no checkpoint: is it a tiled log? (a trace file is verified by its own name)", src.describe())))?;
    let wanted = tv.checkpoint(&checkpoint).map_err(|e| Fail(e.to_string()))?;
    for (tile, bytes) in wanted.iter().zip(parallel_map(&wanted, parallel, |t| fetch_tile(src, t))) {
        tv.supply_tile(*tile, bytes?.as_deref());
    }
    let bundles = tv.plan();
    read_bundles(&mut tv, src, &bundles, parallel, threads, opts.signatures)?;
    let (report, saved, since) = tv.finish();
    if let (Some(path), Some(bytes)) = (state, saved) {
        write_atomic(path, &bytes)?;
    }
    Ok(TiledRun { report, since })
}

fn open_state(state: Option<&Path>, opts: Options) -> Result<TiledVerifier, Fail> {
    let Some(path) = state else { return Ok(TiledVerifier::new(opts).without_state()) };
    match std::fs::read(path) {
        Ok(bytes) => TiledVerifier::resume(&bytes, opts).map_err(|e| Fail(format!("--state {}: {e}", path.display()))),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(TiledVerifier::new(opts)),
        Err(e) => Err(Fail(format!("--state {}: cannot read it: {e}", path.display()))),
    }
}

/// A hash tile; a partial that is gone may be read from its full tile (C2SP tlog-tiles).
fn fetch_tile(src: &Source, t: &Tile) -> Result<Option<Vec<u8>>, Fail> {
    let limit = (TILE_WIDTH as usize * HASH_BYTES) as u64;
    match src.get(&t.path(), limit).map_err(Fail)? {
        Some(b) => Ok(Some(b)),
        None if !t.is_full() => src.get(&t.full().path(), limit).map_err(Fail),
        None => Ok(None),
    }
}

/// An entry bundle; a partial that is gone may be read from the first lines of its full bundle.
fn fetch_bundle(src: &Source, b: &Bundle) -> Result<Option<Vec<u8>>, Fail> {
    match src.get(&b.path(), MAX_FILE).map_err(Fail)? {
        Some(bytes) => Ok(Some(bytes)),
        None if !b.is_full() => Ok(src.get(&b.full().path(), MAX_FILE).map_err(Fail)?.map(|full| first_lines(full, b.width as usize))),
        None => Ok(None),
    }
}

fn first_lines(mut bytes: Vec<u8>, n: usize) -> Vec<u8> {
    if let Some((end, _)) = bytes.iter().enumerate().filter(|(_, &c)| c == b'\n').nth(n.saturating_sub(1)) {
        bytes.truncate(end + 1);
    }
    bytes
}

type Fetched = (Option<Vec<u8>>, Vec<LineOutcome>, Option<Vec<u8>>);

/// The bundles in order: `parallel` threads fetch and analyse them (phase A)
/// while this thread merges them in order (phase B), at most `WINDOW` ahead,
/// so memory stays flat and neither side waits for the other.
fn read_bundles(tv: &mut TiledVerifier, src: &Source, bundles: &[Bundle], parallel: usize, threads: usize, mode: onus::signature::Mode) -> Result<(), Fail> {
    use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
    use std::sync::mpsc::sync_channel;
    let bar = Progress::new(Some(bundles.len() as u64), "bundles");
    let jobs: Vec<(Bundle, Option<Tile>)> = bundles.iter().map(|b| (*b, tv.bundle_tile(b))).collect();
    let next = AtomicUsize::new(0);
    let stop = AtomicBool::new(false);
    let (done_tx, done_rx) = sync_channel::<(usize, Result<Fetched, Fail>)>(WINDOW);
    // A credit per bundle in flight: taken before fetching, given back once merged.
    let (credit_tx, credit_rx) = sync_channel::<()>(WINDOW);
    for _ in 0..WINDOW {
        credit_tx.send(()).expect("credit channel has room");
    }
    let credit_rx = std::sync::Mutex::new(credit_rx);
    let mut result = Ok(());
    std::thread::scope(|s| {
        for _ in 0..parallel.max(threads).min(jobs.len().max(1)) {
            let done_tx = done_tx.clone();
            let (jobs, next, stop, credit_rx) = (&jobs, &next, &stop, &credit_rx);
            s.spawn(move || {
                let mut cache = KeyCache::default();
                loop {
                    if credit_rx.lock().expect("credit lock").recv().is_err() || stop.load(Ordering::Relaxed) {
                        break;
                    }
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some((b, t)) = jobs.get(i) else { break };
                    let r = (|| {
                        let bytes = fetch_bundle(src, b)?;
                        let outcomes = bytes.as_deref().map(|x| analyze(lines(x), mode, &mut cache)).unwrap_or_default();
                        let tile0 = match t {
                            Some(t) => fetch_tile(src, t)?,
                            None => None,
                        };
                        Ok((bytes, outcomes, tile0))
                    })();
                    if done_tx.send((i, r)).is_err() {
                        break;
                    }
                }
            });
        }
        drop(done_tx);
        let mut waiting = std::collections::BTreeMap::new();
        let mut want = 0;
        while want < jobs.len() {
            let Ok((i, r)) = done_rx.recv() else { break };
            waiting.insert(i, r);
            while let Some(r) = waiting.remove(&want) {
                let go_on = match r {
                    Ok((bytes, outcomes, tile0)) => tv.push_bundle_outcomes(jobs[want].0, bytes.as_deref(), outcomes, tile0.as_deref()),
                    Err(e) => {
                        result = Err(e);
                        false
                    }
                };
                want += 1;
                bar.set(want as u64);
                if !go_on {
                    want = jobs.len();
                    break;
                }
                let _ = credit_tx.send(());
            }
        }
        // Stop the fetchers: no more credits, and the flag for those holding one.
        stop.store(true, Ordering::Relaxed);
        drop(credit_tx);
        while done_rx.recv().is_ok() {}
    });
    bar.done();
    result
}

/// `--index N`: one statement, checked as a receipt built from its bundle and
/// the tiles its proof needs (FORMAT.md section 8, last paragraph).
pub fn one_statement(src: &Source, index: u64, key: Option<&onus::statement::Key>, threads: usize) -> Result<onus::receipt::ReceiptReport, Fail> {
    let checkpoint = src.get("checkpoint", 1 << 20).map_err(Fail)?.ok_or_else(|| Fail(format!("{} holds no checkpoint: is it a tiled log?", src.describe())))?;
    let (tiles, bundle) = onus::tiled::one_statement_files(&checkpoint, index).map_err(|e| Fail(format!("--index {index}: {e}")))?;
    let mut fetched = Vec::new();
    for (t, bytes) in tiles.iter().zip(parallel_map(&tiles, threads.max(HTTP_PARALLEL), |t| fetch_tile(src, t))) {
        let bytes = bytes?.ok_or_else(|| Fail(format!("{}{} cannot be fetched (tile.missing): the log's files are incomplete", src.describe(), t.path())))?;
        fetched.push((*t, bytes));
    }
    let lines = fetch_bundle(src, &bundle)?.ok_or_else(|| Fail(format!("{}{} cannot be fetched (tile.missing): the log's files are incomplete", src.describe(), bundle.path())))?;
    let receipt = onus::tiled::one_statement_receipt(&checkpoint, index, &fetched, &lines).map_err(|e| Fail(format!("--index {index}: {e}")))?;
    Ok(onus::receipt::verify_receipt(receipt.as_bytes(), key))
}

/// Written whole, then renamed: a crash never leaves half a state.
fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), Fail> {
    let tmp = path.with_extension("tmp");
    std::fs::write(&tmp, bytes).and_then(|()| std::fs::rename(&tmp, path)).map_err(|e| Fail(format!("--state {}: cannot save it: {e}", path.display())))
}

/// One line on what became of the held checkpoint (for people; the report is unchanged).
pub fn since_line(run: &TiledRun) -> Option<String> {
    let n = run.report.sealed.as_ref().map_or(0, |c| c.size);
    match run.since {
        Since::Fresh => None,
        Since::Extended { held } if n == held => Some(format!("no new statements since your saved state (size {held}); the checkpoint is the one you saw")),
        Since::Extended { held } => Some(format!("{} new statement(s) since your saved state at size {held}, consistent with what you saw", n.saturating_sub(held))),
        Since::Stale { held, served } => Some(format!("the server shows size {served}, older than your saved state at size {held} (a stale cache); this report is of the checkpoint you hold")),
        Since::Inconsistent { held } => Some(format!("this log does not extend what you saw at size {held}: it forked or shrank (see the errors); your saved state was kept")),
    }
}
