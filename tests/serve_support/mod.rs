//! Shared pieces for the collector tests: the real `onus serve` binary on
//! 127.0.0.1 (port 0, the URL read from its output), ballots signed with the
//! core, and small HTTP helpers over ureq.
#![allow(dead_code)]

use ed25519_dalek::SigningKey;
use onus::json::{self, Json, Numbers};
use onus::statement::{self, Draft, Id};
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub const ONUS: &str = env!("CARGO_BIN_EXE_onus");

/// A fresh folder under the system temp dir.
pub fn tmpdir(name: &str) -> PathBuf {
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos();
    let p = std::env::temp_dir().join(format!("onus-{name}-{}-{nanos}", std::process::id()));
    std::fs::create_dir_all(&p).unwrap();
    p
}

pub struct Server {
    pub child: Child,
    pub base: String,
    pub data: PathBuf,
}

impl Server {
    /// Starts `onus serve --data DATA --addr 127.0.0.1:0` plus `extra` and waits for its URL.
    pub fn start(data: &Path, extra: &[&str]) -> Server {
        let log = std::fs::OpenOptions::new().create(true).append(true).open(data.with_extension("log")).unwrap();
        let mut child = Command::new(ONUS)
            .args(["serve", "--data"])
            .arg(data)
            .args(["--addr", "127.0.0.1:0", "--www", "/nonexistent-www"])
            .args(extra)
            .stdout(Stdio::piped())
            .stderr(Stdio::from(log))
            .spawn()
            .expect("start onus serve");
        let mut out = BufReader::new(child.stdout.take().unwrap());
        let mut line = String::new();
        let deadline = Instant::now() + Duration::from_secs(60);
        let base = loop {
            line.clear();
            if out.read_line(&mut line).unwrap() == 0 || Instant::now() > deadline {
                let err = std::fs::read_to_string(data.with_extension("log")).unwrap_or_default();
                panic!("onus serve did not start: {err}");
            }
            if let Some(u) = line.trim().strip_prefix("onus serve: listening on ") {
                break u.to_string();
            }
        };
        // Keep draining its output so it never blocks on a full pipe.
        std::thread::spawn(move || {
            let mut sink = String::new();
            while out.read_line(&mut sink).map(|n| n > 0).unwrap_or(false) {
                sink.clear();
            }
        });
        Server { child, base, data: data.to_path_buf() }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// SIGKILL: no chance to finish anything.
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// SIGTERM: a graceful stop (finish requests, seal, close).
    pub fn stop(&mut self) {
        let _ = Command::new("kill").args(["-TERM", &self.child.id().to_string()]).status();
        let _ = self.child.wait();
    }

    pub fn stderr(&self) -> String {
        std::fs::read_to_string(self.data.with_extension("log")).unwrap_or_default()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.kill();
    }
}

pub fn now() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64
}

pub fn voter(n: u64) -> SigningKey {
    SigningKey::from_bytes(&blake3::derive_key("onus serve test voter", &n.to_le_bytes()))
}

/// A ballot: a `vote` statement for `poll`, canonical line and id.
pub fn ballot(key: &SigningKey, poll: &Id, choice: i64, time: i64) -> (String, Id) {
    statement::sign_statement(key, &Draft { kind: "vote", time, refs: &[*poll], body: Json::Obj(vec![("choice".into(), Json::Int(choice))]) })
}

pub fn statement_with(key: &SigningKey, kind: &str, refs: &[Id], body: &str, time: i64) -> (String, Id) {
    statement::sign_statement(key, &Draft { kind, time, refs, body: json::parse(body.as_bytes(), Numbers::SafeIntegers).unwrap() })
}

pub struct Answer {
    pub status: u16,
    pub body: String,
    pub headers: Vec<(String, String)>,
}

impl Answer {
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.body))
    }
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }
    pub fn code(&self) -> String {
        self.json()["code"].as_str().unwrap_or("").to_string()
    }
}

fn answer(r: Result<ureq::Response, ureq::Error>) -> Answer {
    let resp = match r {
        Ok(r) => r,
        Err(ureq::Error::Status(_, r)) => r,
        Err(e) => panic!("transport error: {e}"),
    };
    let status = resp.status();
    let headers = resp.headers_names().into_iter().map(|h| (h.clone(), resp.header(&h).unwrap_or("").to_string())).collect();
    Answer { status, body: resp.into_string().unwrap(), headers }
}

pub fn agent() -> ureq::Agent {
    ureq::AgentBuilder::new().timeout(Duration::from_secs(30)).build()
}

pub fn get(url: &str) -> Answer {
    answer(agent().get(url).call())
}

pub fn get_with(url: &str, headers: &[(&str, &str)]) -> Answer {
    let mut r = agent().get(url);
    for (k, v) in headers {
        r = r.set(k, v);
    }
    answer(r.call())
}

pub fn post(url: &str, body: &str) -> Answer {
    answer(agent().post(url).set("content-type", "text/plain").send_string(body))
}

pub fn request(method: &str, url: &str, headers: &[(&str, &str)]) -> Answer {
    let mut r = agent().request(method, url);
    for (k, v) in headers {
        r = r.set(k, v);
    }
    answer(r.call())
}

/// The id of the `n`th poll of a log, from GET /logs/{log}.
pub fn poll_id(s: &Server, log: &str, n: usize) -> Id {
    let info = get(&s.url(&format!("/logs/{log}"))).json();
    statement::parse_hash(info["polls"][n]["id"].as_str().expect("a poll")).unwrap()
}

pub fn log_key(s: &Server, log: &str) -> [u8; 32] {
    let info = get(&s.url(&format!("/logs/{log}"))).json();
    statement::parse_key(info["log_key"].as_str().unwrap()).unwrap()
}

/// Waits until `f` returns Some, or panics after `secs`.
pub fn eventually<T>(secs: u64, what: &str, mut f: impl FnMut() -> Option<T>) -> T {
    let deadline = Instant::now() + Duration::from_secs(secs);
    loop {
        if let Some(v) = f() {
            return v;
        }
        if Instant::now() > deadline {
            panic!("timed out waiting for {what}");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Runs `onus poll create` on a data folder; returns the new poll's id.
pub fn create_poll(data: &Path, log: &str, question: &str, options: &[&str], closes: &str) -> Id {
    let mut cmd = Command::new(ONUS);
    cmd.args(["poll", "create", "--data"]).arg(data).args(["--log", log, "--question", question, "--closes", closes]);
    for o in options {
        cmd.args(["--option", o]);
    }
    let out = cmd.output().unwrap();
    assert!(out.status.success(), "poll create failed: {}", String::from_utf8_lossy(&out.stderr));
    statement::parse_hash(String::from_utf8(out.stdout).unwrap().trim()).unwrap()
}
