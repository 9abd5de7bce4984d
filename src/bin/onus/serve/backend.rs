//! What the writer and the publisher need of a database, so that one writer
//! serves both stores: SQLite (one machine, the default) and PostgreSQL
//! (several frontends on one database, [`super::pg`]).
//!
//! The writer's rule is the same for both: a write transaction first holds
//! the logs it writes ([`Backend::begin`]), then reads what others appended
//! to them since it last looked, then appends after it. So indexes are
//! contiguous and assigned once, whoever else writes the database.

use super::store::{self, sql, LogRow, StoredRow};
use onus::statement::{Hash, Id};
use rusqlite::Connection;

/// A statement line to append: where, and what was recorded of it.
pub struct NewRow<'a> {
    pub log: i64,
    pub seq: i64,
    pub idx: u64,
    pub id: Id,
    pub leaf: Hash,
    pub line: &'a str,
}

/// Lines read in order for a trace batch or an entry bundle, each followed by
/// a newline: the one way both stores join them.
pub struct Lines {
    buf: Vec<u8>,
    n: u64,
    last: i64,
    max_bytes: usize,
}

impl Lines {
    /// A batch from line `from`, full at about `max_bytes` (`usize::MAX`: no limit).
    pub fn new(from: i64, max_bytes: usize) -> Lines {
        Lines { buf: Vec::new(), n: 0, last: from - 1, max_bytes }
    }

    /// Adds line `seq`; false once the batch is full.
    pub fn push(&mut self, seq: i64, line: &[u8]) -> bool {
        self.last = seq;
        self.buf.extend_from_slice(line);
        self.buf.push(b'\n');
        self.n += 1;
        self.buf.len() < self.max_bytes
    }

    /// The bytes of a trace batch of at most `max_lines` of `from..end`, and the line to read next.
    pub fn batch(self, max_lines: i64, end: i64) -> (Vec<u8>, i64) {
        let next = if self.n == max_lines as u64 || self.buf.len() >= self.max_bytes { self.last + 1 } else { end };
        (self.buf, next)
    }

    /// An entry bundle of statements `first .. first + count`, or how many the database holds.
    pub fn bundle(self, first: u64, count: u64) -> Result<Vec<u8>, String> {
        if self.n != count {
            return Err(format!("the database holds {} of statements {first}..{} of this log", self.n, first + count));
        }
        Ok(self.buf)
    }
}

pub trait Backend: Send {
    /// Starts a write transaction in which no one else appends to `logs` (database ids).
    fn begin(&mut self, logs: &[i64]) -> Result<(), String>;
    /// Whether others may have written since this was last asked (SQLite: its data version;
    /// PostgreSQL: always, as other frontends write all the time).
    fn others_wrote(&mut self) -> Result<bool, String>;
    /// Whether other processes write all the time (then the writer reads only the logs it holds).
    fn shared(&self) -> bool;
    fn logs_after(&mut self, after: i64) -> Result<Vec<LogRow>, String>;
    fn rows_after(&mut self, log: i64, after_seq: i64, f: &mut dyn FnMut(StoredRow)) -> Result<(), String>;
    fn insert_statement(&mut self, log: i64, seq: i64, idx: u64, id: &Id, leaf: &Hash, line: &str) -> Result<(), String>;
    /// A batch of statements, in order (the writer's group commit).
    fn insert_statements(&mut self, rows: &[NewRow]) -> Result<(), String> {
        rows.iter().try_for_each(|r| self.insert_statement(r.log, r.seq, r.idx, &r.id, &r.leaf, r.line))
    }
    fn insert_checkpoint(&mut self, log: i64, seq: i64, size: u64, line: &str) -> Result<(), String>;
    /// Inside a transaction holding `log`: the line number of its next line, as stored.
    fn next_seq(&mut self, log: i64) -> Result<i64, String>;
    fn commit(&mut self) -> Result<(), String>;
    fn rollback(&mut self);
    /// Inside a transaction that holds `log`: takes or renews this process's lease on sealing
    /// it; false while another live process holds it.
    fn take_lease(&mut self, log: i64) -> Result<bool, String>;
    /// [`Backend::take_lease`] in a short transaction of its own.
    fn take_lease_alone(&mut self, log: i64) -> Result<bool, String> {
        self.begin(&[log])?;
        match self.take_lease(log) {
            Ok(ours) => self.commit().map(|()| ours),
            Err(e) => {
                self.rollback();
                Err(e)
            }
        }
    }
    /// Whether this process still holds the lease on sealing `log` (outside a transaction).
    fn holds_lease(&mut self, log: i64) -> Result<bool, String>;
    /// Statements `first .. first + count` of a log as an entry bundle.
    fn bundle(&mut self, log: i64, first: u64, count: u64) -> Result<Vec<u8>, String>;
}

/// The SQLite store: `BEGIN IMMEDIATE` holds the whole database, and there is
/// one collector per data folder, so the lease is always this process's.
pub struct Sqlite {
    pub conn: Connection,
    pub data_version: i64,
}

impl Sqlite {
    /// `data_version` must be read before the state is loaded, so that what is committed meanwhile is read again.
    pub fn new(conn: Connection) -> Result<Sqlite, String> {
        let data_version = conn.query_row("PRAGMA data_version", [], |r| r.get(0)).map_err(sql)?;
        Ok(Sqlite { conn, data_version })
    }
}

impl Backend for Sqlite {
    fn begin(&mut self, _logs: &[i64]) -> Result<(), String> {
        self.conn.execute_batch("BEGIN IMMEDIATE").map_err(sql)
    }
    fn others_wrote(&mut self) -> Result<bool, String> {
        let dv: i64 = self.conn.query_row("PRAGMA data_version", [], |r| r.get(0)).map_err(sql)?;
        let changed = dv != self.data_version;
        self.data_version = dv;
        Ok(changed)
    }
    fn shared(&self) -> bool {
        false
    }
    fn logs_after(&mut self, after: i64) -> Result<Vec<LogRow>, String> {
        store::logs_after(&self.conn, after)
    }
    fn rows_after(&mut self, log: i64, after_seq: i64, f: &mut dyn FnMut(StoredRow)) -> Result<(), String> {
        store::rows_after(&self.conn, log, after_seq, f)
    }
    fn insert_statement(&mut self, log: i64, seq: i64, idx: u64, id: &Id, leaf: &Hash, line: &str) -> Result<(), String> {
        store::insert_statement(&self.conn, log, seq, idx, id, leaf, line).map_err(sql)
    }
    fn insert_checkpoint(&mut self, log: i64, seq: i64, size: u64, line: &str) -> Result<(), String> {
        store::insert_checkpoint(&self.conn, log, seq, size, line).map_err(sql)
    }
    fn next_seq(&mut self, log: i64) -> Result<i64, String> {
        store::next_positions(&self.conn, log).map(|(seq, _)| seq)
    }
    fn commit(&mut self) -> Result<(), String> {
        if let Err(e) = self.conn.execute_batch("COMMIT") {
            self.rollback();
            return Err(sql(e));
        }
        Ok(())
    }
    fn rollback(&mut self) {
        if !self.conn.is_autocommit() {
            let _ = self.conn.execute_batch("ROLLBACK");
        }
    }
    fn take_lease(&mut self, _log: i64) -> Result<bool, String> {
        Ok(true)
    }
    fn holds_lease(&mut self, _log: i64) -> Result<bool, String> {
        Ok(true)
    }
    fn bundle(&mut self, log: i64, first: u64, count: u64) -> Result<Vec<u8>, String> {
        store::bundle(&self.conn, log, first, count)
    }
}

/// What the HTTP handlers read from a database: trace batches, receipts' statements, bundles.
pub trait Reader: Send {
    fn trace_batch(&mut self, log: i64, from: i64, end: i64, max_lines: i64, max_bytes: usize) -> Result<(Vec<u8>, i64), String>;
    fn statement_line(&mut self, log: i64, idx: u64) -> Result<Option<String>, String>;
    fn bundle(&mut self, log: i64, first: u64, count: u64) -> Result<Vec<u8>, String>;
}

impl Reader for Connection {
    fn trace_batch(&mut self, log: i64, from: i64, end: i64, max_lines: i64, max_bytes: usize) -> Result<(Vec<u8>, i64), String> {
        store::trace_batch(self, log, from, end, max_lines, max_bytes)
    }
    fn statement_line(&mut self, log: i64, idx: u64) -> Result<Option<String>, String> {
        store::statement_line(self, log, idx)
    }
    fn bundle(&mut self, log: i64, first: u64, count: u64) -> Result<Vec<u8>, String> {
        store::bundle(self, log, first, count)
    }
}
