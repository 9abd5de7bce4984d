//! Where a tiled log's files come from: a folder, or an http(s) URL ending in
//! `/`. A file that is not there is `Ok(None)` (the verifier reports it as
//! `tile.missing`); a failure of the connection or the disk is an error.

use crate::input::{CONNECT_TIMEOUT, READ_TIMEOUT};
use std::io::Read;
use std::path::PathBuf;

/// The largest file of a tiled log: a full entry bundle of 256 statements of
/// at most 1 MiB each (FORMAT.md sections 1 and 8), with their newlines.
pub const MAX_FILE: u64 = 256 * ((1 << 20) + 1);

pub enum Source {
    Dir(PathBuf),
    Http { base: String, agent: ureq::Agent },
}

/// Files and bytes fetched by this process, for the run's summary line.
pub static FETCHED: (std::sync::atomic::AtomicU64, std::sync::atomic::AtomicU64) = (std::sync::atomic::AtomicU64::new(0), std::sync::atomic::AtomicU64::new(0));

fn count(b: &[u8]) {
    use std::sync::atomic::Ordering::Relaxed;
    FETCHED.0.fetch_add(1, Relaxed);
    FETCHED.1.fetch_add(b.len() as u64, Relaxed);
}

/// `(files, bytes)` fetched so far.
pub fn fetched() -> (u64, u64) {
    use std::sync::atomic::Ordering::Relaxed;
    (FETCHED.0.load(Relaxed), FETCHED.1.load(Relaxed))
}

impl Source {
    /// A folder or a URL ending in `/` that holds `checkpoint`, or `None` for anything else.
    pub fn of(target: &str) -> Option<Source> {
        if target.starts_with("http://") || target.starts_with("https://") {
            return target.ends_with('/').then(|| Source::Http {
                base: target.to_string(),
                agent: ureq::AgentBuilder::new().timeout_connect(CONNECT_TIMEOUT).timeout_read(READ_TIMEOUT).build(),
            });
        }
        let p = PathBuf::from(target);
        p.is_dir().then_some(Source::Dir(p))
    }

    pub fn describe(&self) -> String {
        match self {
            Source::Dir(p) => p.display().to_string(),
            Source::Http { base, .. } => base.clone(),
        }
    }

    /// The file at `path` (relative to the log's prefix), at most `limit` bytes.
    pub fn get(&self, path: &str, limit: u64) -> Result<Option<Vec<u8>>, String> {
        match self {
            Source::Dir(dir) => {
                let full = dir.join(path);
                let f = match std::fs::File::open(&full) {
                    Ok(f) => f,
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
                    Err(e) => return Err(format!("cannot read {}: {e}", full.display())),
                };
                read_bounded(f, limit).inspect(|b| count(b)).map(Some).map_err(|e| format!("{}: {e}", full.display()))
            }
            Source::Http { base, agent } => {
                let url = format!("{base}{path}");
                match agent.get(&url).call() {
                    Ok(resp) => read_bounded(resp.into_reader(), limit).inspect(|b| count(b)).map(Some).map_err(|e| format!("{url}: {e}")),
                    Err(ureq::Error::Status(404 | 410, _)) => Ok(None),
                    Err(ureq::Error::Status(code, r)) => Err(format!("{url}: the server answered {code} {}; try again later or check the URL", r.status_text())),
                    Err(ureq::Error::Transport(t)) => Err(format!("{url}: cannot fetch it ({t}); check the address and your network")),
                }
            }
        }
    }
}

fn read_bounded(r: impl Read, limit: u64) -> Result<Vec<u8>, String> {
    let mut buf = Vec::new();
    r.take(limit + 1).read_to_end(&mut buf).map_err(|e| e.to_string())?;
    if buf.len() as u64 > limit {
        return Err(format!("it is larger than {limit} bytes, more than a tiled log's file can hold"));
    }
    Ok(buf)
}

/// Runs `f` on every item with `threads` threads; the results in item order.
pub fn parallel_map<T: Sync, R: Send>(items: &[T], threads: usize, f: impl Fn(&T) -> R + Sync) -> Vec<R> {
    use std::sync::atomic::{AtomicUsize, Ordering};
    let next = AtomicUsize::new(0);
    let mut out: Vec<Option<R>> = (0..items.len()).map(|_| None).collect();
    let results = std::sync::Mutex::new(&mut out);
    std::thread::scope(|s| {
        for _ in 0..threads.clamp(1, items.len().max(1)) {
            s.spawn(|| loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some(item) = items.get(i) else { break };
                let r = f(item);
                results.lock().expect("results lock")[i] = Some(r);
            });
        }
    });
    out.into_iter().map(|r| r.expect("every item was run")).collect()
}
