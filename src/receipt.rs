//! Receipts: one statement's inclusion in a checkpointed log (FORMAT.md section 3).

use crate::json::{self, Json, Numbers};
use crate::merkle;
use crate::note;
use crate::report::{Code, Finding, Severity};
use crate::signature;
use crate::statement::{self, id_to_hex, key_to_string, parse_hash, Hash, Key};
use serde::{Deserialize, Serialize};

/// Builds the receipt line for the statement at `index`.
/// `statement_line` is the statement's line as it stands in the trace.
pub fn make_receipt(statement_line: &[u8], index: u64, proof: &[Hash], checkpoint_note: &str) -> Result<String, String> {
    let st = json::parse(statement_line, Numbers::SafeIntegers).map_err(|e| format!("statement {index} is not valid JSON: {e}"))?;
    let obj = Json::Obj(vec![
        ("receipt".into(), Json::Int(1)),
        ("statement".into(), st),
        ("index".into(), Json::Int(index as i64)),
        ("proof".into(), Json::Arr(proof.iter().map(|h| Json::Str(hex::encode(h))).collect())),
        ("checkpoint".into(), Json::Str(checkpoint_note.into())),
    ]);
    Ok(String::from_utf8(json::canonical(&obj)).expect("UTF-8"))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ReceiptStatus {
    /// Statement signature, inclusion proof and the log key's checkpoint signature all verify.
    Verified,
    /// Everything verifies except that no log key was given to check the checkpoint's signer.
    Unanchored,
    Failed,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ReceiptReport {
    pub status: ReceiptStatus,
    pub index: Option<u64>,
    pub id: Option<String>,
    pub kind: Option<String>,
    pub actor: Option<String>,
    pub origin: Option<String>,
    pub size: Option<u64>,
    pub root: Option<String>,
    pub findings: Vec<Finding>,
}

/// Verifies a receipt. `log_key` is the key the reader trusts for the log
/// (from a vkey or a pinned key); without it the checkpoint's signer is unknown.
pub fn verify_receipt(text: &[u8], log_key: Option<&Key>) -> ReceiptReport {
    let mut r = ReceiptReport { status: ReceiptStatus::Failed, index: None, id: None, kind: None, actor: None, origin: None, size: None, root: None, findings: vec![] };
    let fail = |r: &mut ReceiptReport, code: Code, what: String| r.findings.push(Finding::new(code, 1, r.index, r.id.clone(), what));
    let v = match json::parse(text.trim_ascii(), Numbers::SafeIntegers) {
        Ok(v) => v,
        Err(e) => {
            fail(&mut r, Code::ReceiptMalformed, format!("The receipt is not valid JSON: {e}."));
            return r;
        }
    };
    let shape = (|| -> Result<(&Json, u64, Vec<Hash>, &str), String> {
        let Json::Obj(members) = &v else { return Err("a receipt is a JSON object".into()) };
        for (k, _) in members {
            if !["receipt", "statement", "index", "proof", "checkpoint"].contains(&k.as_str()) {
                return Err(format!("unknown member {k:?}"));
            }
        }
        if v.get("receipt") != Some(&Json::Int(1)) {
            return Err("\"receipt\" must be the integer 1".into());
        }
        let st = v.get("statement").ok_or("missing \"statement\"")?;
        let index = match v.get("index") {
            Some(Json::Int(i)) if *i >= 0 => *i as u64,
            _ => return Err("\"index\" must be a non-negative integer".into()),
        };
        let Some(Json::Arr(p)) = v.get("proof") else { return Err("\"proof\" must be an array of hashes".into()) };
        let proof = p.iter().map(|h| h.as_str().ok_or_else(|| "proof entries are strings".to_string()).and_then(parse_hash)).collect::<Result<Vec<_>, _>>()?;
        let cp = v.get("checkpoint").and_then(Json::as_str).ok_or("\"checkpoint\" must be the signed note as a string")?;
        Ok((st, index, proof, cp))
    })();
    let (st_json, index, proof, cp_note) = match shape {
        Ok(s) => s,
        Err(e) => {
            fail(&mut r, Code::ReceiptMalformed, format!("The receipt is malformed: {e}."));
            return r;
        }
    };
    r.index = Some(index);
    let st = match statement::statement_from_json(st_json) {
        Ok(s) => s,
        Err(e) => {
            fail(&mut r, Code::StatementMalformed, format!("The receipt's statement is malformed: {e}."));
            return r;
        }
    };
    r.id = Some(id_to_hex(&st.id));
    r.kind = Some(st.kind.to_string());
    r.actor = Some(key_to_string(&st.actor));
    if let Err(e) = signature::verify_one(&st.actor, &st.id.0, &st.sig) {
        fail(&mut r, Code::StatementSignatureInvalid, format!("The receipt's statement: {}.", e.explain()));
    }
    let cp = match note::parse_checkpoint(cp_note) {
        Ok(c) => c,
        Err(e) => {
            fail(&mut r, Code::CheckpointMalformed, format!("The receipt's checkpoint: {e}."));
            return r;
        }
    };
    r.origin = Some(cp.origin.clone());
    r.size = Some(cp.size);
    r.root = Some(hex::encode(cp.root));
    let leaf = merkle::leaf_hash(&st.id, &st.sig);
    if let Err(e) = merkle::verify_inclusion(index, cp.size, &leaf, &proof, &cp.root) {
        fail(&mut r, Code::ReceiptProofInvalid, format!("The inclusion proof does not lead from statement {index} to the checkpoint's root ({e:?})."));
    }
    match log_key {
        Some(k) => {
            if let Err(e) = note::verify_checkpoint(cp_note, &cp.origin, k) {
                fail(&mut r, e.code(), format!("The receipt's checkpoint, under the log key you gave: {}.", e.explain(&cp.origin, k)));
            }
        }
        None => fail(&mut r, Code::ReceiptKeyUnknown, format!("No log key was given, so nothing shows that {} signed this checkpoint.", cp.origin)),
    }
    let errors = r.findings.iter().any(|f| f.severity == Severity::Error);
    r.status = if errors { ReceiptStatus::Failed } else if log_key.is_none() { ReceiptStatus::Unanchored } else { ReceiptStatus::Verified };
    r
}
