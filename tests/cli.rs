//! The `onus` command end to end: demo -> verify -> tamper -> verify, exit
//! codes, the --json shape, keys, append, seal, prove, receipts, URLs.

use serde_json::Value;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

fn onus(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_onus")).args(args).output().expect("run onus")
}
fn code(o: &Output) -> i32 {
    o.status.code().expect("exit code")
}
fn stdout(o: &Output) -> String {
    String::from_utf8(o.stdout.clone()).unwrap()
}
fn stderr(o: &Output) -> String {
    String::from_utf8(o.stderr.clone()).unwrap()
}

fn tmp(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("onus-cli-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn demo(dir: &Path, n: u64) -> PathBuf {
    let p = dir.join("demo.jsonl");
    let o = onus(&["demo", "--statements", &n.to_string(), "--seed", "5", "--out", p.to_str().unwrap()]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    p
}

#[test]
fn demo_verify_tamper_verify() {
    let dir = tmp("e2e");
    let trace = demo(&dir, 3000);
    let p = trace.to_str().unwrap();
    let ok = onus(&["verify", p]);
    assert_eq!(code(&ok), 0, "{}", stdout(&ok));
    assert!(stdout(&ok).starts_with("✓ VERIFIED  demo.onus.dev/inference-2026-11"), "{}", stdout(&ok));
    assert!(stdout(&ok).contains("3000 on 3002 lines"));

    let json = onus(&["verify", "--json", p]);
    assert_eq!(code(&json), 0);
    let r: Value = serde_json::from_slice(&json.stdout).unwrap();
    for member in ["status", "origin", "log_key", "statements", "checkpoints", "findings", "accountability", "incidents", "polls"] {
        assert!(r.get(member).is_some(), "--json lacks {member}");
    }
    assert_eq!(r["status"], "verified");
    assert_eq!(r["statements"], 3000);
    assert_eq!(r["checkpoints"], 2);
    for k in ["detected_only", "responsibility_only", "both", "silent"] {
        assert!(r["accountability"][k].as_u64().is_some());
    }
    let inc = &r["incidents"][0];
    for k in ["category", "blame", "stepped_forward", "resolved", "statements"] {
        assert!(inc.get(k).is_some(), "incident lacks {k}");
    }
    let f = r["findings"].as_array().unwrap().first().expect("the demo has warnings");
    for k in ["code", "severity", "line", "index", "id", "message"] {
        assert!(f.get(k).is_some(), "finding lacks {k}");
    }
    assert!(r["polls"][0]["counts"].as_array().unwrap().len() == 4);

    // Tamper: change one body value on line 500.
    let text = std::fs::read_to_string(&trace).unwrap();
    let mut lines: Vec<String> = text.lines().map(String::from).collect();
    let victim = lines.iter().position(|l| l.contains("\"output\":\"")).unwrap();
    let out_at = lines[victim].find("\"output\":\"").unwrap() + 10;
    let c = lines[victim].as_bytes()[out_at];
    lines[victim].replace_range(out_at..out_at + 1, if c == b'a' { "b" } else { "a" });
    let bad = dir.join("bad.jsonl");
    std::fs::write(&bad, lines.join("\n") + "\n").unwrap();
    let o = onus(&["verify", "--json", bad.to_str().unwrap()]);
    assert_eq!(code(&o), 1);
    let r: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(r["status"], "failed");
    let f = r["findings"].as_array().unwrap().iter().find(|f| f["code"] == "statement.signature.invalid").expect("signature finding");
    assert_eq!(f["line"], victim as u64 + 1);
    let human = onus(&["verify", bad.to_str().unwrap()]);
    assert!(stdout(&human).starts_with("✗ FAILED"));
    assert!(stdout(&human).contains("statement.signature.invalid"));

    // Unsealed: cut after the first checkpoint plus a few statements.
    let original: Vec<&str> = text.lines().collect();
    let first_cp = original.iter().position(|l| l.starts_with("{\"checkpoint\"")).unwrap();
    let cut = dir.join("cut.jsonl");
    std::fs::write(&cut, original[..first_cp + 10].join("\n") + "\n").unwrap();
    let o = onus(&["verify", cut.to_str().unwrap()]);
    assert_eq!(code(&o), 3, "{}", stdout(&o));
    assert!(stdout(&o).starts_with("~ UNSEALED"));

    // Same result on stdin, and with one thread, and one by one.
    let mut child = Command::new(env!("CARGO_BIN_EXE_onus")).args(["verify", "--json", "-"]).stdin(Stdio::piped()).stdout(Stdio::piped()).spawn().unwrap();
    child.stdin.take().unwrap().write_all(text.as_bytes()).unwrap();
    let piped = child.wait_with_output().unwrap();
    let a: Value = serde_json::from_slice(&piped.stdout).unwrap();
    let b: Value = serde_json::from_slice(&onus(&["verify", "--json", "--threads", "1", "--one-by-one", p]).stdout).unwrap();
    let mut a2 = a.clone();
    let mut b2 = b.clone();
    a2["signature_mode"] = Value::Null;
    b2["signature_mode"] = Value::Null;
    assert_eq!(a2, b2);
    assert_eq!(a, serde_json::from_slice::<Value>(&json.stdout).unwrap());
}

#[test]
fn usage_and_io_errors_exit_2_with_a_message() {
    let o = onus(&["verify", "/nonexistent/trace.jsonl"]);
    assert_eq!(code(&o), 2);
    assert!(stderr(&o).contains("cannot open /nonexistent/trace.jsonl"), "{}", stderr(&o));
    let o = onus(&["verify", "--key", "nonsense", "x"]);
    assert_eq!(code(&o), 2);
    assert!(stderr(&o).contains("--key"));
    let o = onus(&["verify", "http://127.0.0.1:9/trace.jsonl"]);
    assert_eq!(code(&o), 2);
    assert!(stderr(&o).contains("cannot fetch it"), "{}", stderr(&o));
    let o = onus(&["frobnicate"]);
    assert_eq!(code(&o), 2);
}

#[test]
fn key_pinning() {
    let dir = tmp("pin");
    let trace = demo(&dir, 50);
    let p = trace.to_str().unwrap();
    let r: Value = serde_json::from_slice(&onus(&["verify", "--json", p]).stdout).unwrap();
    let vkey = r["vkey"].as_str().unwrap();
    assert_eq!(code(&onus(&["verify", "--key", vkey, p])), 0);
    assert_eq!(code(&onus(&["verify", "--key", r["log_key"].as_str().unwrap(), p])), 0);
    let k = dir.join("other.key");
    let o = onus(&["keygen", "demo.onus.dev/inference-2026-11", "--out", k.to_str().unwrap()]);
    let other_vkey = stdout(&o).lines().find_map(|l| l.strip_prefix("vkey:       ")).unwrap().to_string();
    let o = onus(&["verify", "--key", &other_vkey, p]);
    assert_eq!(code(&o), 1);
    assert!(stdout(&o).contains("log.key.mismatch"));
}

/// Serves one response body on 127.0.0.1 (a tiny HTTP/1.1 server for one request).
fn serve_once(status: &str, body: Vec<u8>) -> String {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = l.local_addr().unwrap();
    let status = status.to_string();
    std::thread::spawn(move || {
        if let Ok((mut s, _)) = l.accept() {
            let mut buf = [0u8; 4096];
            let _ = s.read(&mut buf);
            let _ = write!(s, "HTTP/1.1 {status}\r\ncontent-length: {}\r\nconnection: close\r\n\r\n", body.len());
            let _ = s.write_all(&body);
        }
    });
    format!("http://{addr}/trace.jsonl")
}

#[test]
fn verify_a_url() {
    let dir = tmp("url");
    let trace = std::fs::read(demo(&dir, 200)).unwrap();
    let o = onus(&["verify", &serve_once("200 OK", trace)]);
    assert_eq!(code(&o), 0, "{}{}", stdout(&o), stderr(&o));
    let o = onus(&["verify", &serve_once("404 Not Found", b"nope".to_vec())]);
    assert_eq!(code(&o), 2);
    assert!(stderr(&o).contains("404"), "{}", stderr(&o));
}

#[test]
fn keygen_append_seal_prove_verify_receipt() {
    let dir = tmp("flow");
    let logkey = dir.join("log.key");
    let o = onus(&["keygen", "example.org/onus/log-1", "--out", logkey.to_str().unwrap()]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(std::fs::metadata(&logkey).unwrap().permissions().mode() & 0o777, 0o600);
    }
    let vkey = stdout(&o).lines().find_map(|l| l.strip_prefix("vkey:       ")).unwrap().to_string();
    assert!(vkey.starts_with("example.org/onus/log-1+"));
    // keygen never overwrites.
    assert_eq!(code(&onus(&["keygen", "x", "--out", logkey.to_str().unwrap()])), 2);

    let node = dir.join("node.key");
    let o = onus(&["keygen", "node-7", "--out", node.to_str().unwrap()]);
    let node_pk = stdout(&o).lines().find_map(|l| l.strip_prefix("public key: ")).unwrap().to_string();
    let trace = dir.join("t.jsonl");
    let t = trace.to_str().unwrap();
    // The first statement must be the log.
    let o = onus(&["append", "--key", node.to_str().unwrap(), "--kind", "compute", "--body", "{}", t]);
    assert_eq!(code(&o), 2);
    assert!(stderr(&o).contains("must be of kind `log`"), "{}", stderr(&o));
    let body = format!(r#"{{"origin":"example.org/onus/log-1","roster":[{{"key":"{node_pk}","name":"node-7","role":"compute"}}]}}"#);
    let o = onus(&["append", "--key", logkey.to_str().unwrap(), "--kind", "log", "--body", &body, t]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let req = onus(&["append", "--key", node.to_str().unwrap(), "--kind", "request", "--time", "2026-11-23T10:00:00Z", "--body", r#"{"model":"m","input":"1111111111111111111111111111111111111111111111111111111111111111"}"#, t]);
    let req_id = stdout(&req).trim().to_string();
    assert_eq!(req_id.len(), 64);
    // Refused: malformed body, invalid body, dangling ref.
    let o = onus(&["append", "--key", node.to_str().unwrap(), "--kind", "compute", "--body", r#"{"output":1.5}"#, t]);
    assert_eq!(code(&o), 2);
    assert!(stderr(&o).contains("fraction"), "{}", stderr(&o));
    let o = onus(&["append", "--key", node.to_str().unwrap(), "--kind", "compute", "--body", r#"{"output":"nothex"}"#, t]);
    assert_eq!(code(&o), 2);
    assert!(stderr(&o).contains("refusing"), "{}", stderr(&o));
    let o = onus(&["append", "--key", node.to_str().unwrap(), "--kind", "compute", "--ref", &"ab".repeat(32), "--body", r#"{"output":"2222222222222222222222222222222222222222222222222222222222222222"}"#, t]);
    assert_eq!(code(&o), 2);
    let o = onus(&["append", "--key", node.to_str().unwrap(), "--kind", "compute", "--ref", &req_id, "--body", r#"{"output":"2222222222222222222222222222222222222222222222222222222222222222"}"#, t]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert_eq!(code(&onus(&["verify", t])), 3, "unsealed before seal");
    // Only the log key may seal.
    assert_eq!(code(&onus(&["seal", "--key", node.to_str().unwrap(), t])), 2);
    let o = onus(&["seal", "--key", logkey.to_str().unwrap(), t]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let o = onus(&["verify", "--key", &vkey, t]);
    assert_eq!(code(&o), 0, "{}", stdout(&o));

    let o = onus(&["prove", "1", t]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let receipt = dir.join("r.json");
    std::fs::write(&receipt, &o.stdout).unwrap();
    let r = receipt.to_str().unwrap();
    let o = onus(&["verify-receipt", "--key", &vkey, r]);
    assert_eq!(code(&o), 0, "{}", stdout(&o));
    assert!(stdout(&o).starts_with("VERIFIED: statement 1 (request)"));
    assert_eq!(code(&onus(&["verify-receipt", r])), 3, "no key: unanchored");
    let other = onus(&["keygen", "example.org/onus/log-1", "--out", dir.join("o.key").to_str().unwrap()]);
    let other_vkey = stdout(&other).lines().find_map(|l| l.strip_prefix("vkey:       ")).unwrap().to_string();
    assert_eq!(code(&onus(&["verify-receipt", "--key", &other_vkey, r])), 1);
    let forged = std::fs::read_to_string(&receipt).unwrap().replace("\"index\":1", "\"index\":2");
    std::fs::write(&receipt, forged).unwrap();
    let o = onus(&["verify-receipt", "--json", "--key", &vkey, r]);
    assert_eq!(code(&o), 1);
    assert!(stdout(&o).contains("receipt.proof.invalid"));
    assert_eq!(code(&onus(&["prove", "9", t])), 2);
}

/// Regression (hardening issue, item 9): a signed poll option with terminal
/// control codes, and a bidi override in the question, reach the terminal only
/// as visible escapes (they could repaint "✗ FAILED" as "✓ VERIFIED").
#[test]
fn hostile_text_never_reaches_the_terminal_raw() {
    let dir = tmp("hostile-text");
    let logkey = dir.join("log.key");
    assert_eq!(code(&onus(&["keygen", "example.org/hostile", "--out", logkey.to_str().unwrap()])), 0);
    let trace = dir.join("t.jsonl");
    let t = trace.to_str().unwrap();
    let k = logkey.to_str().unwrap();
    assert_eq!(code(&onus(&["append", "--key", k, "--kind", "log", "--body", r#"{"origin":"example.org/hostile","roster":[]}"#, t])), 0);
    let poll = r#"{"question":"Fair?\u202e sey","options":["\u001b[1A\u001b[2K\r\u2713 VERIFIED","no\u009b31m"],"closes":"2030-01-01T00:00:00Z"}"#;
    let o = onus(&["append", "--key", k, "--kind", "poll", "--body", poll, t]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    // A statement that fails, so the verdict to hide is FAILED.
    let mut text = std::fs::read_to_string(&trace).unwrap();
    text.push_str("not a statement\n");
    std::fs::write(&trace, &text).unwrap();
    let human = onus(&["verify", t]);
    assert_eq!(code(&human), 1);
    let out = stdout(&human);
    assert!(out.starts_with("✗ FAILED"), "{out}");
    for bad in ['\u{1b}', '\u{202e}', '\u{9b}', '\r'] {
        assert!(!out.contains(bad), "raw {:?} in the summary:\n{out}", bad);
    }
    assert!(out.contains("\\u{1b}[1A"), "the escape is shown, visibly: {out}");
    let json = onus(&["verify", "--json", t]);
    let raw = stdout(&json);
    for bad in ['\u{1b}', '\u{202e}', '\u{9b}'] {
        assert!(!raw.contains(bad), "raw {:?} in --json", bad);
    }
    let v: Value = serde_json::from_str(&raw).unwrap();
    assert_eq!(v["polls"][0]["options"][0], "\u{1b}[1A\u{1b}[2K\r\u{2713} VERIFIED", "JSON keeps the text exactly, escaped");
}

/// Regression (hardening issue, item 10): a server that stalls after its headers.
#[test]
fn a_stalled_server_times_out_with_a_clear_message() {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = l.local_addr().unwrap();
    std::thread::spawn(move || {
        if let Ok((mut s, _)) = l.accept() {
            let mut buf = [0u8; 4096];
            let _ = s.read(&mut buf);
            let _ = write!(s, "HTTP/1.1 200 OK\r\ncontent-length: 100000\r\n\r\n{{\"v\":1,");
            std::thread::sleep(std::time::Duration::from_secs(20));
        }
    });
    let started = std::time::Instant::now();
    let o = onus(&["verify", "--timeout", "1", &format!("http://{addr}/trace.jsonl")]);
    assert_eq!(code(&o), 2, "{}", stderr(&o));
    assert!(stderr(&o).contains("sent nothing for 1 s"), "{}", stderr(&o));
    assert!(started.elapsed() < std::time::Duration::from_secs(15), "it gave up long before the server would have");
}

/// Regression (hardening issue, item 10): a reader that closes the pipe early
/// (`onus verify --json … | head`) ends the command quietly, with its own exit code.
#[test]
fn a_closed_pipe_is_quiet() {
    let dir = tmp("pipe");
    let junk = dir.join("junk.jsonl");
    std::fs::write(&junk, "x\n".repeat(3000)).unwrap();
    for args in [vec!["verify", "--json"], vec!["verify"]] {
        let mut child = Command::new(env!("CARGO_BIN_EXE_onus"))
            .args(&args)
            .arg(&junk)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut first = [0u8; 10];
        child.stdout.as_mut().unwrap().read_exact(&mut first).unwrap();
        drop(child.stdout.take());
        let out = child.wait_with_output().unwrap();
        assert_eq!(out.status.code(), Some(1), "{args:?}: the verification's own code, not a crash");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(!err.contains("panicked") && !err.contains("Broken pipe"), "{args:?}: {err}");
    }
    let mut child = Command::new(env!("CARGO_BIN_EXE_onus")).args(["demo", "--statements", "20000"]).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
    let mut first = [0u8; 10];
    child.stdout.as_mut().unwrap().read_exact(&mut first).unwrap();
    drop(child.stdout.take());
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
}

/// Regression (hardening issue, item 10): thread counts are validated.
#[test]
fn thread_counts_are_validated() {
    let dir = tmp("threads");
    let trace = demo(&dir, 20);
    for bad in ["0", "100000"] {
        let o = onus(&["verify", "--threads", bad, trace.to_str().unwrap()]);
        assert_eq!(code(&o), 2, "--threads {bad}");
        assert!(stderr(&o).contains("give 1 to 256"), "{}", stderr(&o));
        assert!(!stderr(&o).contains("panicked"));
    }
    assert_eq!(code(&onus(&["verify", "--threads", "3", trace.to_str().unwrap()])), 0);
}

/// The CLI's pipeline (a reader thread, phase A on N threads, phase B in
/// order) gives the report of the core's streaming verifier, whatever the
/// thread count, with lines longer than any run and an over-long last line.
#[test]
fn the_pipeline_agrees_with_the_streaming_verifier() {
    let dir = tmp("pipeline");
    let trace = std::fs::read_to_string(demo(&dir, 3000)).unwrap();
    let mut lines: Vec<String> = trace.lines().map(String::from).collect();
    lines.insert(40, format!("{{\"pad\":\"{}\"}}", "y".repeat(3 << 20)));
    let padded = lines.join("\n") + "\n";
    let unterminated = format!("{padded}{{\"tail\":\"{}\"}}", "z".repeat(5 << 20));
    for (name, text) in [("padded", padded), ("unterminated", unterminated)] {
        let file = dir.join(format!("{name}.jsonl"));
        std::fs::write(&file, &text).unwrap();
        let want = serde_json::to_value(onus::verify_bytes(text.as_bytes(), onus::Options::default())).unwrap();
        assert!(want["findings"].as_array().unwrap().iter().any(|f| f["code"] == "statement.malformed" && f["line"] == 41));
        for threads in ["1", "2", "3"] {
            let o = onus(&["verify", "--json", "--threads", threads, file.to_str().unwrap()]);
            let got: Value = serde_json::from_slice(&o.stdout).unwrap();
            assert_eq!(got, want, "{name}, {threads} threads");
        }
    }
}

/// Key files are C2SP signer keys (Go's note tools read them); a key file of
/// the old onus format still works, says so, and converts in place.
#[test]
fn key_files_are_c2sp_signer_keys_and_old_ones_convert() {
    let dir = tmp("keys");
    let path = dir.join("log.key");
    let o = onus(&["keygen", "example.org/keys", "--out", path.to_str().unwrap()]);
    assert_eq!(code(&o), 0);
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(text.starts_with("PRIVATE+KEY+example.org/keys+") && text.ends_with('\n') && text.lines().count() == 1, "{text}");
    let (name, key) = onus::note::parse_signer_key(&text).unwrap();
    let vkey = stdout(&o).lines().find_map(|l| l.strip_prefix("vkey:       ")).unwrap().to_string();
    assert_eq!(onus::note::vkey(&name, &onus::types::Key::of(&key)), vkey);

    // The old format: the same seed as base64url, with name and secret lines.
    use base64::Engine;
    let old = dir.join("old.key");
    let seed = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(key.to_bytes());
    std::fs::write(&old, format!("onus secret key v1\nname: example.org/keys\nsecret: {seed}\n")).unwrap();
    #[cfg(unix)]
    std::fs::set_permissions(&old, std::os::unix::fs::PermissionsExt::from_mode(0o600)).unwrap();
    let trace = dir.join("t.jsonl");
    let o = onus(&["append", "--key", old.to_str().unwrap(), "--kind", "log", "--body", r#"{"origin":"example.org/keys","roster":[]}"#, trace.to_str().unwrap()]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert!(stderr(&o).contains("old onus key format") && stderr(&o).contains("onus convert-key"), "{}", stderr(&o));
    let o = onus(&["convert-key", old.to_str().unwrap()]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert_eq!(stdout(&o).trim(), format!("vkey:       {vkey}"));
    assert_eq!(std::fs::read_to_string(&old).unwrap(), text, "the same key, in the new format");
    #[cfg(unix)]
    assert_eq!(std::os::unix::fs::PermissionsExt::mode(&std::fs::metadata(&old).unwrap().permissions()) & 0o777, 0o600);
    let o = onus(&["seal", "--key", old.to_str().unwrap(), trace.to_str().unwrap()]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert!(!stderr(&o).contains("old onus key format"));
    assert_eq!(code(&onus(&["verify", "--key", &vkey, trace.to_str().unwrap()])), 0);
    // Not a key file at all.
    std::fs::write(&old, "hello\n").unwrap();
    let o = onus(&["seal", "--key", old.to_str().unwrap(), trace.to_str().unwrap()]);
    assert_eq!(code(&o), 2);
    assert!(stderr(&o).contains("is not a key file"), "{}", stderr(&o));
}
