//! Checkpoints: C2SP signed-note and tlog-checkpoint (FORMAT.md section 3).

use crate::report::quoted;
use crate::signature;
use crate::statement::{Hash, Key, Sig};
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use ed25519_dalek::{Signer, SigningKey};
use sha2::{Digest, Sha256};

/// Signature type byte of Ed25519 keys (C2SP signed-note, "Signatures").
pub const ED25519_ALG: u8 = 0x01;
/// A note with more signature lines than this is malformed (C2SP signed-note:
/// verifiers bound the number and must accept at least 16; Go's note package
/// also stops at 100). Every line up to it is read, none is silently skipped.
pub const MAX_SIGNATURE_LINES: usize = 100;
/// The em dash that starts a signature line (C2SP signed-note).
const SIG_PREFIX: &str = "\u{2014} ";

/// `SHA-256(name || 0x0A || 0x01 || public key)[:4]`.
pub fn key_id(name: &str, key: &Key) -> [u8; 4] {
    let mut h = Sha256::new();
    h.update(name.as_bytes());
    h.update([b'\n', ED25519_ALG]);
    h.update(key.0);
    h.finalize()[..4].try_into().expect("4 bytes")
}

/// The C2SP verifier key string `<name>+<hex key id>+<base64(0x01 || key)>`.
pub fn vkey(name: &str, key: &Key) -> String {
    let mut k = vec![ED25519_ALG];
    k.extend_from_slice(&key.0);
    format!("{name}+{}+{}", hex::encode(key_id(name, key)), STANDARD.encode(k))
}

/// The one rule for key names and origins (C2SP signed-note, tlog-checkpoint):
/// non-empty, no white space, no '+', no control characters.
pub fn valid_name(name: &str) -> bool {
    !name.is_empty() && !name.chars().any(|c| c.is_whitespace() || c == '+' || c.is_control())
}

/// Parses a vkey, checking that its key id matches its name and key.
pub fn parse_vkey(s: &str) -> Result<(String, Key), String> {
    // The base64 part may itself contain "+": split at the first two only.
    let mut parts = s.splitn(3, '+');
    let (Some(name), Some(id), Some(k), None) = (parts.next(), parts.next(), parts.next(), parts.next()) else {
        return Err("a verifier key looks like name+1a2b3c4d+AXXX…(base64): three parts separated by '+'".into());
    };
    if !valid_name(name) {
        return Err(format!("verifier key name {} is empty or has spaces", quoted(name)));
    }
    let raw = STANDARD.decode(k).map_err(|_| "the verifier key's third part is not standard base64".to_string())?;
    if raw.len() != 33 || raw[0] != ED25519_ALG {
        return Err("the verifier key is not an Ed25519 key (0x01 followed by 32 bytes)".into());
    }
    let key = Key::from_slice(&raw[1..]).expect("32 bytes");
    if hex::encode(key_id(name, &key)) != id {
        return Err(format!("the verifier key's id {id} does not match its name and key"));
    }
    Ok((name.to_string(), key))
}

/// A key as a reader gives it: a C2SP vkey (`name+id+base64`) or a bare
/// base64url Ed25519 public key.
pub fn parse_any_key(s: &str) -> Result<Key, String> {
    if s.contains('+') {
        parse_vkey(s).map(|(_, k)| k)
    } else {
        crate::statement::parse_key(s).map_err(|e| format!("{e} (give a vkey like origin+1a2b3c4d+AZ… or a 43-character key)"))
    }
}

/// `{"checkpoint":"<note>"}`: a checkpoint as a line of a trace file, the
/// note's newlines escaped (FORMAT.md section 3).
pub fn checkpoint_line(note: &str) -> String {
    let mut out = Vec::new();
    crate::json::write_object([("checkpoint", &crate::json::Json::Str(note.to_string()))].into_iter(), &mut out);
    String::from_utf8(out).expect("UTF-8")
}

/// The C2SP/Go signed-note signer key of a key named `name`:
/// `PRIVATE+KEY+<name>+<hex key id>+<base64(0x01 || seed)>`, as
/// `golang.org/x/mod/sumdb/note` writes and reads it.
pub fn signer_key(name: &str, key: &SigningKey) -> String {
    let id = key_id(name, &Key::of(key));
    let mut raw = vec![ED25519_ALG];
    raw.extend_from_slice(&key.to_bytes());
    format!("{SIGNER_KEY_PREFIX}{name}+{}+{}", hex::encode(id), STANDARD.encode(raw))
}

/// How a signer key starts.
pub const SIGNER_KEY_PREFIX: &str = "PRIVATE+KEY+";

/// Reads a signer key (see [`signer_key`]): its name and key, with the key id checked.
pub fn parse_signer_key(text: &str) -> Result<(String, SigningKey), String> {
    let rest = text.trim().strip_prefix(SIGNER_KEY_PREFIX).ok_or("a signer key starts with PRIVATE+KEY+")?;
    // The base64 part may itself contain "+": split at the first two only.
    let mut parts = rest.splitn(3, '+');
    let (Some(name), Some(id), Some(b64)) = (parts.next(), parts.next(), parts.next()) else {
        return Err("a signer key is PRIVATE+KEY+<name>+<hex key id>+<base64 key>".into());
    };
    if !valid_name(name) {
        return Err(format!("the signer key's name {} is empty or has spaces, '+' or control characters", quoted(name)));
    }
    let raw = STANDARD.decode(b64).map_err(|_| "the signer key's last part is not standard base64".to_string())?;
    if raw.len() != 33 || raw[0] != ED25519_ALG {
        return Err("the signer key is not an Ed25519 key (0x01 followed by a 32-byte seed)".into());
    }
    let key = SigningKey::from_bytes(&raw[1..].try_into().expect("32 bytes"));
    if hex::encode(key_id(name, &Key::of(&key))) != id {
        return Err(format!("the signer key's id {} does not match its name and key", quoted(id)));
    }
    Ok((name.to_string(), key))
}

/// Signs `text` (which must end in a newline) as the key named `name`.
pub fn sign_note(text: &str, name: &str, key: &SigningKey) -> String {
    assert!(text.ends_with('\n'), "note text must end with a newline");
    let pubkey = Key::of(key);
    let mut blob = key_id(name, &pubkey).to_vec();
    blob.extend_from_slice(&key.sign(text.as_bytes()).to_bytes());
    format!("{text}\n{SIG_PREFIX}{name} {}\n", STANDARD.encode(blob))
}

/// A checkpoint's contents (C2SP tlog-checkpoint).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checkpoint {
    pub origin: String,
    pub size: u64,
    pub root: Hash,
}

/// The note text of a checkpoint.
pub fn checkpoint_text(origin: &str, size: u64, root: &Hash) -> String {
    format!("{origin}\n{size}\n{}\n", STANDARD.encode(root.0))
}

/// Why a checkpoint is refused; each maps to one finding code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CheckpointError {
    Malformed(String),
    OriginMismatch { found: String },
    /// No signature line by the log's key (name and key id).
    SignatureMissing,
    /// A line by the log's key whose signature does not verify.
    SignatureInvalid,
}

impl CheckpointError {
    /// The finding code for this refusal.
    pub fn code(&self) -> crate::report::Code {
        use crate::report::Code;
        match self {
            CheckpointError::Malformed(_) => Code::CheckpointMalformed,
            CheckpointError::OriginMismatch { .. } => Code::CheckpointOriginMismatch,
            CheckpointError::SignatureMissing => Code::CheckpointSignatureMissing,
            CheckpointError::SignatureInvalid => Code::CheckpointSignatureInvalid,
        }
    }
    /// What is wrong, for a checkpoint expected of `origin` signed by `key`.
    pub fn explain(&self, origin: &str, key: &Key) -> String {
        match self {
            CheckpointError::Malformed(why) => why.clone(),
            CheckpointError::OriginMismatch { found } => format!("its origin is {}, the log's is {}", quoted(found), quoted(origin)),
            CheckpointError::SignatureMissing => format!("no signature line by {} with key id {}", quoted(origin), hex::encode(key_id(origin, key))),
            CheckpointError::SignatureInvalid => "the log key's signature does not verify".into(),
        }
    }
}

struct NoteSig {
    name: String,
    key_id: [u8; 4],
    sig: Sig,
}

fn split_note(note: &str) -> Result<(&str, Vec<NoteSig>), String> {
    split_note_all(note).map(|(text, sigs, _)| (text, sigs))
}

/// A note's text (everything before its signature lines).
pub fn note_text(note: &str) -> Result<&str, String> {
    split_note(note).map(|(text, _)| text)
}

/// A note's text and its witness cosignature lines (FORMAT.md section 9), unverified.
pub fn cosignatures(note: &str) -> Result<(&str, Vec<crate::cosignature::Cosignature>), String> {
    split_note_all(note).map(|(text, _, cosigs)| (text, cosigs))
}

type Split<'a> = (&'a str, Vec<NoteSig>, Vec<crate::cosignature::Cosignature>);

fn split_note_all(note: &str) -> Result<Split<'_>, String> {
    // C2SP signed-note: no ASCII control characters other than newline.
    if let Some(c) = note.chars().find(|&c| c < ' ' && c != '\n') {
        return Err(format!("the note contains the control character {}", c.escape_unicode()));
    }
    let Some(cut) = note.rfind("\n\n") else {
        return Err("no blank line between the note text and its signatures".into());
    };
    let text = &note[..cut + 1];
    let sig_block = &note[cut + 2..];
    if !sig_block.ends_with('\n') {
        return Err("the last signature line must end with a newline".into());
    }
    let mut sigs = Vec::new();
    let mut cosigs = Vec::new();
    let sig_lines = sig_block[..sig_block.len() - 1].split('\n');
    if sig_lines.clone().count() > MAX_SIGNATURE_LINES {
        return Err(format!("the note has more than {MAX_SIGNATURE_LINES} signature lines"));
    }
    for line in sig_lines {
        let rest = line.strip_prefix(SIG_PREFIX).ok_or_else(|| format!("signature line {} does not start with \"— \"", quoted(line)))?;
        let (name, b64) = rest.split_once(' ').ok_or_else(|| format!("signature line {} has no space before the signature", quoted(line)))?;
        if !valid_name(name) {
            return Err(format!("signature line names key {}, which is empty or has spaces", quoted(name)));
        }
        let blob = STANDARD.decode(b64).map_err(|_| format!("signature of {} is not standard base64", quoted(name)))?;
        if blob.len() < 5 {
            return Err(format!("signature of {} is too short", quoted(name)));
        }
        // Ed25519 (68 bytes) and timestamped cosignatures (76); lines of other
        // algorithms or lengths are other keys' business: skip them.
        if blob.len() == 68 {
            sigs.push(NoteSig { name: name.into(), key_id: blob[..4].try_into().expect("4"), sig: Sig::from_slice(&blob[4..]).expect("64") });
        } else if let Some(c) = crate::cosignature::Cosignature::from_blob(name, &blob) {
            cosigs.push(c);
        }
    }
    if sigs.is_empty() && sig_block.len() <= 1 {
        return Err("the note has no signature lines".into());
    }
    Ok((text, sigs, cosigs))
}

fn parse_checkpoint_text(text: &str) -> Result<Checkpoint, String> {
    let lines: Vec<&str> = text[..text.len() - 1].split('\n').collect();
    // FORMAT.md section 9: exactly three lines (no extension lines).
    if lines.len() != 3 {
        return Err(format!("a checkpoint's note text is exactly three lines (origin, tree size, root); this one has {}", lines.len()));
    }
    let origin = lines[0];
    if !valid_name(origin) {
        return Err(format!("checkpoint origin {} is empty or has spaces", quoted(origin)));
    }
    let size_s = lines[1];
    if size_s.is_empty() || !size_s.bytes().all(|b| b.is_ascii_digit()) || (size_s.len() > 1 && size_s.starts_with('0')) {
        return Err(format!("tree size {} is not a decimal number without leading zeros", quoted(size_s)));
    }
    let size: u64 = size_s.parse().map_err(|_| format!("tree size {size_s} is too large"))?;
    let root = STANDARD.decode(lines[2]).ok().filter(|r| r.len() == 32 && STANDARD.encode(r) == lines[2]);
    let root = root.and_then(|r| Hash::from_slice(&r)).ok_or_else(|| format!("root {} is not standard base64 of 32 bytes", quoted(lines[2])))?;
    Ok(Checkpoint { origin: origin.into(), size, root })
}

/// Parses a checkpoint without checking signatures (to show what it claims).
pub fn parse_checkpoint(note: &str) -> Result<Checkpoint, String> {
    let (text, _) = split_note(note)?;
    parse_checkpoint_text(text)
}

/// Verifies a signed checkpoint against the log's origin and key.
pub fn verify_checkpoint(note: &str, origin: &str, log_key: &Key) -> Result<Checkpoint, CheckpointError> {
    let (text, sigs) = split_note(note).map_err(CheckpointError::Malformed)?;
    let cp = parse_checkpoint_text(text).map_err(CheckpointError::Malformed)?;
    if cp.origin != origin {
        return Err(CheckpointError::OriginMismatch { found: cp.origin });
    }
    let want_id = key_id(origin, log_key);
    let mut seen = false;
    for s in sigs.iter().filter(|s| s.name == origin && s.key_id == want_id) {
        seen = true;
        if signature::verify_one(log_key, text.as_bytes(), &s.sig).is_ok() {
            return Ok(cp);
        }
    }
    Err(if seen { CheckpointError::SignatureInvalid } else { CheckpointError::SignatureMissing })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vkey_round_trips_and_signed_note_verifies() {
        let sk = SigningKey::from_bytes(&[9u8; 32]);
        let pk = Key::of(&sk);
        let v = vkey("example.org/log", &pk);
        assert_eq!(parse_vkey(&v).unwrap(), ("example.org/log".to_string(), pk));
        let note = sign_note(&checkpoint_text("example.org/log", 5, &Hash([1; 32])), "example.org/log", &sk);
        let cp = verify_checkpoint(&note, "example.org/log", &pk).unwrap();
        assert_eq!(cp.size, 5);
        // An unknown key's line is ignored; the log's line still verifies.
        let other = SigningKey::from_bytes(&[3u8; 32]);
        let two = format!("{}{}", note, sign_note(&checkpoint_text("example.org/log", 5, &Hash([1; 32])), "witness", &other).split("\n\n").nth(1).unwrap());
        assert!(verify_checkpoint(&two, "example.org/log", &pk).is_ok());
        assert_eq!(verify_checkpoint(&note, "example.org/log", &Key([5; 32])), Err(CheckpointError::SignatureMissing));
    }

    #[test]
    fn signer_keys_match_go_note() {
        // golang.org/x/mod/sumdb/note's test vector (note_test.go): its signer key and verifier key.
        let skey = "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz";
        let vk = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW";
        let (name, key) = parse_signer_key(skey).unwrap();
        assert_eq!(name, "PeterNeumann");
        assert_eq!(vkey(&name, &Key::of(&key)), vk);
        assert_eq!(signer_key(&name, &key), skey);
        assert!(parse_signer_key(&skey.replace("c74f20a3", "c74f20a4")).unwrap_err().contains("does not match"));
        assert!(parse_signer_key("PRIVATE+KEY+a b+00000000+AQ==").is_err());
        // And the note that key signs in Go's ExampleSign.
        let text = "If you think cryptography is the answer to your problem,\nthen you don't know what your problem is.\n";
        let signed = sign_note(text, &name, &key);
        assert!(signed.ends_with("\n— PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n"), "{signed}");
    }
}
