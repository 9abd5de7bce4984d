//! Load benchmark of `onus witness serve`: add-checkpoint requests per second
//! with N concurrent clients, each a log of its own (so no request waits for
//! another's 409) growing by `--step` statements per checkpoint, each request
//! with the consistency proof from the client's previous size; latency
//! percentiles of the answers, which are only sent after the witness's SQLite
//! transaction has committed (an fsync per cosignature).
//!
//! ```text
//! cargo build --release
//! cargo run --release --example witness_load -- [--clients 8] [--seconds 10] [--step 16]
//! ```
//!
//! It starts `target/release/onus witness serve` on a fresh folder (rate
//! limit off) and stops it at the end. Checkpoints and proofs are made before
//! the clock starts, so the numbers are the witness's.

use ed25519_dalek::SigningKey;
use onus::merkle;
use onus::note;
use onus::statement::{Hash, Key};
use onus::witness::add_checkpoint_body;
use onus::merkle::Subtrees;
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Every perfect subtree of the whole leaf set, by level: those of any prefix
/// are among them, so a proof costs lookups, not hashing.
struct AllLevels(Vec<Vec<Hash>>);

impl AllLevels {
    fn new(leaves: Vec<Hash>) -> AllLevels {
        let mut levels = vec![leaves];
        while levels.last().unwrap().len() > 1 {
            let up = levels.last().unwrap().chunks_exact(2).map(|p| merkle::node_hash(&p[0], &p[1])).collect();
            levels.push(up);
        }
        AllLevels(levels)
    }
}

impl Subtrees for AllLevels {
    type Error = ();
    fn subtree(&mut self, height: u32, index: u64) -> Result<Hash, ()> {
        self.0.get(height as usize).and_then(|l| l.get(index as usize)).copied().ok_or(())
    }
}

fn main() {
    let (mut clients, mut seconds, mut step) = (8usize, 10u64, 16u64);
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let v: u64 = it.next().and_then(|v| v.parse().ok()).unwrap_or_else(|| panic!("{flag} needs a number"));
        match flag.as_str() {
            "--clients" => clients = v as usize,
            "--seconds" => seconds = v,
            "--step" => step = v,
            _ => panic!("unknown flag {flag}"),
        }
    }
    let dir = std::env::temp_dir().join(format!("onus-witness-load-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let onus = concat!(env!("CARGO_MANIFEST_DIR"), "/target/release/onus");
    let out = Command::new(onus).args(["witness", "keygen", "bench.example/w"]).arg("--out").arg(dir.join("w.key")).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));

    // Requests per client: enough for the run at well over the expected rate.
    let per_client = 60_000 / clients.max(1);
    let logs: Vec<(String, SigningKey)> = (0..clients).map(|i| (format!("bench.example/log{i}"), SigningKey::from_bytes(&[i as u8 + 1; 32]))).collect();
    let list: String = logs.iter().map(|(o, k)| format!("log {}\n", note::vkey(o, &Key::of(k)))).collect();
    std::fs::write(dir.join("logs.txt"), list).unwrap();
    let t = Instant::now();
    let bodies: Vec<Vec<String>> = logs
        .iter()
        .map(|(origin, key)| {
            let leaves: Vec<Hash> = (0..per_client as u64 * step).map(|i| Hash(*blake3::hash(format!("{origin} {i}").as_bytes()).as_bytes())).collect();
            let mut all = AllLevels::new(leaves);
            let mut out = Vec::with_capacity(per_client);
            let mut prev = 0u64;
            for n in 1..=per_client as u64 {
                let size = n * step;
                let root = merkle::root_of(size, &mut all).expect("every subtree is kept");
                let cp = note::sign_note(&note::checkpoint_text(origin, size, &root), origin, key);
                let proof = if prev == 0 { Vec::new() } else { merkle::consistency_proof_of(prev, size, &mut all).expect("every subtree is kept") };
                out.push(add_checkpoint_body(prev, &proof, &cp));
                prev = size;
            }
            out
        })
        .collect();
    eprintln!("made {} checkpoints and proofs in {:.1} s", clients * per_client, t.elapsed().as_secs_f64());

    let mut child = Command::new(onus)
        .args(["witness", "serve", "--data"])
        .arg(dir.join("state"))
        .arg("--key")
        .arg(dir.join("w.key"))
        .arg("--logs")
        .arg(dir.join("logs.txt"))
        .args(["--addr", "127.0.0.1:0", "--rate", "0"])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut r = BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    let base = loop {
        line.clear();
        assert!(r.read_line(&mut line).unwrap() > 0, "the witness did not start");
        if let Some(u) = line.trim().strip_prefix("onus witness: listening on ") {
            break u.to_string();
        }
    };

    let deadline = Instant::now() + Duration::from_secs(seconds);
    let latencies = Arc::new(Mutex::new(Vec::new()));
    let start = Instant::now();
    let threads: Vec<_> = bodies
        .into_iter()
        .map(|mine| {
            let (base, latencies) = (base.clone(), latencies.clone());
            std::thread::spawn(move || {
                let agent = ureq::AgentBuilder::new().timeout(Duration::from_secs(10)).build();
                let mut lat = Vec::new();
                for body in mine {
                    if Instant::now() >= deadline {
                        break;
                    }
                    let t = Instant::now();
                    let res = agent.post(&format!("{base}/add-checkpoint")).send_string(&body);
                    assert!(res.is_ok(), "add-checkpoint failed: {:?}", res.err());
                    lat.push(t.elapsed());
                }
                latencies.lock().unwrap().extend(lat);
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    let wall = start.elapsed().as_secs_f64();
    let _ = child.kill();
    let _ = child.wait();
    let mut lat = latencies.lock().unwrap().clone();
    lat.sort();
    let pct = |p: f64| lat[((lat.len() as f64 * p) as usize).min(lat.len() - 1)].as_secs_f64() * 1000.0;
    println!(
        "{} cosignatures in {wall:.1} s: {:.0} requests/s with {clients} clients (step {step}); p50 {:.2} ms, p90 {:.2} ms, p99 {:.2} ms",
        lat.len(),
        lat.len() as f64 / wall,
        pct(0.5),
        pct(0.9),
        pct(0.99)
    );
    let _ = std::fs::remove_dir_all(&dir);
}
