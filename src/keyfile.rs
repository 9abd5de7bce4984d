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

/// Writes a new key file that only its owner can read, durably (a temporary
/// file in the same folder, written and fsynced, then linked to its name, then
/// the folder fsynced); never overwrites.
pub fn write_new(path: &Path, name: &str, key: &SigningKey) -> Result<(), Fail> {
    if std::fs::symlink_metadata(path).is_ok() {
        return Err(exists(path));
    }
    let file_name = path.file_name().ok_or_else(|| Fail(format!("{} is not a file name", path.display())))?;
    let tmp = path.with_file_name(format!(".{}.tmp-{}", file_name.to_string_lossy(), std::process::id()));
    let _ = std::fs::remove_file(&tmp);
    let written = (|| -> Result<(), Fail> {
        let mut opts = std::fs::OpenOptions::new();
        opts.write(true).create_new(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut opts, 0o600);
        let mut f = opts.open(&tmp).map_err(|e| Fail(format!("cannot create {}: {e}", tmp.display())))?;
        f.write_all(render(name, key).as_bytes())?;
        f.sync_all().map_err(|e| Fail(format!("cannot write {} to disk: {e}", tmp.display())))?;
        // A hard link fails if the name exists (rename would replace it).
        match std::fs::hard_link(&tmp, path) {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Err(exists(path)),
            // A file system without hard links.
            Err(_) if std::fs::symlink_metadata(path).is_err() => std::fs::rename(&tmp, path).map_err(|e| Fail(format!("cannot create {}: {e}", path.display()))),
            Err(_) => Err(exists(path)),
        }
    })();
    let _ = std::fs::remove_file(&tmp);
    written?;
    sync_parent(path)
}

fn exists(path: &Path) -> Fail {
    Fail(format!("{} already exists; not overwriting a key (choose another --out)", path.display()))
}

/// Fsyncs the folder holding `path`, so that a file created or renamed there stays.
pub fn sync_parent(path: &Path) -> Result<(), Fail> {
    #[cfg(unix)]
    {
        let dir = match path.parent() {
            Some(d) if !d.as_os_str().is_empty() => d,
            _ => Path::new("."),
        };
        std::fs::File::open(dir).and_then(|d| d.sync_all()).map_err(|e| Fail(format!("cannot write the folder {} to disk: {e}", dir.display())))?;
    }
    #[cfg(not(unix))]
    let _ = path;
    Ok(())
}

pub fn keygen(name: &str, out: Option<PathBuf>) -> Result<u8, Fail> {
    if !note::valid_name(name) {
        return Err(Fail(format!("key name {name:?} must be non-empty with no spaces, control characters or '+' (C2SP signed-note)")));
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

/// Reads a key file; warns (like ssh) if others than its owner may read or change it.
pub fn load(path: &Path) -> Result<KeyFile, Fail> {
    let text = std::fs::read_to_string(path).map_err(|e| Fail(format!("cannot read key file {}: {e}", path.display())))?;
    #[cfg(unix)]
    if let Ok(meta) = std::fs::metadata(path) {
        let mode = std::os::unix::fs::PermissionsExt::mode(&meta.permissions()) & 0o777;
        if mode & 0o077 != 0 {
            eprintln!(
                "onus: WARNING: key file {} is open to others (mode {mode:04o}): anyone who reads it can sign as this key. Only its owner should: chmod 600 {}",
                path.display(),
                path.display()
            );
        }
    }
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
    let name = name.filter(|n| note::valid_name(n)).ok_or_else(bad)?;
    Ok(KeyFile { name, key: SigningKey::from_bytes(&seed) })
}
