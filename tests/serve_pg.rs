//! The collector on PostgreSQL with several frontends, and tiles on object
//! storage (docs/SERVE.md, "More than one machine"): the same HTTP and
//! durability checks as on SQLite, against two `onus serve` processes on one
//! database. `npm test` starts a throwaway PostgreSQL cluster and an S3
//! emulator (scripts/services.mjs) and names them in ONUS_TEST_POSTGRES and
//! ONUS_TEST_S3_ENDPOINT; without them these tests fail and say so.
//!
//! The tests here take turns (one of them kills PostgreSQL itself).
#![cfg(feature = "serve")]

mod serve_support;

use onus::merkle;
use onus::note;
use onus::statement::{self, id_to_hex, Id};
use onus::{Options, Status};
use serve_support::*;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());

fn turn() -> std::sync::MutexGuard<'static, ()> {
    ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner())
}

fn need(var: &str) -> String {
    std::env::var(var).unwrap_or_else(|_| {
        panic!("{var} is not set: these tests need the throwaway PostgreSQL and S3 emulator that `npm test` starts (scripts/services.mjs); run `npm test`, or start them yourself and set ONUS_TEST_POSTGRES (and the other ONUS_TEST_* variables services.mjs sets)")
    })
}

/// A new, empty database on the test cluster: its URL.
fn fresh_db(name: &str) -> String {
    let admin = need("ONUS_TEST_POSTGRES");
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos();
    let db = format!("onus_{name}_{}", nanos % 1_000_000_000_000);
    let mut c = postgres::Client::connect(&admin, postgres::NoTls).unwrap_or_else(|e| panic!("cannot connect to the test PostgreSQL at {admin}: {e}"));
    c.batch_execute(&format!("CREATE DATABASE {db}")).unwrap();
    let (base, _) = admin.rsplit_once('/').unwrap();
    format!("{base}/{db}")
}

/// Two frontends' flags on one database, publishing to `tiles`.
fn flags<'a>(db: &'a str, tiles: &'a str, extra: &[&'a str]) -> Vec<&'a str> {
    let mut v = vec!["--db", db, "--tiles", tiles, "--rate", "0", "--seal-ms", "200", "--lease-ms", "1000"];
    v.extend_from_slice(extra);
    v
}

/// Frontend A creates the log; B gets a copy of its key (as an operator would copy it).
fn two_frontends(dir: &Path, db: &str, tiles: &str, extra: &[&str]) -> (Server, Server) {
    let (da, dbb) = (dir.join("a"), dir.join("b"));
    let a = Server::start(&da, &flags(db, tiles, extra));
    std::fs::create_dir_all(&dbb).unwrap();
    std::fs::copy(da.join("polls.key"), dbb.join("polls.key")).unwrap();
    let b = Server::start(&dbb, &flags(db, tiles, extra));
    (a, b)
}

fn size_of(note_text: &str) -> u64 {
    note::parse_checkpoint(note_text).unwrap().size
}

fn checkpoint_size(base: &str) -> Option<u64> {
    let r = agent().get(&format!("{base}/logs/polls/checkpoint")).call().ok()?;
    Some(size_of(&r.into_string().ok()?))
}

/// Clients posting ballots round the frontends; a ballot whose answer was lost
/// (a frontend died) is posted again to the next one, and a 409 then gives its index.
struct Load {
    stop: Arc<AtomicBool>,
    acked: Arc<Mutex<Vec<(Id, u64)>>>,
    retried: Arc<AtomicU64>,
    threads: Vec<std::thread::JoinHandle<()>>,
    /// The time every ballot carries.
    time: i64,
    /// Every checkpoint a frontend served during the load.
    seen: Arc<Mutex<Vec<String>>>,
}

impl Load {
    fn start(bases: Vec<String>, poll: Id, clients: u64, per_client: u64, first_voter: u64) -> Load {
        let stop = Arc::new(AtomicBool::new(false));
        let acked: Arc<Mutex<Vec<(Id, u64)>>> = Arc::default();
        let retried = Arc::new(AtomicU64::new(0));
        let t = now();
        let threads = (0..clients)
            .map(|c| {
                let (stop, acked, retried, bases) = (stop.clone(), acked.clone(), retried.clone(), bases.clone());
                std::thread::spawn(move || {
                    let agent = ureq::AgentBuilder::new().timeout(Duration::from_secs(10)).build();
                    let mut turn = c as usize;
                    for i in 0..per_client {
                        if stop.load(Ordering::Relaxed) {
                            return;
                        }
                        let (line, id) = ballot(&voter(first_voter + c * 1_000_000 + i), &poll, (i % 4) as i64, t);
                        let started = Instant::now();
                        loop {
                            let base = &bases[turn % bases.len()];
                            turn += 1;
                            match agent.post(&format!("{base}/logs/polls/statements")).send_string(&line) {
                                Ok(r) => {
                                    let v: serde_json::Value = serde_json::from_str(&r.into_string().unwrap()).unwrap();
                                    assert_eq!(v["id"].as_str().unwrap(), id_to_hex(&id));
                                    acked.lock().unwrap().push((id, v["index"].as_u64().unwrap()));
                                    break;
                                }
                                Err(ureq::Error::Status(409, r)) => {
                                    let v: serde_json::Value = serde_json::from_str(&r.into_string().unwrap()).unwrap();
                                    acked.lock().unwrap().push((id, v["index"].as_u64().expect("a duplicate says where the statement is")));
                                    break;
                                }
                                Err(ureq::Error::Status(503, _)) | Err(ureq::Error::Transport(_)) => {
                                    // Stopped: this ballot was never acknowledged, and need not be.
                                    if stop.load(Ordering::Relaxed) {
                                        return;
                                    }
                                    retried.fetch_add(1, Ordering::Relaxed);
                                    assert!(started.elapsed() < Duration::from_secs(60), "ballot {} was never taken", id_to_hex(&id));
                                    std::thread::sleep(Duration::from_millis(50));
                                }
                                Err(ureq::Error::Status(code, r)) => panic!("ballot refused with {code}: {}", r.into_string().unwrap_or_default()),
                            }
                        }
                    }
                })
            })
            .collect::<Vec<_>>();
        let seen: Arc<Mutex<Vec<String>>> = Arc::default();
        let mut threads = threads;
        {
            // A reader watching every frontend's checkpoint during the load.
            let (stop, seen) = (stop.clone(), seen.clone());
            threads.push(std::thread::spawn(move || {
                let agent = ureq::AgentBuilder::new().timeout(Duration::from_secs(2)).build();
                while !stop.load(Ordering::Relaxed) {
                    for base in &bases {
                        if let Ok(r) = agent.get(&format!("{base}/logs/polls/checkpoint")).call() {
                            if let Ok(n) = r.into_string() {
                                let mut all = seen.lock().unwrap();
                                if !all.contains(&n) {
                                    all.push(n);
                                }
                            }
                        }
                    }
                    std::thread::sleep(Duration::from_millis(50));
                }
            }));
        }
        Load { stop, acked, retried, threads, time: t, seen }
    }

    fn count(&self) -> usize {
        self.acked.lock().unwrap().len()
    }

    fn wait_for(&self, n: usize, secs: u64) {
        eventually(secs, &format!("{n} acknowledged ballots"), || (self.count() >= n).then_some(()));
    }

    /// Every checkpoint served so far.
    fn checkpoints(&self) -> Vec<String> {
        self.seen.lock().unwrap().clone()
    }

    fn finish(self) -> (Vec<(Id, u64)>, u64) {
        self.stop.store(true, Ordering::Relaxed);
        for t in self.threads {
            t.join().expect("a client thread");
        }
        let acked = std::mem::take(&mut *self.acked.lock().unwrap());
        (acked, self.retried.load(Ordering::Relaxed))
    }
}

/// The trace from `base` once a checkpoint covers at least `size` statements; verified under `key`.
fn verified_trace(base: &str, key: statement::Key, size: u64) -> (String, onus::Report) {
    eventually(60, &format!("a verified trace with a checkpoint at size >= {size} from {base}"), || {
        let b = get(&format!("{base}/logs/polls/trace.jsonl")).body;
        let r = onus::verify_bytes(b.as_bytes(), Options { log_key: Some(key), ..Options::default() });
        (r.status == Status::Verified && r.sealed.as_ref().is_some_and(|s| s.size >= size)).then_some((b, r))
    })
}

/// Statement id -> index in a trace.
fn indexes(trace: &str) -> HashMap<Id, u64> {
    trace
        .lines()
        .filter(|l| !l.is_empty() && !l.starts_with("{\"checkpoint\""))
        .enumerate()
        .map(|(i, l)| (statement::parse_statement(l.as_bytes()).unwrap().id, i as u64))
        .collect()
}

/// Every acknowledged ballot is in the trace at the index it was given, and indexes are contiguous.
fn all_acknowledged_present(trace: &str, acked: &[(Id, u64)]) {
    let at = indexes(trace);
    let moved: Vec<_> = acked.iter().filter(|(id, i)| at.get(id) != Some(i)).map(|(id, i)| (id_to_hex(id), *i)).collect();
    assert!(moved.is_empty(), "{} acknowledged ballots missing or at another index, e.g. {:?}", moved.len(), &moved[..moved.len().min(3)]);
    let mut idx: Vec<u64> = at.values().copied().collect();
    idx.sort_unstable();
    assert!(idx.iter().enumerate().all(|(i, &v)| i as u64 == v), "indexes are not contiguous");
}

/// Every checkpoint served before is signed by the log key and is a prefix of the trace's last
/// (by a consistency proof to its root and by the root at its size); how many.
fn all_consistent(notes: &[String], trace: &str, key: statement::Key) -> usize {
    let leaves: Vec<_> = trace
        .lines()
        .filter(|l| !l.starts_with("{\"checkpoint\""))
        .map(|l| {
            let st = statement::parse_statement(l.as_bytes()).unwrap();
            merkle::leaf_hash(&st.id, &st.sig)
        })
        .collect();
    let (size, root) = (leaves.len() as u64, merkle::root(&leaves));
    let Some(first) = notes.first() else { return 0 };
    let origin = note::parse_checkpoint(first).unwrap().origin;
    for n in notes {
        let cp = note::verify_checkpoint(n, &origin, &key).expect("every served checkpoint is signed by the log key");
        assert!(cp.size <= size, "a checkpoint at size {} beyond the log's {size}", cp.size);
        let proof = merkle::consistency_proof(cp.size, &leaves);
        merkle::verify_consistency(cp.size, size, &cp.root, &root, &proof).unwrap_or_else(|e| panic!("the checkpoint at size {} is not a prefix of the log: {e:?}", cp.size));
        assert_eq!(merkle::root(&leaves[..cp.size as usize]), cp.root);
    }
    notes.len()
}

fn onus(args: &[&str]) -> (i32, String) {
    let out = Command::new(onus_bin()).args(args).output().unwrap();
    (out.status.code().unwrap_or(-1), format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr)))
}

/// The tiled log in a folder store verifies (resuming `state` if given: consistent with what it saw) and passes fsck.
fn store_checks(folder: &Path, vkey: &str, state: &Path) {
    let dir = format!("{}/", folder.join("polls").display());
    let (code, out) = onus(&["verify", &dir, "--key", vkey, "--state", state.to_str().unwrap()]);
    assert_eq!(code, 0, "onus verify {dir}: {out}");
    let (code, out) = onus(&["fsck", &dir, "--key", vkey]);
    assert_eq!(code, 0, "onus fsck {dir}: {out}");
    assert!(out.contains(": ok: "), "{out}");
}

fn vkey_of(s: &Server) -> String {
    get(&s.url("/logs/polls")).json()["vkey"].as_str().unwrap().to_string()
}

#[test]
fn two_frontends_sequence_one_log_and_publish_its_tiles() {
    let _turn = turn();
    let dir = tmpdir("pg-two");
    let db = fresh_db("two");
    let tiles = dir.join("tiles");
    let tiles_s = tiles.to_str().unwrap().to_string();
    let (a, b) = two_frontends(&dir, &db, &tiles_s, &[]);
    let poll = poll_id(&a, "polls", 0);
    assert_eq!(poll_id(&b, "polls", 0), poll, "both frontends serve the one log");
    let key = log_key(&a, "polls");
    let vkey = vkey_of(&a);

    let load = Load::start(vec![a.base.clone(), b.base.clone()], poll, 8, 60, 0);
    load.wait_for(480, 120);
    let time = load.time;
    let (acked, retried) = load.finish();
    assert_eq!(retried, 0, "no frontend was down, yet ballots had to be posted again");
    let mut idx: Vec<u64> = acked.iter().map(|(_, i)| *i).collect();
    idx.sort_unstable();
    assert_eq!(idx, (2..482).collect::<Vec<u64>>(), "indexes are contiguous from 2 (after the log and poll statements), each given once");

    // A ballot B took, posted to A: the original index.
    let (line, id) = ballot(&voter(0), &poll, 0, time);
    let dup = post(&a.url("/logs/polls/statements"), &line);
    assert_eq!(dup.status, 409, "{}", dup.body);
    assert_eq!(dup.json()["index"].as_u64(), acked.iter().find(|(i, _)| *i == id).map(|(_, x)| *x));

    // Both frontends serve the same verified trace, and the store holds its tiles.
    let (trace_a, report) = verified_trace(&a.base, key, 482);
    all_acknowledged_present(&trace_a, &acked);
    let (trace_b, _) = verified_trace(&b.base, key, 482);
    assert_eq!(indexes(&trace_a), indexes(&trace_b));
    assert_eq!(report.polls[0].voters, 480);
    eventually(30, "the store's checkpoint at size 482", || (std::fs::read_to_string(tiles.join("polls/checkpoint")).ok().map(|t| size_of(&t)) == Some(482)).then_some(()));
    // Tiles are read from the store by either frontend, never the database.
    let r = agent().get(&b.url("/logs/polls/tile/0/001.p/226")).call().unwrap();
    assert_eq!(r.header("cache-control"), Some("public, max-age=60"));
    let mut t0 = Vec::new();
    std::io::Read::read_to_end(&mut r.into_reader(), &mut t0).unwrap();
    assert_eq!(t0.len(), 226 * 32);
    assert_eq!(t0, std::fs::read(tiles.join("polls/tile/0/001.p/226")).unwrap());
    let state = dir.join("reader.state");
    store_checks(&tiles, &vkey, &state);
    let (code, out) = onus(&["verify", &a.url("/logs/polls/"), "--key", &vkey]);
    assert_eq!(code, 0, "the tiled log through a frontend: {out}");

    // fsck finds a tile the store altered, by its path.
    let t = tiles.join("polls/tile/0/000");
    let mut bytes = std::fs::read(&t).unwrap();
    bytes[40] ^= 1;
    std::fs::write(&t, &bytes).unwrap();
    let (code, out) = onus(&["fsck", &format!("{}/", tiles.join("polls").display())]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("tile/0/000: differs from the tile the bundles make"), "{out}");
    // A frontend that served traces and receipts stops cleanly on SIGTERM (its PostgreSQL
    // readers are closed off the async threads), sealing and saying what it committed.
    let mut b = b;
    let _ = Command::new("kill").args(["-TERM", &b.child.id().to_string()]).status();
    let status = b.child.wait().unwrap();
    assert!(status.success(), "SIGTERM: {status:?}: {}", b.stderr());
    assert!(!b.stderr().contains("panicked"), "{}", b.stderr());
    println!("two frontends: 480 ballots over 8 clients, indexes 2..482 contiguous; both traces equal and verified; tiles in the store verified and fsck clean");
}

/// Two frontends on a fresh database with tiles in a folder, 8 clients posting
/// ballots to both, and `warm` of them acknowledged: where each crash test starts.
struct UnderLoad {
    dir: PathBuf,
    db: String,
    tiles: PathBuf,
    a: Server,
    b: Server,
    key: statement::Key,
    vkey: String,
    load: Load,
}

fn under_load(name: &str, extra: &[&str], warm: usize) -> UnderLoad {
    let dir = tmpdir(&format!("pg-{name}"));
    let db = fresh_db(name);
    let tiles = dir.join("tiles");
    let tiles_s = tiles.to_str().unwrap().to_string();
    let (a, b) = two_frontends(&dir, &db, &tiles_s, extra);
    let poll = poll_id(&a, "polls", 0);
    let key = log_key(&a, "polls");
    let vkey = vkey_of(&a);
    let load = Load::start(vec![a.base.clone(), b.base.clone()], poll, 8, 100_000, 0);
    load.wait_for(warm, 120);
    UnderLoad { dir, db, tiles, a, b, key, vkey, load }
}

/// A reader's view of the store before a crash (its state file), once the store has a checkpoint.
fn reader_before_the_crash(u: &UnderLoad) -> PathBuf {
    eventually(30, "a checkpoint in the store", || u.tiles.join("polls/checkpoint").exists().then_some(()));
    let state = u.dir.join("reader.state");
    store_checks(&u.tiles, &u.vkey, &state);
    state
}

/// The frontend that seals, found by the lease's holder (host:pid:random).
fn sealer_pid(db: &str) -> u32 {
    let mut c = postgres::Client::connect(db, postgres::NoTls).unwrap();
    let holder: String = c.query_one("SELECT holder FROM leases", &[]).unwrap().get(0);
    holder.split(':').nth(1).unwrap().parse().unwrap()
}

#[test]
fn the_sealer_is_killed_mid_load_and_another_frontend_takes_over() {
    let _turn = turn();
    let u = under_load("takeover", &[], 500);
    // A reader sees the store before the kill; afterwards it must see a consistent extension.
    let state = reader_before_the_crash(&u);
    let UnderLoad { db, tiles, a, b, key, vkey, load, .. } = u;

    let pid = sealer_pid(&db);
    let (mut sealer, survivor) = if pid == a.child.id() { (a, b) } else { (b, a) };
    assert_eq!(sealer.child.id(), pid, "the lease names one of the two frontends");
    sealer.kill(); // SIGKILL, mid-load and mid-integration
    let killed = Instant::now();
    let before = load.count();
    load.wait_for(before + 500, 120);
    let served = load.checkpoints();
    let (acked, retried) = load.finish();
    let last = 2 + acked.len() as u64;
    // The survivor takes the lease and seals everything acknowledged.
    eventually(60, "the survivor's checkpoint over every acknowledged ballot", || checkpoint_size(&survivor.base).filter(|&s| s >= last).map(|_| ()));
    let takeover = killed.elapsed();
    assert_eq!(sealer_pid(&db), survivor.child.id());
    let (trace, report) = verified_trace(&survivor.base, key, last);
    all_acknowledged_present(&trace, &acked);
    let consistent = all_consistent(&served, &trace, key);
    assert!(consistent > 0, "the reader saw checkpoints during the load");
    // Every checkpoint line in the trace (by both sealers) is a prefix of the last one.
    let leaves: Vec<_> = trace
        .lines()
        .filter(|l| !l.starts_with("{\"checkpoint\""))
        .map(|l| {
            let st = statement::parse_statement(l.as_bytes()).unwrap();
            merkle::leaf_hash(&st.id, &st.sig)
        })
        .collect();
    let origin = report.origin.clone().unwrap();
    let notes: Vec<String> = trace.lines().filter(|l| l.starts_with("{\"checkpoint\"")).map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap()["checkpoint"].as_str().unwrap().to_string()).collect();
    for n in &notes {
        let cp = note::verify_checkpoint(n, &origin, &key).unwrap();
        assert_eq!(merkle::root(&leaves[..cp.size as usize]), cp.root, "checkpoint at size {}", cp.size);
    }
    eventually(30, "the store's checkpoint over every acknowledged ballot", || {
        std::fs::read_to_string(tiles.join("polls/checkpoint")).ok().filter(|t| size_of(t) >= last).map(|_| ())
    });
    store_checks(&tiles, &vkey, &state);
    println!(
        "takeover: sealer (pid {pid}) killed after {before} acknowledged ballots; the survivor sealed all {} acknowledged within {:.1} s of the kill ({retried} ballots posted again); {consistent} checkpoints served during the load and {} checkpoint lines by both sealers, all prefixes of the last; the store verified against the reader's state from before the kill, fsck clean",
        acked.len(),
        takeover.as_secs_f64(),
        notes.len()
    );
}

/// PostgreSQL's own process, from the cluster folder services.mjs made.
fn postmaster_pid() -> u32 {
    let data = PathBuf::from(need("ONUS_TEST_PG_DATA"));
    let pid = std::fs::read_to_string(data.join("postmaster.pid")).unwrap();
    pid.lines().next().unwrap().trim().parse().unwrap()
}

/// Restarts the cluster with the command services.mjs gives; the old server's
/// backends may take a moment to notice their postmaster died, so a few tries.
fn restart_postgres() {
    let cmd = need("ONUS_TEST_PG_RESTART");
    let mut last = String::new();
    for _ in 0..10 {
        let out = Command::new("sh").args(["-c", &cmd]).output().unwrap();
        if out.status.success() {
            return;
        }
        last = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
        std::thread::sleep(Duration::from_secs(1));
    }
    let log = std::fs::read_to_string(need("ONUS_TEST_PG_LOG")).unwrap_or_default();
    panic!("restarting PostgreSQL failed: {last}\nits log ends: {}", &log[log.len().saturating_sub(2000)..]);
}

#[test]
fn postgres_is_killed_mid_load_and_restarted() {
    let _turn = turn();
    let u = under_load("crash", &[], 500);
    let state = reader_before_the_crash(&u);
    let UnderLoad { tiles, a, b, key, vkey, load, .. } = u;

    let pid = postmaster_pid();
    let _ = Command::new("kill").args(["-KILL", &pid.to_string()]).status();
    let killed = Instant::now();
    let before = load.count();
    std::thread::sleep(Duration::from_secs(1));
    // While the database is down every ballot is refused with 503 (and posted again), none acknowledged.
    restart_postgres();
    load.wait_for(before + 500, 120);
    let served = load.checkpoints();
    let (acked, retried) = load.finish();
    let last = 2 + acked.len() as u64;
    let (trace, _) = verified_trace(&a.base, key, last);
    all_acknowledged_present(&trace, &acked);
    let consistent = all_consistent(&served, &trace, key);
    assert!(consistent > 0, "the reader saw checkpoints during the load");
    let (trace_b, _) = verified_trace(&b.base, key, last);
    assert_eq!(indexes(&trace), indexes(&trace_b));
    eventually(60, "the store's checkpoint over every acknowledged ballot", || {
        std::fs::read_to_string(tiles.join("polls/checkpoint")).ok().filter(|t| size_of(t) >= last).map(|_| ())
    });
    store_checks(&tiles, &vkey, &state);
    assert!(a.stderr().contains("reconnected") || b.stderr().contains("reconnected"), "the frontends say they reconnected");
    println!(
        "PostgreSQL SIGKILLed after {before} acknowledged ballots and restarted; {} acknowledged in all, every one at its index ({retried} posts retried, {:.1} s from the kill to the end); {consistent} checkpoints served during the load all prefixes of the last; both frontends agree; the store verified against the reader's earlier state; fsck clean",
        acked.len(),
        killed.elapsed().as_secs_f64()
    );
}

#[test]
fn tiles_on_an_s3_compatible_store() {
    let _turn = turn();
    let endpoint = need("ONUS_TEST_S3_ENDPOINT");
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos();
    let bucket = format!("onus-test-{}", nanos % 1_000_000_000_000);
    let made = agent().put(&format!("{endpoint}/{bucket}")).call();
    assert!(made.is_ok(), "creating bucket {bucket} at {endpoint}: {made:?}");
    // Readable by anyone, as a bucket behind a CDN is (docs/SERVE.md).
    let policy = format!(r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::{bucket}/*"}}]}}"#);
    let set = agent().put(&format!("{endpoint}/{bucket}?policy")).send_string(&policy);
    assert!(set.is_ok(), "public-read policy on {bucket}: {set:?}");
    let dir = tmpdir("pg-s3");
    let db = fresh_db("s3");
    let spec = format!("s3://{bucket}/published");
    let data = dir.join("a");
    std::env::set_var("AWS_ENDPOINT", &endpoint);
    let a = Server::start(&data, &flags(&db, &spec, &[]));
    let poll = poll_id(&a, "polls", 0);
    let vkey = vkey_of(&a);
    let load = Load::start(vec![a.base.clone()], poll, 4, 75, 0);
    load.wait_for(300, 120);
    let (acked, _) = load.finish();
    let last = 2 + acked.len() as u64;
    eventually(60, "the checkpoint from the bucket at the last size", || checkpoint_size(&a.base).filter(|&s| s >= last).map(|_| ()));
    // Straight from the bucket, as a CDN in front of it would serve it.
    let from_bucket = format!("{endpoint}/{bucket}/published/polls/");
    let (code, out) = onus(&["verify", &from_bucket, "--key", &vkey]);
    assert_eq!(code, 0, "onus verify {from_bucket}: {out}");
    let (code, out) = onus(&["fsck", &from_bucket, "--key", &vkey]);
    assert_eq!(code, 0, "onus fsck {from_bucket}: {out}");
    // And through the frontend, which reads the bucket.
    let (code, out) = onus(&["verify", &a.url("/logs/polls/"), "--key", &vkey]);
    assert_eq!(code, 0, "{out}");
    println!("s3: {} ballots; the bucket's tiled log verified and fsck clean, directly and through the frontend", acked.len());
}

#[test]
fn a_database_of_a_newer_schema_is_refused() {
    let _turn = turn();
    let db = fresh_db("newer");
    let mut c = postgres::Client::connect(&db, postgres::NoTls).unwrap();
    c.batch_execute("CREATE TABLE onus_schema (k TEXT PRIMARY KEY, version INT NOT NULL); INSERT INTO onus_schema VALUES ('onus', 99);").unwrap();
    let dir = tmpdir("pg-newer");
    let out = run_briefly(Command::new(onus_bin()).args(["serve", "--data"]).arg(dir.join("d")).args(["--addr", "127.0.0.1:0", "--db", &db]));
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("has onus schema version 99; this onus knows versions up to 2") && err.contains("newer"), "{err}");
    // And a URL that is not PostgreSQL's.
    let out = run_briefly(Command::new(onus_bin()).args(["serve", "--data"]).arg(dir.join("d")).args(["--addr", "127.0.0.1:0", "--db", "mysql://x@127.0.0.1/y"]));
    assert!(String::from_utf8_lossy(&out.stderr).contains("only PostgreSQL is supported"), "{}", String::from_utf8_lossy(&out.stderr));
}

#[test]
fn a_poll_created_on_the_database_reaches_every_frontend() {
    let _turn = turn();
    let dir = tmpdir("pg-poll");
    let db = fresh_db("poll");
    let tiles = dir.join("tiles");
    let tiles_s = tiles.to_str().unwrap().to_string();
    let (a, b) = two_frontends(&dir, &db, &tiles_s, &[]);
    let out = Command::new(onus_bin())
        .args(["poll", "create", "--data"])
        .arg(dir.join("a"))
        .args(["--db", &db, "--question", "Ship on Friday?", "--option", "yes", "--option", "no", "--closes", "2099-01-01T00:00:00Z"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let poll = statement::parse_id(String::from_utf8(out.stdout).unwrap().trim()).unwrap();
    for s in [&a, &b] {
        eventually(10, "the new poll on every frontend", || (get(&s.url("/logs/polls")).json()["polls"].as_array().unwrap().len() == 2).then_some(()));
        assert_eq!(poll_id(s, "polls", 1), poll);
    }
    let (line, _) = ballot(&voter(7), &poll, 1, now());
    let r = post(&b.url("/logs/polls/statements"), &line);
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(r.json()["index"].as_u64(), Some(3));
    // A poll for a log that does not exist yet creates it, its key in --data.
    let out = Command::new(onus_bin())
        .args(["poll", "create", "--data"])
        .arg(dir.join("a"))
        .args(["--db", &db, "--log", "team", "--question", "Lunch?", "--option", "pizza", "--option", "salad", "--closes", "2099-01-01T00:00:00Z"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(dir.join("a/team.key").exists());
    eventually(10, "the new log on frontend B", || (get(&b.url("/logs/team")).status == 200).then_some(()));
}

#[test]
fn a_network_log_on_the_database_takes_members_statements_on_every_frontend() {
    let _turn = turn();
    let dir = tmpdir("pg-network");
    let db = fresh_db("network");
    let tiles = dir.join("tiles");
    let tiles_s = tiles.to_str().unwrap().to_string();
    let (a, b) = two_frontends(&dir, &db, &tiles_s, &[]);
    let node = ed25519_dalek::SigningKey::from_bytes(&[9; 32]);
    let verifier = ed25519_dalek::SigningKey::from_bytes(&[10; 32]);
    let pk = |k: &ed25519_dalek::SigningKey| statement::key_to_string(&statement::Key::of(k));
    let log = |args: &[&str]| {
        let out = Command::new(onus_bin()).arg("log").args(args).arg("--data").arg(dir.join("a")).args(["--db", &db]).output().unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8(out.stdout).unwrap().trim().to_string()
    };
    let vkey = log(&["create", "net", "--member", &format!("{}:node-1:compute", pk(&node))]);
    eventually(10, "the network log on frontend B", || (get(&b.url("/logs/net")).status == 200).then_some(()));
    let (line, request) = statement_with(&node, "request", &[], &format!(r#"{{"model":"m","input":"{}"}}"#, "a".repeat(64)), now());
    let r = post(&b.url("/logs/net/statements"), &line);
    assert_eq!(r.status, 201, "{}", r.body);
    let (attest, _) = statement_with(&verifier, "attest", &[request], r#"{"method":"rerun","verdict":"pass"}"#, now());
    let r = post(&a.url("/logs/net/statements"), &attest);
    assert_eq!((r.status, r.code().as_str()), (403, "actor.unrecognized"), "{}", r.body);
    log(&["roster", "net", "--add", &format!("{}:verifier-1:verifier", pk(&verifier))]);
    // Frontend A read the roster change from the database: the same statement now goes in.
    let r = eventually(10, "the roster change on frontend A", || {
        let r = post(&a.url("/logs/net/statements"), &attest);
        (r.status == 201).then_some(r)
    });
    assert_eq!(r.json()["index"], 3);
    let key = note::parse_vkey(&vkey).unwrap().1;
    let trace = verified_trace_of(&b.base, "net", key, 4);
    assert_eq!(trace.lines().filter(|l| !l.starts_with("{\"checkpoint\"")).count(), 4);
}

fn verified_trace_of(base: &str, log: &str, key: statement::Key, size: u64) -> String {
    eventually(60, &format!("a verified trace of {log} with a checkpoint at size >= {size}"), || {
        let b = get(&format!("{base}/logs/{log}/trace.jsonl")).body;
        let r = onus::verify_bytes(b.as_bytes(), Options { log_key: Some(key), ..Options::default() });
        (r.status == Status::Verified && r.sealed.as_ref().is_some_and(|s| s.size >= size)).then_some(b)
    })
}

/// Waits until `s`'s stderr says its publisher is between tiles and checkpoint; the size it publishes.
fn mid_publication(s: &Server) -> u64 {
    eventually(60, "a publication paused between its tiles and its checkpoint", || {
        let err = s.stderr();
        let line = err.lines().rev().find(|l| l.contains("bundles and tiles written, the checkpoint next"))?;
        line.split(" at size ").nth(1)?.split(':').next()?.parse().ok()
    })
}

#[test]
fn a_frontend_and_then_the_sealer_mid_publication_are_killed() {
    let _turn = turn();
    // The sealer pauses 3 s between a publication's tiles and its checkpoint.
    let UnderLoad { dir, db, tiles, a, b, key, vkey, load } = under_load("midpublish", &["--test-publish-pause-ms", "3000"], 300);
    let pid = sealer_pid(&db);
    let (mut sealer, mut other) = if pid == a.child.id() { (a, b) } else { (b, a) };
    // First the frontend that does not seal, mid-load: its clients go to the sealer.
    other.kill();
    let before = load.count();
    load.wait_for(before + 300, 120);
    // Then the load stops, and the sealer dies in the middle of writing its last
    // publication to the store (after an earlier one is in): it has sealed every
    // statement, so the frontend that takes over has nothing to seal, and must
    // still publish the checkpoint the store lacks.
    let served = load.checkpoints();
    let (acked, _) = load.finish();
    let last = 2 + acked.len() as u64;
    let stored = || std::fs::read_to_string(tiles.join("polls/checkpoint")).ok().map(|t| size_of(&t)).unwrap_or(0);
    let size = eventually(60, "the last publication under way beyond the store's checkpoint", || {
        let size = mid_publication(&sealer);
        (size >= last && stored() > 0 && size > stored()).then_some(size)
    });
    sealer.kill();
    let in_store = stored();
    assert!(in_store < size, "the checkpoint of size {size} is not in the store yet (it has {in_store})");
    // The store is consistent as it was left: fsck is clean at its (older) checkpoint.
    let (code, out) = onus(&["fsck", &format!("{}/", tiles.join("polls").display())]);
    assert_eq!(code, 0, "the store after a crash mid-publication: {out}");
    // A new frontend on the same database (with the key) takes over and publishes the rest.
    let dc = dir.join("c");
    std::fs::create_dir_all(&dc).unwrap();
    std::fs::copy(dir.join("a/polls.key"), dc.join("polls.key")).unwrap();
    let c = Server::start(&dc, &flags(&db, tiles.to_str().unwrap(), &[]));
    let (trace, _) = verified_trace(&c.base, key, last);
    all_acknowledged_present(&trace, &acked);
    all_consistent(&served, &trace, key);
    eventually(60, "the store's checkpoint over every acknowledged ballot", || {
        std::fs::read_to_string(tiles.join("polls/checkpoint")).ok().filter(|t| size_of(t) >= last).map(|_| ())
    });
    assert!(c.stderr().contains("let its lease lapse"), "the new frontend took the lapsed lease: {}", c.stderr());
    store_checks(&tiles, &vkey, &dir.join("reader.state"));
    println!("killed a frontend mid-load, then the sealer mid-publication of its last checkpoint (size {size} written but for its checkpoint; the store at {in_store} stayed fsck-clean); a new frontend with nothing to seal published up to {last}, every acknowledged ballot at its index");
}
