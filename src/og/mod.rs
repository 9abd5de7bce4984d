//! OpenGradient's own artefacts (docs/OPENGRADIENT.md): TEE receipts (a JSON
//! body, an SSE capture, the legacy scheme) and settlement batch dumps, checked
//! here with no chain RPC. Bytes in, one [`Report`] out; no I/O.
//!
//! Bounds: the input is at most [`MAX_INPUT`] bytes, JSON nests at most
//! [`json::MAX_DEPTH`] deep, a dump lists at most [`batch::MAX_VALUES`] values,
//! a registry at most [`keys::MAX_REGISTRY_TEES`] TEEs, keys are 2048..8192 bits.

pub mod batch;
pub mod enc;
pub mod json;
pub mod keys;
pub mod legacy;
pub mod pss;
pub mod receipt;
pub mod report;
pub mod request;
pub mod sse;
#[cfg(target_arch = "wasm32")]
pub mod wasm;

pub use report::{Code, Finding, Item, Kind, Report, Severity, Status, Verdict};

/// Larger inputs are refused (a 10,000-item dump is about 7 MB).
pub const MAX_INPUT: usize = 256 << 20;

/// What `onus og verify` is given: FILE and the options' file contents.
#[derive(Debug, Clone, Copy, Default)]
pub struct Inputs<'a> {
    pub file: &'a [u8],
    pub registry: Option<&'a [u8]>,
    pub key: Option<&'a [u8]>,
    pub request: Option<&'a [u8]>,
    pub root: Option<&'a str>,
}

/// Not something to verify, or options that do not fit it (exit 2; section 1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InputError(pub String);

impl std::fmt::Display for InputError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// What FILE is, recognised by content (section 1).
enum File {
    Batch(json::Value),
    Receipt(json::Value),
    Legacy(json::Value, legacy::Fingerprint),
    Stream(Result<sse::Stream, String>),
}

/// Checks one OpenGradient artefact: recognise it, read the options, check it, conclude.
pub fn verify(inputs: &Inputs) -> Result<Report, InputError> {
    verify_with(inputs, &mut keys::RsaCrate)
}

/// [`verify`] with the RSA-PSS primitive given (the page passes WebCrypto's answers; src/og/pss.rs).
pub fn verify_with(inputs: &Inputs, pss: &mut dyn keys::Pss) -> Result<Report, InputError> {
    let file = recognise(inputs.file)?;
    let root = inputs.root.map(enc::parse_root).transpose().map_err(InputError)?;
    let key = inputs.key.map(|k| text(k, "--key").and_then(|t| keys::parse_pem(t).map_err(|why| format!("--key is not an RSA SPKI PEM of 2048..8192 bits: {why}")))).transpose().map_err(InputError)?;
    let request = inputs.request.map(|r| text(r, "--request").and_then(request::canonical)).transpose().map_err(InputError)?;
    fits(&file, root.is_some(), request.is_some())?;
    let mut report = Report::new(if matches!(file, File::Batch(_)) { Kind::Batch } else { Kind::Receipt });
    let mut ring = match inputs.registry {
        Some(r) => keys::parse_registry(text(r, "--registry").map_err(InputError)?, &mut report).map_err(InputError)?,
        None => keys::KeyRing::default(),
    };
    let form = |stream: bool| if stream { "sse" } else { "current" };
    match &file {
        File::Batch(v) => {
            // For a batch, --key is one more registry key (section 6).
            if let Some(k) = &key {
                ring.add(keys::Tee { key: k.clone(), enabled: true, pcr_hash: None });
            }
            batch::check(v, &ring, pss, root, &mut report);
        }
        File::Receipt(v) => match (receipt::signed_members(v), receipt::body_content(v)) {
            (Ok(signed), Ok(content)) => receipt::check(receipt::Check { signed: &signed, content: &content, key: key.as_ref(), registry: &ring, canonical_request: request.as_deref(), form: form(false), pss }, &mut report),
            (Err(why), _) | (_, Err(why)) => report.add(Code::ReceiptMalformed, None, format!("This receipt cannot be checked: {why}.")),
        },
        File::Legacy(v, fp) => legacy::check(v, fp, key.as_ref(), &ring, pss, &mut report),
        File::Stream(Err(why)) => report.add(Code::StreamMalformed, None, format!("This event stream is not a signed gateway stream: {why}.")),
        File::Stream(Ok(st)) => match receipt::signed_members(&st.signed_frame) {
            Ok(signed) => receipt::check(receipt::Check { signed: &signed, content: &st.content, key: key.as_ref(), registry: &ring, canonical_request: request.as_deref(), form: form(true), pss }, &mut report),
            Err(why) => report.add(Code::ReceiptMalformed, None, format!("The signed frame cannot be checked: {why}.")),
        },
    }
    report.finish();
    Ok(report)
}

fn text<'a>(bytes: &'a [u8], what: &str) -> Result<&'a str, String> {
    std::str::from_utf8(bytes).map_err(|e| format!("{what} is not UTF-8 text (bad byte at {})", e.valid_up_to()))
}

fn recognise(bytes: &[u8]) -> Result<File, InputError> {
    if bytes.len() > MAX_INPUT {
        return Err(InputError(format!("the file is {} bytes, more than the {} MiB limit", bytes.len(), MAX_INPUT >> 20)));
    }
    let t = text(bytes, "the file").map_err(InputError)?;
    if t.starts_with('\u{feff}') {
        return Err(InputError("the file starts with a byte order mark; save it as plain UTF-8".into()));
    }
    if t.trim_start().starts_with('{') {
        let v = json::parse(t).map_err(|e| InputError(format!("the file starts with '{{' but is not JSON: {e}")))?;
        if v.get("format").is_some() {
            return Ok(File::Batch(v));
        }
        if let Some(fp) = legacy::recognise(&v) {
            return Ok(File::Legacy(v, fp));
        }
        return Ok(File::Receipt(v));
    }
    if sse::looks_like(t) {
        return Ok(File::Stream(sse::parse(t)));
    }
    Err(InputError("the file is not an OpenGradient receipt (a JSON body or an SSE capture with data: lines) or a batch dump (standard-v1 JSON)".into()))
}

/// Options that do not fit the file are usage errors (section 1).
fn fits(file: &File, root: bool, request: bool) -> Result<(), InputError> {
    match file {
        File::Batch(_) if request => Err(InputError("--request is for receipts; a batch dump carries only hashes".into())),
        File::Legacy(..) if request => Err(InputError("--request cannot be checked for a legacy receipt: its request hash is SHA-256 of another request form".into())),
        File::Receipt(_) | File::Legacy(..) | File::Stream(_) if root => Err(InputError("--root is for batch dumps (the on-chain root of a settlement); this file is a receipt".into())),
        _ => Ok(()),
    }
}
