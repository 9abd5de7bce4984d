//! The native driver of the core's verifier, pipelined: a reader thread frames the input into runs
//! of whole lines, `threads` threads run phase A on them, and the calling
//! thread runs phase B in file order while they work. At most a fixed number
//! of runs are in flight, so memory stays flat whatever the input's size.

use onus::report::Report;
use onus::signature::KeyCache;
use onus::verify::{analyze, lines, Framer, LineOutcome, Options, Piece, Verifier};
use std::collections::BTreeMap;
use std::sync::mpsc::{channel, sync_channel};
use std::sync::{Arc, Mutex};

/// A run for the analyzers, owned so it can cross threads.
enum Job {
    Lines(Vec<u8>),
    /// An over-long line: its length without the newline, and whether a newline ended it.
    Overlong(u64, bool),
    /// The unterminated last line: judged by the verifier's own framer.
    Last(Vec<u8>),
}

/// Bytes read at a time.
const READ: usize = 1 << 20;

/// Runs both phases over `input`; the verifier comes back unfinished, so the
/// caller can settle deferred checkpoints (see [`finish_with_replay`]) first.
pub fn verify_reader(input: impl std::io::Read + Send, opts: Options, threads: usize, mut progress: impl FnMut(&Verifier)) -> std::io::Result<Verifier> {
    let threads = threads.max(1);
    let in_flight = threads * 3;
    let mode = opts.signatures;
    let mut v = Verifier::new(opts);
    let (job_tx, job_rx) = sync_channel::<(u64, Job)>(in_flight);
    let job_rx = Arc::new(Mutex::new(job_rx));
    let (done_tx, done_rx) = channel::<(u64, Job, Vec<LineOutcome>)>();
    // Credits bound the runs between the reader and the merge.
    let (credit_tx, credit_rx) = sync_channel::<()>(in_flight);
    for _ in 0..in_flight {
        credit_tx.send(()).expect("credit channel has room");
    }
    let mut read_error: Option<std::io::Error> = None;
    std::thread::scope(|s| {
        for _ in 0..threads {
            let job_rx = Arc::clone(&job_rx);
            let done_tx = done_tx.clone();
            s.spawn(move || {
                let mut cache = KeyCache::default();
                loop {
                    let job = job_rx.lock().expect("job queue lock").recv();
                    let Ok((seq, job)) = job else { break };
                    let out = match &job {
                        Job::Lines(b) => analyze(lines(b), mode, &mut cache),
                        Job::Overlong(..) | Job::Last(_) => Vec::new(),
                    };
                    if done_tx.send((seq, job, out)).is_err() {
                        break;
                    }
                }
            });
        }
        drop(done_tx);
        let reader = s.spawn(move || -> std::io::Result<()> {
            let mut input = input;
            let mut framer = Framer::default();
            let mut buf = vec![0u8; READ];
            let mut seq = 0u64;
            let mut stopped = false;
            let mut send = |job: Job| {
                if stopped || credit_rx.recv().is_err() || job_tx.send((seq, job)).is_err() {
                    stopped = true;
                }
                seq += 1;
            };
            let mut hand_on = |piece: Piece| {
                send(match piece {
                    Piece::Lines(l) => Job::Lines(l.to_vec()),
                    Piece::Overlong(len, terminated) => Job::Overlong(len, terminated),
                    Piece::Last(l) => Job::Last(l.to_vec()),
                })
            };
            loop {
                let n = read_full(&mut input, &mut buf)?;
                if n == 0 {
                    framer.finish(&mut hand_on);
                    return Ok(());
                }
                framer.push(&buf[..n], &mut hand_on);
            }
        });
        // Phase B, in order.
        let mut waiting: BTreeMap<u64, (Job, Vec<LineOutcome>)> = BTreeMap::new();
        let mut next = 0u64;
        for (seq, job, out) in done_rx.iter() {
            waiting.insert(seq, (job, out));
            while let Some((job, out)) = waiting.remove(&next) {
                match job {
                    Job::Lines(b) => {
                        v.add_bytes(b.len() as u64);
                        v.ingest_lines(&b, out);
                    }
                    Job::Overlong(len, terminated) => {
                        v.add_bytes(len + terminated as u64);
                        v.ingest_skipped_line(len);
                    }
                    Job::Last(l) => v.push(&l),
                }
                next += 1;
                let _ = credit_tx.send(());
                progress(&v);
            }
        }
        if let Err(e) = reader.join().expect("reader thread panicked") {
            read_error = Some(e);
        }
    });
    if let Some(e) = read_error {
        return Err(e);
    }
    Ok(v)
}

/// Finishes a verification, first reading the trace again (`reopen`) for the
/// roots of checkpoints that cover an old part of it and the ids of old
/// statements findings name, if there are any.
pub fn finish_with_replay(v: &mut Verifier, reopen: Option<&dyn Fn() -> std::io::Result<Box<dyn std::io::Read>>>) -> std::io::Result<Report> {
    if let (Some(mut replay), Some(reopen)) = (v.replay(), reopen) {
        let mut input = reopen()?;
        let mut buf = vec![0u8; READ];
        while !replay.done() {
            let n = read_full(&mut input, &mut buf)?;
            if n == 0 {
                break;
            }
            replay.push(&buf[..n]);
        }
        v.supply(replay.finish());
    }
    Ok(v.finish())
}

fn read_full(r: &mut impl std::io::Read, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut n = 0;
    while n < buf.len() {
        match r.read(&mut buf[n..]) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(n)
}
