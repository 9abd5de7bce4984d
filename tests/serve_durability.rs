//! Durability under a crash: many concurrent ballots over real HTTP, SIGKILL
//! in the middle, restart on the same data folder. Every ballot that was
//! acknowledged (201) must be in the log at the index it was given, the log
//! must verify, and the first checkpoint after the restart must be consistent
//! with every checkpoint published before the kill (no history rewritten).
#![cfg(feature = "serve")]

mod serve_support;

use onus::merkle;
use onus::note;
use onus::statement::{self, id_to_hex};
use onus::{Options, Status};
use serve_support::*;
use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const CLIENTS: u64 = 8;
/// Kill once this many ballots were acknowledged (or after KILL_AFTER).
const KILL_AT: usize = 4000;
const KILL_AFTER: Duration = Duration::from_secs(20);

#[test]
fn acknowledged_ballots_survive_sigkill() {
    let dir = tmpdir("durability");
    let data = dir.join("data");
    let mut s = Server::start(&data, &["--rate", "0", "--seal-ms", "100"]);
    let poll = poll_id(&s, "polls", 0);
    let key = log_key(&s, "polls");
    let origin = get(&s.url("/logs/polls")).json()["origin"].as_str().unwrap().to_string();
    let base = s.base.clone();

    let stop = Arc::new(AtomicBool::new(false));
    let acked: Arc<Mutex<Vec<(String, u64)>>> = Arc::default();
    let refused = Arc::new(AtomicU64::new(0));
    let notes: Arc<Mutex<Vec<String>>> = Arc::default();
    let t = now();
    let mut threads = Vec::new();
    for c in 0..CLIENTS {
        let (stop, acked, refused, base) = (stop.clone(), acked.clone(), refused.clone(), base.clone());
        threads.push(std::thread::spawn(move || {
            let agent = agent();
            let url = format!("{base}/logs/polls/statements");
            for i in 0.. {
                if stop.load(Ordering::Relaxed) {
                    break;
                }
                let (line, id) = ballot(&voter(c * 1_000_000 + i), &poll, (i % 4) as i64, t);
                match agent.post(&url).send_string(&line) {
                    Ok(r) => {
                        assert_eq!(r.status(), 201);
                        let v: serde_json::Value = serde_json::from_str(&r.into_string().unwrap()).unwrap();
                        assert_eq!(v["id"].as_str().unwrap(), id_to_hex(&id));
                        acked.lock().unwrap().push((id_to_hex(&id), v["index"].as_u64().unwrap()));
                    }
                    Err(ureq::Error::Status(code, r)) => {
                        refused.fetch_add(1, Ordering::Relaxed);
                        panic!("ballot refused with {code}: {}", r.into_string().unwrap_or_default());
                    }
                    Err(_) => break, // the server is gone
                }
            }
        }));
    }
    {
        let (stop, notes, base) = (stop.clone(), notes.clone(), base.clone());
        threads.push(std::thread::spawn(move || {
            let agent = agent();
            while !stop.load(Ordering::Relaxed) {
                match agent.get(&format!("{base}/logs/polls/checkpoint")).call() {
                    Ok(r) => {
                        let n = r.into_string().unwrap();
                        let mut all = notes.lock().unwrap();
                        if all.last() != Some(&n) {
                            all.push(n);
                        }
                    }
                    Err(ureq::Error::Status(code, _)) => panic!("GET /checkpoint answered {code}"),
                    Err(_) => break, // the server is gone
                }
                std::thread::sleep(Duration::from_millis(30));
            }
        }));
    }
    let start = Instant::now();
    while acked.lock().unwrap().len() < KILL_AT && start.elapsed() < KILL_AFTER {
        std::thread::sleep(Duration::from_millis(10));
    }
    s.kill(); // SIGKILL, mid-load
    let killed_after = start.elapsed();
    stop.store(true, Ordering::Relaxed);
    for th in threads {
        th.join().expect("client thread");
    }
    let acked = std::mem::take(&mut *acked.lock().unwrap());
    let notes = std::mem::take(&mut *notes.lock().unwrap());
    assert_eq!(refused.load(Ordering::Relaxed), 0);
    assert!(acked.len() >= 500, "only {} ballots acknowledged before the kill", acked.len());
    assert!(notes.len() >= 2, "only {} checkpoints seen during the load", notes.len());

    // Restart on the same folder.
    let s = Server::start(&data, &["--rate", "0", "--seal-ms", "100"]);
    let trace = get(&s.url("/logs/polls/trace.jsonl")).body;
    let first = onus::verify_bytes(trace.as_bytes(), Options { log_key: Some(key), ..Options::default() });
    assert_ne!(first.status, Status::Failed, "{:?}", first.findings.iter().filter(|f| f.severity == onus::Severity::Error).take(5).collect::<Vec<_>>());

    // Every acknowledged ballot is there, at the index it was given.
    let mut at: HashMap<String, u64> = HashMap::new();
    for (index, line) in trace.lines().filter(|l| !l.is_empty() && !l.starts_with("{\"checkpoint\"")).enumerate() {
        at.insert(id_to_hex(&statement::parse_statement(line.as_bytes()).unwrap().id), index as u64);
    }
    let missing: Vec<_> = acked.iter().filter(|(id, i)| at.get(id) != Some(i)).collect();
    assert!(missing.is_empty(), "{} acknowledged ballots missing or moved, e.g. {:?}", missing.len(), &missing[..missing.len().min(3)]);

    // After the next checkpoint: verified, and consistent with everything published before.
    let (bytes, report) = eventually(30, "a verified trace after the restart", || {
        let b = get(&s.url("/logs/polls/trace.jsonl")).body;
        let r = onus::verify_bytes(b.as_bytes(), Options { log_key: Some(key), ..Options::default() });
        (r.status == Status::Verified).then_some((b, r))
    });
    let all_leaves: Vec<_> = bytes
        .lines()
        .filter(|l| !l.is_empty() && !l.starts_with("{\"checkpoint\""))
        .map(|l| {
            let st = statement::parse_statement(l.as_bytes()).unwrap();
            merkle::leaf_hash(&st.id, &st.sig)
        })
        .collect();
    let sealed = report.sealed.as_ref().unwrap();
    let new_size = sealed.size;
    let new_root = onus::statement::Hash::parse(&sealed.root).unwrap();
    let leaves = &all_leaves[..new_size as usize];
    let mut sizes = BTreeMap::new();
    for n in &notes {
        let cp = note::verify_checkpoint(n, &origin, &key).expect("every published checkpoint is signed by the log key");
        assert!(cp.size <= new_size);
        let proof = merkle::consistency_proof(cp.size, leaves);
        merkle::verify_consistency(cp.size, new_size, &cp.root, &new_root, &proof).unwrap_or_else(|e| panic!("checkpoint at size {} is not a prefix of the new one: {e:?}", cp.size));
        assert_eq!(merkle::root(&leaves[..cp.size as usize]), cp.root);
        sizes.insert(cp.size, ());
    }
    let counted: u64 = report.polls[0].counts.iter().sum();
    println!(
        "durability: {} clients, {} ballots acknowledged in {:.2} s before SIGKILL; {} in the log after restart (all acknowledged present); \
         {} checkpoints seen before the kill (sizes {}..={}), all consistent with the new checkpoint at size {new_size}; {counted} votes counted",
        CLIENTS,
        acked.len(),
        killed_after.as_secs_f64(),
        report.statements,
        notes.len(),
        sizes.keys().next().unwrap(),
        sizes.keys().last().unwrap(),
    );
    assert!(counted as usize >= acked.len());
}
