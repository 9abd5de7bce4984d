//! `onus publish --witness` and fork evidence, as an operator uses them: the
//! published checkpoint carries the witness's cosignature (also after the log
//! grows, when the witness's 409 names the size to prove from); a witness that
//! is down leaves the checkpoint without it, and a reader's policy says so. A
//! trace that is another history of the published log is refused with fork
//! evidence that `onus verify-fork` proves, and that a doctored copy does not.
#![cfg(feature = "serve")]

mod serve_support;

use serde_json::Value;
use serve_support::{tmpdir, Witness, ONUS};
use std::path::Path;
use std::process::{Command, Output};

fn onus(args: &[&str]) -> Output {
    Command::new(ONUS).args(args).output().expect("run onus")
}
fn text(o: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr))
}
fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}
fn verify_json(args: &[&str]) -> (i32, Value) {
    let mut a = vec!["verify", "--json"];
    a.extend_from_slice(args);
    let o = onus(&a);
    (o.status.code().unwrap(), serde_json::from_slice(&o.stdout).unwrap_or(Value::Null))
}
fn codes(v: &Value) -> Vec<String> {
    v["findings"].as_array().unwrap().iter().map(|f| f["code"].as_str().unwrap().to_string()).collect()
}

/// A trace by a log key and a node (made once per folder): the log statement,
/// then one request per time given, sealed.
fn trace(dir: &Path, name: &str, times: &[&str]) -> std::path::PathBuf {
    let (log, node) = (dir.join("log.key"), dir.join("node.key"));
    if !log.exists() {
        assert!(onus(&["keygen", "example.org/forked", "--out", s(&log)]).status.success());
        let o = onus(&["keygen", "node-1", "--out", s(&node)]);
        let pk = String::from_utf8_lossy(&o.stdout).lines().find_map(|l| l.strip_prefix("public key: ")).expect("keygen prints the public key").to_string();
        std::fs::write(dir.join("node.pub"), pk).unwrap();
    }
    let node_pk = std::fs::read_to_string(dir.join("node.pub")).unwrap();
    let t = dir.join(format!("{name}.jsonl"));
    let body = format!(r#"{{"origin":"example.org/forked","roster":[{{"key":"{node_pk}","name":"node-1","role":"compute"}}]}}"#);
    let o = onus(&["append", "--key", s(&log), "--kind", "log", "--time", "2026-12-01T00:00:00Z", "--body", &body, s(&t)]);
    assert!(o.status.success(), "{}", text(&o));
    for time in times {
        let o = onus(&["append", "--key", s(&node), "--kind", "request", "--time", time, "--body", r#"{"model":"m","input":"1111111111111111111111111111111111111111111111111111111111111111"}"#, s(&t)]);
        assert!(o.status.success(), "{}", text(&o));
    }
    let o = onus(&["seal", "--key", s(&log), s(&t)]);
    assert!(o.status.success(), "{}", text(&o));
    t
}

#[test]
fn published_checkpoints_carry_the_witness_cosignature() {
    let dir = tmpdir("publish-witness");
    let t300 = dir.join("t300.jsonl");
    let t600 = dir.join("t600.jsonl");
    for (n, p) in [(300, &t300), (600, &t600)] {
        let o = onus(&["demo", "--statements", &n.to_string(), "--seed", "5", "--out", s(p)]);
        assert!(o.status.success(), "{}", text(&o));
    }
    let (_, r) = verify_json(&[s(&t300)]);
    let log_vkey = r["vkey"].as_str().expect("the demo's log vkey").to_string();
    let o = onus(&["witness", "keygen", "witness.example/w1", "--out", s(&dir.join("w.key"))]);
    assert!(o.status.success(), "{}", text(&o));
    std::fs::write(dir.join("logs.txt"), format!("log {log_vkey}\n")).unwrap();
    let mut w = Witness::start(&dir, "127.0.0.1:0", &["--rate", "0"]);
    let spec = format!("{}={}", w.base, w.vkey.vkey());
    let policy = dir.join("policy.txt");
    std::fs::write(&policy, format!("log {log_vkey}\nwitness w1 {}\nquorum w1\n", w.vkey.vkey())).unwrap();
    let out = dir.join("log");

    let o = onus(&["publish", "--witness", &spec, s(&t300), s(&out)]);
    assert!(o.status.success(), "{}", text(&o));
    assert!(text(&o).contains("cosigned the checkpoint (size 300)"), "{}", text(&o));
    let (c, r) = verify_json(&[&format!("{}/", s(&out)), "--policy", s(&policy)]);
    assert_eq!((c, r["status"].as_str()), (0, Some("verified")), "{r}");
    assert_eq!(r["sealed"]["cosigners"][0]["key_name"], "witness.example/w1", "{r}");

    // Grown: this publisher has not asked the witness before, so it proves from the size the 409 names.
    let o = onus(&["publish", "--witness", &spec, s(&t600), s(&out)]);
    assert!(o.status.success(), "{}", text(&o));
    assert!(text(&o).contains("cosigned the checkpoint (size 600)"), "{}", text(&o));
    let (c, r) = verify_json(&[&format!("{}/", s(&out)), "--policy", s(&policy)]);
    assert_eq!((c, r["sealed"]["size"].as_u64()), (0, Some(600)), "{r}");

    // The witness down: published all the same, said so, and the reader's policy is not met.
    w.kill();
    let t900 = dir.join("t900.jsonl");
    assert!(onus(&["demo", "--statements", "900", "--seed", "5", "--out", s(&t900)]).status.success());
    let o = onus(&["publish", "--witness", &spec, s(&t900), s(&out)]);
    assert!(o.status.success(), "{}", text(&o));
    assert!(text(&o).contains("did not cosign the checkpoint (size 900)"), "{}", text(&o));
    let (c, r) = verify_json(&[&format!("{}/", s(&out)), "--policy", s(&policy)]);
    assert!(codes(&r).contains(&"checkpoint.quorum.unmet".to_string()), "{r}");
    assert_ne!(r["status"], "verified", "{r}");
    assert_ne!(c, 0);
}

#[test]
fn another_history_is_refused_with_fork_evidence_anyone_can_check() {
    let dir = tmpdir("publish-fork");
    let a = trace(&dir, "a", &["2026-12-01T00:00:01Z", "2026-12-01T00:00:02Z"]);
    let b = trace(&dir, "b", &["2026-12-01T00:00:01Z", "2026-12-01T00:00:03Z", "2026-12-01T00:00:04Z"]);
    let out = dir.join("log");
    let o = onus(&["publish", s(&a), s(&out)]);
    assert!(o.status.success(), "{}", text(&o));
    let o = onus(&["publish", s(&b), s(&out)]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    let evidence = dir.join("b.jsonl.fork-evidence.json");
    assert!(text(&o).contains(&format!("onus verify-fork {}", s(&evidence))), "{}", text(&o));

    let o = onus(&["verify-fork", "--json", s(&evidence)]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let v: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!((v["fork"].as_bool(), v["smaller"]["size"].as_u64(), v["larger"]["size"].as_u64()), (Some(true), Some(3), Some(4)), "{v}");
    let o = onus(&["verify-fork", s(&evidence)]);
    assert!(String::from_utf8_lossy(&o.stdout).starts_with("FORK PROVEN: the log example.org/forked signed two histories"), "{}", text(&o));

    // The evidence doctored: a proof element changed proves nothing.
    let mut e: Value = serde_json::from_str(&std::fs::read_to_string(&evidence).unwrap()).unwrap();
    e["proof"][0] = Value::String("00".repeat(32));
    let doctored = dir.join("doctored.json");
    std::fs::write(&doctored, e.to_string()).unwrap();
    let o = onus(&["verify-fork", "--json", s(&doctored)]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    let v: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["code"], "fork.proof.invalid", "{v}");
    // Not JSON at all: a clear refusal, exit 1.
    std::fs::write(&doctored, "checkpoint\n").unwrap();
    let o = onus(&["verify-fork", s(&doctored)]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert!(String::from_utf8_lossy(&o.stdout).contains("NOT PROVEN (fork.malformed)"), "{}", text(&o));
}
