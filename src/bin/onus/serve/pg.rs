//! The collector on PostgreSQL (`onus serve --db postgres://…`, docs/SERVE.md):
//! any number of frontends share one database.
//!
//! - Sequencing: a write transaction locks the rows of the logs it appends to
//!   (`SELECT … FOR UPDATE`), reads what other frontends appended since it last
//!   looked, and appends after it; a ballot is answered only after its commit.
//!   The lock makes indexes contiguous; the unique indexes on (log, idx) and
//!   (log, id) make a duplicate or a reused index impossible even so.
//! - Sealing: one frontend at a time per log, by a lease row (`leases`) with an
//!   expiry in the database's clock, taken and renewed inside the sealing
//!   transaction. Correctness does not rest on the lease: a checkpoint is signed
//!   under the log's row lock over every statement committed before it, so two
//!   checkpoints always describe prefixes of one sequence.
//! - SQL: plain tables, `FOR UPDATE`, `ON CONFLICT`, partial unique indexes and
//!   `now()`; no advisory locks, LISTEN/NOTIFY, sequences or extensions, so that
//!   CockroachDB and YugabyteDB run it too (docs/SERVE.md says what was checked).

use super::backend::{Backend, Lines, Reader};
use super::store::{self, LogRow, StoredRow};
use onus::statement::{self, Hash, Id};
use postgres::{Client, NoTls};
use std::path::Path;
use std::time::Duration;

/// The schema, one migration per version; `onus_schema` holds the version reached.
const MIGRATIONS: &[&str] = &["
CREATE TABLE logs (
  id         BIGINT PRIMARY KEY,
  name       TEXT NOT NULL UNIQUE,
  origin     TEXT NOT NULL,
  public_key TEXT NOT NULL,
  key_file   TEXT NOT NULL,
  created    TEXT NOT NULL
);
CREATE TABLE lines (
  log  BIGINT NOT NULL REFERENCES logs(id),
  seq  BIGINT NOT NULL,
  idx  BIGINT,
  id   BYTEA,
  leaf BYTEA,
  size BIGINT,
  line TEXT NOT NULL,
  PRIMARY KEY (log, seq)
);
CREATE UNIQUE INDEX lines_by_idx ON lines(log, idx) WHERE idx IS NOT NULL;
CREATE UNIQUE INDEX lines_by_id ON lines(log, id) WHERE id IS NOT NULL;
CREATE TABLE leases (
  log     BIGINT PRIMARY KEY REFERENCES logs(id),
  holder  TEXT NOT NULL,
  expires TIMESTAMPTZ NOT NULL
);
", "
ALTER TABLE logs ADD COLUMN kind TEXT NOT NULL DEFAULT 'polls';
"];
/// The schema version this onus writes.
pub const SCHEMA_VERSION: i32 = MIGRATIONS.len() as i32;

pub fn pg(e: postgres::Error) -> String {
    match e.as_db_error() {
        Some(db) => format!("PostgreSQL: {} ({})", db.message(), db.code().code()),
        None => format!("PostgreSQL: {e}"),
    }
}

/// The URL without its password, for messages.
pub fn redacted(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(s), Some(at)) if at > s => {
            let cred = &url[s + 3..at];
            let user = cred.split(':').next().unwrap_or("");
            format!("{}{user}{}", &url[..s + 3], &url[at..])
        }
        _ => url.to_string(),
    }
}

pub fn connect(url: &str) -> Result<Client, String> {
    let mut config: postgres::Config = url.parse().map_err(|e| format!("--db {}: not a PostgreSQL URL ({e}); e.g. postgres://user@127.0.0.1:5432/onus", redacted(url)))?;
    config.connect_timeout(Duration::from_secs(10));
    config.application_name("onus serve");
    config.connect(NoTls).map_err(|e| format!("cannot connect to {}: {}. Is PostgreSQL running there, and may this user connect?", redacted(url), pg(e)))
}

/// Connects and brings the schema to [`SCHEMA_VERSION`], refusing a database that is newer.
pub fn open(url: &str) -> Result<Client, String> {
    let mut c = connect(url)?;
    // Two frontends starting at once may both try to create the table: the loser retries.
    for attempt in 0.. {
        let made = c.batch_execute("CREATE TABLE IF NOT EXISTS onus_schema (k TEXT PRIMARY KEY, version INT NOT NULL); INSERT INTO onus_schema (k, version) VALUES ('onus', 0) ON CONFLICT (k) DO NOTHING;");
        match made {
            Ok(()) => break,
            Err(_) if attempt < 3 => std::thread::sleep(Duration::from_millis(200)),
            Err(e) => return Err(format!("{}: cannot create the schema table: {}", redacted(url), pg(e))),
        }
    }
    let mut tx = c.transaction().map_err(pg)?;
    let version: i32 = tx.query_one("SELECT version FROM onus_schema WHERE k = 'onus' FOR UPDATE", &[]).map_err(pg)?.get(0);
    if version > SCHEMA_VERSION {
        return Err(format!(
            "the database {} has onus schema version {version}; this onus knows versions up to {SCHEMA_VERSION}. A newer onus wrote it: run that version (or newer) of onus.",
            redacted(url)
        ));
    }
    for (i, m) in MIGRATIONS.iter().enumerate().skip(version as usize) {
        tx.batch_execute(m).map_err(|e| format!("{}: migration to schema version {}: {}", redacted(url), i + 1, pg(e)))?;
    }
    if version < SCHEMA_VERSION {
        tx.execute("UPDATE onus_schema SET version = $1 WHERE k = 'onus'", &[&SCHEMA_VERSION]).map_err(pg)?;
        eprintln!("onus serve: {}: onus schema at version {SCHEMA_VERSION} (was {version})", redacted(url));
    }
    tx.commit().map_err(pg)?;
    Ok(c)
}

fn log_row(r: &postgres::Row) -> Result<LogRow, String> {
    store::to_log_row((r.get(0), r.get(1), r.get(2), r.get(3), r.get(4), r.get(5)))
}

fn stored_row(r: &postgres::Row) -> StoredRow {
    StoredRow { seq: r.get(0), idx: r.get(1), id: r.get(2), leaf: r.get(3), size: r.get(4), line: r.get(5) }
}

/// On first start (no logs yet): `name` with the example poll, created by exactly one frontend.
pub fn ensure_default(c: &mut Client, dir: &Path, name: &str, origin: &str, poll: &store::PollSpec, now: i64) -> Result<bool, String> {
    let mut tx = c.transaction().map_err(pg)?;
    // The schema row serialises first starts.
    tx.query_one("SELECT version FROM onus_schema WHERE k = 'onus' FOR UPDATE", &[]).map_err(pg)?;
    let logs: i64 = tx.query_one("SELECT count(*) FROM logs", &[]).map_err(pg)?.get(0);
    if logs > 0 {
        return Ok(false);
    }
    let (row, new) = create_log(&mut tx, dir, &store::LogSpec::polls(name, origin), now)?;
    let (line, id, leaf) = store::poll_line(&row, &new.key, poll, now)?;
    insert_statement(&mut tx, row.db_id, 1, 1, &id, &leaf, &line)?;
    tx.commit().map_err(pg)?;
    new.guard.keep()?;
    Ok(true)
}

/// `onus poll create --db`: a poll signed by the log's key (from `dir`) appended to log
/// `name`, which is created (with its key in `dir`) if the database has no such log.
/// Running frontends read it within half a second.
pub fn append_poll(c: &mut Client, dir: &Path, name: &str, origin: &str, poll: &store::PollSpec, now: i64) -> Result<(Id, u64, bool), String> {
    let mut tx = c.transaction().map_err(pg)?;
    // The schema row serialises log creation with first starts.
    tx.query_one("SELECT version FROM onus_schema WHERE k = 'onus' FOR UPDATE", &[]).map_err(pg)?;
    let found = tx.query_opt("SELECT id, name, origin, public_key, key_file, kind FROM logs WHERE name = $1 FOR UPDATE", &[&name]).map_err(pg)?;
    let (row, key, guard) = match found {
        Some(r) => {
            let row = log_row(&r)?;
            let key = store::load_log_key(dir, &row.name, &row.key_file, &row.public)?;
            (row, key, None)
        }
        None => {
            let (row, new) = create_log(&mut tx, dir, &store::LogSpec::polls(name, origin), now)?;
            (row, new.key, Some(new.guard))
        }
    };
    let (line, id, leaf) = store::poll_line(&row, &key, poll, now)?;
    let next = tx.query_one("SELECT coalesce(max(seq) + 1, 0), coalesce(max(idx) + 1, 0) FROM lines WHERE log = $1", &[&row.db_id]).map_err(pg)?;
    let (seq, idx): (i64, i64) = (next.get(0), next.get(1));
    insert_statement(&mut tx, row.db_id, seq, idx as u64, &id, &leaf, &line)?;
    tx.commit().map_err(pg)?;
    let created = guard.is_some();
    if let Some(g) = guard {
        g.keep()?;
    }
    Ok((id, idx as u64, created))
}

/// Inserts a new log and its genesis statement inside the caller's transaction,
/// which must hold the schema row (log ids are max + 1: no sequences, see the top).
fn create_log(tx: &mut postgres::Transaction, dir: &Path, spec: &store::LogSpec, now: i64) -> Result<(LogRow, store::NewLog), String> {
    if tx.query_opt("SELECT 1 FROM logs WHERE name = $1", &[&spec.name]).map_err(pg)?.is_some() {
        return Err(format!("the database already has a log named {:?}", spec.name));
    }
    let new = store::prepare_log(dir, spec, now)?;
    let db_id: i64 = tx.query_one("SELECT coalesce(max(id), 0) + 1 FROM logs", &[]).map_err(pg)?.get(0);
    tx.execute(
        "INSERT INTO logs (id, name, origin, public_key, key_file, created, kind) VALUES ($1, $2, $3, $4, $5, $6, $7)",
        &[&db_id, &spec.name, &spec.origin, &statement::key_to_string(&new.public), &new.key_file, &statement::format_time(now), &spec.kind.as_str()],
    )
    .map_err(pg)?;
    let (line, id, leaf) = &new.genesis;
    insert_statement(tx, db_id, 0, 0, id, leaf, line)?;
    let row = LogRow { db_id, name: spec.name.into(), origin: spec.origin.into(), public: new.public, key_file: new.key_file.clone(), kind: spec.kind };
    Ok((row, new))
}

/// `onus log create --db`: a new log (its key in `dir`).
pub fn add_log(c: &mut Client, dir: &Path, spec: &store::LogSpec, now: i64) -> Result<LogRow, String> {
    let mut tx = c.transaction().map_err(pg)?;
    tx.query_one("SELECT version FROM onus_schema WHERE k = 'onus' FOR UPDATE", &[]).map_err(pg)?;
    let (row, new) = create_log(&mut tx, dir, spec, now)?;
    tx.commit().map_err(pg)?;
    new.guard.keep()?;
    Ok(row)
}

/// `onus log roster --db`: a statement signed by the log key (from `dir`) appended to log `name`.
pub fn append_signed(c: &mut Client, dir: &Path, name: &str, make: impl FnOnce(&LogRow, &ed25519_dalek::SigningKey) -> Result<(String, Id, Hash), String>) -> Result<(Id, u64), String> {
    let mut tx = c.transaction().map_err(pg)?;
    let Some(r) = tx.query_opt("SELECT id, name, origin, public_key, key_file, kind FROM logs WHERE name = $1 FOR UPDATE", &[&name]).map_err(pg)? else {
        return Err(format!("the database has no log named {name:?}"));
    };
    let row = log_row(&r)?;
    let key = store::load_log_key(dir, &row.name, &row.key_file, &row.public)?;
    let (line, id, leaf) = make(&row, &key)?;
    let next = tx.query_one("SELECT coalesce(max(seq) + 1, 0), coalesce(max(idx) + 1, 0) FROM lines WHERE log = $1", &[&row.db_id]).map_err(pg)?;
    let (seq, idx): (i64, i64) = (next.get(0), next.get(1));
    insert_statement(&mut tx, row.db_id, seq, idx as u64, &id, &leaf, &line)?;
    tx.commit().map_err(pg)?;
    Ok((id, idx as u64))
}

fn insert_statement(c: &mut impl postgres::GenericClient, log: i64, seq: i64, idx: u64, id: &Id, leaf: &Hash, line: &str) -> Result<(), String> {
    c.execute("INSERT INTO lines (log, seq, idx, id, leaf, size, line) VALUES ($1, $2, $3, $4, $5, NULL, $6)", &[&log, &seq, &(idx as i64), &&id.0[..], &&leaf.0[..], &line]).map_err(pg)?;
    Ok(())
}

/// The writer's and the publisher's connection; reconnects after the database went away.
pub struct Pg {
    url: String,
    client: Option<Client>,
    /// Statements prepared on this connection (one round trip each, once; cleared on reconnect).
    prepared: std::collections::HashMap<&'static str, postgres::Statement>,
    /// Who holds a lease: this process, unique across restarts.
    holder: String,
    lease: Duration,
    in_tx: bool,
}

impl Pg {
    pub fn new(url: &str, client: Client, holder: String, lease: Duration) -> Pg {
        Pg { url: url.to_string(), client: Some(client), prepared: std::collections::HashMap::new(), holder, lease, in_tx: false }
    }

    fn client(&mut self) -> Result<&mut Client, String> {
        if self.client.as_ref().is_none_or(|c| c.is_closed()) {
            self.client = None;
            self.in_tx = false;
            self.prepared.clear();
            let c = connect(&self.url)?;
            eprintln!("onus serve: reconnected to {}", redacted(&self.url));
            self.client = Some(c);
        }
        Ok(self.client.as_mut().expect("connected"))
    }

    fn exec(&mut self, sql: &str) -> Result<(), String> {
        self.client()?.batch_execute(sql).map_err(pg)
    }

    /// The connected client and `sql` prepared on it.
    fn prepare(&mut self, sql: &'static str) -> Result<(&mut Client, postgres::Statement), String> {
        self.client()?;
        let c = self.client.as_mut().expect("connected");
        let st = match self.prepared.get(sql) {
            Some(st) => st.clone(),
            None => {
                let st = c.prepare(sql).map_err(pg)?;
                self.prepared.insert(sql, st.clone());
                st
            }
        };
        Ok((c, st))
    }

    fn lease_ms(&self) -> f64 {
        self.lease.as_secs_f64() * 1000.0
    }
}

impl Backend for Pg {
    fn begin(&mut self, logs: &[i64]) -> Result<(), String> {
        self.exec("BEGIN")?;
        self.in_tx = true;
        let mut ids = logs.to_vec();
        ids.sort_unstable();
        ids.dedup();
        // In id order: two frontends never wait for each other in a cycle.
        let locked = self.prepare("SELECT id FROM logs WHERE id = ANY($1) ORDER BY id FOR UPDATE").and_then(|(c, st)| c.query(&st, &[&ids]).map_err(pg));
        if let Err(e) = locked {
            self.rollback();
            return Err(e);
        }
        Ok(())
    }
    fn others_wrote(&mut self) -> Result<bool, String> {
        Ok(true)
    }
    fn shared(&self) -> bool {
        true
    }
    fn logs_after(&mut self, after: i64) -> Result<Vec<LogRow>, String> {
        let rows = self.client()?.query("SELECT id, name, origin, public_key, key_file, kind FROM logs WHERE id > $1 ORDER BY id", &[&after]).map_err(pg)?;
        rows.iter().map(log_row).collect()
    }
    fn rows_after(&mut self, log: i64, after_seq: i64, f: &mut dyn FnMut(StoredRow)) -> Result<(), String> {
        // In slices: a frontend that starts on a large log does not hold one huge result.
        let mut after = after_seq;
        loop {
            let (c, st) = self.prepare("SELECT seq, idx, id, leaf, size, line FROM lines WHERE log = $1 AND seq > $2 ORDER BY seq LIMIT 65536")?;
            let rows = c.query(&st, &[&log, &after]).map_err(pg)?;
            let n = rows.len();
            for r in &rows {
                let row = stored_row(r);
                after = row.seq;
                f(row);
            }
            if n < 65536 {
                return Ok(());
            }
        }
    }
    fn insert_statement(&mut self, log: i64, seq: i64, idx: u64, id: &Id, leaf: &Hash, line: &str) -> Result<(), String> {
        insert_statement(self.client()?, log, seq, idx, id, leaf, line)
    }
    fn insert_statements(&mut self, rows: &[super::backend::NewRow]) -> Result<(), String> {
        // One INSERT per log for the whole batch: the round trips, not PostgreSQL, are what
        // the log's row lock is held for (docs/SERVE.md, "More than one machine").
        let mut logs: Vec<i64> = rows.iter().map(|r| r.log).collect();
        logs.sort_unstable();
        logs.dedup();
        for log in logs {
            let of = rows.iter().filter(|r| r.log == log);
            let seqs: Vec<i64> = of.clone().map(|r| r.seq).collect();
            let idxs: Vec<i64> = of.clone().map(|r| r.idx as i64).collect();
            let ids: Vec<Vec<u8>> = of.clone().map(|r| r.id.0.to_vec()).collect();
            let leaves: Vec<Vec<u8>> = of.clone().map(|r| r.leaf.0.to_vec()).collect();
            let lines: Vec<&str> = of.map(|r| r.line).collect();
            let (c, st) = self.prepare(
                "INSERT INTO lines (log, seq, idx, id, leaf, size, line) SELECT $1, u.seq, u.idx, u.id, u.leaf, NULL, u.line FROM unnest($2::BIGINT[], $3::BIGINT[], $4::BYTEA[], $5::BYTEA[], $6::TEXT[]) AS u(seq, idx, id, leaf, line)",
            )?;
            c.execute(&st, &[&log, &seqs, &idxs, &ids, &leaves, &lines]).map_err(pg)?;
        }
        Ok(())
    }
    fn insert_checkpoint(&mut self, log: i64, seq: i64, size: u64, line: &str) -> Result<(), String> {
        self.client()?.execute("INSERT INTO lines (log, seq, idx, id, leaf, size, line) VALUES ($1, $2, NULL, NULL, NULL, $3, $4)", &[&log, &seq, &(size as i64), &line]).map_err(pg)?;
        Ok(())
    }
    fn next_seq(&mut self, log: i64) -> Result<i64, String> {
        Ok(self.client()?.query_one("SELECT coalesce(max(seq) + 1, 0) FROM lines WHERE log = $1", &[&log]).map_err(pg)?.get(0))
    }
    fn commit(&mut self) -> Result<(), String> {
        self.in_tx = false;
        let r = self.exec("COMMIT");
        if r.is_err() {
            // A failed COMMIT leaves nothing committed; make sure the connection is usable again.
            let _ = self.exec("ROLLBACK");
        }
        r
    }
    fn rollback(&mut self) {
        if self.in_tx {
            self.in_tx = false;
            if let Some(c) = self.client.as_mut() {
                let _ = c.batch_execute("ROLLBACK");
            }
        }
    }
    fn take_lease(&mut self, log: i64) -> Result<bool, String> {
        let ms = self.lease_ms();
        let holder = self.holder.clone();
        let c = self.client()?;
        let row = c.query_opt("SELECT holder, expires > now() FROM leases WHERE log = $1 FOR UPDATE", &[&log]).map_err(pg)?;
        if let Some(r) = &row {
            let (by, live): (String, bool) = (r.get(0), r.get(1));
            if live && by != holder {
                return Ok(false);
            }
            if by != holder {
                eprintln!("onus serve: log {log}: the sealer {by} let its lease lapse; this frontend ({holder}) seals from now on");
            }
        }
        c.execute(
            "INSERT INTO leases (log, holder, expires) VALUES ($1, $2, now() + $3 * interval '1 millisecond') ON CONFLICT (log) DO UPDATE SET holder = excluded.holder, expires = excluded.expires",
            &[&log, &holder, &ms],
        )
        .map_err(pg)?;
        Ok(true)
    }
    fn holds_lease(&mut self, log: i64) -> Result<bool, String> {
        let holder = self.holder.clone();
        let row = self.client()?.query_opt("SELECT 1 FROM leases WHERE log = $1 AND holder = $2 AND expires > now()", &[&log, &holder]).map_err(pg)?;
        Ok(row.is_some())
    }
    fn bundle(&mut self, log: i64, first: u64, count: u64) -> Result<Vec<u8>, String> {
        bundle(self.client()?, log, first, count)
    }
}

fn bundle(c: &mut Client, log: i64, first: u64, count: u64) -> Result<Vec<u8>, String> {
    let rows = c.query("SELECT idx, line FROM lines WHERE log = $1 AND idx >= $2 AND idx < $3 ORDER BY idx", &[&log, &(first as i64), &((first + count) as i64)]).map_err(pg)?;
    let mut lines = Lines::new(first as i64, usize::MAX);
    for r in &rows {
        lines.push(r.get(0), r.get::<_, &str>(1).as_bytes());
    }
    lines.bundle(first, count)
}

/// A read connection for the HTTP handlers.
pub struct PgReader {
    url: String,
    client: Option<Client>,
}

impl PgReader {
    pub fn new(url: &str) -> PgReader {
        PgReader { url: url.to_string(), client: None }
    }
    fn client(&mut self) -> Result<&mut Client, String> {
        if self.client.as_ref().is_none_or(|c| c.is_closed()) {
            self.client = Some(connect(&self.url)?);
        }
        Ok(self.client.as_mut().expect("connected"))
    }
}

impl Reader for PgReader {
    fn trace_batch(&mut self, log: i64, from: i64, end: i64, max_lines: i64, max_bytes: usize) -> Result<(Vec<u8>, i64), String> {
        let rows = self.client()?.query("SELECT seq, line FROM lines WHERE log = $1 AND seq >= $2 AND seq < $3 ORDER BY seq LIMIT $4", &[&log, &from, &end, &max_lines]).map_err(pg)?;
        let mut lines = Lines::new(from, max_bytes);
        for r in &rows {
            if !lines.push(r.get(0), r.get::<_, &str>(1).as_bytes()) {
                break;
            }
        }
        Ok(lines.batch(max_lines, end))
    }
    fn statement_line(&mut self, log: i64, idx: u64) -> Result<Option<String>, String> {
        let row = self.client()?.query_opt("SELECT line FROM lines WHERE log = $1 AND idx = $2", &[&log, &(idx as i64)]).map_err(pg)?;
        Ok(row.map(|r| r.get(0)))
    }
    fn bundle(&mut self, log: i64, first: u64, count: u64) -> Result<Vec<u8>, String> {
        bundle(self.client()?, log, first, count)
    }
}
