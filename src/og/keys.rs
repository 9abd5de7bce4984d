//! TEE keys (docs/OPENGRADIENT.md sections 2 and 6): PEM SubjectPublicKeyInfo
//! RSA keys, their id keccak256(DER), the registry export, and RSASSA-PSS.

use super::enc::{hex32_prefixed, keccak256, Hash32, TeeId};
use super::json::{self, Value};
use super::report::{Code, Report};
use base64::Engine as _;
use rsa::pkcs1::der::Decode as _;
use rsa::signature::Verifier as _;
use rsa::{BigUint, RsaPublicKey};

/// Moduli outside this range are refused (section 2).
pub const MIN_BITS: usize = 2048;
pub const MAX_BITS: usize = 8192;
/// A registry export lists at most this many TEEs.
pub const MAX_REGISTRY_TEES: usize = 65_536;
/// rsaEncryption (RFC 8017 appendix C), the only SPKI algorithm a TEE key has.
const RSA_ENCRYPTION_OID: &str = "1.2.840.113549.1.1.1";
/// The salt of the current scheme: exactly 32 bytes, never auto-detected (section 3.1).
pub const SALT_CURRENT: usize = 32;

/// One TEE signing key, with the DER its id is computed from (never re-encoded).
#[derive(Debug, Clone)]
pub struct TeeKey {
    pub id: TeeId,
    pub bits: usize,
    key: RsaPublicKey,
    der: std::sync::Arc<[u8]>,
}

impl TeeKey {
    /// The modulus length in bytes: a signature is exactly this long.
    pub fn size(&self) -> usize {
        self.bits.div_ceil(8)
    }
    /// The legacy scheme's salt: emLen - 34 (PSS.MAX_LENGTH, 222 for RSA-2048; section 4).
    pub fn salt_max(&self) -> usize {
        (self.bits - 1).div_ceil(8) - 34
    }
    /// The SubjectPublicKeyInfo DER as given (WebCrypto imports it as `spki`).
    pub fn der(&self) -> &[u8] {
        &self.der
    }
    /// RSASSA-PSS (SHA-256, MGF1-SHA-256, trailer 0xBC) over `message`, with exactly `salt` bytes of salt.
    pub fn verify_pss(&self, message: &[u8], signature: &[u8], salt: usize) -> Signature {
        let Ok(sig) = rsa::pss::Signature::try_from(signature) else { return Signature::Invalid };
        let vk = rsa::pss::VerifyingKey::<sha2::Sha256>::new_with_salt_len(self.key.clone(), salt);
        match vk.verify(message, &sig) {
            Ok(()) => Signature::Valid,
            Err(_) => Signature::Invalid,
        }
    }
}

/// What one RSA-PSS check found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Signature {
    Valid,
    Invalid,
}

/// Who does the RSA-PSS arithmetic. Every decision stays in this module; only
/// the primitive is swappable, because in the page WebCrypto does it about 25
/// times faster than the rsa crate compiled to wasm (src/og/pss.rs).
pub trait Pss {
    /// RSASSA-PSS as [`TeeKey::verify_pss`]: SHA-256, MGF1-SHA-256, exactly `salt` bytes of salt.
    fn verify(&mut self, key: &TeeKey, message: &[u8], signature: &[u8], salt: usize) -> Signature;
}

/// The rsa crate, as the CLI checks (the page falls back to it too, through `TeeKey::verify_pss`).
pub struct RsaCrate;

impl Pss for RsaCrate {
    fn verify(&mut self, key: &TeeKey, message: &[u8], signature: &[u8], salt: usize) -> Signature {
        key.verify_pss(message, signature, salt)
    }
}

/// A PEM `-----BEGIN PUBLIC KEY-----` block holding an RSA SPKI of 2048..8192 bits.
pub fn parse_pem(text: &str) -> Result<TeeKey, String> {
    let body = text.trim();
    let body = body
        .strip_prefix("-----BEGIN PUBLIC KEY-----")
        .and_then(|b| b.strip_suffix("-----END PUBLIC KEY-----"))
        .ok_or("it is not a PEM public key (-----BEGIN PUBLIC KEY----- … -----END PUBLIC KEY-----)")?;
    let b64: String = body.chars().filter(|c| !c.is_ascii_whitespace()).collect();
    let der = base64::engine::general_purpose::STANDARD
        .decode(b64)
        .map_err(|_| "its PEM body is not standard base64".to_string())?;
    parse_der(&der)
}

/// An RSA SubjectPublicKeyInfo in DER (what a PEM block holds).
pub fn parse_der(der: &[u8]) -> Result<TeeKey, String> {
    let spki = rsa::pkcs8::spki::SubjectPublicKeyInfoRef::from_der(der)
        .map_err(|e| format!("it is not a SubjectPublicKeyInfo ({e})"))?;
    if spki.algorithm.oid.to_string() != RSA_ENCRYPTION_OID {
        return Err(format!("its algorithm is {}, not RSA (rsaEncryption)", spki.algorithm.oid));
    }
    let bits = spki.subject_public_key.raw_bytes();
    let pk = rsa::pkcs1::RsaPublicKey::from_der(bits).map_err(|e| format!("its RSA key is not DER ({e})"))?;
    let n = BigUint::from_bytes_be(pk.modulus.as_bytes());
    let e = BigUint::from_bytes_be(pk.public_exponent.as_bytes());
    let key = RsaPublicKey::new_with_max_size(n, e, MAX_BITS).map_err(|e| format!("it is not a usable RSA key ({e})"))?;
    let bits = key_bits(&key);
    if !(MIN_BITS..=MAX_BITS).contains(&bits) {
        return Err(format!("its modulus has {bits} bits, outside {MIN_BITS}..{MAX_BITS}"));
    }
    Ok(TeeKey { id: TeeId(keccak256(der)), bits, key, der: der.into() })
}

fn key_bits(key: &RsaPublicKey) -> usize {
    use rsa::traits::PublicKeyParts as _;
    key.n().bits()
}

/// One TEE of a registry export (or `--key`, for a batch).
#[derive(Debug, Clone)]
pub struct Tee {
    pub key: TeeKey,
    pub enabled: bool,
    pub pcr_hash: Option<Hash32>,
}

/// The keys signatures are checked with, indexed by their computed id.
#[derive(Debug, Clone, Default)]
pub struct KeyRing {
    tees: Vec<Tee>,
    index: hashbrown::HashMap<TeeId, usize>,
}

impl KeyRing {
    pub fn get(&self, id: &TeeId) -> Option<&Tee> {
        self.index.get(id).map(|&i| &self.tees[i])
    }
    /// In the order given (the legacy scheme tries each in turn).
    pub fn iter(&self) -> impl Iterator<Item = &Tee> {
        self.tees.iter()
    }
    pub fn add(&mut self, tee: Tee) {
        if !self.index.contains_key(&tee.key.id) {
            self.index.insert(tee.key.id, self.tees.len());
            self.tees.push(tee);
        }
    }
    pub fn len(&self) -> usize {
        self.tees.len()
    }
    pub fn is_empty(&self) -> bool {
        self.tees.is_empty()
    }
}

/// Reads a registry export (section 6). Not that shape is an input error (exit 2);
/// an entry the chain could not hold is a finding, and the entry is left out
/// (a bad key) or indexed by its computed id (an id that does not match).
pub fn parse_registry(text: &str, report: &mut Report) -> Result<KeyRing, String> {
    let shape = |why: &str| format!("the registry export is not in the shape of docs/OPENGRADIENT.md section 6: {why}");
    let v = json::parse(text).map_err(|e| shape(&format!("it is not JSON ({e})")))?;
    let tees = v.get("tees").and_then(Value::as_array).ok_or_else(|| shape("it needs a member \"tees\" that is an array"))?;
    if tees.len() > MAX_REGISTRY_TEES {
        return Err(shape(&format!("it lists {} TEEs, more than {MAX_REGISTRY_TEES}", tees.len())));
    }
    let mut ring = KeyRing::default();
    for (i, t) in tees.iter().enumerate() {
        if !t.is_object() {
            return Err(shape(&format!("tees[{i}] is {}, not an object", t.type_name())));
        }
        let listed = t
            .get("tee_id")
            .and_then(Value::as_str)
            .and_then(hex32_prefixed)
            .map(TeeId)
            .ok_or_else(|| shape(&format!("tees[{i}].tee_id must be 0x and 64 hex digits")))?;
        let pem = t.get("public_key").and_then(Value::as_str).ok_or_else(|| shape(&format!("tees[{i}].public_key must be a PEM string")))?;
        let enabled = match t.get("enabled") {
            None | Some(Value::Null) => true,
            Some(Value::Bool(b)) => *b,
            Some(other) => return Err(shape(&format!("tees[{i}].enabled is {}, not true or false", other.type_name()))),
        };
        let pcr_hash = match t.get("pcr_hash") {
            None | Some(Value::Null) => None,
            Some(v) => Some(Hash32(v.as_str().and_then(hex32_prefixed).ok_or_else(|| shape(&format!("tees[{i}].pcr_hash must be 0x and 64 hex digits")))?)),
        };
        let key = match parse_pem(pem) {
            Ok(k) => k,
            Err(why) => {
                report.add(Code::RegistryKeyInvalid, None, format!("Registry entry {i} ({listed}): its public_key is not an RSA SPKI PEM of {MIN_BITS}..{MAX_BITS} bits: {why}. The entry is left out."));
                continue;
            }
        };
        if key.id != listed {
            report.add(Code::RegistryIdMismatch, None, format!("Registry entry {i} lists tee_id {listed}, but keccak256 of its key's DER is {}. The key is used under its computed id.", key.id));
        }
        ring.add(Tee { key, enabled, pcr_hash });
    }
    Ok(ring)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pem_refusals_say_why() {
        assert!(parse_pem("hello").unwrap_err().contains("not a PEM public key"));
        assert!(parse_pem("-----BEGIN PUBLIC KEY-----\n!!!\n-----END PUBLIC KEY-----").unwrap_err().contains("base64"));
        assert!(parse_pem("-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----").unwrap_err().contains("SubjectPublicKeyInfo"));
        // An Ed25519 SPKI (RFC 8410 example).
        let ed = "-----BEGIN PUBLIC KEY-----\nMCowBQYDK2VwAyEAGb9ECWmEzf6FQbrBZ9w7lshQhqowtrbLDFw4rXAxZuE=\n-----END PUBLIC KEY-----";
        assert!(parse_pem(ed).unwrap_err().contains("not RSA"));
    }
}
