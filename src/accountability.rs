//! Detection versus responsibility (FORMAT.md section 5).
//!
//! Only usable statements (well-formed, signature valid, body valid, not a
//! duplicate) are given to the collector, with their refs already resolved to
//! earlier indexes. Incidents are the connected groups of detections
//! (`fault`, failed `attest`), acceptances, resolutions, silent anomalies and
//! the statements they reference directly: so a fault on a failed attest is
//! one incident, and an accept that names the broken compute joins the fault
//! that names the same compute.

use crate::report::{Category, Incident, SteppedForward};
use crate::statement::{key_to_string, Hash, Key};
use crate::verify::FingerprintKey;
use hashbrown::HashMap;

#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub enum Fact {
    Attest { pass: bool },
    Fault { blame: Key, what: String },
    Accept { remedy: String, amount: Option<String> },
    Resolve { done: bool },
}

/// Memory per statement matters here (a million statements must fit in a
/// browser tab), so computes are kept as compact per-request records and
/// passing attests not at all.
#[derive(Default, serde::Serialize, serde::Deserialize)]
pub struct Collector {
    /// Detections, acceptances, resolutions: index, fact, resolved refs.
    facts: Vec<(u32, Fact, Vec<u32>)>,
    computes: ComputeStore,
    /// compute index -> the first request it answers, for the few computes
    /// that answer more than one (for timelines; the others are found from `computes`).
    first_of_several: HashMap<u32, u32>,
}

/// Computes by the request they answer, with their outputs kept in full or,
/// with the reader's fingerprint key, as keyed 8-byte fingerprints (as ids
/// are, `verify/ids.rs`): outputs are only ever compared for equality.
#[derive(serde::Serialize, serde::Deserialize)]
enum ComputeStore {
    Full(Computes<Hash>),
    /// The fingerprint as bytes: alignment 1 keeps a map slot at 16 bytes, not 24.
    Fingerprints { key: FingerprintKey, computes: Computes<[u8; 8]> },
}

impl Default for ComputeStore {
    fn default() -> Self {
        ComputeStore::Full(Computes::default())
    }
}

#[derive(serde::Serialize, serde::Deserialize)]
struct Computes<O> {
    /// First compute of each request: request index -> (compute index, output).
    first: HashMap<u32, (u32, O)>,
    /// Later computes of a request that already had one.
    more: HashMap<u32, Vec<(u32, O)>>,
}

impl<O> Default for Computes<O> {
    fn default() -> Self {
        Computes { first: HashMap::new(), more: HashMap::new() }
    }
}

impl<O: Copy + Eq> Computes<O> {
    /// Records compute `index` for request `r`; returns the first compute if this one is the first to disagree with it.
    fn add(&mut self, index: u32, output: O, r: u32) -> Option<u32> {
        let Some(&(first, first_out)) = self.first.get(&r) else {
            self.first.insert(r, (index, output));
            return None;
        };
        let more = self.more.entry(r).or_default();
        let disagrees = output != first_out && more.iter().all(|(_, o)| *o == first_out);
        more.push((index, output));
        disagrees.then_some(first)
    }

    /// Each request with more than one compute, in request order: its
    /// computes in order, each with whether its output differs from the first's.
    fn groups(&self) -> Vec<Vec<(u32, bool)>> {
        let mut requests: Vec<&u32> = self.more.keys().collect();
        requests.sort();
        let group = |r: &u32| {
            let (first, first_out) = self.first[r];
            let mut g = vec![(first, false)];
            g.extend(self.more[r].iter().map(|&(i, o)| (i, o != first_out)));
            g
        };
        requests.into_iter().map(group).collect()
    }

    /// For each compute in `of`, a request it answers.
    fn request_of(&self, of: &hashbrown::HashSet<u32>) -> HashMap<u32, u32> {
        let mut found = HashMap::new();
        for (&r, &(c, _)) in &self.first {
            if of.contains(&c) {
                found.insert(c, r);
            }
        }
        for (&r, more) in &self.more {
            for &(c, _) in more.iter().filter(|(c, _)| of.contains(c)) {
                found.insert(c, r);
            }
        }
        found
    }
}

impl ComputeStore {
    fn add(&mut self, index: u32, output: &Hash, r: u32) -> Option<u32> {
        match self {
            ComputeStore::Full(c) => c.add(index, *output, r),
            ComputeStore::Fingerprints { key, computes } => computes.add(index, key.fingerprint(output.as_bytes()).to_le_bytes(), r),
        }
    }
    fn groups(&self) -> Vec<Vec<(u32, bool)>> {
        match self {
            ComputeStore::Full(c) => c.groups(),
            ComputeStore::Fingerprints { computes, .. } => computes.groups(),
        }
    }
    fn request_of(&self, of: &hashbrown::HashSet<u32>) -> HashMap<u32, u32> {
        match self {
            ComputeStore::Full(c) => c.request_of(of),
            ComputeStore::Fingerprints { computes, .. } => computes.request_of(of),
        }
    }
}

struct UnionFind {
    parent: HashMap<u32, u32>,
}

impl UnionFind {
    fn find(&mut self, x: u32) -> u32 {
        let mut root = *self.parent.entry(x).or_insert(x);
        while self.parent[&root] != root {
            root = self.parent[&root];
        }
        // Path compression, iteratively (chains can be long in hostile traces).
        let mut cur = x;
        while cur != root {
            let next = self.parent[&cur];
            self.parent.insert(cur, root);
            cur = next;
        }
        root
    }
    fn union(&mut self, a: u32, b: u32) {
        let (ra, rb) = (self.find(a), self.find(b));
        if ra != rb {
            // The smaller index is the root so results do not depend on order of union.
            let (lo, hi) = if ra < rb { (ra, rb) } else { (rb, ra) };
            self.parent.insert(hi, lo);
        }
    }
}


impl Collector {
    /// With the reader's fingerprint key, outputs are kept as fingerprints.
    pub fn new(key: Option<FingerprintKey>) -> Collector {
        let computes = match key {
            None => ComputeStore::default(),
            Some(key) => ComputeStore::Fingerprints { key, computes: Computes::default() },
        };
        Collector { computes, ..Collector::default() }
    }

    /// Records a compute answering `requests` (its refs that are requests).
    /// Returns the first computes this one is the first to disagree with: a
    /// finding may name them (the verifier keeps their ids).
    pub fn add_compute(&mut self, index: u32, output: Hash, requests: impl Iterator<Item = u32>) -> Vec<u32> {
        let mut disagreed = Vec::new();
        let mut first_request = None;
        for r in requests {
            match first_request {
                None => first_request = Some(r),
                Some(f) if f != r => {
                    self.first_of_several.entry(index).or_insert(f);
                }
                Some(_) => {}
            }
            disagreed.extend(self.computes.add(index, &output, r));
        }
        disagreed
    }

    /// Records a detection, acceptance or resolution with its resolved refs.
    pub fn add(&mut self, index: u32, fact: Fact, refs: Vec<u32>) {
        match fact {
            Fact::Attest { pass: true } => {} // not part of any incident by itself
            fact => self.facts.push((index, fact, refs)),
        }
    }

    /// Builds the incidents; also returns the silent disagreements found
    /// (first compute index, differing compute index) for findings.
    /// `kind_of` and `actor_of` read the verifier's index (kind number, actor key of a statement).
    pub fn finish(&mut self, kind_of: impl Fn(u32) -> u32, actor_of: impl Fn(u32) -> Option<Key>) -> (Vec<Incident>, Vec<(u32, u32)>) {
        // Which statements a detection references.
        let mut detected_targets: hashbrown::HashSet<u32> = Default::default();
        for (_, fact, refs) in &self.facts {
            let detects = matches!(fact, Fact::Fault { .. } | Fact::Attest { pass: false });
            if detects {
                detected_targets.extend(refs.iter().copied());
            }
        }
        let mut uf = UnionFind { parent: HashMap::new() };
        let mut anomaly_members: Vec<Vec<u32>> = Vec::new();
        let mut anomaly_findings = Vec::new();
        for group in self.computes.groups() {
            let differing = group.iter().find(|(_, d)| *d).map(|(i, _)| *i);
            let Some(differing) = differing.filter(|_| !group.iter().any(|(i, _)| detected_targets.contains(i))) else {
                continue;
            };
            anomaly_findings.push((group[0].0, differing));
            let members: Vec<u32> = group.iter().map(|(i, _)| *i).collect();
            for w in members.windows(2) {
                uf.union(w[0], w[1]);
            }
            uf.find(members[0]);
            anomaly_members.push(members);
        }
        // Link every incident statement to what it references.
        for (index, fact, refs) in &self.facts {
            let links = match fact {
                Fact::Fault { .. } | Fact::Attest { pass: false } | Fact::Accept { .. } | Fact::Resolve { .. } => true,
                Fact::Attest { pass: true } => false,
            };
            if links {
                uf.find(*index);
                for &r in refs {
                    uf.union(*index, r);
                }
            }
        }
        #[derive(Default)]
        struct Group {
            members: Vec<u32>,
            faults: Vec<(u32, Key, String)>,
            failed_attests: Vec<(u32, Vec<u32>)>,
            accepts: Vec<(u32, String, Option<String>, Vec<u32>)>,
            resolves: Vec<(u32, bool, Vec<u32>)>,
            anomaly: bool,
        }
        let mut groups: HashMap<u32, Group> = HashMap::new();
        let all: Vec<u32> = uf.parent.keys().copied().collect();
        for x in all {
            let root = uf.find(x);
            groups.entry(root).or_default().members.push(x);
        }
        for (index, fact, refs) in &self.facts {
            if !uf.parent.contains_key(index) {
                continue;
            }
            let g = groups.get_mut(&uf.find(*index)).expect("every node has a group");
            match fact {
                Fact::Fault { blame, what } => g.faults.push((*index, *blame, what.clone())),
                Fact::Attest { pass: false } => g.failed_attests.push((*index, refs.clone())),
                Fact::Accept { remedy, amount } => g.accepts.push((*index, remedy.clone(), amount.clone(), refs.clone())),
                Fact::Resolve { done } => g.resolves.push((*index, *done, refs.clone())),
                _ => {}
            }
        }
        for m in &anomaly_members {
            groups.get_mut(&uf.find(m[0])).expect("anomaly group").anomaly = true;
        }
        // The requests that computes in incidents answer, found once for all of them.
        let members: hashbrown::HashSet<u32> = groups.values().flat_map(|g| g.members.iter().copied()).collect();
        let request_of = self.computes.request_of(&members);
        drop(members);
        let mut incidents = Vec::new();
        let mut roots: Vec<u32> = groups.keys().copied().collect();
        roots.sort();
        for root in roots {
            let mut g = groups.remove(&root).expect("root listed");
            let detected = !g.faults.is_empty() || !g.failed_attests.is_empty();
            let responsibility = !g.accepts.is_empty();
            if !detected && !responsibility && !g.anomaly {
                continue; // only resolves of nothing usable
            }
            g.faults.sort_by_key(|f| f.0);
            g.failed_attests.sort_by_key(|f| f.0);
            g.accepts.sort_by_key(|f| f.0);
            g.resolves.sort_by_key(|f| f.0);
            let category = match (detected, responsibility) {
                (true, true) => Category::Both,
                (true, false) => Category::DetectedOnly,
                (false, true) => Category::ResponsibilityOnly,
                (false, false) => Category::Silent,
            };
            // Blame: the first fault's; else the actor of the compute a failed attest names;
            // else the actor of what an unprompted accept names.
            let blame: Option<Key> = if let Some(f) = g.faults.first() {
                Some(f.1)
            } else if let Some((_, refs)) = g.failed_attests.first() {
                let compute = crate::statement::Kind::Compute.code();
                refs.iter().find(|&&r| Some(kind_of(r)) == compute).or(refs.first()).and_then(|&r| actor_of(r))
            } else if let Some(a) = g.accepts.first() {
                a.3.first().and_then(|&r| actor_of(r))
            } else {
                None
            };
            let acceptor = g.accepts.first().and_then(|a| actor_of(a.0));
            let role = acceptor.map(|a| if Some(a) == blame { SteppedForward::PartyAtFault } else { SteppedForward::SomeoneElse });
            let accept_set: Vec<u32> = g.accepts.iter().map(|a| a.0).collect();
            let relevant: Vec<&(u32, bool, Vec<u32>)> = g.resolves.iter().filter(|r| r.2.iter().any(|x| accept_set.contains(x))).collect();
            let resolved = relevant.iter().any(|r| r.1);
            let disputed = relevant.last().is_some_and(|r| !r.1);
            let what = if let Some(f) = g.faults.first() {
                f.2.clone()
            } else if !g.failed_attests.is_empty() {
                "attest-fail".into()
            } else if g.anomaly {
                "silent-disagreement".into()
            } else {
                "unprompted".into()
            };
            // The timeline: members plus the requests their computes answer.
            let mut statements: Vec<u64> = g.members.iter().map(|&m| m as u64).collect();
            for &m in &g.members {
                if let Some(&r) = self.first_of_several.get(&m).or(request_of.get(&m)) {
                    statements.push(r as u64);
                }
            }
            statements.sort_unstable();
            statements.dedup();
            incidents.push(Incident {
                category,
                blame: blame.map(|k| key_to_string(&k)),
                stepped_forward: acceptor.map(|k| key_to_string(&k)),
                stepped_forward_role: role,
                resolved,
                disputed,
                what,
                remedy: g.accepts.first().map(|a| a.1.clone()),
                amount: g.accepts.first().and_then(|a| a.2.clone()),
                statements,
            });
        }
        incidents.sort_by_key(|i| i.statements.first().copied());
        anomaly_findings.sort();
        (incidents, anomaly_findings)
    }
}
