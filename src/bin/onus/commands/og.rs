//! `onus og verify`: OpenGradient receipts and settlement batch dumps
//! (docs/OPENGRADIENT.md), checked by the core's [`onus::og::verify`].

use crate::Fail;
use onus::og::{self, Report, Severity, Status, Verdict};
use std::io::Read as _;
use std::path::{Path, PathBuf};

#[derive(clap::Subcommand, Debug)]
pub enum OgCommand {
    /// Check a TEE receipt (JSON body or SSE capture) or a settlement batch dump (standard-v1).
    /// Exit 0 verified, 3 incomplete (an item could not be checked), 1 failed, 2 usage or I/O error.
    Verify {
        /// Print the report as JSON (the object the page renders).
        #[arg(long)]
        json: bool,
        /// A TEE registry export (JSON): the keys signatures are checked with.
        #[arg(long)]
        registry: Option<PathBuf>,
        /// One signing key (PEM SubjectPublicKeyInfo); a receipt must name it by tee_id.
        #[arg(long)]
        key: Option<PathBuf>,
        /// For batches: the on-chain root (topics[1] of the BatchSettlement event), 64 hex digits.
        #[arg(long)]
        root: Option<String>,
        /// For receipts: the request JSON the client sent, to re-derive tee_request_hash.
        #[arg(long)]
        request: Option<PathBuf>,
        /// The receipt or dump, or - for standard input.
        file: String,
    },
}

pub fn command(cmd: OgCommand) -> Result<u8, Fail> {
    match cmd {
        OgCommand::Verify { json, registry, key, root, request, file } => {
            let file_bytes = read_file(&file)?;
            let (registry, key, request) = (opt(registry.as_deref())?, opt(key.as_deref())?, opt(request.as_deref())?);
            let inputs = og::Inputs { file: &file_bytes, registry: registry.as_deref(), key: key.as_deref(), request: request.as_deref(), root: root.as_deref() };
            let report = og::verify(&inputs).map_err(|e| Fail(format!("{file}: {e}")))?;
            if json {
                println!("{}", serde_json::to_string_pretty(&report).expect("a report serialises"));
            } else {
                print_summary(&file, &report);
            }
            Ok(report.status.exit_code())
        }
    }
}

fn read_file(arg: &str) -> Result<Vec<u8>, Fail> {
    let limit = og::MAX_INPUT as u64;
    let mut v = Vec::new();
    let read = if arg == "-" {
        std::io::stdin().take(limit + 1).read_to_end(&mut v)
    } else {
        std::fs::File::open(arg).and_then(|f| f.take(limit + 1).read_to_end(&mut v))
    };
    read.map_err(|e| Fail(format!("cannot read {arg}: {e}")))?;
    if v.len() as u64 > limit {
        return Err(Fail(format!("{arg} is over {} MiB, the limit for a receipt or batch dump", limit >> 20)));
    }
    Ok(v)
}

fn opt(path: Option<&Path>) -> Result<Option<Vec<u8>>, Fail> {
    path.map(|p| std::fs::read(p).map_err(|e| Fail(format!("cannot read {}: {e}", p.display())))).transpose()
}

fn print_summary(file: &str, r: &Report) {
    let word = match r.status {
        Status::Verified => "VERIFIED",
        Status::Incomplete => "INCOMPLETE",
        Status::Failed => "FAILED",
    };
    let what = match r.kind {
        og::Kind::Receipt => "TEE receipt".to_string(),
        og::Kind::Batch => format!("settlement batch of {} items", r.items.len()),
    };
    println!("{word}: {file} ({what})");
    if let Some(Some(root)) = r.root {
        println!("  root (recomputed from the values): {root}");
    }
    let count = |v: Verdict| r.items.iter().filter(|i| i.signature == v).count();
    let tally: Vec<String> = [
        (Verdict::Valid, "valid"),
        (Verdict::LegacyValid, "legacy-valid"),
        (Verdict::Invalid, "invalid"),
        (Verdict::UnknownKey, "unknown key"),
        (Verdict::Placeholder, "placeholder"),
        (Verdict::HashOnly, "hash only"),
    ]
    .into_iter()
    .filter_map(|(v, name)| { let n = count(v); (n > 0).then(|| format!("{n} {name}")) })
    .collect();
    if !tally.is_empty() {
        println!("  signatures: {}", tally.join(", "));
    }
    for f in &r.findings {
        let sev = match f.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info => "info",
        };
        let at = f.item.map(|i| format!(" [item {i}]")).unwrap_or_default();
        println!("  {sev} {}{at}: {}", f.code, f.message);
        println!("      {}", f.advice);
    }
    let a = &r.accountability;
    println!("  incidents found by Onus that nobody signed a detection of or took responsibility for: {}", a.silent);
}
