//! Witness cosignatures: C2SP tlog-cosignature v1 (Ed25519, timestamped),
//! FORMAT.md section 9. A cosignature is one more signature line of a
//! checkpoint's note, by a witness that checked the log's signature and a
//! consistency proof from the last checkpoint of that origin it cosigned.

use crate::report::quoted;
use crate::signature;
use crate::statement::{Key, Sig};
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use ed25519_dalek::{Signer, SigningKey};
use sha2::{Digest, Sha256};

/// Signature type byte of a timestamped Ed25519 cosignature (C2SP tlog-cosignature, "Format").
pub const COSIGNATURE_ALG: u8 = 0x04;
/// What a cosignature signs before the note text (C2SP tlog-cosignature, "Signed message").
const MESSAGE_HEADER: &str = "cosignature/v1\ntime ";
/// Bytes of a cosignature line's blob: key id, timestamp, signature.
pub const BLOB_LEN: usize = 4 + 8 + 64;

/// A witness: the key name of its vkey and its Ed25519 key. Not a log key:
/// its key id is computed with [`COSIGNATURE_ALG`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WitnessKey {
    pub name: String,
    pub key: Key,
}

impl WitnessKey {
    /// `SHA-256(name || 0x0A || 0x04 || public key)[:4]`.
    pub fn key_id(&self) -> [u8; 4] {
        let mut h = Sha256::new();
        h.update(self.name.as_bytes());
        h.update([b'\n', COSIGNATURE_ALG]);
        h.update(self.key.0);
        h.finalize()[..4].try_into().expect("4 bytes")
    }

    /// `<name>+<hex key id>+<base64(0x04 || public key)>`.
    pub fn vkey(&self) -> String {
        let mut k = vec![COSIGNATURE_ALG];
        k.extend_from_slice(&self.key.0);
        format!("{}+{}+{}", self.name, hex::encode(self.key_id()), STANDARD.encode(k))
    }

    /// Parses a witness vkey, checking its key id against its name and key.
    pub fn parse(s: &str) -> Result<WitnessKey, String> {
        let mut parts = s.splitn(3, '+');
        let (Some(name), Some(id), Some(k)) = (parts.next(), parts.next(), parts.next()) else {
            return Err(format!("witness key {} is not name+keyid+base64 (three parts separated by '+')", quoted(s)));
        };
        if !crate::note::valid_name(name) {
            return Err(format!("witness key name {} is empty or has spaces, '+' or control characters", quoted(name)));
        }
        let raw = STANDARD.decode(k).map_err(|_| format!("witness key {}: the third part is not standard base64", quoted(name)))?;
        if raw.len() != 33 || raw[0] != COSIGNATURE_ALG {
            let what = if raw.first() == Some(&crate::note::ED25519_ALG) { " (it is a log's signing key, type 0x01)" } else { "" };
            return Err(format!("witness key {} is not a timestamped Ed25519 cosignature key (0x04 followed by 32 bytes){what}", quoted(name)));
        }
        let w = WitnessKey { name: name.to_string(), key: Key::from_slice(&raw[1..]).expect("32 bytes") };
        if hex::encode(w.key_id()) != id {
            return Err(format!("witness key {}: its id {id} does not match its name and key", quoted(name)));
        }
        Ok(w)
    }
}

/// The message a cosignature signs: the header, the time, the note text.
pub fn message(note_text: &str, time: u64) -> Vec<u8> {
    let mut m = format!("{MESSAGE_HEADER}{time}\n").into_bytes();
    m.extend_from_slice(note_text.as_bytes());
    m
}

/// A cosignature line for `note_text` (which ends in a newline), without its newline:
/// `— <name> base64(key id || time || signature)`.
pub fn cosign(note_text: &str, name: &str, key: &SigningKey, time: u64) -> String {
    assert!(time <= i64::MAX as u64, "a cosignature's time is at most 2^63-1");
    let w = WitnessKey { name: name.to_string(), key: Key::of(key) };
    let mut blob = w.key_id().to_vec();
    blob.extend_from_slice(&time.to_be_bytes());
    blob.extend_from_slice(&key.sign(&message(note_text, time)).to_bytes());
    format!("\u{2014} {name} {}", STANDARD.encode(blob))
}

/// A cosignature as a signature line carries it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cosignature {
    pub name: String,
    pub key_id: [u8; 4],
    pub time: u64,
    pub sig: Sig,
}

impl Cosignature {
    /// From a signature line's name and blob, when the blob has a cosignature's length.
    pub fn from_blob(name: &str, blob: &[u8]) -> Option<Cosignature> {
        (blob.len() == BLOB_LEN).then(|| Cosignature {
            name: name.to_string(),
            key_id: blob[..4].try_into().expect("4"),
            time: u64::from_be_bytes(blob[4..12].try_into().expect("8")),
            sig: Sig::from_slice(&blob[12..]).expect("64"),
        })
    }

    /// Whether this line is by `w` (its name and key id).
    pub fn is_by(&self, w: &WitnessKey) -> bool {
        self.name == w.name && self.key_id == w.key_id()
    }

    /// Checks the signature over `note_text` under `w`'s key.
    pub fn verify(&self, note_text: &str, w: &WitnessKey) -> Result<(), String> {
        if self.time > i64::MAX as u64 {
            return Err(format!("its timestamp {} is above 2^63-1", self.time));
        }
        signature::verify_one(&w.key, &message(note_text, self.time), &self.sig).map_err(|e| e.explain().to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cosignature_line_round_trips_and_is_bound_to_its_time_and_text() {
        let sk = SigningKey::from_bytes(&[4u8; 32]);
        let w = WitnessKey { name: "witness.example/w1".into(), key: Key::of(&sk) };
        assert_eq!(WitnessKey::parse(&w.vkey()).unwrap(), w);
        let text = "example.org/log\n5\nAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQE=\n";
        let line = cosign(text, &w.name, &sk, 1_700_000_000);
        let (name, b64) = line.strip_prefix("\u{2014} ").unwrap().split_once(' ').unwrap();
        let c = Cosignature::from_blob(name, &STANDARD.decode(b64).unwrap()).unwrap();
        assert!(c.is_by(&w));
        assert_eq!(c.time, 1_700_000_000);
        assert!(c.verify(text, &w).is_ok());
        assert!(c.verify(&text.replace('5', "6"), &w).is_err());
        assert!(Cosignature { time: 1_700_000_001, ..c.clone() }.verify(text, &w).is_err());
        assert!(Cosignature { time: 1 << 63, ..c }.verify(text, &w).unwrap_err().contains("2^63-1"));
        // The key id is not the log key id of the same name and key.
        assert_ne!(w.key_id(), crate::note::key_id(&w.name, &w.key));
        // A log's vkey is not a witness key.
        assert!(WitnessKey::parse(&crate::note::vkey(&w.name, &w.key)).unwrap_err().contains("type 0x01"));
    }

    #[test]
    fn the_message_layout_is_the_specs() {
        // C2SP tlog-cosignature: "cosignature/v1\ntime <decimal>\n" then the note text.
        assert_eq!(message("o\n1\nAA==\n", 42), b"cosignature/v1\ntime 42\no\n1\nAA==\n".to_vec());
    }
}
