//! Receipts of the gateway of December 2025 (docs/OPENGRADIENT.md section 4):
//! a Python-repr `system_fingerprint`, and PSS with the maximum salt over a
//! `json.dumps` of the answer.

use super::enc::{base64_std, hex32_loose, iso8601_seconds, Hash32};
use super::json::{pyjson, Value};
use super::keys::{KeyRing, Pss, Signature, TeeKey};
use super::report::{Code, Item, ReceiptDetail, Report, Verdict};

/// The three fields the fingerprint carries.
#[derive(Debug, Clone)]
pub struct Fingerprint {
    pub response_signature: String,
    pub request_signature: String,
    pub response_timestamp: String,
}

/// `{'k': 'v', 'k': 'v'}`: Python's repr of a dict of strings, with no quote or backslash inside.
pub fn parse_fingerprint(s: &str) -> Option<Fingerprint> {
    let inner = s.strip_prefix('{')?.strip_suffix('}')?;
    let (mut sig, mut req, mut ts) = (None, None, None);
    for pair in inner.split(", ") {
        let (k, v) = pair.split_once(": ")?;
        let unquote = |x: &str| x.strip_prefix('\'').and_then(|x| x.strip_suffix('\'')).filter(|x| !x.contains(['\'', '"', '\\'])).map(str::to_string);
        let (k, v) = (unquote(k)?, unquote(v)?);
        match k.as_str() {
            "response_signature" => sig = Some(v),
            "request_signature" => req = Some(v),
            "response_timestamp" => ts = Some(v),
            _ => return None,
        }
    }
    Some(Fingerprint { response_signature: sig?, request_signature: req?, response_timestamp: ts? })
}

/// Is this body a legacy receipt (no `tee_signature`, a repr-dict fingerprint)?
pub fn recognise(body: &Value) -> Option<Fingerprint> {
    if body.get("tee_signature").is_some() {
        return None;
    }
    body.get("system_fingerprint").and_then(Value::as_str).and_then(parse_fingerprint)
}

pub fn check(body: &Value, fp: &Fingerprint, key: Option<&TeeKey>, registry: &KeyRing, pss: &mut dyn Pss, report: &mut Report) {
    let scheme = "An older gateway's receipt: the request hash is SHA-256 of another request form and cannot be re-derived; no output hash or tee_id is signed.";
    let malformed = |report: &mut Report, why: &str| {
        report.add(Code::ReceiptLegacyScheme, None, scheme.into());
        report.add(Code::ReceiptMalformed, None, format!("This legacy receipt {why}."));
    };
    let Some(c) = body.get("choices").and_then(Value::as_array).and_then(|l| l.first()).filter(|c| c.is_object()) else {
        return malformed(report, "has no choices[0]");
    };
    let Some(message) = c.get("message").filter(|m| m.is_object()) else {
        return malformed(report, "has no choices[0].message object");
    };
    let Some(signature) = base64_std(&fp.response_signature).filter(|s| !s.is_empty()) else {
        return malformed(report, "has a response_signature that is not standard padded base64");
    };
    let Some(request_hash) = hex32_loose(&fp.request_signature).filter(|_| fp.request_signature.len() == 64) else {
        return malformed(report, "has a request_signature that is not 64 hex digits");
    };
    let Some(timestamp) = iso8601_seconds(&fp.response_timestamp) else {
        return malformed(report, "has a response_timestamp that is not an ISO-8601 time with an offset");
    };
    let null = || Value::Null;
    let signed = pyjson(&Value::Obj(vec![
        ("finish_reason".into(), c.get("finish_reason").cloned().unwrap_or_else(null)),
        ("message".into(), Value::Obj(vec![("content".into(), message.get("content").cloned().unwrap_or_else(null)), ("role".into(), Value::Str("assistant".into()))])),
        ("model".into(), body.get("model").cloned().unwrap_or_else(null)),
        ("request_hash".into(), Value::Str(fp.request_signature.clone())),
        ("timestamp".into(), Value::Str(fp.response_timestamp.clone())),
    ]));
    let item = report.items.len();
    report.add(Code::ReceiptLegacyScheme, Some(item), scheme.into());
    let mut verifies = |k: &TeeKey| signature.len() == k.size() && pss.verify(k, signed.as_bytes(), &signature, k.salt_max()) == Signature::Valid;
    let given_verifies = key.map(&mut verifies);
    let (verdict, tee_id) = match key {
        Some(k) if given_verifies == Some(true) => (Verdict::LegacyValid, Some(k.id)),
        Some(k) => {
            report.add(Code::SignatureInvalid, Some(item), format!("The legacy signature (RSA-PSS, salt {}) does not verify with the key given ({}).", k.salt_max(), k.id));
            (Verdict::Invalid, Some(k.id))
        }
        None => match registry.iter().find(|t| verifies(&t.key)) {
            Some(t) => {
                if !t.enabled {
                    report.add(Code::TeeDisabled, Some(item), format!("The registry marks TEE {} as disabled.", t.key.id));
                }
                (Verdict::LegacyValid, Some(t.key.id))
            }
            None => {
                report.add(Code::KeyUnknown, Some(item), format!("None of the {} registry keys verifies this legacy signature; give the signing key with --key.", registry.len()));
                (Verdict::UnknownKey, None)
            }
        },
    };
    report.items.push(Item { tee_id, input_hash: Some(Hash32(request_hash)), output_hash: None, timestamp: Some(timestamp), signature: verdict });
    report.receipt = Some(ReceiptDetail {
        form: "legacy",
        model: body.get("model").and_then(Value::as_str).map(str::to_string),
        signed_bytes: Some(signed),
        ..ReceiptDetail::default()
    });
}
