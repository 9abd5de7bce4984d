//! Sealing with witnesses (`onus serve --witness URL=VKEY`, FORMAT.md
//! section 9): a thread of its own signs each new checkpoint, sends it to
//! every witness with a consistency proof from that witness's last size
//! (C2SP tlog-witness; a 409 says the size to prove from), checks each
//! cosignature it gets back, and appends the checkpoint with them to the log.
//! The writer goes on committing ballots meanwhile, and reads the new line in
//! like any other writer's (`writer::sync`).
//!
//! A witness that is down or refuses delays only its own cosignature, never
//! the log: the checkpoint goes out with the cosignatures it got, and the
//! next one asks again. The log says so once when a witness stops cosigning
//! and once when it is back.

use super::backend::Backend;
use super::state::State;
use super::store;
pub use crate::witness_client::WitnessClient;
use onus::cosignature::WitnessKey;
use onus::merkle;
use onus::note;
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, RwLock};
use std::time::Duration;

/// How often the thread looks at every log without being told.
const TICK: Duration = Duration::from_secs(2);

/// The trust policy a reader of `log_vkey` should hold to require every witness this
/// collector asks (C2SP tlog-policy text, FORMAT.md section 9): `GET /logs/NAME/policy`.
pub fn policy_text(log_vkey: &str, witnesses: &[(String, WitnessKey)]) -> String {
    let mut t = format!("# The witnesses this collector asks to cosign every checkpoint of this log (onus serve --witness).\nlog {log_vkey}\n");
    let names: Vec<String> = (1..=witnesses.len()).map(|i| format!("w{i}")).collect();
    for (name, (url, key)) in names.iter().zip(witnesses) {
        t.push_str(&format!("witness {name} {} {url}\n", key.vkey()));
    }
    match names.len() {
        1 => t.push_str("quorum w1\n"),
        _ => t.push_str(&format!("group all-witnesses all {}\nquorum all-witnesses\n", names.join(" "))),
    }
    t
}

pub struct Sealer {
    pub witnesses: Vec<WitnessClient>,
    pub db: Box<dyn Backend>,
    pub shared: Arc<RwLock<State>>,
    keys: store::LogKeys,
    /// The size this thread last appended a checkpoint for, per log (the writer reads it in a little later).
    appended: HashMap<i64, u64>,
}

impl Sealer {
    pub fn new(witnesses: Vec<WitnessClient>, db: Box<dyn Backend>, shared: Arc<RwLock<State>>, dir: PathBuf) -> Sealer {
        Sealer { witnesses, db, shared, keys: store::LogKeys::new(dir), appended: HashMap::new() }
    }

    /// Seals a log when the writer says it has statements no checkpoint covers, and every
    /// [`TICK`]; a last time when the writer stops.
    pub fn run(mut self, rx: std::sync::mpsc::Receiver<i64>) {
        loop {
            let last = matches!(rx.recv_timeout(TICK), Err(std::sync::mpsc::RecvTimeoutError::Disconnected));
            while rx.try_recv().is_ok() {}
            let ids: Vec<i64> = self.shared.read().expect("state lock").logs.iter().filter(|l| l.unsealed() > 0).map(|l| l.db_id).collect();
            for id in ids {
                if let Err(e) = self.seal(id) {
                    eprintln!("onus serve: sealing failed: {e}");
                }
            }
            if last {
                return;
            }
        }
    }

    fn seal(&mut self, db_id: i64) -> Result<(), String> {
        let shared = self.shared.clone();
        let (name, note, text, size) = {
            let s = shared.read().expect("state lock");
            let Some(log) = s.logs.iter().find(|l| l.db_id == db_id) else { return Ok(()) };
            let Some(key) = self.keys.get(log) else { return Ok(()) };
            let (size, root) = (log.size(), log.frontier.root());
            let text = note::checkpoint_text(&log.origin, size, &root);
            (log.name.clone(), note::sign_note(&text, &log.origin, &key), text, size)
        };
        if self.appended.get(&db_id).is_some_and(|&a| a >= size) {
            return Ok(());
        }
        if !self.db.take_lease_alone(db_id)? {
            return Ok(());
        }
        let proof = |old: u64| {
            let s = shared.read().expect("state lock");
            let log = s.logs.iter().find(|l| l.db_id == db_id).expect("a known log");
            merkle::consistency_proof_of(old, size, &mut super::tiles::InMemory::of(log)).expect("the leaves and blocks are in memory")
        };
        let mut lines = Vec::new();
        for w in &mut self.witnesses {
            match w.cosign(db_id, &note, &text, size, &proof) {
                Ok(line) => {
                    if !w.cosigning {
                        eprintln!("onus serve: log {name}: witness {} cosigns again (size {size})", w.url);
                    }
                    w.cosigning = true;
                    lines.push(line);
                }
                Err(why) => {
                    if w.cosigning {
                        eprintln!("onus serve: log {name}: witness {} did not cosign size {size} ({why}); the checkpoint goes out without its cosignature, and the next one asks again", w.url);
                    }
                    w.cosigning = false;
                }
            }
        }
        let cosigned = lines.iter().fold(note, |n, l| format!("{n}{l}\n"));
        let line = note::checkpoint_line(&cosigned);
        // Appended after whatever the writer committed meanwhile: a checkpoint covers a prefix.
        self.db.begin(&[db_id])?;
        let appended = self.db.take_lease(db_id).and_then(|ours| match ours {
            true => self.db.next_seq(db_id).and_then(|seq| self.db.insert_checkpoint(db_id, seq, size, &line)).map(|()| true),
            false => Ok(false),
        });
        match appended {
            Ok(true) => {
                self.db.commit()?;
                self.appended.insert(db_id, size);
                Ok(())
            }
            Ok(false) => {
                self.db.rollback();
                Ok(())
            }
            Err(e) => {
                self.db.rollback();
                Err(e)
            }
        }
    }
}
