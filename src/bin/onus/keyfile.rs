//! Key files on disk, for both shells (the CLI and the collector): one
//! Ed25519 secret key per file, mode 0600, in the C2SP signed-note signer key
//! format that Go's note tools read (`PRIVATE+KEY+<name>+<hex id>+<base64>`).
//! Files of the old onus format (`onus secret key v1`) are still read, with a
//! note to convert them (`onus convert-key FILE`).

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use ed25519_dalek::SigningKey;
use onus::note;
use std::io::Write;
use std::path::Path;

/// The first line of the old format.
const OLD_HEADER: &str = "onus secret key v1";

pub struct KeyFile {
    pub name: String,
    pub key: SigningKey,
}

/// The file's text: the signer key and a newline.
pub fn render(name: &str, key: &SigningKey) -> String {
    format!("{}\n", note::signer_key(name, key))
}

pub fn generate() -> Result<SigningKey, String> {
    let mut seed = [0u8; 32];
    getrandom::getrandom(&mut seed).map_err(|e| format!("no randomness from the operating system: {e}"))?;
    Ok(SigningKey::from_bytes(&seed))
}

/// Writes a new key file that only its owner can read, durably (a temporary
/// file in the same folder, written and fsynced, then linked to its name, then
/// the folder fsynced); never overwrites.
pub fn write_new(path: &Path, name: &str, key: &SigningKey) -> Result<(), String> {
    if std::fs::symlink_metadata(path).is_ok() {
        return Err(exists(path));
    }
    write_durably(path, &render(name, key), false)
}

/// Replaces a key file with the same key in the new format, in one atomic step.
pub fn rewrite(path: &Path, name: &str, key: &SigningKey) -> Result<(), String> {
    write_durably(path, &render(name, key), true)
}

fn write_durably(path: &Path, text: &str, replace: bool) -> Result<(), String> {
    let file_name = path.file_name().ok_or_else(|| format!("{} is not a file name", path.display()))?;
    let tmp = path.with_file_name(format!(".{}.tmp-{}", file_name.to_string_lossy(), std::process::id()));
    let _ = std::fs::remove_file(&tmp);
    let written = (|| -> Result<(), String> {
        let mut opts = std::fs::OpenOptions::new();
        opts.write(true).create_new(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut opts, 0o600);
        let mut f = opts.open(&tmp).map_err(|e| format!("cannot create {}: {e}", tmp.display()))?;
        f.write_all(text.as_bytes()).map_err(|e| format!("cannot write {}: {e}", tmp.display()))?;
        f.sync_all().map_err(|e| format!("cannot write {} to disk: {e}", tmp.display()))?;
        if replace {
            return std::fs::rename(&tmp, path).map_err(|e| format!("cannot replace {}: {e}", path.display()));
        }
        // A hard link fails if the name exists (rename would replace it).
        match std::fs::hard_link(&tmp, path) {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Err(exists(path)),
            // A file system without hard links.
            Err(_) if std::fs::symlink_metadata(path).is_err() => std::fs::rename(&tmp, path).map_err(|e| format!("cannot create {}: {e}", path.display())),
            Err(_) => Err(exists(path)),
        }
    })();
    let _ = std::fs::remove_file(&tmp);
    written?;
    sync_parent(path)
}

fn exists(path: &Path) -> String {
    format!("{} already exists; not overwriting a key (choose another --out)", path.display())
}

/// Fsyncs the folder holding `path`, so that a file created or renamed there stays.
pub fn sync_parent(path: &Path) -> Result<(), String> {
    #[cfg(unix)]
    {
        let dir = match path.parent() {
            Some(d) if !d.as_os_str().is_empty() => d,
            _ => Path::new("."),
        };
        std::fs::File::open(dir).and_then(|d| d.sync_all()).map_err(|e| format!("cannot write the folder {} to disk: {e}", dir.display()))?;
    }
    #[cfg(not(unix))]
    let _ = path;
    Ok(())
}

/// Reads a key file; warns (like ssh) if others than its owner may read or change it.
pub fn load(path: &Path) -> Result<KeyFile, String> {
    let (k, old) = read(path)?;
    if old {
        eprintln!("onus: note: {} is in the old onus key format; it still works. `onus convert-key {}` rewrites it in the C2SP signer key format Go's note tools also read.", path.display(), path.display());
    }
    Ok(k)
}

/// The key in a file, and whether the file is of the old format.
pub fn read(path: &Path) -> Result<(KeyFile, bool), String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("cannot read key file {}: {e}", path.display()))?;
    warn_if_open(path);
    if text.trim_start().starts_with(note::SIGNER_KEY_PREFIX) {
        let (name, key) = note::parse_signer_key(&text).map_err(|e| format!("{}: {e}", path.display()))?;
        return Ok((KeyFile { name, key }, false));
    }
    if text.lines().next() == Some(OLD_HEADER) {
        return parse_old(path, &text).map(|k| (k, true));
    }
    Err(format!("{} is not a key file (it should hold PRIVATE+KEY+…; make one with `onus keygen`)", path.display()))
}

fn parse_old(path: &Path, text: &str) -> Result<KeyFile, String> {
    let mut name = None;
    let mut secret = None;
    for l in text.lines().skip(1) {
        if let Some(v) = l.strip_prefix("name: ") {
            name = Some(v.to_string());
        } else if let Some(v) = l.strip_prefix("secret: ") {
            secret = Some(v.to_string());
        }
    }
    let bad = || format!("{} has no valid name and secret lines", path.display());
    let seed: [u8; 32] = URL_SAFE_NO_PAD.decode(secret.ok_or_else(bad)?).ok().and_then(|s| s.try_into().ok()).ok_or_else(bad)?;
    let name = name.filter(|n| note::valid_name(n)).ok_or_else(bad)?;
    Ok(KeyFile { name, key: SigningKey::from_bytes(&seed) })
}

fn warn_if_open(path: &Path) {
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
    #[cfg(not(unix))]
    let _ = path;
}
