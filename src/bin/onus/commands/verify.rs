//! `onus verify` and `onus verify-receipt`.

use crate::cli::VerifyArgs;
use crate::input::{open_input, read_all, read_failure};
use crate::output::{out, print_receipt, print_summary, Progress};
use crate::commands::tiled::{one_statement, since_line, verify_tiled};
use crate::pipeline::{finish_with_replay, verify_reader};
use crate::source::Source;
use crate::Fail;
use onus::receipt::{self, ReceiptStatus};
use onus::report::{Report, Status};
use onus::signature::Mode;
use onus::statement::{self, Key};
use onus::verify::{FingerprintKey, KnownCheckpoint, Options};
use std::io::Read;
use std::time::Duration;

/// A fresh key for this reading's id fingerprints (`Options::fingerprint_key`).
fn fingerprint_key() -> Result<FingerprintKey, Fail> {
    let mut key = [0u8; 32];
    getrandom::getrandom(&mut key).map_err(|e| Fail(format!("cannot draw a random key from the operating system: {e}")))?;
    Ok(FingerprintKey(key))
}

/// A trust policy file, parsed; a bad one is a usage error that names its line.
pub fn read_policy(path: &std::path::Path) -> Result<onus::policy::Policy, Fail> {
    let text = std::fs::read_to_string(path).map_err(|e| Fail(format!("--policy {}: {e}", path.display())))?;
    onus::policy::Policy::parse(&text).map_err(|e| Fail(format!("--policy {}: {e}", path.display())))
}

/// Most threads `--threads` takes.
const MAX_THREADS: usize = 256;

pub fn verify(a: VerifyArgs) -> Result<u8, Fail> {
    let opts = Options {
        log_key: a.key.as_deref().map(parse_any_key).transpose()?,
        signatures: if a.one_by_one { Mode::OneByOne } else { Mode::Batch },
        known: a.known.iter().map(|k| parse_known(k)).collect::<Result<_, _>>()?,
        keep_rows: false,
        // A file can be read again for an old checkpoint's root; standard input and URLs cannot.
        keep_leaves: !is_file(&a.trace),
        // Fingerprints where memory grows with the log: a file (read again for
        // the few old ids findings name) and a tiled log. A stream keeps every
        // id, so its report is the file's to the byte.
        fingerprint_key: (is_file(&a.trace) || Source::of(&a.trace).is_some()).then(fingerprint_key).transpose()?,
        policy: a.policy.as_deref().map(read_policy).transpose()?,
        pinned_policies: Vec::new(),
    };
    let threads = threads(a.threads)?;
    if let Some(index) = a.index {
        let src = Source::of(&a.trace).ok_or_else(|| Fail(format!("--index is for tiled logs (a folder, or a URL ending in /), and {} is neither", a.trace)))?;
        let r = one_statement(&src, index, opts.log_key.as_ref(), threads)?;
        let (files, bytes) = crate::source::fetched();
        eprintln!("onus: read {files} files, {bytes} bytes, from {}", src.describe());
        if a.json {
            out::json(&serde_json::to_string_pretty(&r)?);
        } else {
            print_receipt(&r);
        }
        return Ok(receipt_exit_code(r.status));
    }
    let report = if let Some(src) = Source::of(&a.trace) {
        let run = verify_tiled(&src, opts, a.state.as_deref(), threads)?;
        if let Some(line) = since_line(&run) {
            eprintln!("onus: {line}");
        }
        let (files, bytes) = crate::source::fetched();
        eprintln!("onus: read {files} files, {bytes} bytes, from {}", src.describe());
        run.report
    } else {
        if a.state.is_some() {
            return Err(Fail(format!("--state is for tiled logs (a folder, or a URL ending in /), and {} is neither", a.trace)));
        }
        let (input, size) = open_input(&a.trace, Duration::from_secs(a.timeout.max(1)))?;
        verify_with_progress(input, size, opts, threads, &a.trace)?
    };
    if a.json {
        out::json(&serde_json::to_string_pretty(&report)?);
    } else {
        print_summary(&report);
    }
    Ok(exit_code(report.status))
}

pub fn verify_receipt(file: &str, key: Option<&str>, json: bool) -> Result<u8, Fail> {
    let text = read_all(file)?;
    let key = key.map(parse_any_key).transpose()?;
    let r = receipt::verify_receipt(&text, key.as_ref());
    if json {
        out::json(&serde_json::to_string_pretty(&r)?);
    } else {
        print_receipt(&r);
    }
    Ok(receipt_exit_code(r.status))
}

fn receipt_exit_code(s: ReceiptStatus) -> u8 {
    match s {
        ReceiptStatus::Verified => 0,
        ReceiptStatus::Unanchored => 3,
        ReceiptStatus::Failed => 1,
    }
}

fn exit_code(s: Status) -> u8 {
    match s {
        Status::Verified => 0,
        Status::Unsealed => 3,
        Status::Failed => 1,
    }
}

/// `--threads`, validated; one per core by default.
pub fn threads(given: Option<usize>) -> Result<usize, Fail> {
    match given {
        Some(t) if (1..=MAX_THREADS).contains(&t) => Ok(t),
        Some(t) => Err(Fail(format!("--threads {t}: give 1 to {MAX_THREADS} (the default is one per core)"))),
        None => Ok(std::thread::available_parallelism().map_or(1, |n| n.get())),
    }
}

fn parse_any_key(s: &str) -> Result<Key, Fail> {
    onus::note::parse_any_key(s).map_err(|e| Fail(format!("--key: {e}")))
}

fn parse_known(s: &str) -> Result<KnownCheckpoint, Fail> {
    let (size, root) = s.split_once(':').ok_or_else(|| Fail("--known takes SIZE:ROOTHEX".into()))?;
    let size: u64 = size.parse().map_err(|_| Fail(format!("--known: {size:?} is not a size")))?;
    let root = statement::parse_hash(root).map_err(|e| Fail(format!("--known: {e}")))?;
    // The origin is the trace's own: a known checkpoint only ever names its own log.
    Ok(KnownCheckpoint { origin: String::new(), size, root })
}

/// A path, not `-` or a URL: a source that can be read twice.
fn is_file(arg: &str) -> bool {
    arg != "-" && !arg.starts_with("http://") && !arg.starts_with("https://")
}

/// A trace file through the verifier, strict, with progress (for commands that publish it).
pub fn verify_file(trace: &std::path::Path, threads: usize) -> Result<Report, Fail> {
    let arg = trace.to_string_lossy().into_owned();
    let (input, size) = open_input(&arg, Duration::from_secs(30))?;
    verify_with_progress(input, size, Options::default(), threads, &arg)
}

fn verify_with_progress(input: Box<dyn Read + Send>, size: Option<u64>, opts: Options, threads: usize, arg: &str) -> Result<Report, Fail> {
    let bar = Progress::new(size, "bytes");
    let result = verify_reader(input, opts, threads, |v| {
        let (bytes, _, statements) = v.progress();
        bar.set(bytes);
        bar.message(format!("{statements} statements"));
    });
    bar.done();
    let mut v = result.map_err(|e| read_failure("the trace", e))?;
    let reopen = || std::fs::File::open(arg).map(|f| Box::new(f) as Box<dyn Read>);
    finish_with_replay(&mut v, is_file(arg).then_some(&reopen as &dyn Fn() -> std::io::Result<Box<dyn Read>>)).map_err(|e| read_failure("the trace (read again for an old checkpoint)", e))
}
