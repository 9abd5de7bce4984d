//! `onus witness keygen|serve`: an Onus witness (C2SP tlog-witness over
//! BLAKE3 logs, FORMAT.md section 9). Public witnesses only speak SHA-256, so
//! Onus logs need witnesses of their own kind.
//!
//! 1. Parse the request (bounded) and take a rate token per client address.
//! 2. In one SQLite `BEGIN IMMEDIATE` transaction, under one lock: read the
//!    latest checkpoint cosigned for the origin, decide (the core's
//!    [`onus::witness::decide`]), and on success record the new checkpoint
//!    and commit (an fsync of the WAL).
//! 3. Only then answer with the cosignature line. A crash at any point leaves
//!    either the old state (nothing was answered) or the new one: the witness
//!    never cosigns two sizes of history that do not extend each other.

use crate::serve::{conn, limits};
use crate::Fail;
use axum::body::Body;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use clap::{Args, Subcommand};
use onus::cosignature::{cosign, WitnessKey};
use onus::statement::{Hash, Key};
use onus::witness::{decide, parse_add_checkpoint, Decision, MAX_BODY};
use rusqlite::{params, Connection, OptionalExtension, TransactionBehavior};
use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

#[derive(Subcommand, Debug)]
pub enum WitnessCommand {
    /// Create a witness key file (mode 0600) and print the witness's vkey (cosignature type 0x04).
    Keygen {
        /// The witness's name, e.g. witness.example.org/w1.
        name: String,
        /// Where to write the key (default: NAME with '/' replaced, plus .key).
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Run the witness: POST /add-checkpoint (C2SP tlog-witness), GET /logs (what it cosigned last, per log).
    Serve(WitnessArgs),
}

#[derive(Args, Debug)]
pub struct WitnessArgs {
    /// Folder for the witness's state (witness.db); created if missing.
    #[arg(long, default_value = ".onus-witness")]
    pub data: PathBuf,
    /// The witness's key file (`onus witness keygen`).
    #[arg(long)]
    pub key: PathBuf,
    /// The logs it witnesses: lines `log <vkey>` (the vkey names the origin), `#` comments.
    #[arg(long)]
    pub logs: PathBuf,
    #[arg(long, default_value = "127.0.0.1:8081")]
    pub addr: String,
    /// Requests per second per client address; 0 turns the limit off.
    #[arg(long, default_value_t = 20.0)]
    pub rate: f64,
    #[arg(long, default_value_t = 200)]
    pub burst: u32,
}

pub fn command(cmd: WitnessCommand) -> Result<u8, Fail> {
    match cmd {
        WitnessCommand::Keygen { name, out } => keygen(&name, out),
        WitnessCommand::Serve(args) => serve(args).map(|()| 0).map_err(Fail),
    }
}

fn keygen(name: &str, out: Option<PathBuf>) -> Result<u8, Fail> {
    if !onus::note::valid_name(name) {
        return Err(Fail(format!("witness name {} must be non-empty with no spaces, control characters or '+'", onus::report::quoted(name))));
    }
    let path = out.unwrap_or_else(|| PathBuf::from(format!("{}.key", name.replace('/', "_"))));
    let key = crate::keyfile::generate()?;
    crate::keyfile::write_new(&path, name, &key)?;
    eprintln!("wrote {} (keep it secret)", path.display());
    say!("{}", WitnessKey { name: name.to_string(), key: Key::of(&key) }.vkey());
    Ok(0)
}

/// `log <vkey> [url]` lines: origin -> log key.
fn read_logs(path: &Path) -> Result<HashMap<String, Key>, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("--logs {}: {e}", path.display()))?;
    let mut logs = HashMap::new();
    for (i, raw) in text.lines().enumerate() {
        let items: Vec<&str> = raw.split('#').next().unwrap_or("").split_whitespace().collect();
        match items.as_slice() {
            [] => continue,
            ["log", vkey] | ["log", vkey, _] => {
                let (origin, key) = onus::note::parse_vkey(vkey).map_err(|e| format!("--logs {} line {}: {e}", path.display(), i + 1))?;
                logs.insert(origin, key);
            }
            _ => return Err(format!("--logs {} line {}: a line is `log <vkey> [url]`", path.display(), i + 1)),
        }
    }
    if logs.is_empty() {
        return Err(format!("--logs {} names no log (a `log <vkey>` line)", path.display()));
    }
    Ok(logs)
}

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS latest (
  origin  TEXT PRIMARY KEY,
  size    INTEGER NOT NULL,
  root    BLOB NOT NULL,        -- 32 bytes
  note    TEXT NOT NULL,        -- the checkpoint as submitted, with this witness's cosignature line
  updated INTEGER NOT NULL      -- unix seconds
);";

fn sql(e: rusqlite::Error) -> String {
    format!("witness database: {e}")
}

fn open_db(dir: &Path) -> Result<Connection, String> {
    std::fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    let path = dir.join("witness.db");
    let conn = Connection::open(&path).map_err(|e| format!("cannot open {}: {e}", path.display()))?;
    conn.busy_timeout(Duration::from_secs(10)).map_err(sql)?;
    let mode: String = conn.query_row("PRAGMA journal_mode=WAL", [], |r| r.get(0)).map_err(sql)?;
    if !mode.eq_ignore_ascii_case("wal") {
        return Err(format!("{} cannot use WAL mode; put --data on a local file system", path.display()));
    }
    conn.pragma_update(None, "synchronous", "FULL").map_err(sql)?;
    conn.execute_batch(SCHEMA).map_err(sql)?;
    Ok(conn)
}

#[derive(Clone)]
struct App {
    db: Arc<Mutex<Connection>>,
    logs: Arc<HashMap<String, Key>>,
    name: String,
    key: Arc<ed25519_dalek::SigningKey>,
    limiter: Arc<limits::Limiter>,
}

fn now() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs())
}

impl App {
    /// Steps 2 and 3 of the module's doc: decide and persist atomically.
    /// The decision and, when cosigned, the cosignature line; Err when the state could not be read or stored.
    fn add(&self, body: &[u8]) -> Result<(Decision, Option<String>), String> {
        let req = match parse_add_checkpoint(body) {
            Ok(r) => r,
            Err(why) => return Ok((Decision::Malformed(why), None)),
        };
        let origin = onus::witness::origin_of(&req.note).unwrap_or_default();
        let mut db = self.db.lock().expect("witness database lock");
        let outcome = (|| {
            let tx = db.transaction_with_behavior(TransactionBehavior::Immediate).map_err(sql)?;
            let latest: Option<(i64, Vec<u8>)> = tx.query_row("SELECT size, root FROM latest WHERE origin = ?1", [&origin], |r| Ok((r.get(0)?, r.get(1)?))).optional().map_err(sql)?;
            let latest = latest.map(|(s, r)| (s as u64, Hash::from_slice(&r).unwrap_or_default()));
            let d = decide(&req, self.logs.get(&origin), latest);
            let Decision::Cosign { checkpoint, text } = &d else { return Ok((d, None)) };
            let line = cosign(text, &self.name, &self.key, now());
            let note = format!("{}{line}\n", req.note);
            tx.execute(
                "INSERT INTO latest (origin, size, root, note, updated) VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (origin) DO UPDATE SET size = excluded.size, root = excluded.root, note = excluded.note, updated = excluded.updated",
                params![origin, checkpoint.size as i64, &checkpoint.root.0[..], note, now() as i64],
            )
            .map_err(sql)?;
            tx.commit().map_err(sql)?;
            Ok((d, Some(line)))
        })();
        if let Err(e) = &outcome {
            eprintln!("onus witness: {e}");
        }
        outcome
    }
}

async fn add_checkpoint(State(app): State<App>, ConnectInfo(peer): ConnectInfo<SocketAddr>, req: Request) -> Response {
    if let Err(wait) = app.limiter.take(peer.ip(), 1.0) {
        let s = limits::retry_secs(wait);
        return (StatusCode::TOO_MANY_REQUESTS, [(header::RETRY_AFTER, s.to_string())], format!("too many requests from your address; retry in {s} s\n")).into_response();
    }
    let body = match axum::body::to_bytes(req.into_body(), MAX_BODY).await {
        Ok(b) => b,
        Err(_) => return (StatusCode::PAYLOAD_TOO_LARGE, format!("a request body is at most {MAX_BODY} bytes\n")).into_response(),
    };
    let a = app.clone();
    let (decision, line) = match tokio::task::spawn_blocking(move || a.add(&body)).await.expect("witness task") {
        Ok(x) => x,
        Err(e) => return (StatusCode::SERVICE_UNAVAILABLE, [(header::RETRY_AFTER, "2".to_string())], format!("{e}; nothing was cosigned, retry\n")).into_response(),
    };
    let status = StatusCode::from_u16(decision.status()).expect("a protocol status");
    match decision {
        Decision::Cosign { .. } => (status, [(header::CONTENT_TYPE, "text/plain; charset=utf-8")], format!("{}\n", line.expect("a cosignature"))).into_response(),
        Decision::Conflict { size, fork, why } => {
            // A stale old size is how a client learns the size; another root at one size is a split view.
            if fork {
                eprintln!("onus witness: 409: {why}");
            }
            (status, [(header::CONTENT_TYPE, "text/x.tlog.size")], format!("{size}\n")).into_response()
        }
        Decision::BadProof(m) | Decision::BadSignature(m) | Decision::UnknownLog(m) | Decision::Malformed(m) => (status, [(header::CONTENT_TYPE, "text/plain; charset=utf-8")], format!("{m}\n")).into_response(),
    }
}

/// The read-only monitoring view: the latest cosigned checkpoint of every log.
async fn list(State(app): State<App>) -> Response {
    let rows = tokio::task::spawn_blocking(move || -> Result<Vec<serde_json::Value>, String> {
        let db = app.db.lock().expect("witness database lock");
        let mut st = db.prepare("SELECT origin, size, root, note, updated FROM latest ORDER BY origin").map_err(sql)?;
        let rows = st
            .query_map([], |r| {
                let root: Vec<u8> = r.get(2)?;
                Ok(serde_json::json!({"origin": r.get::<_, String>(0)?, "size": r.get::<_, i64>(1)?, "root": hex::encode(root), "checkpoint": r.get::<_, String>(3)?, "updated": r.get::<_, i64>(4)?}))
            })
            .map_err(sql)?
            .collect::<Result<Vec<_>, _>>()
            .map_err(sql)?;
        Ok(rows)
    })
    .await
    .expect("witness task");
    match rows {
        Ok(rows) => axum::Json(serde_json::json!({"logs": rows})).into_response(),
        Err(e) => (StatusCode::SERVICE_UNAVAILABLE, e).into_response(),
    }
}

fn serve(args: WitnessArgs) -> Result<(), String> {
    let kf = crate::keyfile::load(&args.key)?;
    let logs = read_logs(&args.logs)?;
    let db = open_db(&args.data)?;
    let vkey = WitnessKey { name: kf.name.clone(), key: Key::of(&kf.key) }.vkey();
    let app = App { db: Arc::new(Mutex::new(db)), logs: Arc::new(logs), name: kf.name.clone(), key: Arc::new(kf.key), limiter: Arc::new(limits::Limiter::new(args.rate, args.burst)) };
    let n = app.logs.len();
    let router = Router::new()
        .route("/add-checkpoint", post(add_checkpoint))
        .route("/logs", get(list))
        .route("/", get(move || async move { format!("onus witness {}\nPOST /add-checkpoint (C2SP tlog-witness), GET /logs\n", vkey.clone()) }))
        .fallback(|| async { (StatusCode::NOT_FOUND, Body::from("not found: POST /add-checkpoint, GET /logs\n")) })
        .with_state(app.clone());
    let limits = conn::ConnLimits { header: Duration::from_secs(10), idle: Duration::from_secs(30), send: Duration::from_secs(30), max_connections: 1024, per_address: 64, linger_slots: conn::LINGER_SLOTS };
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build().map_err(|e| format!("cannot start the runtime: {e}"))?;
    rt.block_on(async {
        let listener = tokio::net::TcpListener::bind(&args.addr).await.map_err(|e| format!("cannot listen on {}: {e}", args.addr))?;
        let addr = listener.local_addr().map_err(|e| e.to_string())?;
        say!("onus witness: listening on http://{addr}");
        say!("  vkey     {}", WitnessKey { name: app.name.clone(), key: Key::of(&app.key) }.vkey());
        say!("  logs     {n} (from {})", args.logs.display());
        say!("  state    {}", args.data.join("witness.db").display());
        conn::serve(listener, router, limits, crate::serve::shutdown_signal()).await;
        Ok::<(), String>(())
    })?;
    Ok(())
}
