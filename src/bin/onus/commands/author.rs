//! Writing traces: `onus append`, `onus seal` and `onus prove`. Each reads the
//! trace through the verifier first, and refuses to write what a verifier
//! would flag.

use crate::keyfile;
use crate::output::out;
use crate::pipeline::verify_reader;
use crate::Fail;
use onus::report::Report;
use onus::statement::{self, Draft, Id, Key};
use onus::verify::Options;
use onus::{json, note, receipt};
use std::io::{Read, Write};
use std::path::Path;

/// Reads the whole trace through the verifier (to learn ids, the log and its state).
fn load(trace: &Path, keep_rows: bool) -> Result<(Report, onus::Verifier), Fail> {
    let f = std::fs::File::open(trace).map_err(|e| Fail(format!("cannot open {}: {e}", trace.display())))?;
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let opts = Options { keep_rows, keep_leaves: true, ..Options::default() };
    let mut v = verify_reader(f, opts, threads, |_| {}).map_err(|e| Fail(format!("reading {} failed: {e}", trace.display())))?;
    Ok((v.finish(), v))
}

pub fn append(key: &Path, kind: &str, refs: &[String], body: &str, time: Option<&str>, trace: &Path) -> Result<u8, Fail> {
    let k = keyfile::load(key)?;
    let body = json::parse(body.as_bytes(), json::Numbers::SafeIntegers).map_err(|e| Fail(format!("--body is not acceptable JSON: {e}")))?;
    let refs: Vec<Id> = refs.iter().map(|r| statement::parse_id(r).map_err(|e| Fail(format!("--ref: {e}")))).collect::<Result<_, _>>()?;
    let time = match time {
        Some(t) => statement::parse_time(t).map_err(|e| Fail(format!("--time: {e}")))?,
        None => std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_err(|e| Fail(e.to_string()))?.as_secs() as i64,
    };
    let exists = trace.exists() && std::fs::metadata(trace)?.len() > 0;
    if exists {
        let (_, v) = load(trace, false)?;
        for r in &refs {
            if v.index_of(r).is_none() {
                return Err(Fail(format!("--ref {} is not the id of a statement in {}", statement::id_to_hex(r), trace.display())));
            }
        }
    } else if kind != "log" {
        return Err(Fail(format!("{} is empty: its first statement must be of kind `log` (body {{\"origin\":…,\"roster\":[…]}})", trace.display())));
    }
    // Refuse to write what a verifier would flag.
    let (line, st) = statement::sign_checked(&k.key, &Draft { kind, time, refs: &refs, body }).map_err(Fail)?;
    let id = st.id;
    let mut f = std::fs::OpenOptions::new().create(true).append(true).open(trace)?;
    ensure_newline(trace)?;
    writeln!(f, "{line}")?;
    say!("{}", statement::id_to_hex(&id));
    Ok(0)
}

/// If the file does not end with a newline, add one, so appended lines stay lines.
fn ensure_newline(trace: &Path) -> Result<(), Fail> {
    use std::io::{Seek, SeekFrom};
    let mut f = std::fs::OpenOptions::new().read(true).append(true).open(trace)?;
    let len = f.metadata()?.len();
    if len > 0 {
        f.seek(SeekFrom::Start(len - 1))?;
        let mut b = [0u8; 1];
        f.read_exact(&mut b)?;
        if b[0] != b'\n' {
            f.write_all(b"\n")?;
        }
    }
    Ok(())
}

pub fn seal(key: &Path, trace: &Path) -> Result<u8, Fail> {
    let k = keyfile::load(key)?;
    let (report, mut v) = load(trace, false)?;
    let (Some(origin), Some(log_key)) = (report.origin.clone(), report.log_key.clone()) else {
        return Err(Fail(format!("{} has no valid first `log` statement to seal", trace.display())));
    };
    if statement::key_to_string(&Key::of(&k.key)) != log_key {
        return Err(Fail(format!("{} is not the log key of {origin} ({log_key})", key.display())));
    }
    if report.findings.iter().any(|f| f.code == onus::Code::StatementMalformed) {
        return Err(Fail("the trace has malformed statements; a checkpoint over them could not be checked. Remove or fix them first.".into()));
    }
    if k.name != origin {
        // Checkpoints are signed under the origin's name, so the vkey readers need differs from keygen's.
        eprintln!("onus: note: {} is named {:?} but the log's origin is {origin:?}; readers should pin {}", key.display(), k.name, report.vkey.as_deref().unwrap_or("?"));
    }
    let n = v.statement_count();
    let root = v.root_at(n).expect("every leaf is kept");
    let signed = note::sign_note(&note::checkpoint_text(&origin, n, &root), &origin, &k.key);
    ensure_newline(trace)?;
    let mut f = std::fs::OpenOptions::new().append(true).open(trace)?;
    writeln!(f, "{}", note::checkpoint_line(&signed))?;
    say!("sealed {origin} at size {n}, root {}", hex::encode(root));
    Ok(0)
}

pub fn prove(index: u64, trace: &Path) -> Result<u8, Fail> {
    use std::io::{Seek, SeekFrom};
    let (report, mut v) = load(trace, true)?;
    let Some(sealed) = &report.sealed else {
        return Err(Fail(format!("{} has no valid checkpoint to prove against; run `onus seal` first", trace.display())));
    };
    if index >= sealed.size {
        return Err(Fail(format!("statement {index} is not covered by the latest checkpoint (size {}); seal the trace again", sealed.size)));
    }
    let note_text = sealed.note.clone();
    let (offset, len) = v.row(index).expect("rows are kept");
    let mut f = std::fs::File::open(trace)?;
    f.seek(SeekFrom::Start(offset))?;
    let mut line = vec![0u8; len as usize];
    let got = f.read(&mut line)?;
    line.truncate(got);
    let line = onus::verify::line_content(&line).to_vec();
    let proof = v.inclusion_proof(index, sealed.size).expect("every leaf is kept");
    let r = receipt::make_receipt(&line, index, &proof, &note_text).map_err(Fail)?;
    out::json(&r);
    Ok(0)
}
