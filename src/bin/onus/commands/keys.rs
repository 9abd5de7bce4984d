//! `onus keygen` and `onus convert-key`.

use crate::keyfile;
use crate::Fail;
use onus::statement::{self, Key};
use onus::note;
use std::path::{Path, PathBuf};

pub fn keygen(name: &str, out: Option<PathBuf>) -> Result<u8, Fail> {
    if !note::valid_name(name) {
        return Err(Fail(format!("key name {} must be non-empty with no spaces, control characters or '+' (C2SP signed-note)", onus::report::quoted(name))));
    }
    let path = out.unwrap_or_else(|| PathBuf::from(format!("{}.key", name.replace('/', "_"))));
    let key = keyfile::generate()?;
    keyfile::write_new(&path, name, &key)?;
    let public = Key::of(&key);
    eprintln!("wrote {} (keep it secret)", path.display());
    say!("public key: {}", statement::key_to_string(&public));
    say!("vkey:       {}", note::vkey(name, &public));
    Ok(0)
}

pub fn convert_key(file: &Path) -> Result<u8, Fail> {
    let (k, old) = keyfile::read(file)?;
    if !old {
        eprintln!("{} is already in the C2SP signer key format; nothing to do", file.display());
        return Ok(0);
    }
    keyfile::rewrite(file, &k.name, &k.key)?;
    eprintln!("rewrote {} in the C2SP signer key format (the same key)", file.display());
    say!("vkey:       {}", note::vkey(&k.name, &Key::of(&k.key)));
    Ok(0)
}
