//! `onus serve`, the collector, and `onus poll create` (docs/SERVE.md).
//!
//! - [`store`]: the SQLite database (WAL, synchronous=FULL) of every log's lines;
//! - [`pg`]: the same on PostgreSQL, shared by several frontends (`--db`);
//! - [`backend`]: what the writer needs of either;
//! - [`objects`]: tiles and checkpoints on object storage, and their publisher (`--tiles`);
//! - [`state`]: what is kept in memory per log (leaves, frontier, ids, polls, checkpoint);
//! - [`writer`]: the one writer thread: group commit of ballots, sealing;
//! - [`http`]: the axum routes, refusals, CORS and the page folder;
//! - [`conn`]: the accept loop, connection limits and timeouts;
//! - [`limits`]: the per-address rate and counters.
//!
//! Parsing, ids, signatures, Merkle trees, notes and receipts all come from the core.

mod backend;
pub(crate) mod conn;
mod http;
pub(crate) mod limits;
mod objects;
mod pg;
mod state;
mod store;
mod tiles;
mod witnesses;
mod writer;

use clap::{Args, Subcommand};
use onus::poll::{EXAMPLE_OPTIONS, EXAMPLE_QUESTION};
use onus::statement::{self, format_time, id_to_hex, Id};
use rusqlite::TransactionBehavior;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};
use std::time::Duration;

/// The data folder when none is given.
pub const DEFAULT_DATA: &str = ".onus-data";
/// The log created on first start, with the example poll.
pub const DEFAULT_LOG: &str = "polls";
/// The example poll closes this long after the first start.
pub const EXAMPLE_POLL_DAYS: i64 = 30;
/// A ballot may be timed at most this many seconds after the collector's clock.
pub const MAX_CLOCK_AHEAD: i64 = 600;
/// Ballots waiting for the writer before requests wait for room.
const QUEUE: usize = 16 * 1024;

#[derive(Args, Debug, Clone)]
pub struct ServeArgs {
    /// Folder for the database (onus.db) and the log keys (NAME.key, mode 0600); created if missing.
    #[arg(long, default_value = DEFAULT_DATA)]
    pub data: PathBuf,
    /// Address to listen on (port 0 picks a free port; the URL is printed).
    #[arg(long, default_value = "127.0.0.1:8080")]
    pub addr: String,
    /// The page folder to serve (poll.html, embed.js, pkg/ ...); build it with `npm run build`.
    #[arg(long, default_value = "www")]
    pub www: PathBuf,
    /// Origin prefix of logs created here: log NAME gets the origin PREFIX/NAME.
    #[arg(long, default_value = "onus.local")]
    pub origin: String,
    /// Once listening, say where as JSON ({url, data, logs:[{name, origin, vkey, trace, widgets}], embed}):
    /// into FILE, or as one line on standard output with `-` (for scripts; the banner stays as it is).
    #[arg(long, value_name = "FILE")]
    pub ready_json: Option<PathBuf>,
    /// Sign a checkpoint this often (milliseconds) while there are new statements.
    #[arg(long, default_value_t = 2000)]
    pub seal_ms: u64,
    /// Rate tokens per second per client address (a ballot or a receipt costs 1, a body 1 per
    /// started 64 KiB, a trace download 1 per MiB after its first); 0 turns the limit off.
    #[arg(long, default_value_t = 50.0)]
    pub rate: f64,
    /// How many tokens a client address may spend at once before the rate applies.
    #[arg(long, default_value_t = 500)]
    pub burst: u32,
    /// Most ballots committed in one transaction.
    #[arg(long, default_value_t = 4096)]
    pub batch: usize,
    /// Seconds a client has to send a request's head, from its first byte.
    #[arg(long, default_value_t = 10.0, value_parser = seconds)]
    pub header_timeout: f64,
    /// Seconds a client has to send a request's body, from the end of its head.
    #[arg(long, default_value_t = 30.0, value_parser = seconds)]
    pub body_timeout: f64,
    /// Seconds an open connection may wait with no request (before the first, or between keep-alive requests).
    #[arg(long, default_value_t = 30.0, value_parser = seconds)]
    pub idle_timeout: f64,
    /// Seconds an answer may wait for a client that does not read it before the connection is closed.
    #[arg(long, default_value_t = 30.0, value_parser = seconds)]
    pub send_timeout: f64,
    /// Most open connections; more wait to be accepted (lowered to fit the open-file limit).
    #[arg(long, default_value_t = 4096)]
    pub max_connections: usize,
    /// Most open connections per client address (IPv6 by /64); more are answered 503 and closed. 0 turns the limit off.
    #[arg(long, default_value_t = 64)]
    pub max_connections_per_address: usize,
    /// Most trace.jsonl downloads at once per client address; 0 turns the limit off.
    #[arg(long, default_value_t = 4)]
    pub downloads: usize,
    /// Most SQLite reads (trace batches, receipts) at once.
    #[arg(long, default_value_t = 4)]
    pub readers: usize,
    /// Keep the logs in PostgreSQL instead of the data folder's SQLite file
    /// (postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE): any number of `onus serve`
    /// processes may share one database (docs/SERVE.md, "More than one machine").
    /// The log keys stay in --data: copy them to every frontend that may seal.
    #[arg(long, value_name = "URL")]
    pub db: Option<String>,
    /// Publish every log as a tiled log to object storage, and serve checkpoints and tiles
    /// from there: a folder, file:///path, or s3://BUCKET/PREFIX (AWS_* variables; AWS_ENDPOINT
    /// for another S3-compatible store). Without it, tiles are made on request.
    #[arg(long, value_name = "STORE")]
    pub tiles: Option<String>,
    /// With --db: milliseconds a sealer's lease lasts; another frontend takes over a log
    /// whose sealer has not renewed it for this long.
    #[arg(long, default_value_t = 3000)]
    pub lease_ms: u64,
    /// A witness to ask for a cosignature of every checkpoint, URL=VKEY (repeatable; C2SP
    /// tlog-witness, e.g. `onus witness serve`). A witness that is down delays only its own
    /// cosignature, never the log.
    #[arg(long = "witness", value_name = "URL=VKEY")]
    pub witnesses: Vec<String>,
    /// For tests: pause this long between a publication's tiles and its checkpoint.
    #[arg(long, default_value_t = 0, hide = true)]
    pub test_publish_pause_ms: u64,
    /// For tests: make each ballot's parse and signature check take this long (a costly body).
    #[arg(long, default_value_t = 0, hide = true)]
    pub test_prepare_delay_ms: u64,
}

fn seconds(s: &str) -> Result<f64, String> {
    match s.parse::<f64>() {
        Ok(v) if v > 0.0 && v <= 86400.0 => Ok(v),
        _ => Err(format!("{s:?} is not a number of seconds between 0 and 86400 (e.g. 30 or 0.5)")),
    }
}

#[derive(Subcommand, Debug)]
pub enum PollCommand {
    /// Add a poll, signed by the log's key, to a log of the data folder (creating the log if
    /// needed). Safe while `onus serve` runs: the server picks it up within one seal interval.
    Create {
        #[arg(long, default_value = DEFAULT_DATA)]
        data: PathBuf,
        /// The log (URL name) to add the poll to.
        #[arg(long, default_value = DEFAULT_LOG)]
        log: String,
        #[arg(long)]
        question: String,
        /// An answer (2 to 8, in order; repeat the flag).
        #[arg(long = "option", required = true)]
        options: Vec<String>,
        /// When voting ends, RFC 3339 UTC (2026-12-24T18:00:00Z).
        #[arg(long)]
        closes: String,
        /// Show the results before voting (adds "show_results":"always" to the poll's body).
        #[arg(long)]
        show_results_before_voting: bool,
        /// Origin prefix if the log has to be created: PREFIX/LOG.
        #[arg(long, default_value = "onus.local")]
        origin: String,
        /// The collector's PostgreSQL database (as `onus serve --db`); the log key is read from --data.
        #[arg(long, value_name = "URL")]
        db: Option<String>,
    },
}

#[derive(Subcommand, Debug)]
pub enum LogCommand {
    /// Create a log in the collector's store (its key, mode 0600, in --data). A network log
    /// (`--kind network`) takes statements of any kind from the keys on its roster.
    Create {
        /// The log's URL name: /logs/NAME.
        name: String,
        #[arg(long, default_value = DEFAULT_DATA)]
        data: PathBuf,
        /// The collector's PostgreSQL database (as `onus serve --db`); default the SQLite file in --data.
        #[arg(long, value_name = "URL")]
        db: Option<String>,
        /// `network` (any kind, from the roster) or `polls` (ballots, from anyone).
        #[arg(long, default_value = "network")]
        kind: String,
        /// A member of the roster, KEY:NAME:ROLE (KEY base64url; repeat the flag).
        #[arg(long = "member", value_name = "KEY:NAME:ROLE")]
        members: Vec<String>,
        /// Origin prefix: the log gets the origin PREFIX/NAME.
        #[arg(long, default_value = "onus.local")]
        origin: String,
    },
    /// Add keys to a log's roster or remove them: a `roster` statement signed by the log key.
    /// Safe while `onus serve` runs; it reads the change within one seal interval.
    Roster {
        /// The log's URL name.
        name: String,
        #[arg(long, default_value = DEFAULT_DATA)]
        data: PathBuf,
        #[arg(long, value_name = "URL")]
        db: Option<String>,
        /// A key to add, KEY:NAME:ROLE (repeatable).
        #[arg(long = "add", value_name = "KEY:NAME:ROLE")]
        add: Vec<String>,
        /// A key to remove (base64url; repeatable).
        #[arg(long = "remove", value_name = "KEY")]
        remove: Vec<String>,
    },
}

/// `KEY:NAME:ROLE`, as `--member` and `--add` take it.
fn roster_entry(spec: &str) -> Result<statement::RosterEntry, String> {
    let mut parts = spec.splitn(3, ':');
    let (Some(key), Some(name), Some(role)) = (parts.next(), parts.next(), parts.next()) else {
        return Err(format!("{spec:?} is not KEY:NAME:ROLE (e.g. 3q2-…:node-7:compute)"));
    };
    let key = statement::parse_key(key).map_err(|e| format!("{spec:?}: the key: {e}"))?;
    if name.trim().is_empty() || role.trim().is_empty() {
        return Err(format!("{spec:?}: the name and the role must not be empty"));
    }
    Ok(statement::RosterEntry { key, name: name.to_string(), role: role.to_string() })
}

pub fn log_command(cmd: LogCommand) -> Result<u8, String> {
    match cmd {
        LogCommand::Create { name, data, db, kind, members, origin } => {
            valid_origin_prefix(&origin)?;
            let kind = store::LogKind::parse(&kind).map_err(|e| format!("--kind: {e}"))?;
            let roster = members.iter().map(|m| roster_entry(m)).collect::<Result<Vec<_>, _>>().map_err(|e| format!("--member {e}"))?;
            let origin = format!("{origin}/{name}");
            let spec = store::LogSpec { name: &name, origin: &origin, kind, roster: &roster };
            let row = match db {
                Some(url) => {
                    std::fs::create_dir_all(&data).map_err(|e| format!("cannot create the data folder {}: {e}", data.display()))?;
                    pg::add_log(&mut pg::open(&url)?, &data, &spec, now())?
                }
                None => {
                    let mut conn = store::open(&data)?;
                    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate).map_err(store::sql)?;
                    if store::find_log(&tx, &name)?.is_some() {
                        return Err(format!("{} already has a log named {name:?}", data.display()));
                    }
                    let (row, _key, guard) = store::create_log(&tx, &data, &spec, now())?;
                    tx.commit().map_err(store::sql)?;
                    guard.keep()?;
                    row
                }
            };
            say!("{}", onus::note::vkey(&row.origin, &row.public));
            eprintln!("created {} log {name} (origin {}) with {} roster member(s); its key is in {}", kind.as_str(), row.origin, roster.len(), data.join(&row.key_file).display());
            eprintln!("statements: POST /logs/{name}/statements (docs/SERVE.md, \"Logs of a network\")");
            Ok(0)
        }
        LogCommand::Roster { name, data, db, add, remove } => {
            let add = add.iter().map(|m| roster_entry(m)).collect::<Result<Vec<_>, _>>().map_err(|e| format!("--add {e}"))?;
            let remove = remove.iter().map(|k| statement::parse_key(k).map_err(|e| format!("--remove {k:?}: {e}"))).collect::<Result<Vec<_>, _>>()?;
            if add.is_empty() && remove.is_empty() {
                return Err("give --add KEY:NAME:ROLE or --remove KEY (or both)".into());
            }
            let body = onus::json::Json::Obj(vec![
                ("add".into(), onus::json::Json::Arr(add.iter().map(store::roster_json).collect())),
                ("remove".into(), onus::json::Json::Arr(remove.iter().map(|k| onus::json::Json::Str(statement::key_to_string(k))).collect())),
            ]);
            let now = now();
            let make = |row: &store::LogRow, key: &ed25519_dalek::SigningKey| {
                if row.kind != store::LogKind::Network {
                    return Err(format!("log {name:?} is a {} log; only a network log has a roster of who may append", row.kind.as_str()));
                }
                store::signed_line(key, "roster", now, &[], body.clone())
            };
            let (id, index) = match db {
                Some(url) => pg::append_signed(&mut pg::open(&url)?, &data, &name, make)?,
                None => {
                    let mut conn = store::open(&data)?;
                    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate).map_err(store::sql)?;
                    let row = store::find_log(&tx, &name)?.ok_or_else(|| format!("{} has no log named {name:?}", data.display()))?;
                    let key = store::load_log_key(&data, &row.name, &row.key_file, &row.public)?;
                    let (line, id, leaf) = make(&row, &key)?;
                    let (seq, idx) = store::next_positions(&tx, row.db_id)?;
                    store::insert_statement(&tx, row.db_id, seq, idx, &id, &leaf, &line).map_err(store::sql)?;
                    tx.commit().map_err(store::sql)?;
                    (id, idx)
                }
            };
            say!("{}", id_to_hex(&id));
            eprintln!("roster of log {name}: {} added, {} removed (statement {index})", add.len(), remove.len());
            Ok(0)
        }
    }
}

/// Why a request is refused: the HTTP status and a JSON `{code, message}` body.
#[derive(Debug, Clone)]
pub struct Refusal {
    pub status: u16,
    pub code: &'static str,
    pub message: String,
    /// For duplicates: where the statement already is.
    pub index: Option<u64>,
    pub retry_after: Option<u64>,
}

impl Refusal {
    pub fn new(status: u16, code: &'static str, message: String) -> Refusal {
        Refusal { status, code, message, index: None, retry_after: None }
    }
    pub fn retry(mut self, seconds: u64) -> Refusal {
        self.retry_after = Some(seconds);
        self
    }
    pub fn duplicate(id: &Id, index: Option<u64>) -> Refusal {
        let at = index.map_or("already".to_string(), |i| format!("already at index {i}"));
        let mut r = Refusal::new(409, "statement.duplicate", format!("Statement {} is {at} in the log; it is not added twice. Your ballot counts once.", id_to_hex(id)));
        r.index = index;
        r
    }
    pub fn storage(e: &str) -> Refusal {
        Refusal::new(503, "storage.failed", format!("The collector could not store the ballot ({e}); it was not added. Retry in a few seconds.")).retry(2)
    }
    pub fn unavailable() -> Refusal {
        Refusal::new(503, "server.stopping", "The collector is shutting down; the ballot was not added. Retry in a few seconds.".into()).retry(2)
    }
    pub fn rate_limited(wait: u64) -> Refusal {
        Refusal::new(429, "rate.limited", format!("Too many requests from your address; wait {wait} s and retry.")).retry(wait)
    }
}

/// Unix seconds now.
pub fn now() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs() as i64)
}

fn valid_origin_prefix(p: &str) -> Result<(), String> {
    // Log NAME gets PREFIX/NAME, and NAME is [a-z0-9-]: the prefix follows the name rule.
    if !onus::note::valid_name(p) {
        return Err(format!("--origin {p:?} must be non-empty with no spaces, control characters or '+' (C2SP tlog-checkpoint); e.g. example.org/onus"));
    }
    Ok(())
}

pub fn poll_command(cmd: PollCommand) -> Result<u8, String> {
    match cmd {
        PollCommand::Create { data, log, question, options, closes, show_results_before_voting, origin, db } => {
            create_poll(&data, &log, &question, &options, &closes, show_results_before_voting, &origin, db.as_deref())
        }
    }
}

#[allow(clippy::too_many_arguments)]
fn create_poll(data: &Path, log: &str, question: &str, options: &[String], closes: &str, show_always: bool, origin: &str, db: Option<&str>) -> Result<u8, String> {
    valid_origin_prefix(origin)?;
    let closes = statement::parse_time(closes).map_err(|e| format!("--closes: {e}"))?;
    if question.trim().is_empty() {
        return Err("--question must not be empty".into());
    }
    if !(2..=8).contains(&options.len()) {
        return Err(format!("a poll has 2 to 8 options (--option A --option B ...); {} given", options.len()));
    }
    if options.iter().any(|o| o.trim().is_empty()) {
        return Err("an --option must not be empty".into());
    }
    if !store::valid_log_name(log) {
        return Err(format!("--log {log:?} must be 1 to 64 of a-z, 0-9 and '-'"));
    }
    let now = now();
    if let Some(url) = db {
        let mut client = pg::open(url)?;
        std::fs::create_dir_all(data).map_err(|e| format!("cannot create the data folder {}: {e}", data.display()))?;
        let spec = store::PollSpec { question, options, closes, show_results_always: show_always };
        let (id, index, created) = pg::append_poll(&mut client, data, log, &format!("{origin}/{log}"), &spec, now)?;
        if created {
            eprintln!("created log {log} (origin {origin}/{log}); its key is in {}: copy it into the --data of every frontend that may seal", data.join(format!("{log}.key")).display());
        }
        return Ok(poll_created(&id, index, log, closes, now));
    }
    let mut conn = store::open(data)?;
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate).map_err(store::sql)?;
    let (row, key, guard) = match store::find_log(&tx, log)? {
        Some(row) => {
            let k = store::load_log_key(data, &row.name, &row.key_file, &row.public)?;
            (row, k, None)
        }
        None => {
            let (row, key, guard) = store::create_log(&tx, data, &store::LogSpec::polls(log, &format!("{origin}/{log}")), now)?;
            (row, key, Some(guard))
        }
    };
    let spec = store::PollSpec { question, options, closes, show_results_always: show_always };
    let (id, index) = store::append_poll(&tx, &row, &key, &spec, now)?;
    tx.commit().map_err(store::sql)?;
    if let Some(g) = guard {
        g.keep()?;
        eprintln!("created log {log} (origin {}); its key is in {}", row.origin, data.join(&row.key_file).display());
    }
    Ok(poll_created(&id, index, log, closes, now))
}

fn poll_created(id: &Id, index: u64, log: &str, closes: i64, now: i64) -> u8 {
    let id = id_to_hex(id);
    say!("{id}");
    let state = if closes <= now { " (already past: the poll is closed from the start)" } else { "" };
    eprintln!("added poll {index} to log {log}; voting closes {}{state}", format_time(closes));
    eprintln!("widget: /poll.html?log=/logs/{log}&poll={id}  (a running `onus serve` picks the poll up within one seal interval)");
    0
}

/// On first start (no logs yet): the `polls` log with the example poll.
fn ensure_default(conn: &mut rusqlite::Connection, dir: &Path, origin_prefix: &str) -> Result<(), String> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate).map_err(store::sql)?;
    let logs: i64 = tx.query_row("SELECT count(*) FROM logs", [], |r| r.get(0)).map_err(store::sql)?;
    if logs > 0 {
        return Ok(());
    }
    let now = now();
    let (row, key, guard) = store::create_log(&tx, dir, &store::LogSpec::polls(DEFAULT_LOG, &format!("{origin_prefix}/{DEFAULT_LOG}")), now)?;
    let options: Vec<String> = EXAMPLE_OPTIONS.iter().map(|s| s.to_string()).collect();
    let closes = now + EXAMPLE_POLL_DAYS * 86400;
    let spec = store::PollSpec { question: EXAMPLE_QUESTION, options: &options, closes, show_results_always: false };
    store::append_poll(&tx, &row, &key, &spec, now)?;
    tx.commit().map_err(store::sql)?;
    guard.keep()?;
    eprintln!("onus serve: first start: created log {DEFAULT_LOG} ({}) with the example poll, closing {}", row.origin, format_time(closes));
    eprintln!("onus serve: the log key is {} (keep it secret; back it up with the database)", dir.join(&row.key_file).display());
    Ok(())
}

/// `p` made absolute with its links resolved, also when its last parts do not exist yet.
fn resolved(p: &Path) -> Result<PathBuf, String> {
    let abs = std::path::absolute(p).map_err(|e| format!("{}: {e}", p.display()))?;
    for base in abs.ancestors() {
        if let Ok(real) = base.canonicalize() {
            let mut out = real;
            for c in abs.strip_prefix(base).expect("an ancestor").components() {
                match c {
                    std::path::Component::ParentDir => {
                        out.pop();
                    }
                    std::path::Component::Normal(n) => out.push(n),
                    _ => {}
                }
            }
            return Ok(out);
        }
    }
    Ok(abs)
}

/// The data folder must not be served: refuse it inside the page folder.
fn data_outside_www(data: &Path, www: &Path) -> Result<(), String> {
    let Ok(www_real) = www.canonicalize() else { return Ok(()) };
    let data_real = resolved(data)?;
    if data_real.starts_with(&www_real) {
        return Err(format!(
            "--data {} is inside --www {}: the page folder is served to anyone, and the data folder holds the secret log keys and the database. Give a --data outside the page folder (e.g. --data {}).",
            data.display(),
            www.display(),
            www_real.parent().unwrap_or(Path::new("/")).join(DEFAULT_DATA).display()
        ));
    }
    Ok(())
}

/// Files besides connections: the database, its readers, the listener, the runtime.
const RESERVED_FILES: usize = 64;

/// The connection limits, fitted to the open-file limit (each connection may
/// also have a page file open).
fn connection_limits(args: &ServeArgs) -> conn::ConnLimits {
    let reserved = RESERVED_FILES + 3 * args.readers;
    let mut max = args.max_connections.max(1);
    let mut linger = conn::LINGER_SLOTS;
    let wanted = 2 * max + linger + reserved;
    if let Some(files) = conn::open_file_limit(wanted as u64) {
        let files = files as usize;
        if files < wanted {
            let budget = files.saturating_sub(reserved);
            linger = linger.min(budget / 8);
            max = ((budget - linger) / 2).max(1);
            eprintln!("onus serve: WARNING: the open-file limit is {files}: at most {max} connections (not {}); raise it with ulimit -n", args.max_connections);
        }
    }
    // 0 turns the per-address limit off; otherwise one address may never hold every connection.
    let per_address = match args.max_connections_per_address {
        0 => max,
        n => n.clamp(1, (max / 2).max(1)),
    };
    let secs = Duration::from_secs_f64;
    conn::ConnLimits { header: secs(args.header_timeout), idle: secs(args.idle_timeout), send: secs(args.send_timeout), max_connections: max, per_address, linger_slots: linger }
}

/// Who holds a lease: unique per process start.
fn holder_name() -> String {
    let mut r = [0u8; 4];
    let _ = getrandom::getrandom(&mut r);
    let host = std::fs::read_to_string("/etc/hostname").map(|h| h.trim().to_string()).unwrap_or_default();
    format!("{host}:{}:{}", std::process::id(), hex::encode(r))
}

/// How long a sealer's lease lasts (`--lease-ms`, at least 100 ms).
fn lease(args: &ServeArgs) -> Duration {
    Duration::from_millis(args.lease_ms.max(100))
}

/// One more connection to the store, for a thread of its own (the publisher,
/// the witnessing sealer), once the store exists.
fn open_backend(args: &ServeArgs, holder: &str) -> Result<Box<dyn backend::Backend>, String> {
    Ok(match &args.db {
        Some(url) => Box::new(pg::Pg::new(url, pg::connect(url)?, holder.to_string(), lease(args))),
        None => Box::new(backend::Sqlite::new(store::open(&args.data)?)?),
    })
}

/// The writer's connection, the publisher's (only with `--tiles`) and the readers'.
type Opened = (Box<dyn backend::Backend>, Option<Box<dyn backend::Backend>>, http::Readers);

/// Opens the store (creating it and the default log on a first start) and its connections.
fn open_store(args: &ServeArgs, holder: &str) -> Result<Opened, String> {
    let publishing = args.tiles.is_some();
    let Some(url) = &args.db else {
        let mut conn = store::open(&args.data)?;
        ensure_default(&mut conn, &args.data, &args.origin)?;
        let publisher = publishing.then(|| open_backend(args, holder)).transpose()?;
        return Ok((Box::new(backend::Sqlite::new(conn)?), publisher, http::Readers::sqlite(&args.data, args.readers)));
    };
    if !(url.starts_with("postgres://") || url.starts_with("postgresql://")) {
        return Err(format!("--db {}: only PostgreSQL is supported (postgres://USER@HOST:PORT/DATABASE); leave --db out for the data folder's SQLite file", pg::redacted(url)));
    }
    std::fs::create_dir_all(&args.data).map_err(|e| format!("cannot create the data folder {}: {e}", args.data.display()))?;
    let mut client = pg::open(url)?;
    let now = now();
    let options: Vec<String> = EXAMPLE_OPTIONS.iter().map(|s| s.to_string()).collect();
    let closes = now + EXAMPLE_POLL_DAYS * 86400;
    let spec = store::PollSpec { question: EXAMPLE_QUESTION, options: &options, closes, show_results_always: false };
    let origin = format!("{}/{DEFAULT_LOG}", args.origin);
    if pg::ensure_default(&mut client, &args.data, DEFAULT_LOG, &origin, &spec, now)? {
        eprintln!("onus serve: first start of {}: created log {DEFAULT_LOG} ({origin}) with the example poll, closing {}", pg::redacted(url), format_time(closes));
        eprintln!("onus serve: the log key is {}: copy it into the --data of every other frontend that may seal", args.data.join(format!("{DEFAULT_LOG}.key")).display());
    }
    let publisher = publishing.then(|| open_backend(args, holder)).transpose()?;
    Ok((Box::new(pg::Pg::new(url, client, holder.to_string(), lease(args))), publisher, http::Readers::postgres(url, args.readers)))
}

pub fn serve(args: ServeArgs) -> Result<(), String> {
    valid_origin_prefix(&args.origin)?;
    if !(args.rate >= 0.0 && args.rate.is_finite()) {
        return Err("--rate must be 0 (off) or a positive number of requests per second".into());
    }
    data_outside_www(&args.data, &args.www)?;
    let objects = args.tiles.as_deref().map(objects::Objects::open).transpose()?.map(Arc::new);
    let holder = holder_name();
    let (mut db, publisher_db, readers) = open_store(&args, &holder)?;
    let state = writer::load(db.as_mut())?;
    let problems: usize = state.logs.iter().map(|l| l.problems.len()).sum();
    if problems > 0 {
        eprintln!("onus serve: WARNING: {problems} integrity problem(s) in the database (listed above and in GET /logs); readers will see the log fail verification.");
    }
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build().map_err(|e| format!("cannot start the runtime: {e}"))?;
    let shared = Arc::new(RwLock::new(state));
    let (tx, rx) = tokio::sync::mpsc::channel(QUEUE);
    let seal_every = Duration::from_millis(args.seal_ms.max(50));
    let (sealed_to, publisher_thread) = match (&objects, publisher_db) {
        (Some(objects), Some(publisher_db)) => {
            let (ptx, prx) = std::sync::mpsc::channel();
            let mut p = objects::Publisher::new(objects.clone(), publisher_db, shared.clone(), rt.handle().clone());
            p.pause = Duration::from_millis(args.test_publish_pause_ms);
            let t = std::thread::Builder::new().name("onus-publisher".into()).spawn(move || p.run(prx)).map_err(|e| format!("cannot start the publisher: {e}"))?;
            (Some(ptx), Some(t))
        }
        _ => (None, None),
    };
    let witnesses = args.witnesses.iter().map(|w| witnesses::WitnessClient::parse(w)).collect::<Result<Vec<_>, _>>()?;
    let witness_keys: Arc<Vec<(String, onus::cosignature::WitnessKey)>> = Arc::new(witnesses.iter().map(|w| (w.url.clone(), w.key.clone())).collect());
    let (seal_by, sealer_thread) = match witnesses.is_empty() {
        true => (None, None),
        false => {
            let (stx, srx) = std::sync::mpsc::channel();
            let conn = open_backend(&args, &holder)?;
            let names: Vec<String> = witnesses.iter().map(|w| w.url.clone()).collect();
            let s = witnesses::Sealer::new(witnesses, conn, shared.clone(), args.data.clone());
            let t = std::thread::Builder::new().name("onus-sealer".into()).spawn(move || s.run(srx)).map_err(|e| format!("cannot start the sealer: {e}"))?;
            eprintln!("onus serve: every checkpoint goes to {} witness(es) first: {}", names.len(), names.join(", "));
            (Some(stx), Some(t))
        }
    };
    let mut w = writer::Writer::new(db, shared.clone(), args.data.clone(), args.batch, seal_every, sealed_to, seal_by);
    // Every log has a checkpoint before the server says it listens.
    w.seal_now()?;
    let writer_thread = std::thread::Builder::new().name("onus-writer".into()).spawn(move || w.run(rx)).map_err(|e| format!("cannot start the writer: {e}"))?;
    if !args.www.join("poll.html").is_file() {
        eprintln!("onus serve: WARNING: {} has no poll.html; only the API is served (give --www, or run npm run build)", args.www.display());
    }
    let limits = connection_limits(&args);
    let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
    // On PostgreSQL the ticks also read what the other frontends did: more often than the seals.
    let tick = if args.db.is_some() { seal_every.min(Duration::from_millis(500)) } else { seal_every };
    let result = rt.block_on(async {
        let listener = tokio::net::TcpListener::bind(&args.addr).await.map_err(|e| format!("cannot listen on {}: {e}", args.addr))?;
        let addr = listener.local_addr().map_err(|e| e.to_string())?;
        announce(addr, &shared, &args)?;
        let ticker = {
            let tx = tx.clone();
            tokio::spawn(async move {
                let mut iv = tokio::time::interval(tick);
                iv.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
                loop {
                    iv.tick().await;
                    if tx.send(writer::Msg::Seal).await.is_err() {
                        break;
                    }
                }
            })
        };
        let app = http::App {
            shared: shared.clone(),
            tx: tx.clone(),
            readers: Arc::new(readers),
            limiter: Arc::new(limits::Limiter::new(args.rate, args.burst)),
            downloads: limits::PerAddress::new(args.downloads),
            checks: Arc::new(tokio::sync::Semaphore::new(cores)),
            body_timeout: Duration::from_secs_f64(args.body_timeout),
            prepare_delay: Duration::from_millis(args.test_prepare_delay_ms),
            objects: objects.clone(),
            witnesses: witness_keys.clone(),
        };
        let router = http::router(app, &args.www);
        conn::serve(listener, router, limits, async {
            shutdown_signal().await;
            eprintln!("onus serve: stopping: finishing requests, sealing, closing the database");
        })
        .await;
        ticker.abort();
        let (done_tx, done_rx) = tokio::sync::oneshot::channel();
        if tx.send(writer::Msg::Shutdown(done_tx)).await.is_ok() {
            let _ = done_rx.await;
        }
        Ok(())
    });
    drop(tx);
    let _ = writer_thread.join();
    // The writer is gone (and with it the sealer's channel): the sealer seals a last time.
    if let Some(t) = sealer_thread {
        let _ = t.join();
    }
    // The writer is gone: the publisher writes what it sealed last, then stops.
    if let Some(t) = publisher_thread {
        let _ = t.join();
    }
    rt.shutdown_timeout(Duration::from_secs(1));
    result
}

fn announce(addr: SocketAddr, shared: &RwLock<state::State>, args: &ServeArgs) -> Result<(), String> {
    let base = format!("http://{addr}");
    // The file first: whoever sees the banner can read it.
    if let Some(path) = &args.ready_json {
        let ready = ready_json(&base, shared, args).to_string();
        if path.as_os_str() == "-" {
            crate::output::out::json(&ready);
        } else {
            // Written whole, then renamed: a script never reads half of it.
            let tmp = path.with_extension("tmp");
            std::fs::write(&tmp, format!("{ready}\n")).and_then(|()| std::fs::rename(&tmp, path)).map_err(|e| format!("--ready-json {}: {e}", path.display()))?;
        }
    }
    say!("onus serve: listening on {base}");
    say!("  data     {}", args.data.display());
    say!("  page     {base}/");
    for log in &shared.read().expect("state lock").logs {
        let logs_url = format!("/logs/{}", log.name);
        for p in &log.polls {
            say!("  widget   {base}/poll.html?log={logs_url}&poll={}", id_to_hex(&p.id));
        }
        say!("  trace    {base}{logs_url}/trace.jsonl");
        say!("  check    onus verify {base}{logs_url}/trace.jsonl --key {}", log.vkey());
    }
    say!("  embed    {}", embed_line(&base));
    Ok(())
}

fn embed_line(base: &str) -> String {
    format!("<script src=\"{base}/embed.js\" data-log=\"{base}/logs/{DEFAULT_LOG}\" async></script>")
}

/// Where the collector listens and what it serves, for scripts (`--ready-json`).
fn ready_json(base: &str, shared: &RwLock<state::State>, args: &ServeArgs) -> serde_json::Value {
    let s = shared.read().expect("state lock");
    let logs: Vec<serde_json::Value> = s
        .logs
        .iter()
        .map(|log| {
            let logs_url = format!("{base}/logs/{}", log.name);
            serde_json::json!({
                "name": log.name,
                "origin": log.origin,
                "vkey": log.vkey(),
                "trace": format!("{logs_url}/trace.jsonl"),
                "widgets": log.polls.iter().map(|p| format!("{base}/poll.html?log=/logs/{}&poll={}", log.name, id_to_hex(&p.id))).collect::<Vec<_>>(),
            })
        })
        .collect();
    serde_json::json!({"url": base, "data": args.data.display().to_string(), "logs": logs, "embed": embed_line(base)})
}

pub(crate) async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
}
