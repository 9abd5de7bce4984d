//! `onus publish` and `onus verify` of a tiled log, as an operator and a
//! reader use them: a folder, then the same folder over HTTP.

use serde_json::Value;
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn onus(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_onus")).args(args).output().expect("run onus")
}
fn code(o: &Output) -> i32 {
    o.status.code().expect("exit code")
}
fn text(o: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr))
}
fn tmp(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("onus-publish-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}
fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}
/// A demo trace; the same seed gives the same first statements at any size.
fn demo(dir: &Path, n: u64) -> PathBuf {
    let p = dir.join(format!("demo-{n}.jsonl"));
    let o = onus(&["demo", "--statements", &n.to_string(), "--seed", "5", "--out", s(&p)]);
    assert_eq!(code(&o), 0, "{}", text(&o));
    p
}
fn report(args: &[&str]) -> (i32, Value, String) {
    let mut a = vec!["verify", "--json"];
    a.extend_from_slice(args);
    let o = onus(&a);
    let v = serde_json::from_slice(&o.stdout).unwrap_or(Value::Null);
    (code(&o), v, String::from_utf8_lossy(&o.stderr).into_owned())
}
fn codes(v: &Value) -> Vec<String> {
    v["findings"].as_array().unwrap().iter().map(|f| f["code"].as_str().unwrap().to_string()).collect()
}
/// Every file under `dir`, relative, with its bytes.
fn files(dir: &Path) -> Vec<(String, Vec<u8>)> {
    fn walk(base: &Path, d: &Path, out: &mut Vec<(String, Vec<u8>)>) {
        for e in std::fs::read_dir(d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                walk(base, &p, out);
            } else {
                out.push((p.strip_prefix(base).unwrap().to_string_lossy().into_owned(), std::fs::read(&p).unwrap()));
            }
        }
    }
    let mut out = Vec::new();
    walk(dir, dir, &mut out);
    out.sort();
    out
}

#[test]
fn publish_then_verify_the_folder_as_the_trace() {
    let dir = tmp("roundtrip");
    let trace = demo(&dir, 1000);
    let log = dir.join("log");
    let o = onus(&["publish", s(&trace), s(&log)]);
    assert_eq!(code(&o), 0, "{}", text(&o));
    assert!(text(&o).contains("10 files written"), "{}", text(&o));
    for p in ["checkpoint", "tile/entries/000", "tile/entries/003.p/232", "tile/0/003.p/232", "tile/1/000.p/3"] {
        assert!(log.join(p).is_file(), "{p}");
    }
    let (c, tiled, _) = report(&[&format!("{}/", s(&log))]);
    let (_, file, _) = report(&[s(&trace)]);
    assert_eq!(c, 0);
    for k in ["status", "origin", "vkey", "statements", "sealed", "accountability", "incidents", "polls", "roster", "counts"] {
        // The trace file has checkpoint lines in between; the tiled log only its one checkpoint.
        if k == "sealed" {
            assert_eq!(tiled[k]["root"], file[k]["root"]);
            continue;
        }
        assert_eq!(tiled[k], file[k], "{k}");
    }

    // Again, unchanged: nothing is written.
    let before = files(&log);
    let o = onus(&["publish", s(&trace), s(&log)]);
    assert!(text(&o).contains("0 files written, 10 unchanged"), "{}", text(&o));
    assert_eq!(files(&log), before);
}

#[test]
fn a_growing_log_is_republished_and_verified_from_saved_state() {
    let dir = tmp("grow");
    let log = dir.join("log");
    let state = dir.join("reader.state");
    let small = demo(&dir, 1000);
    assert_eq!(code(&onus(&["publish", s(&small), s(&log)])), 0);
    let target = format!("{}/", s(&log));
    let (c, _, err) = report(&[&target, "--state", s(&state)]);
    assert_eq!(c, 0, "{err}");
    assert!(state.is_file(), "the state is saved");
    let full_before: Vec<_> = files(&log).into_iter().filter(|(p, _)| !p.contains(".p/") && p != "checkpoint").collect();

    let big = demo(&dir, 1500);
    let o = onus(&["publish", s(&big), s(&log)]);
    assert_eq!(code(&o), 0, "{}", text(&o));
    let after = files(&log);
    for f in &full_before {
        assert!(after.contains(f), "full files never change: {}", f.0);
    }
    let (c, resumed, err) = report(&[&target, "--state", s(&state)]);
    assert_eq!(c, 0, "{err}");
    assert!(err.contains("500 new statement(s) since your saved state at size 1000, consistent"), "{err}");
    let (_, scratch, _) = report(&[&target]);
    assert_eq!(resumed, scratch, "a resumed run reports what a run from the start does");

    // An older trace would roll the log back: refused, nothing changed.
    let o = onus(&["publish", s(&small), s(&log)]);
    assert_eq!(code(&o), 2);
    assert!(text(&o).contains("roll the log back"), "{}", text(&o));
    assert_eq!(files(&log), after);

    // Another history of the folder's log is refused too.
    let other = dir.join("other.jsonl");
    assert_eq!(code(&onus(&["demo", "--statements", "1200", "--seed", "6", "--out", s(&other)])), 0);
    let o = onus(&["publish", s(&other), s(&log)]);
    assert_eq!(code(&o), 2, "{}", text(&o));
    assert_eq!(files(&log), after, "{}", text(&o));
}

#[test]
fn a_trace_that_does_not_verify_is_not_published() {
    let dir = tmp("refuse");
    let trace = demo(&dir, 300);
    let mut t = std::fs::read_to_string(&trace).unwrap();
    t = t.replacen("\"kind\":\"request\"", "\"kind\":\"requesT\"", 1);
    std::fs::write(&trace, t).unwrap();
    let log = dir.join("log");
    let o = onus(&["publish", s(&trace), s(&log)]);
    assert_eq!(code(&o), 1, "{}", text(&o));
    assert!(text(&o).contains("not published") && text(&o).contains("statement.malformed"), "{}", text(&o));
    assert!(!log.join("checkpoint").exists());
}

#[test]
fn a_tampered_folder_and_a_bad_state_are_reported() {
    let dir = tmp("tamper");
    let trace = demo(&dir, 600);
    let log = dir.join("log");
    assert_eq!(code(&onus(&["publish", s(&trace), s(&log)])), 0);
    let target = format!("{}/", s(&log));
    let state = dir.join("s");
    assert_eq!(report(&[&target, "--state", s(&state)]).0, 0);

    let mut bytes = std::fs::read(log.join("tile/0/000")).unwrap();
    bytes[40] ^= 1;
    std::fs::write(log.join("tile/0/000"), bytes).unwrap();
    let (c, v, _) = report(&[&target]);
    assert_eq!(c, 1);
    assert_eq!(codes(&v), ["tile.mismatch"]);
    assert_eq!(v["findings"][0]["path"], "tile/0/000");
    assert_eq!(v["findings"][0]["line"], Value::Null);

    let mut st = std::fs::read(&state).unwrap();
    st[20] ^= 1;
    std::fs::write(&state, st).unwrap();
    let (c, _, err) = report(&[&target, "--state", s(&state)]);
    assert_eq!(c, 2);
    assert!(err.contains("damaged") && err.contains("delete it"), "{err}");

    let (c, _, err) = report(&[s(&trace), "--state", s(&state)]);
    assert_eq!(c, 2);
    assert!(err.contains("--state is for tiled logs"), "{err}");
}

/// A static file server for `dir` on 127.0.0.1 (GET only, one request per connection).
fn serve(dir: PathBuf) -> String {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = l.local_addr().unwrap();
    std::thread::spawn(move || {
        for s in l.incoming() {
            let Ok(mut s) = s else { continue };
            let dir = dir.clone();
            std::thread::spawn(move || {
                let mut line = String::new();
                let mut r = BufReader::new(s.try_clone().unwrap());
                let _ = r.read_line(&mut line);
                loop {
                    let mut h = String::new();
                    if r.read_line(&mut h).unwrap_or(0) == 0 || h == "\r\n" {
                        break;
                    }
                }
                let path = line.split_whitespace().nth(1).unwrap_or("/").trim_start_matches('/').to_string();
                match std::fs::read(dir.join(&path)) {
                    Ok(b) if !path.contains("..") => {
                        let _ = write!(s, "HTTP/1.1 200 OK\r\ncontent-length: {}\r\nconnection: close\r\n\r\n", b.len());
                        let _ = s.write_all(&b);
                    }
                    _ => {
                        let _ = write!(s, "HTTP/1.1 404 Not Found\r\ncontent-length: 0\r\nconnection: close\r\n\r\n");
                    }
                }
            });
        }
    });
    format!("http://{addr}/")
}

#[test]
fn a_tiled_log_over_http_with_partials_gone() {
    let dir = tmp("http");
    let log = dir.join("log");
    assert_eq!(code(&onus(&["publish", s(&demo(&dir, 1000)), s(&log)])), 0);
    let old_checkpoint = std::fs::read(log.join("checkpoint")).unwrap();
    assert_eq!(code(&onus(&["publish", s(&demo(&dir, 1500)), s(&log)])), 0);
    let url = serve(log.clone());
    let (c, v, err) = report(&[&url]);
    assert_eq!(c, 0, "{err}");
    assert_eq!(v["statements"], 1500);

    // A cache still serves the checkpoint at 1000, and the partials of that
    // size are gone: the reader falls back to the full tile and bundle.
    std::fs::write(log.join("checkpoint"), old_checkpoint).unwrap();
    std::fs::remove_file(log.join("tile/0/003.p/232")).unwrap();
    std::fs::remove_file(log.join("tile/entries/003.p/232")).unwrap();
    let (c, v, err) = report(&[&url]);
    assert_eq!(c, 0, "{err} {v}");
    assert_eq!(v["statements"], 1000);

    // A missing bundle is named.
    std::fs::remove_file(log.join("tile/entries/003")).unwrap();
    let (c, v, _) = report(&[&url]);
    assert_eq!(c, 1);
    assert_eq!(codes(&v), ["tile.missing"]);
    assert_eq!(v["findings"][0]["path"], "tile/entries/003.p/232");
}

#[test]
fn one_statement_is_checked_by_index() {
    let dir = tmp("index");
    let log = dir.join("log");
    assert_eq!(code(&onus(&["publish", s(&demo(&dir, 1000)), s(&log)])), 0);
    let target = format!("{}/", s(&log));
    let (_, v, _) = report(&[&target]);
    let vkey = v["vkey"].as_str().unwrap().to_string();
    let o = onus(&["verify", "--json", "--index", "700", "--key", &vkey, &target]);
    assert_eq!(code(&o), 0, "{}", text(&o));
    let r: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!((r["status"].as_str(), r["index"].as_u64()), (Some("verified"), Some(700)));
    // Without the log's key the proof holds but the signer is unknown (exit 3).
    assert_eq!(code(&onus(&["verify", "--index", "700", &target])), 3);
    // Only the bundle and the proof's tiles are read: the others may be gone.
    std::fs::remove_file(log.join("tile/entries/000")).unwrap();
    std::fs::remove_file(log.join("tile/entries/001")).unwrap();
    assert_eq!(code(&onus(&["verify", "--index", "700", "--key", &vkey, &target])), 0);
    // A statement moved into its place fails the proof.
    let b = std::fs::read_to_string(log.join("tile/entries/002")).unwrap();
    let mut ls: Vec<&str> = b.lines().collect();
    ls.swap(700 - 512, 0);
    std::fs::write(log.join("tile/entries/002"), ls.join("\n") + "\n").unwrap();
    let o = onus(&["verify", "--json", "--index", "700", "--key", &vkey, &target]);
    assert_eq!(code(&o), 1);
    assert!(text(&o).contains("receipt.proof.invalid"), "{}", text(&o));
}
