//! The verifier's phase B state as bytes, so a later run can go on from
//! where this one stopped (FORMAT.md section 8: resumable verification).
//! Everything the report needs is in it: the per-statement index, the tree,
//! the roster, refs still open, findings, incidents and tallies. The reader's
//! options are not: they are given again to [`Verifier::restore`].
//!
//! The encoding is postcard; the file format around it (version, checksum,
//! which log) is `tiled::state`.

use super::index::Index;
use super::tree::Tree;
use super::{DeferredCheckpoint, LogInfo, Options, UnresolvedRef, Verifier};
use crate::accountability::Collector;
use crate::poll::Tally;
use crate::report::{CheckpointInfo, Findings, RosterMember};
use crate::signature::KeyCache;
use crate::verify::framing::Framer;
use serde::{Deserialize, Serialize};

/// The fields saved, borrowed (to write) or owned (to read): one list, so the two cannot drift.
macro_rules! state_struct {
    ($($field:ident: $ty:ty,)*) => {
        #[derive(Serialize)]
        struct StateRef<'a> { $($field: &'a $ty,)* }
        #[derive(Deserialize)]
        struct StateOwned { $($field: $ty,)* }
        impl Verifier {
            /// The state after the lines read so far (whole lines only).
            pub fn snapshot(&self) -> Vec<u8> {
                assert!(self.framer.is_idle(), "a snapshot is taken between whole lines");
                assert!(self.finished.is_none(), "a snapshot is taken before finish");
                postcard::to_allocvec(&StateRef { $($field: &self.$field,)* }).expect("the verifier's state serializes")
            }
            /// A verifier that goes on from a [`Verifier::snapshot`], with the reader's options.
            pub fn restore(bytes: &[u8], opts: Options) -> Result<Verifier, String> {
                let s: StateOwned = postcard::from_bytes(bytes).map_err(|e| format!("not a verifier state of this version: {e}"))?;
                let mut v = Verifier::new(opts);
                $(v.$field = s.$field;)*
                v.index.rebuild();
                if let Some(origin) = v.log.as_ref().map(|l| l.origin.clone()) {
                    v.adopt_pinned_policy(&origin);
                }
                v.roster_keys = v.roster.iter().enumerate().map(|(i, m)| (crate::types::Key::parse(&m.key).expect("roster keys are valid"), i)).collect();
                v.cache = KeyCache::default();
                v.framer = Framer::default();
                if v.tree.size() != v.index.len() {
                    return Err(format!("inconsistent state: {} statements but a tree of {}", v.index.len(), v.tree.size()));
                }
                // Known checkpoints the saved run already passed: their roots from the tree.
                let size = v.tree.size();
                for k in 0..v.known_roots.len() {
                    let at = v.known_roots[k].0;
                    if at <= size && v.known_roots[k].1.is_none() {
                        let root = v.tree.root_at(at).map_err(|_| format!("a known checkpoint at size {at} is older than this state keeps leaves for; check it from tiles"))?;
                        v.known_roots[k].1 = Some(root);
                    }
                }
                Ok(v)
            }
        }
    };
}

state_struct! {
    line: u64,
    bytes: u64,
    line_start: u64,
    index: Index,
    tree: Tree,
    deferred: Vec<DeferredCheckpoint>,
    first_malformed: Option<u64>,
    log: Option<LogInfo>,
    roster: Vec<RosterMember>,
    checkpoints: u64,
    sealed: Option<CheckpointInfo>,
    unresolved: Vec<UnresolvedRef>,
    findings: Findings,
    incidents: Collector,
    tally: Tally,
}
