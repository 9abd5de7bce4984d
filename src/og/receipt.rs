//! Receipts of the current scheme (docs/OPENGRADIENT.md section 3): the
//! signed `tee_*` members, the content they sign (a body or an SSE capture),
//! and the check of one receipt against its key, content and request.

use super::enc::{base64_std, hex32_loose, keccak256, unix_seconds, Hash32, TeeId, Written};
use super::json::{pyjson, Value};
use super::keys::{KeyRing, Pss, Signature, TeeKey, SALT_CURRENT};
use super::report::{Code, Item, ReceiptDetail, Report, Verdict};

/// The signed members of a receipt, decoded.
#[derive(Debug, Clone)]
pub struct Signed {
    pub tee_id: TeeId,
    pub input_hash: Hash32,
    pub output_hash: Hash32,
    pub timestamp: u64,
    pub timestamp_written: Written,
    pub signature: Vec<u8>,
}

/// What the signature's output hash covers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Content {
    /// The exact text hashed into the output hash.
    pub signed: String,
    /// Text that sits beside signed tool calls and is not covered.
    pub unsigned_text: bool,
}

/// Section 3.1: the five `tee_*` members; any missing or ill-formed is a malformed receipt.
pub fn signed_members(v: &Value) -> Result<Signed, String> {
    let s = |k: &str| v.get(k).and_then(Value::as_str).ok_or_else(|| format!("its {k} is missing or not a string"));
    let h = |k: &str| s(k).and_then(|x| hex32_loose(x).ok_or_else(|| format!("its {k} is not 64 hex digits")));
    let signature = base64_std(s("tee_signature")?).filter(|b| !b.is_empty()).ok_or("its tee_signature is not standard padded base64")?;
    let (timestamp, timestamp_written) = v
        .get("tee_timestamp")
        .and_then(unix_seconds)
        .ok_or("its tee_timestamp is missing or not unix seconds (an integer below 2^64, or a string of digits)")?;
    Ok(Signed {
        tee_id: TeeId(h("tee_id")?),
        input_hash: Hash32(h("tee_request_hash")?),
        output_hash: Hash32(h("tee_output_hash")?),
        timestamp,
        timestamp_written,
        signature,
    })
}

/// msg_hash = keccak256(input_hash ‖ output_hash ‖ uint256_be(ts)), abi.encodePacked.
pub fn msg_hash(s: &Signed) -> Hash32 {
    let mut m = [0u8; 96];
    m[..32].copy_from_slice(&s.input_hash.0);
    m[32..64].copy_from_slice(&s.output_hash.0);
    m[88..].copy_from_slice(&s.timestamp.to_be_bytes());
    Hash32(keccak256(&m))
}

/// One gathered tool call, as the gateway buffers them.
#[derive(Debug, Clone)]
pub struct Call {
    pub id: Value,
    pub name: Value,
    pub arguments: Value,
}

/// TC(calls): pyjson of `[{"id", "type": "function", "function": {"name", "arguments"}}]`.
pub fn tool_calls_text(calls: &[Call]) -> String {
    let list = calls
        .iter()
        .map(|c| {
            Value::Obj(vec![
                ("id".into(), c.id.clone()),
                ("type".into(), Value::Str("function".into())),
                ("function".into(), Value::Obj(vec![("name".into(), c.name.clone()), ("arguments".into(), c.arguments.clone())])),
            ])
        })
        .collect();
    pyjson(&Value::Arr(list))
}

/// Section 3.2, a non-streaming body: the chat message (or tool calls) or the completion text.
pub fn body_content(body: &Value) -> Result<Content, String> {
    let c = body.get("choices").and_then(Value::as_array).and_then(|l| l.first()).filter(|c| c.is_object()).ok_or("it has no choices[0]")?;
    if let Some(m) = c.get("message") {
        if !m.is_object() {
            return Err("its choices[0].message is not an object".into());
        }
        let text = match m.get("content") {
            None | Some(Value::Null) => String::new(),
            Some(Value::Str(s)) => s.clone(),
            Some(Value::Arr(parts)) => parts.iter().filter_map(|p| p.get("text").and_then(Value::as_str)).collect(),
            Some(other) => return Err(format!("its choices[0].message.content is {}", other.type_name())),
        };
        let calls = m.get("tool_calls").and_then(Value::as_array).filter(|l| !l.is_empty());
        if let (Some(Value::Str(fr)), Some(calls)) = (c.get("finish_reason"), calls) {
            if fr == "tool_calls" {
                let calls = calls.iter().map(body_call).collect::<Result<Vec<_>, _>>()?;
                return Ok(Content { signed: tool_calls_text(&calls), unsigned_text: !text.is_empty() });
            }
        }
        return Ok(Content { signed: text, unsigned_text: false });
    }
    match c.get("text") {
        None | Some(Value::Null) => Ok(Content { signed: String::new(), unsigned_text: false }),
        Some(Value::Str(s)) => Ok(Content { signed: s.clone(), unsigned_text: false }),
        Some(other) => Err(format!("its choices[0].text is {}", other.type_name())),
    }
}

fn body_call(c: &Value) -> Result<Call, String> {
    if !c.is_object() {
        return Err("a tool call in choices[0].message.tool_calls is not an object".into());
    }
    let or_empty = |v: Option<&Value>| v.cloned().unwrap_or_else(|| Value::Str(String::new()));
    let f = c.get("function");
    Ok(Call { id: or_empty(c.get("id")), name: or_empty(f.and_then(|f| f.get("name"))), arguments: or_empty(f.and_then(|f| f.get("arguments"))) })
}

/// Checks one receipt: key, signature, content and (with `--request`) the request hash.
pub struct Check<'a> {
    pub signed: &'a Signed,
    pub content: &'a Content,
    pub key: Option<&'a TeeKey>,
    pub registry: &'a KeyRing,
    pub canonical_request: Option<&'a str>,
    pub form: &'static str,
    pub pss: &'a mut dyn Pss,
}

pub fn check(c: Check, report: &mut Report) {
    let s = c.signed;
    let msg = msg_hash(s);
    let item = report.items.len();
    // Section 6: --key must be the key the receipt names; otherwise the registry's.
    let (key, disabled) = match c.key {
        Some(k) => (Some(k), false),
        None => match c.registry.get(&s.tee_id) {
            Some(t) => (Some(&t.key), !t.enabled),
            None => (None, false),
        },
    };
    if let Some(k) = key {
        if s.signature.len() != k.size() {
            report.add(Code::ReceiptMalformed, None, format!("Its tee_signature is {} bytes, but the key's {}-bit modulus takes signatures of exactly {} bytes.", s.signature.len(), k.bits, k.size()));
            return;
        }
        if k.id != s.tee_id {
            report.add(Code::KeyIdMismatch, Some(item), format!("The receipt names tee_id {}, but the key given has id {} (keccak256 of its DER); the signature is checked with the key given.", s.tee_id, k.id));
        }
    }
    let verdict = match key {
        None => {
            report.add(Code::KeyUnknown, Some(item), format!("No key for tee_id {}: the registry given does not list it, or none was given.", s.tee_id));
            Verdict::UnknownKey
        }
        Some(k) => match c.pss.verify(k, &msg.0, &s.signature, SALT_CURRENT) {
            Signature::Valid => Verdict::Valid,
            Signature::Invalid => {
                report.add(Code::SignatureInvalid, Some(item), format!("The RSA-PSS signature (salt 32) over msg_hash {msg} does not verify with the key of {}.", k.id));
                Verdict::Invalid
            }
        },
    };
    if disabled {
        report.add(Code::TeeDisabled, Some(item), format!("The registry marks TEE {} as disabled.", s.tee_id));
    }
    if s.timestamp_written == Written::DigitString {
        report.add(Code::TimestampString, Some(item), format!("tee_timestamp is the string \"{}\", read as the number {}.", s.timestamp, s.timestamp));
    }
    let output_computed = Hash32(keccak256(c.content.signed.as_bytes()));
    if output_computed != s.output_hash {
        report.add(Code::OutputHashMismatch, Some(item), format!("The content shown hashes to {output_computed}, but the TEE signed output hash {}.", s.output_hash));
    }
    if c.content.unsigned_text {
        report.add(Code::OutputTextUnsigned, Some(item), "The message has text beside its tool calls; the signature covers only the tool calls.".into());
    }
    let request_computed = c.canonical_request.map(|r| Hash32(keccak256(r.as_bytes())));
    if let Some(h) = request_computed.filter(|h| *h != s.input_hash) {
        report.add(Code::RequestHashMismatch, Some(item), format!("The request given hashes to {h}, but the TEE signed request hash {}.", s.input_hash));
    }
    report.items.push(Item { tee_id: Some(s.tee_id), input_hash: Some(s.input_hash), output_hash: Some(s.output_hash), timestamp: Some(s.timestamp), signature: verdict });
    let detail = report.receipt.get_or_insert_with(ReceiptDetail::default);
    detail.form = c.form;
    detail.msg_hash = Some(msg);
    detail.output_content = Some(c.content.signed.clone());
    detail.output_hash_computed = Some(output_computed);
    detail.canonical_request = c.canonical_request.map(str::to_string);
    detail.request_hash_computed = request_computed;
}
