//! Phase A: one line at a time, no shared state. Strict parse, canonical
//! bytes, id, leaf hash, and signatures checked in batches. Threads (native)
//! or workers (wasm) run it on disjoint runs of whole lines.

use super::framing::{line_content, lines};
use crate::json::{self, Json, Numbers};
use crate::merkle;
use crate::signature::{self, Item, KeyCache, Mode, SigError};
use crate::statement::{self, Hash, Statement, MAX_LINE_BYTES};

/// Phase A's verdict on one line.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub enum LineOutcome {
    Empty,
    /// `{"checkpoint": "<note>"}`: checked in phase B.
    Checkpoint(String),
    /// A line that is a checkpoint line but not a well-formed one.
    BadCheckpointLine(String),
    Malformed(String),
    Statement(Box<Checked>),
}

#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct Checked {
    pub statement: Statement,
    pub signature: Result<(), SigError>,
    pub leaf: Hash,
}

/// Classifies one line (no signature check yet: `signature` is not yet known).
pub fn classify(line: &[u8]) -> LineOutcome {
    let line = line_content(line);
    if line.is_empty() {
        return LineOutcome::Empty;
    }
    // A line is the JSON value alone: no white space around it, so a changed
    // line ending can never leave a trace as it was (FORMAT.md section 1).
    if matches!(line[0], b' ' | b'\t' | b'\r') || matches!(line[line.len() - 1], b' ' | b'\t' | b'\r') {
        return LineOutcome::Malformed("white space before or after the JSON value (a line is the value alone; only \\r\\n line endings are tolerated)".into());
    }
    if line.len() > MAX_LINE_BYTES {
        return LineOutcome::Malformed(format!("the line is {} bytes, over the 1 MiB limit", line.len()));
    }
    let v = match json::parse(line, Numbers::SafeIntegers) {
        Ok(v) => v,
        Err(e) => return LineOutcome::Malformed(e.to_string()),
    };
    if let Some(cp) = v.get("checkpoint") {
        let Json::Obj(members) = &v else { unreachable!("get() only finds members of objects") };
        return match (members.len(), cp) {
            (1, Json::Str(note)) => LineOutcome::Checkpoint(note.clone()),
            (1, _) => LineOutcome::BadCheckpointLine(format!("\"checkpoint\" must be a string, not {}", cp.type_name())),
            _ => LineOutcome::BadCheckpointLine("a checkpoint line has exactly one member, \"checkpoint\"".into()),
        };
    }
    match statement::statement_from_json(&v) {
        Ok(st) => {
            let leaf = merkle::leaf_hash(&st.id, &st.sig);
            LineOutcome::Statement(Box::new(Checked { statement: st, signature: Err(SigError::Invalid), leaf }))
        }
        Err(e) => LineOutcome::Malformed(e),
    }
}

/// Phase A over whole lines: classify each, then check all signatures in batches.
pub fn analyze<'a>(lines: impl IntoIterator<Item = &'a [u8]>, mode: Mode, cache: &mut KeyCache) -> Vec<LineOutcome> {
    let mut out: Vec<LineOutcome> = lines.into_iter().map(classify).collect();
    let mut which = Vec::new();
    let items: Vec<Item> = out
        .iter()
        .enumerate()
        .filter_map(|(i, o)| match o {
            LineOutcome::Statement(c) => {
                which.push(i);
                Some(Item { key: &c.statement.actor, msg: &c.statement.id, sig: &c.statement.sig })
            }
            _ => None,
        })
        .collect();
    let results = signature::verify_all(&items, mode, cache);
    for (i, r) in which.into_iter().zip(results) {
        if let LineOutcome::Statement(c) = &mut out[i] {
            c.signature = r;
        }
    }
    out
}

/// Phase A results for a run of whole lines, as bytes another verifier
/// instance can ingest (wasm workers hand these to the one that merges).
#[derive(serde::Serialize, serde::Deserialize)]
pub(super) struct Analyzed {
    pub bytes: u64,
    pub line_lengths: Vec<u32>,
    pub outcomes: Vec<LineOutcome>,
}

/// The outcomes of [`analyze_to_bytes`] output (a tiled log's bundle analysed in a worker).
pub fn outcomes_from_bytes(analyzed: &[u8]) -> Result<Vec<LineOutcome>, String> {
    let a: Analyzed = postcard::from_bytes(analyzed).map_err(|e| format!("not phase A output of this version: {e}"))?;
    Ok(a.outcomes)
}

/// Phase A over `chunk` (whole lines; the last may lack its newline), serialized.
pub fn analyze_to_bytes(chunk: &[u8], mode: Mode, cache: &mut KeyCache) -> Vec<u8> {
    let line_lengths = lines(chunk).map(|l| l.len() as u32 + 1).collect();
    let outcomes = analyze(lines(chunk), mode, cache);
    postcard::to_allocvec(&Analyzed { bytes: chunk.len() as u64, line_lengths, outcomes }).expect("phase A results serialize")
}
