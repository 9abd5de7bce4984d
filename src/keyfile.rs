//! Key files: a small text file, mode 0600, holding one Ed25519 secret key.
//!
//! ```text
//! onus secret key v1
//! name: example.org/onus/log-1
//! secret: <base64url of the 32-byte seed>
//! ```

use crate::Fail;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use ed25519_dalek::SigningKey;
use onus::{note, statement};
use std::io::Write;
use std::path::{Path, PathBuf};

const HEADER: &str = "onus secret key v1";

pub struct KeyFile {
    pub name: String,
    pub key: SigningKey,
}

pub fn render(name: &str, key: &SigningKey) -> String {
    let public = key.verifying_key().to_bytes();
    format!(
        "{HEADER}\nname: {name}\nsecret: {}\npublic: {}\nvkey: {}\n",
        URL_SAFE_NO_PAD.encode(key.to_bytes()),
        statement::key_to_string(&public),
        note::vkey(name, &public)
    )
}

pub fn generate() -> Result<SigningKey, Fail> {
    let mut seed = [0u8; 32];
    getrandom::getrandom(&mut seed).map_err(|e| Fail(format!("no randomness from the operating system: {e}")))?;
    Ok(SigningKey::from_bytes(&seed))
}

/// Writes a new key file that only its owner can read; never overwrites.
pub fn write_new(path: &Path, name: &str, key: &SigningKey) -> Result<(), Fail> {
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut opts, 0o600);
    let mut f = opts.open(path).map_err(|e| {
        if e.kind() == std::io::ErrorKind::AlreadyExists {
            Fail(format!("{} already exists; not overwriting a key (choose another --out)", path.display()))
        } else {
            Fail(format!("cannot create {}: {e}", path.display()))
        }
    })?;
    f.write_all(render(name, key).as_bytes())?;
    Ok(())
}

pub fn keygen(name: &str, out: Option<PathBuf>) -> Result<u8, Fail> {
    if name.is_empty() || name.chars().any(|c| c.is_whitespace() || c == '+') {
        return Err(Fail(format!("key name {name:?} must be non-empty with no spaces and no '+' (C2SP signed-note)")));
    }
    let path = out.unwrap_or_else(|| PathBuf::from(format!("{}.key", name.replace('/', "_"))));
    let key = generate()?;
    write_new(&path, name, &key)?;
    let public = key.verifying_key().to_bytes();
    eprintln!("wrote {} (keep it secret)", path.display());
    println!("public key: {}", statement::key_to_string(&public));
    println!("vkey:       {}", note::vkey(name, &public));
    Ok(0)
}

pub fn load(path: &Path) -> Result<KeyFile, Fail> {
    let text = std::fs::read_to_string(path).map_err(|e| Fail(format!("cannot read key file {}: {e}", path.display())))?;
    let mut lines = text.lines();
    if lines.next() != Some(HEADER) {
        return Err(Fail(format!("{} is not an onus key file (it should start with {HEADER:?}; make one with `onus keygen`)", path.display())));
    }
    let mut name = None;
    let mut secret = None;
    for l in lines {
        if let Some(v) = l.strip_prefix("name: ") {
            name = Some(v.to_string());
        } else if let Some(v) = l.strip_prefix("secret: ") {
            secret = Some(v.to_string());
        }
    }
    let bad = || Fail(format!("{} has no valid name and secret lines", path.display()));
    let seed: [u8; 32] = URL_SAFE_NO_PAD.decode(secret.ok_or_else(bad)?).ok().and_then(|s| s.try_into().ok()).ok_or_else(bad)?;
    Ok(KeyFile { name: name.ok_or_else(bad)?, key: SigningKey::from_bytes(&seed) })
}
