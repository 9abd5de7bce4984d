//! Load benchmark of the collector: sustained ballots per second with N
//! concurrent clients (each a keep-alive HTTP connection posting one ballot
//! after another), and latency percentiles of the acknowledgements, which
//! are only sent after the ballot's transaction has committed.
//!
//! ```text
//! cargo build --release
//! cargo run --release --example ballot_load -- [--clients 32] [--seconds 10] [--ballots 60000] [--url http://127.0.0.1:8080 ...]
//! ```
//!
//! `--url` may be given more than once (frontends sharing one PostgreSQL):
//! client i posts to the (i mod n)-th URL; the log, the checkpoint wait, the
//! trace and the receipts are read from the first.
//!
//! Without `--url` it starts `target/release/onus serve` on a fresh data folder
//! (rate limit off) and stops it at the end. Ballots are signed before the clock
//! starts, so the numbers are the server's, not the client's signing speed
//! (client and server still share the machine's cores).

use ed25519_dalek::SigningKey;
use onus::json::Json;
use onus::statement::{self, Draft, Id};
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

struct Args {
    urls: Vec<String>,
    clients: usize,
    seconds: u64,
    ballots: usize,
}

fn args() -> Args {
    let mut a = Args { urls: Vec::new(), clients: 32, seconds: 10, ballots: 60_000 };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let mut val = || it.next().unwrap_or_else(|| panic!("{flag} needs a value"));
        match flag.as_str() {
            "--url" => a.urls.push(val().trim_end_matches('/').to_string()),
            "--clients" => a.clients = val().parse().expect("--clients N"),
            "--seconds" => a.seconds = val().parse().expect("--seconds S"),
            "--ballots" => a.ballots = val().parse().expect("--ballots N"),
            other => panic!("unknown flag {other}; see the top of examples/ballot_load.rs"),
        }
    }
    a
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

fn ms(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1e3)
}

fn machine() -> String {
    let cpu = std::fs::read_to_string("/proc/cpuinfo").ok().and_then(|c| c.lines().find(|l| l.starts_with("model name")).map(|l| l.split(':').nth(1).unwrap_or("").trim().to_string())).unwrap_or_else(|| "unknown CPU".into());
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    format!("{cores} cores, {cpu}")
}

fn main() {
    let a = args();
    let mut child = None;
    let data = std::env::temp_dir().join(format!("onus-ballot-load-{}", std::process::id()));
    let urls: Vec<String> = match &a.urls[..] {
        [] => {
            let bin = concat!(env!("CARGO_MANIFEST_DIR"), "/target/release/onus");
            assert!(std::path::Path::new(bin).exists(), "{bin} is missing: run `cargo build --release` first");
            let mut c = Command::new(bin)
                .args(["serve", "--addr", "127.0.0.1:0", "--rate", "0", "--www", "/nonexistent", "--data"])
                .arg(&data)
                .stdout(Stdio::piped())
                .stderr(Stdio::inherit())
                .spawn()
                .expect("start onus serve");
            let mut out = BufReader::new(c.stdout.take().unwrap());
            let mut line = String::new();
            let url = loop {
                line.clear();
                assert!(out.read_line(&mut line).unwrap() > 0, "onus serve exited");
                if let Some(u) = line.trim().strip_prefix("onus serve: listening on ") {
                    break u.to_string();
                }
            };
            std::thread::spawn(move || std::io::copy(&mut out, &mut std::io::sink()));
            child = Some(c);
            vec![url]
        }
        given => given.to_vec(),
    };
    let base = urls[0].clone();
    let logs: serde_json::Value = serde_json::from_str(&ureq::get(&format!("{base}/logs/polls")).call().unwrap().into_string().unwrap()).unwrap();
    let poll: Id = statement::parse_id(logs["polls"][0]["id"].as_str().expect("log polls has a poll")).unwrap();
    let start_size = logs["statements"].as_u64().unwrap();

    // Sign every ballot first, on all cores.
    let t = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64;
    let salt = t as u64 ^ std::process::id() as u64;
    let signing = Instant::now();
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let per = a.ballots.div_ceil(cores);
    let ballots: Vec<String> = std::thread::scope(|s| {
        let hs: Vec<_> = (0..cores)
            .map(|c| {
                s.spawn(move || {
                    (c * per..((c + 1) * per).min(a.ballots))
                        .map(|i| {
                            let seed = blake3::derive_key("onus ballot_load voter", &[salt.to_le_bytes(), (i as u64).to_le_bytes()].concat());
                            let body = Json::Obj(vec![("choice".into(), Json::Int((i % 4) as i64))]);
                            statement::sign_statement(&SigningKey::from_bytes(&seed), &Draft { kind: "vote", time: t, refs: &[poll], body }).0
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        hs.into_iter().flat_map(|h| h.join().unwrap()).collect()
    });
    let over = if urls.len() > 1 { format!(" over {} frontends", urls.len()) } else { String::new() };
    eprintln!("signed {} ballots in {:.1} s; posting with {} clients{over} for up to {} s", ballots.len(), signing.elapsed().as_secs_f64(), a.clients, a.seconds);

    let queue = Arc::new(Mutex::new(ballots));
    let stop = Arc::new(AtomicBool::new(false));
    let errors = Arc::new(AtomicU64::new(0));
    let began = Instant::now();
    let deadline = began + Duration::from_secs(a.seconds);
    let handles: Vec<_> = (0..a.clients)
        .map(|i| {
            // Round-robin: with n frontends each gets clients/n connections.
            let (queue, stop, errors, url) = (queue.clone(), stop.clone(), errors.clone(), format!("{}/logs/polls/statements", urls[i % urls.len()]));
            std::thread::spawn(move || {
                let agent = ureq::AgentBuilder::new().timeout(Duration::from_secs(30)).build();
                let mut lat = Vec::new();
                let mut last = began;
                while !stop.load(Ordering::Relaxed) && Instant::now() < deadline {
                    let Some(b) = queue.lock().unwrap().pop() else { break };
                    let t0 = Instant::now();
                    match agent.post(&url).set("content-type", "text/plain").send_string(&b) {
                        Ok(r) if r.status() == 201 => {
                            let _ = r.into_string();
                            last = Instant::now();
                            lat.push(last - t0);
                        }
                        Ok(_) | Err(_) => {
                            errors.fetch_add(1, Ordering::Relaxed);
                        }
                    }
                }
                (lat, last)
            })
        })
        .collect();
    let mut lat = Vec::new();
    let mut end = began;
    for h in handles {
        let (l, last) = h.join().unwrap();
        lat.extend(l);
        end = end.max(last);
    }
    stop.store(true, Ordering::Relaxed);
    let elapsed = (end - began).as_secs_f64();
    lat.sort();
    let n = lat.len();
    println!("machine      {}", machine());
    println!("clients      {}", a.clients);
    println!("ballots      {n} acknowledged (201) in {elapsed:.2} s, {} errors", errors.load(Ordering::Relaxed));
    println!("throughput   {:.0} ballots/s", n as f64 / elapsed);
    println!("latency      p50 {}  p90 {}  p99 {}  max {}", ms(percentile(&lat, 0.5)), ms(percentile(&lat, 0.9)), ms(percentile(&lat, 0.99)), ms(percentile(&lat, 1.0)));

    // Receipts and the whole trace at this size.
    let agent = ureq::agent();
    let size = start_size + n as u64;
    let sealed_at = Instant::now();
    let cp = loop {
        let note = agent.get(&format!("{base}/logs/polls/checkpoint")).call().unwrap().into_string().unwrap();
        let cp = onus::note::parse_checkpoint(&note).unwrap();
        if cp.size >= size || sealed_at.elapsed() > Duration::from_secs(10) {
            break cp;
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    let trace_t = Instant::now();
    let mut trace = String::new();
    std::io::Read::read_to_string(&mut agent.get(&format!("{base}/logs/polls/trace.jsonl")).call().unwrap().into_reader(), &mut trace).unwrap();
    let fetch = trace_t.elapsed();
    let v_t = Instant::now();
    let report = onus::verify_bytes(trace.as_bytes(), onus::Options::default());
    println!("trace        {} statements, {} bytes fetched in {}; verify_bytes {} in {}", report.statements, trace.len(), ms(fetch), serde_json::to_string(&report.status).unwrap(), ms(v_t.elapsed()));
    let ids: Vec<String> = trace.lines().filter(|l| l.contains("\"vote\"")).take(20).map(|l| statement::id_to_hex(&statement::parse_statement(l.as_bytes()).unwrap().id)).collect();
    let mut rl = Vec::new();
    for id in &ids {
        let t0 = Instant::now();
        let r = agent.get(&format!("{base}/logs/polls/receipt/{id}")).call().unwrap().into_string().unwrap();
        rl.push(t0.elapsed());
        assert!(r.starts_with("{\"checkpoint\""));
    }
    rl.sort();
    println!("receipts     {} at tree size {}: p50 {} max {}", rl.len(), cp.size, ms(percentile(&rl, 0.5)), ms(percentile(&rl, 1.0)));
    if let Some(mut c) = child {
        let _ = Command::new("kill").args(["-TERM", &c.id().to_string()]).status();
        let _ = c.wait();
        let _ = std::fs::remove_dir_all(&data);
    }
}
