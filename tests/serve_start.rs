//! Starting the collector: a crash during the first start, orphan key files,
//! folders it cannot write, key files others can read, key names.
#![cfg(feature = "serve")]

mod serve_support;

use onus::{verify_bytes, Options, Status};
use serve_support::*;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

/// The public key (base64url) of the signer key a key file holds.
fn key_file_public(path: &Path) -> String {
    let text = std::fs::read_to_string(path).unwrap();
    let (_, key) = onus::note::parse_signer_key(&text).unwrap_or_else(|e| panic!("{e}: {text}"));
    onus::statement::key_to_string(&onus::statement::Key::of(&key))
}

/// Starts on `data`, checks the log verifies under the key in polls.key, stops.
fn starts_and_verifies(data: &Path) {
    let mut s = Server::start(data, &["--rate", "0"]);
    let info = get(&s.url("/logs/polls")).json();
    assert_eq!(info["log_key"].as_str().unwrap(), key_file_public(&data.join("polls.key")), "the log is signed by the key in polls.key");
    let key = log_key(&s, "polls");
    let r = verify_bytes(get(&s.url("/logs/polls/trace.jsonl")).body.as_bytes(), Options { log_key: Some(key), ..Options::default() });
    assert_eq!(r.status, Status::Verified, "{:?}", r.findings);
    assert_eq!(r.polls.len(), 1);
    s.stop();
}

#[test]
fn killed_during_the_first_start_starts_again() {
    let dir = tmpdir("firstkill");
    let mut seed = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos() as u64 | 1;
    println!("seed {seed}");
    let mut leftovers = 0;
    for i in 0..30 {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        let wait = Duration::from_micros(seed % 40_000);
        let data = dir.join(format!("data-{i}"));
        let mut child = Command::new(onus_bin())
            .args(["serve", "--data"])
            .arg(&data)
            .args(["--addr", "127.0.0.1:0", "--www", "/nonexistent-www"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(wait);
        child.kill().unwrap(); // SIGKILL
        child.wait().unwrap();
        if data.join("polls.key.pending").exists() {
            leftovers += 1;
        }
        starts_and_verifies(&data);
    }
    println!("{leftovers} of 30 kills left a key file whose log was not committed; every restart succeeded");
}

#[test]
fn an_orphan_pending_key_is_reused_if_complete_else_moved_aside() {
    let dir = tmpdir("orphan");
    // A complete key file for the log's name, from a first start killed before its commit.
    let data = dir.join("complete");
    std::fs::create_dir_all(&data).unwrap();
    let pending = data.join("polls.key.pending");
    let out = Command::new(onus_bin()).args(["keygen", "onus.local/polls", "--out"]).arg(&pending).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let public = key_file_public(&pending);
    starts_and_verifies(&data);
    assert_eq!(key_file_public(&data.join("polls.key")), public, "the complete orphan key is the log's key");
    assert!(!pending.exists());
    let log = std::fs::read_to_string(data.with_extension("log")).unwrap();
    assert!(log.contains("re-using"), "{log}");

    // A torn one, and one for another name: moved aside, a new key made.
    for (case, text) in [("torn", "PRIVATE+KEY+onus.local/polls+00000000+AQ"), ("other", "")] {
        let data = dir.join(case);
        std::fs::create_dir_all(&data).unwrap();
        let pending = data.join("polls.key.pending");
        if text.is_empty() {
            let out = Command::new(onus_bin()).args(["keygen", "example.org/other", "--out"]).arg(&pending).output().unwrap();
            assert!(out.status.success());
        } else {
            std::fs::write(&pending, text).unwrap();
        }
        let before = std::fs::read(&pending).unwrap();
        starts_and_verifies(&data);
        assert!(!pending.exists());
        let aside: Vec<_> = std::fs::read_dir(&data).unwrap().filter_map(|e| e.ok()).filter(|e| e.file_name().to_string_lossy().starts_with("polls.key.unused-")).collect();
        assert_eq!(aside.len(), 1, "{case}: the orphan is kept aside");
        assert_eq!(std::fs::read(aside[0].path()).unwrap(), before);
        let log = std::fs::read_to_string(data.with_extension("log")).unwrap();
        assert!(log.contains("polls.key.unused-"), "{case}: the move is reported: {log}");
    }
}

#[test]
fn a_key_file_without_its_database_is_still_refused() {
    // polls.key is only ever named so after its log committed: without the database
    // it may have signed checkpoints others saw, and must never sign a second history.
    let dir = tmpdir("lostdb");
    let data = dir.join("data");
    let mut s = Server::start(&data, &[]);
    s.stop();
    for f in ["onus.db", "onus.db-wal", "onus.db-shm"] {
        let _ = std::fs::remove_file(data.join(f));
    }
    let out = run_briefly(Command::new(onus_bin()).args(["serve", "--data"]).arg(&data).args(["--addr", "127.0.0.1:0"]));
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("polls.key exists but the database has no log"), "{err}");
}

/// Runs `onus serve` on `data` so that it cannot write what `readonly` names:
/// as user nobody when root (root writes anything), else with chmod.
fn serve_without_write(data: &Path, readonly: &[&Path], writable: &[&Path]) -> std::process::Output {
    use std::os::unix::fs::PermissionsExt;
    use std::os::unix::process::CommandExt;
    let root = unsafe { libc::geteuid() } == 0;
    let mut cmd = Command::new(onus_bin());
    cmd.args(["serve", "--data"]).arg(data).args(["--addr", "127.0.0.1:0", "--www", "/nonexistent-www"]);
    if root {
        for p in writable {
            std::os::unix::fs::chown(p, Some(65534), Some(65534)).unwrap();
        }
        cmd.uid(65534).gid(65534);
    } else {
        for p in readonly {
            let mode = if p.is_dir() { 0o555 } else { 0o444 };
            std::fs::set_permissions(p, std::fs::Permissions::from_mode(mode)).unwrap();
        }
    }
    run_briefly(&mut cmd)
}

#[test]
fn a_database_it_cannot_write_is_refused_at_start() {
    let dir = tmpdir("readonly");
    // A read-only database file in a writable folder.
    let data = dir.join("file");
    let mut s = Server::start(&data, &[]);
    s.stop();
    let out = serve_without_write(&data, &[&data.join("onus.db")], &[&data]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success() && out.status.code().is_some(), "it must refuse to start, not run: {err}");
    assert!(err.contains("read-only") && err.contains("onus.db"), "{err}");

    // A writable database in a folder it cannot write.
    let data = dir.join("folder");
    let mut s = Server::start(&data, &[]);
    s.stop();
    let files: Vec<_> = ["onus.db", "onus.db-wal", "onus.db-shm"].iter().map(|f| data.join(f)).filter(|p| p.exists()).collect();
    let files: Vec<&Path> = files.iter().map(|p| p.as_path()).collect();
    let out = serve_without_write(&data, &[&data], &files);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success() && out.status.code().is_some(), "it must refuse to start, not run: {err}");
    assert!(err.contains("cannot write") && err.contains(&*data.to_string_lossy()), "{err}");
}

#[test]
fn key_files_others_can_read_are_warned_about() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tmpdir("keyperm");
    let data = dir.join("data");
    let mut s = Server::start(&data, &[]);
    s.stop();
    let key = data.join("polls.key");
    std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o644)).unwrap();
    let out = Command::new(onus_bin()).args(["poll", "create", "--data"]).arg(&data).args(["--question", "Q?", "--option", "a", "--option", "b", "--closes", "2099-01-01T00:00:00Z"]).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains(&format!("chmod 600 {}", key.display())), "{err}");
    // Mode 0600: no warning.
    std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o600)).unwrap();
    let out = Command::new(onus_bin()).args(["poll", "create", "--data"]).arg(&data).args(["--question", "Q2?", "--option", "a", "--option", "b", "--closes", "2099-01-01T00:00:00Z"]).output().unwrap();
    assert!(out.status.success());
    assert!(!String::from_utf8_lossy(&out.stderr).contains("chmod"));
}

#[test]
fn key_names_follow_the_one_name_rule() {
    let dir = tmpdir("keyname");
    for bad in ["bad\u{1}name", "with space", "a+b", ""] {
        let out_file = dir.join("k.key");
        let out = Command::new(onus_bin()).args(["keygen", bad, "--out"]).arg(&out_file).output().unwrap();
        assert!(!out.status.success(), "{bad:?} was accepted");
        assert!(!out_file.exists());
    }
    let out = Command::new(onus_bin()).args(["keygen", "example.org/ok", "--out"]).arg(dir.join("ok.key")).output().unwrap();
    assert!(out.status.success());
    // The collector's --origin follows the same rule.
    let out = run_briefly(Command::new(onus_bin()).args(["serve", "--data"]).arg(dir.join("data")).args(["--origin", "bad\u{7f}prefix", "--addr", "127.0.0.1:0"]));
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("--origin"));
}

/// `--ready-json FILE` says where the collector listens and what it serves,
/// for scripts (scripts/start.mjs reads it instead of scraping the banner).
#[test]
fn ready_json_says_where_it_listens() {
    let dir = tmpdir("ready");
    let data = dir.join("data");
    let file = dir.join("ready.json");
    let mut s = Server::start(&data, &["--ready-json", file.to_str().unwrap()]);
    let ready: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
    assert_eq!(ready["url"], s.base.as_str());
    assert_eq!(ready["data"], data.display().to_string());
    let polls = &ready["logs"][0];
    assert_eq!(polls["name"], "polls");
    assert_eq!(polls["origin"], "onus.local/polls");
    assert_eq!(polls["vkey"], get(&s.url("/logs/polls")).json()["vkey"]);
    let trace = get(polls["trace"].as_str().unwrap());
    assert_eq!(trace.status, 200);
    let widget = polls["widgets"][0].as_str().unwrap();
    assert!(widget.starts_with(&format!("{}/poll.html?log=/logs/polls&poll=", s.base)), "{widget}");
    assert!(ready["embed"].as_str().unwrap().contains(&format!("{}/embed.js", s.base)));
    s.stop();
}
