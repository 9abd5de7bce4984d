//! `onus demo`: a simulated network's trace, streamed to a file or standard output.

use crate::output::Progress;
use crate::Fail;
use std::io::Write;
use std::path::PathBuf;

pub fn demo(statements: u64, seed: u64, out: Option<PathBuf>) -> Result<u8, Fail> {
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let bar = Progress::new(Some(statements), "statements");
    let mut sink: Box<dyn Write> = match &out {
        Some(p) => Box::new(std::io::BufWriter::new(std::fs::File::create(p).map_err(|e| format!("cannot create {}: {e}", p.display()))?)),
        None => Box::new(std::io::BufWriter::new(std::io::stdout().lock())),
    };
    let summary = match onus::demo::write_demo(&mut sink, statements, seed, threads, |n| bar.set(n)) {
        Ok(s) => s,
        // The reader stopped reading (`onus demo | head`): nothing is wrong.
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => return Ok(0),
        Err(e) => return Err(e.into()),
    };
    bar.done();
    if let Some(p) = out {
        eprintln!("wrote {} statements and {} checkpoints to {}\nlog key: {}", summary.statements, summary.checkpoints, p.display(), summary.vkey);
    }
    Ok(0)
}
