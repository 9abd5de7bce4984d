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

/// The binary under test: `ONUS_TEST_BIN` (e.g. an older build, to measure a defect
/// before its fix), else the one cargo built.
pub fn onus_bin() -> String {
    std::env::var("ONUS_TEST_BIN").unwrap_or_else(|_| ONUS.to_string())
}

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
        Server::start_in(data, "/nonexistent-www", extra, None)
    }

    /// Like `start`, with the page folder `www`, and at most `nofile` open files if given.
    pub fn start_in(data: &Path, www: &str, extra: &[&str], nofile: Option<u64>) -> Server {
        let log = std::fs::OpenOptions::new().create(true).append(true).open(data.with_extension("log")).unwrap();
        let mut cmd = Command::new(onus_bin());
        if let Some(n) = nofile {
            use std::os::unix::process::CommandExt;
            // SAFETY: setrlimit is async-signal-safe; nothing else runs between fork and exec.
            unsafe {
                cmd.pre_exec(move || {
                    let lim = libc::rlimit { rlim_cur: n as libc::rlim_t, rlim_max: n as libc::rlim_t };
                    if libc::setrlimit(libc::RLIMIT_NOFILE, &lim) != 0 {
                        return Err(std::io::Error::last_os_error());
                    }
                    Ok(())
                });
            }
        }
        let mut child = cmd
            .args(["serve", "--data"])
            .arg(data)
            .args(["--addr", "127.0.0.1:0", "--www", www])
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

    /// The listening address, for raw sockets.
    pub fn addr(&self) -> std::net::SocketAddr {
        self.base.trim_start_matches("http://").parse().unwrap()
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
    // Traces may be bigger than into_string's 10 MB.
    let mut body = String::new();
    std::io::Read::read_to_string(&mut resp.into_reader(), &mut body).unwrap();
    Answer { status, body, headers }
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
    statement::parse_id(info["polls"][n]["id"].as_str().expect("a poll")).unwrap()
}

pub fn log_key(s: &Server, log: &str) -> statement::Key {
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
    let mut cmd = Command::new(onus_bin());
    cmd.args(["poll", "create", "--data"]).arg(data).args(["--log", log, "--question", question, "--closes", closes]);
    for o in options {
        cmd.args(["--option", o]);
    }
    let out = cmd.output().unwrap();
    assert!(out.status.success(), "poll create failed: {}", String::from_utf8_lossy(&out.stderr));
    statement::parse_id(String::from_utf8(out.stdout).unwrap().trim()).unwrap()
}

/// Runs `cmd` to its end, or kills it after 20 s (a server that should have refused
/// to start would otherwise run forever), and returns what it printed.
pub fn run_briefly(cmd: &mut Command) -> std::process::Output {
    let mut child = cmd.stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    while child.try_wait().unwrap().is_none() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(50));
    }
    let _ = child.kill();
    child.wait_with_output().unwrap()
}

/// A TCP connection to `to` from the loopback address `from` (127.0.0.2 is another
/// client address on Linux), with a small receive buffer if `rcvbuf` is given.
pub fn connect_from(from: &str, to: std::net::SocketAddr, rcvbuf: Option<usize>) -> std::net::TcpStream {
    use socket2::{Domain, SockAddr, Socket, Type};
    let s = Socket::new(Domain::IPV4, Type::STREAM, None).unwrap();
    if let Some(n) = rcvbuf {
        s.set_recv_buffer_size(n).unwrap();
    }
    let local: std::net::SocketAddr = format!("{from}:0").parse().unwrap();
    s.bind(&SockAddr::from(local)).unwrap();
    s.connect(&SockAddr::from(to)).unwrap();
    s.into()
}

/// Sends `request` (raw HTTP/1.1) and reads the whole answer until the server closes.
pub fn raw_exchange(stream: &mut std::net::TcpStream, request: &[u8]) -> String {
    use std::io::{Read, Write};
    stream.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    stream.write_all(request).unwrap();
    let mut out = Vec::new();
    let _ = stream.read_to_end(&mut out);
    String::from_utf8_lossy(&out).into_owned()
}

/// One raw GET with `Connection: close`: the status line, headers and body as text.
pub fn raw_get(to: std::net::SocketAddr, path: &str) -> String {
    let mut s = std::net::TcpStream::connect(to).unwrap();
    raw_exchange(&mut s, format!("GET {path} HTTP/1.1\r\nHost: {to}\r\nConnection: close\r\n\r\n").as_bytes())
}

/// Reads one response with a Content-Length body (keep-alive): the head and the body.
pub fn read_response(stream: &mut std::net::TcpStream) -> (String, String) {
    use std::io::Read;
    let mut buf = Vec::new();
    let mut byte = [0u8; 1];
    while !buf.ends_with(b"\r\n\r\n") {
        assert_eq!(stream.read(&mut byte).unwrap(), 1, "connection closed mid-head: {:?}", String::from_utf8_lossy(&buf));
        buf.push(byte[0]);
    }
    let head = String::from_utf8(buf).unwrap();
    let len: usize = head.lines().find_map(|l| l.to_ascii_lowercase().strip_prefix("content-length:").map(|v| v.trim().parse().unwrap())).expect("a Content-Length");
    let mut body = vec![0u8; len];
    stream.read_exact(&mut body).unwrap();
    (head, String::from_utf8(body).unwrap())
}

/// The status code of a raw HTTP answer.
pub fn raw_status(answer: &str) -> u16 {
    answer.split(' ').nth(1).and_then(|s| s.parse().ok()).unwrap_or_else(|| panic!("not an HTTP answer: {answer:?}"))
}

/// Appends `n` ballots for the first poll of log `polls` straight into the database
/// (the server must be stopped): a big log in a second, each line as the collector
/// would have stored it. Returns how many bytes trace.jsonl grew by.
pub fn fill_log(data: &Path, n: u64) -> usize {
    let mut db = rusqlite::Connection::open(data.join("onus.db")).unwrap();
    db.busy_timeout(Duration::from_secs(10)).unwrap();
    let tx = db.transaction().unwrap();
    let log: i64 = tx.query_row("SELECT id FROM logs WHERE name = 'polls'", [], |r| r.get(0)).unwrap();
    let poll: Vec<u8> = tx.query_row("SELECT id FROM lines WHERE log = ?1 AND idx = 1", [log], |r| r.get(0)).unwrap();
    let poll = Id::from_slice(&poll).unwrap();
    let (mut seq, mut idx): (i64, i64) = tx.query_row("SELECT max(seq) + 1, max(idx) + 1 FROM lines WHERE log = ?1", [log], |r| Ok((r.get(0)?, r.get(1)?))).unwrap();
    let t = now();
    let mut bytes = 0;
    {
        let mut st = tx.prepare("INSERT INTO lines (log, seq, idx, id, leaf, size, line) VALUES (?1, ?2, ?3, ?4, ?5, NULL, ?6)").unwrap();
        for i in 0..n {
            let (line, id) = ballot(&voter(5_000_000 + i), &poll, (i % 4) as i64, t);
            let parsed = statement::parse_statement(line.as_bytes()).unwrap();
            let leaf = onus::merkle::leaf_hash(&parsed.id, &parsed.sig);
            st.execute(rusqlite::params![log, seq, idx, &id.0[..], &leaf.0[..], line]).unwrap();
            bytes += line.len() + 1;
            seq += 1;
            idx += 1;
        }
    }
    tx.commit().unwrap();
    bytes
}

/// `onus witness serve` on `addr` (port 0: any), its key `DIR/w.key` and its
/// logs `DIR/logs.txt`, state in `DIR/state`; the URL and vkey read from its output.
pub struct Witness {
    pub child: Child,
    pub base: String,
    pub vkey: onus::cosignature::WitnessKey,
}

impl Witness {
    pub fn start(dir: &Path, addr: &str, extra: &[&str]) -> Witness {
        let mut child = Command::new(onus_bin())
            .args(["witness", "serve", "--data"])
            .arg(dir.join("state"))
            .arg("--key")
            .arg(dir.join("w.key"))
            .arg("--logs")
            .arg(dir.join("logs.txt"))
            .args(["--addr", addr])
            .args(extra)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let mut out = BufReader::new(child.stdout.take().unwrap());
        let (mut base, mut vkey) = (None, None);
        let mut line = String::new();
        while base.is_none() || vkey.is_none() {
            line.clear();
            assert!(out.read_line(&mut line).unwrap() > 0, "onus witness serve did not start");
            if let Some(u) = line.trim().strip_prefix("onus witness: listening on ") {
                base = Some(u.to_string());
            }
            if let Some(v) = line.trim().strip_prefix("vkey") {
                vkey = Some(onus::cosignature::WitnessKey::parse(v.trim()).unwrap());
            }
        }
        std::thread::spawn(move || {
            let mut sink = String::new();
            while out.read_line(&mut sink).map(|n| n > 0).unwrap_or(false) {
                sink.clear();
            }
        });
        Witness { child, base: base.unwrap(), vkey: vkey.unwrap() }
    }

    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Witness {
    fn drop(&mut self) {
        self.kill();
    }
}
