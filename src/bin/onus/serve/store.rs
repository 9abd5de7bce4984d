//! The collector's SQLite store: one database file per data folder, every
//! log's lines in order (statements and checkpoint lines, exactly as served),
//! and each statement's id and leaf hash as recorded when it was appended.
//!
//! Durability: WAL journal, `synchronous=FULL` (the WAL is fsynced at every
//! commit), and every write in a `BEGIN IMMEDIATE` transaction so that the
//! server and `onus poll create` never interleave.

use super::backend::Lines;
use onus::json::Json;
use onus::{merkle, note};
use onus::statement::{self, Draft, Hash, Id, Key};
use rusqlite::{params, Connection, OptionalExtension, TransactionBehavior};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// The database file inside the data folder.
pub const DB_FILE: &str = "onus.db";
/// `PRAGMA user_version` of the schema below (2: a log's kind).
const SCHEMA_VERSION: i64 = 2;
/// How long a writer waits for another one (the server or `onus poll create`).
const BUSY_TIMEOUT: Duration = Duration::from_secs(30);

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS logs (
  id         INTEGER PRIMARY KEY,
  name       TEXT NOT NULL UNIQUE,   -- the URL name: /logs/{name}
  origin     TEXT NOT NULL,          -- the checkpoint origin and key name
  public_key TEXT NOT NULL,          -- base64url Ed25519 key of the log
  key_file   TEXT NOT NULL,          -- secret key file, relative to the data folder
  created    TEXT NOT NULL,          -- RFC 3339
  kind       TEXT NOT NULL DEFAULT 'polls'  -- 'polls' (ballots only) or 'network' (any kind, from the roster)
);
CREATE TABLE IF NOT EXISTS lines (
  log  INTEGER NOT NULL REFERENCES logs(id),
  seq  INTEGER NOT NULL,             -- line number in trace.jsonl, from 0
  idx  INTEGER,                      -- statement index; NULL on checkpoint lines
  id   BLOB,                         -- statement id (32 bytes); NULL on checkpoint lines
  leaf BLOB,                         -- Merkle leaf hash recorded at append; NULL on checkpoint lines
  size INTEGER,                      -- tree size of a checkpoint line; NULL on statements
  line TEXT NOT NULL,                -- the line exactly as served, without its newline
  PRIMARY KEY (log, seq)
);
CREATE UNIQUE INDEX IF NOT EXISTS lines_by_idx ON lines(log, idx) WHERE idx IS NOT NULL;
CREATE UNIQUE INDEX IF NOT EXISTS lines_by_id ON lines(log, id) WHERE id IS NOT NULL;
";

pub fn sql(e: rusqlite::Error) -> String {
    format!("database error: {e}")
}

/// Creates and removes a file in `dir`: the folder must take the database's
/// -wal and -shm files and new key files.
fn probe_folder(dir: &Path) -> Result<(), String> {
    let probe = dir.join(format!(".onus-write-probe-{}", std::process::id()));
    let made = std::fs::OpenOptions::new().write(true).create(true).truncate(true).open(&probe).and_then(|mut f| std::io::Write::write_all(&mut f, b"probe"));
    let _ = std::fs::remove_file(&probe);
    made.map_err(|e| {
        format!("cannot write in the data folder {} ({e}): onus keeps its database and log keys there. Make it writable for this user (or run as its owner), or give another --data.", dir.display())
    })
}

/// Opens (creating if needed) the database of a data folder, in WAL mode with
/// full synchronous commits, and makes sure the schema is there. Refuses a
/// folder or database it cannot write: a collector that cannot commit would
/// tell every voter to retry, forever.
pub fn open(dir: &Path) -> Result<Connection, String> {
    std::fs::create_dir_all(dir).map_err(|e| format!("cannot create the data folder {}: {e}", dir.display()))?;
    probe_folder(dir)?;
    let path = dir.join(DB_FILE);
    let read_only = || {
        format!(
            "{} is read-only (its permissions, its owner, or a read-only file system): onus must write it. Make it writable for this user (or run as its owner), or give another --data.",
            path.display()
        )
    };
    let mut conn = Connection::open(&path).map_err(|e| format!("cannot open {}: {e}", path.display()))?;
    // SQLite opens a file it may not write read-only, without an error.
    if conn.is_readonly(rusqlite::DatabaseName::Main).map_err(sql)? {
        return Err(read_only());
    }
    conn.busy_timeout(BUSY_TIMEOUT).map_err(sql)?;
    let mode: String = conn.query_row("PRAGMA journal_mode=WAL", [], |r| r.get(0)).map_err(sql)?;
    if !mode.eq_ignore_ascii_case("wal") {
        return Err(format!("{} cannot use WAL mode (got {mode}); put the data folder on a local file system", path.display()));
    }
    conn.pragma_update(None, "synchronous", "FULL").map_err(sql)?;
    conn.pragma_update(None, "foreign_keys", "ON").map_err(sql)?;
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate).map_err(sql)?;
    let version: i64 = tx.query_row("PRAGMA user_version", [], |r| r.get(0)).map_err(sql)?;
    match version {
        0 => {
            tx.execute_batch(SCHEMA).map_err(sql)?;
            tx.pragma_update(None, "user_version", SCHEMA_VERSION).map_err(sql)?;
        }
        1 => {
            // Version 1 had only poll logs.
            tx.execute_batch("ALTER TABLE logs ADD COLUMN kind TEXT NOT NULL DEFAULT 'polls'").map_err(|e| match e.sqlite_error_code() {
                Some(rusqlite::ErrorCode::ReadOnly) => read_only(),
                _ => sql(e),
            })?;
            tx.pragma_update(None, "user_version", SCHEMA_VERSION).map_err(sql)?;
            eprintln!("onus: {}: schema brought from version 1 to {SCHEMA_VERSION} (a kind per log)", path.display());
        }
        SCHEMA_VERSION => {
            // A real write, committed: the probe that the database takes commits.
            tx.pragma_update(None, "user_version", SCHEMA_VERSION).map_err(|e| match e.sqlite_error_code() {
                Some(rusqlite::ErrorCode::ReadOnly) => read_only(),
                _ => sql(e),
            })?;
        }
        v => return Err(format!("{} has schema version {v}; this onus knows version {SCHEMA_VERSION}. Use a newer onus.", path.display())),
    }
    tx.commit().map_err(|e| match e.sqlite_error_code() {
        Some(rusqlite::ErrorCode::ReadOnly) => read_only(),
        _ => sql(e),
    })?;
    Ok(conn)
}

/// A read-only connection for the HTTP handlers (WAL lets them read while the writer writes).
pub fn open_reader(dir: &Path) -> Result<Connection, String> {
    let path = dir.join(DB_FILE);
    let conn = Connection::open(&path).map_err(|e| format!("cannot open {}: {e}", path.display()))?;
    conn.busy_timeout(BUSY_TIMEOUT).map_err(sql)?;
    conn.pragma_update(None, "query_only", "ON").map_err(sql)?;
    Ok(conn)
}

/// What a log takes (docs/SERVE.md, "Logs of a network").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogKind {
    /// Ballots, from anyone, for the log's polls.
    Polls,
    /// Any kind of statement, from the keys on the log's roster.
    Network,
}

impl LogKind {
    pub fn as_str(self) -> &'static str {
        match self {
            LogKind::Polls => "polls",
            LogKind::Network => "network",
        }
    }
    pub fn parse(s: &str) -> Result<LogKind, String> {
        match s {
            "polls" => Ok(LogKind::Polls),
            "network" => Ok(LogKind::Network),
            other => Err(format!("log kind {other:?} is not polls or network")),
        }
    }
}

#[derive(Debug, Clone)]
pub struct LogRow {
    pub db_id: i64,
    pub name: String,
    pub origin: String,
    pub public: Key,
    pub key_file: String,
    pub kind: LogKind,
}

type RawLogRow = (i64, String, String, String, String, String);

fn log_row(r: &rusqlite::Row) -> rusqlite::Result<RawLogRow> {
    Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?))
}

pub fn to_log_row((db_id, name, origin, public, key_file, kind): RawLogRow) -> Result<LogRow, String> {
    let public = statement::parse_key(&public).map_err(|e| format!("log {name}: stored public key: {e}"))?;
    let kind = LogKind::parse(&kind).map_err(|e| format!("log {name}: {e}"))?;
    Ok(LogRow { db_id, name, origin, public, key_file, kind })
}

/// Logs with a database id above `after`, in creation order.
pub fn logs_after(conn: &Connection, after: i64) -> Result<Vec<LogRow>, String> {
    let mut st = conn.prepare_cached("SELECT id, name, origin, public_key, key_file, kind FROM logs WHERE id > ?1 ORDER BY id").map_err(sql)?;
    let rows = st.query_map([after], log_row).map_err(sql)?.collect::<Result<Vec<_>, _>>().map_err(sql)?;
    rows.into_iter().map(to_log_row).collect()
}

pub fn find_log(conn: &Connection, name: &str) -> Result<Option<LogRow>, String> {
    let row = conn
        .query_row("SELECT id, name, origin, public_key, key_file, kind FROM logs WHERE name = ?1", [name], log_row)
        .optional()
        .map_err(sql)?;
    row.map(to_log_row).transpose()
}

/// One stored line.
pub struct StoredRow {
    pub seq: i64,
    pub idx: Option<i64>,
    pub id: Option<Vec<u8>>,
    pub leaf: Option<Vec<u8>>,
    pub size: Option<i64>,
    pub line: String,
}

/// Calls `f` on every line of log `log` after line `after_seq`, in order.
pub fn rows_after(conn: &Connection, log: i64, after_seq: i64, mut f: impl FnMut(StoredRow)) -> Result<(), String> {
    let mut st = conn.prepare_cached("SELECT seq, idx, id, leaf, size, line FROM lines WHERE log = ?1 AND seq > ?2 ORDER BY seq").map_err(sql)?;
    let mut rows = st.query(params![log, after_seq]).map_err(sql)?;
    while let Some(r) = rows.next().map_err(sql)? {
        f(StoredRow { seq: r.get(0).map_err(sql)?, idx: r.get(1).map_err(sql)?, id: r.get(2).map_err(sql)?, leaf: r.get(3).map_err(sql)?, size: r.get(4).map_err(sql)?, line: r.get(5).map_err(sql)? });
    }
    Ok(())
}

pub fn insert_statement(conn: &Connection, log: i64, seq: i64, idx: u64, id: &Id, leaf: &Hash, line: &str) -> rusqlite::Result<()> {
    let mut st = conn.prepare_cached("INSERT INTO lines (log, seq, idx, id, leaf, size, line) VALUES (?1, ?2, ?3, ?4, ?5, NULL, ?6)")?;
    st.execute(params![log, seq, idx as i64, &id.0[..], &leaf.0[..], line])?;
    Ok(())
}

pub fn insert_checkpoint(conn: &Connection, log: i64, seq: i64, size: u64, line: &str) -> rusqlite::Result<()> {
    let mut st = conn.prepare_cached("INSERT INTO lines (log, seq, idx, id, leaf, size, line) VALUES (?1, ?2, NULL, NULL, NULL, ?3, ?4)")?;
    st.execute(params![log, seq, size as i64, line])?;
    Ok(())
}

/// The next line number and statement index of a log.
pub fn next_positions(conn: &Connection, log: i64) -> Result<(i64, u64), String> {
    conn.query_row("SELECT coalesce(max(seq) + 1, 0), coalesce(max(idx) + 1, 0) FROM lines WHERE log = ?1", [log], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, i64>(1)? as u64)))
        .map_err(sql)
}

/// Lines `from..end` of a log (at most `max_lines`, stopping after about `max_bytes`),
/// each followed by a newline, and the line number to read next. One short read.
pub fn trace_batch(conn: &Connection, log: i64, from: i64, end: i64, max_lines: i64, max_bytes: usize) -> Result<(Vec<u8>, i64), String> {
    let mut st = conn.prepare_cached("SELECT seq, line FROM lines WHERE log = ?1 AND seq >= ?2 AND seq < ?3 ORDER BY seq LIMIT ?4").map_err(sql)?;
    let mut rows = st.query(params![log, from, end, max_lines]).map_err(sql)?;
    let mut lines = Lines::new(from, max_bytes);
    while let Some(row) = rows.next().map_err(sql)? {
        if !lines.push(row.get(0).map_err(sql)?, row.get_ref(1).map_err(sql)?.as_bytes().map_err(|e| e.to_string())?) {
            break;
        }
    }
    Ok(lines.batch(max_lines, end))
}

/// Statements `first .. first + count` of a log as an entry bundle (FORMAT.md section 8).
pub fn bundle(conn: &Connection, log: i64, first: u64, count: u64) -> Result<Vec<u8>, String> {
    let mut st = conn.prepare_cached("SELECT idx, line FROM lines WHERE log = ?1 AND idx >= ?2 AND idx < ?3 ORDER BY idx").map_err(sql)?;
    let mut rows = st.query(params![log, first as i64, (first + count) as i64]).map_err(sql)?;
    let mut lines = Lines::new(first as i64, usize::MAX);
    while let Some(row) = rows.next().map_err(sql)? {
        lines.push(row.get(0).map_err(sql)?, row.get_ref(1).map_err(sql)?.as_bytes().map_err(|e| e.to_string())?);
    }
    lines.bundle(first, count)
}

/// The statement line at index `idx` of a log.
pub fn statement_line(conn: &Connection, log: i64, idx: u64) -> Result<Option<String>, String> {
    conn.query_row("SELECT line FROM lines WHERE log = ?1 AND idx = ?2", params![log, idx as i64], |r| r.get(0)).optional().map_err(sql)
}

/// `[a-z0-9][a-z0-9-]{0,63}`: a log's name, used in URLs and file names.
pub fn valid_log_name(name: &str) -> bool {
    let b = name.as_bytes();
    !b.is_empty() && b.len() <= 64 && (b[0].is_ascii_lowercase() || b[0].is_ascii_digit()) && b.iter().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == b'-')
}

/// A statement signed by a log key, as its canonical line, id and leaf hash;
/// refused unless the core parses it back as a valid statement of that kind.
pub fn signed_line(key: &ed25519_dalek::SigningKey, kind: &str, time: i64, refs: &[Id], body: Json) -> Result<(String, Id, Hash), String> {
    let (line, st) = statement::sign_checked(key, &Draft { kind, time, refs, body })?;
    Ok((line, st.id, merkle::leaf_hash(&st.id, &st.sig)))
}

fn s(v: &str) -> Json {
    Json::Str(v.to_string())
}

/// Creates log `name` inside the caller's write transaction: its key, the log's
/// row, and its genesis `log` statement.
///
/// The key is written durably as `NAME.key.pending` *before* the transaction
/// commits, and named `NAME.key` only after ([`KeyFileGuard::keep`]): so a
/// `NAME.key` always has its log in the database, and a pending key whose log is
/// not there (the process died before the commit) never signed anything anyone
/// saw. Such a key is re-used if it is complete and for this origin, otherwise
/// moved aside. A `NAME.key` without its log is refused: it may have signed
/// checkpoints of a database that was lost, and must never sign a second history.
pub fn create_log(conn: &Connection, dir: &Path, spec: &LogSpec, now: i64) -> Result<(LogRow, ed25519_dalek::SigningKey, KeyFileGuard), String> {
    let new = prepare_log(dir, spec, now)?;
    conn.execute(
        "INSERT INTO logs (name, origin, public_key, key_file, created, kind) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![spec.name, spec.origin, statement::key_to_string(&new.public), new.key_file, statement::format_time(now), spec.kind.as_str()],
    )
    .map_err(sql)?;
    let db_id = conn.last_insert_rowid();
    let (line, id, leaf) = &new.genesis;
    insert_statement(conn, db_id, 0, 0, id, leaf, line).map_err(sql)?;
    Ok((LogRow { db_id, name: spec.name.into(), origin: spec.origin.into(), public: new.public, key_file: new.key_file, kind: spec.kind }, new.key, new.guard))
}

/// A log to create: its URL name, origin, kind, and the roster of its genesis statement.
pub struct LogSpec<'a> {
    pub name: &'a str,
    pub origin: &'a str,
    pub kind: LogKind,
    pub roster: &'a [statement::RosterEntry],
}

impl<'a> LogSpec<'a> {
    pub fn polls(name: &'a str, origin: &'a str) -> LogSpec<'a> {
        LogSpec { name, origin, kind: LogKind::Polls, roster: &[] }
    }
}

/// A roster entry as the body of a `log` or `roster` statement has it.
pub fn roster_json(e: &statement::RosterEntry) -> Json {
    Json::Obj(vec![("key".into(), s(&statement::key_to_string(&e.key))), ("name".into(), s(&e.name)), ("role".into(), s(&e.role))])
}

/// A log about to be created in a database: its key (pending until [`KeyFileGuard::keep`]) and
/// its genesis `log` statement (line, id, leaf), for either store (SQLite or PostgreSQL).
pub struct NewLog {
    pub key: ed25519_dalek::SigningKey,
    pub guard: KeyFileGuard,
    pub public: Key,
    pub key_file: String,
    pub genesis: (String, Id, Hash),
}

/// Checks the name and origin, and makes the key file (pending) and the genesis statement; see [`create_log`].
pub fn prepare_log(dir: &Path, spec: &LogSpec, now: i64) -> Result<NewLog, String> {
    let (name, origin) = (spec.name, spec.origin);
    if !valid_log_name(name) {
        return Err(format!("log name {name:?} must be 1 to 64 of a-z, 0-9 and '-' (it is used in URLs and file names)"));
    }
    if !note::valid_name(origin) {
        return Err(format!("origin {origin:?} must be non-empty with no spaces, control characters or '+' (C2SP tlog-checkpoint)"));
    }
    let key_file = format!("{name}.key");
    let path = dir.join(&key_file);
    if path.exists() {
        return Err(format!(
            "{} exists but the database has no log {name:?}. A log key must never sign two histories: move the old key away if you really start over, or restore the database that goes with it.",
            path.display()
        ));
    }
    let pending = pending_path(&path);
    let key = match reuse_pending(&pending, origin, now)? {
        Some(key) => key,
        None => {
            let key = crate::keyfile::generate()?;
            crate::keyfile::write_new(&pending, origin, &key)?;
            key
        }
    };
    let guard = KeyFileGuard { pending: Some(pending), path };
    let public = Key::of(&key);
    let body = Json::Obj(vec![("origin".into(), s(origin)), ("roster".into(), Json::Arr(spec.roster.iter().map(roster_json).collect()))]);
    let genesis = signed_line(&key, "log", now, &[], body)?;
    Ok(NewLog { key, guard, public, key_file, genesis })
}

fn pending_path(key_path: &Path) -> PathBuf {
    let mut p = key_path.as_os_str().to_owned();
    p.push(".pending");
    PathBuf::from(p)
}

/// A pending key left by a start that died before its commit: the key if it is
/// complete and for `origin`, else None after moving it aside.
fn reuse_pending(pending: &Path, origin: &str, now: i64) -> Result<Option<ed25519_dalek::SigningKey>, String> {
    if std::fs::symlink_metadata(pending).is_err() {
        return Ok(None);
    }
    let why = match crate::keyfile::load(pending) {
        Ok(k) if k.name == origin => {
            eprintln!("onus: re-using {}, the key of a start that stopped before its log was stored (it signed nothing anyone saw)", pending.display());
            return Ok(Some(k.key));
        }
        Ok(k) => format!("it is a key for {:?}, not {origin:?}", k.name),
        Err(e) => e,
    };
    let mut aside = pending.with_extension(format!("unused-{now}"));
    for i in 1.. {
        if std::fs::symlink_metadata(&aside).is_err() {
            break;
        }
        aside = pending.with_extension(format!("unused-{now}-{i}"));
    }
    std::fs::rename(pending, &aside).map_err(|e| format!("cannot move {} aside: {e}", pending.display()))?;
    crate::keyfile::sync_parent(pending)?;
    eprintln!("onus: WARNING: moved {} aside to {} ({why}); it was left by a start that stopped before its log was stored and signed nothing anyone saw", pending.display(), aside.display());
    Ok(None)
}

/// The pending key file becomes `NAME.key`, durably.
fn finish_pending(pending: &Path, path: &Path) -> Result<(), String> {
    std::fs::rename(pending, path).map_err(|e| format!("cannot rename {} to {}: {e}", pending.display(), path.display()))?;
    crate::keyfile::sync_parent(path)
}

/// The logs' signing keys, loaded once each from the data folder; a key that
/// cannot be loaded is reported once (the log is not sealed, the rest go on).
pub struct LogKeys {
    dir: std::path::PathBuf,
    keys: std::collections::HashMap<i64, ed25519_dalek::SigningKey>,
    trouble: std::collections::HashSet<i64>,
}

impl LogKeys {
    pub fn new(dir: std::path::PathBuf) -> LogKeys {
        LogKeys { dir, keys: Default::default(), trouble: Default::default() }
    }

    pub fn get(&mut self, log: &super::state::LogState) -> Option<ed25519_dalek::SigningKey> {
        if let Some(k) = self.keys.get(&log.db_id) {
            return Some(k.clone());
        }
        match load_log_key(&self.dir, &log.name, &log.key_file, &log.public) {
            Ok(k) => {
                self.keys.insert(log.db_id, k.clone());
                Some(k)
            }
            Err(e) => {
                if self.trouble.insert(log.db_id) {
                    eprintln!("onus serve: WARNING: cannot seal log {}: {e}", log.name);
                }
                None
            }
        }
    }
}

/// The signing key of a log, from its key file (finishing a key file left
/// pending by a process that died right after its log committed).
pub fn load_log_key(dir: &Path, log_name: &str, key_file: &str, public: &Key) -> Result<ed25519_dalek::SigningKey, String> {
    let path = dir.join(key_file);
    let pending = pending_path(&path);
    if std::fs::symlink_metadata(&path).is_err() && std::fs::symlink_metadata(&pending).is_ok() {
        if let Ok(k) = crate::keyfile::load(&pending) {
            if Key::of(&k.key) == *public {
                // Another process may have finished it meanwhile.
                if let Err(e) = finish_pending(&pending, &path) {
                    if std::fs::symlink_metadata(&path).is_err() {
                        return Err(e);
                    }
                }
                eprintln!("onus: {} is the key of log {log_name} (the process that created the log stopped before naming it)", path.display());
            }
        }
    }
    let k = crate::keyfile::load(&path)?;
    if Key::of(&k.key) != *public {
        return Err(format!("{} does not hold the key of log {log_name}", path.display()));
    }
    Ok(k.key)
}

/// The key of a log being created: named `NAME.key` by [`KeyFileGuard::keep`]
/// once the transaction that records its log has committed; removed if dropped
/// before (the transaction did not commit, nothing was signed for anyone).
pub struct KeyFileGuard {
    pending: Option<PathBuf>,
    path: PathBuf,
}

impl KeyFileGuard {
    pub fn keep(mut self) -> Result<(), String> {
        match self.pending.take() {
            Some(p) => finish_pending(&p, &self.path),
            None => Ok(()),
        }
    }
}

impl Drop for KeyFileGuard {
    fn drop(&mut self) {
        if let Some(p) = self.pending.take() {
            let _ = std::fs::remove_file(p);
        }
    }
}

/// What a poll asks.
pub struct PollSpec<'a> {
    pub question: &'a str,
    pub options: &'a [String],
    pub closes: i64,
    /// Results may be shown before voting (`"show_results":"always"` in the body).
    pub show_results_always: bool,
}

/// Appends a `poll` statement signed by the log key inside the caller's write transaction.
pub fn append_poll(conn: &Connection, log: &LogRow, key: &ed25519_dalek::SigningKey, poll: &PollSpec, now: i64) -> Result<(Id, u64), String> {
    let (line, id, leaf) = poll_line(log, key, poll, now)?;
    let (seq, idx) = next_positions(conn, log.db_id)?;
    insert_statement(conn, log.db_id, seq, idx, &id, &leaf, &line).map_err(sql)?;
    Ok((id, idx))
}

/// A `poll` statement signed by the log key: its line, id and leaf hash.
pub fn poll_line(log: &LogRow, key: &ed25519_dalek::SigningKey, poll: &PollSpec, now: i64) -> Result<(String, Id, Hash), String> {
    if Key::of(key) != log.public {
        return Err(format!("the key file {} does not hold the key of log {}", log.key_file, log.name));
    }
    let mut body = vec![
        ("question".to_string(), s(poll.question)),
        ("options".to_string(), Json::Arr(poll.options.iter().map(|o| s(o)).collect())),
        ("closes".to_string(), s(&statement::format_time(poll.closes))),
    ];
    if poll.show_results_always {
        body.push(("show_results".to_string(), s("always")));
    }
    signed_line(key, "poll", now, &[], Json::Obj(body))
}
