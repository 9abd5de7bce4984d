//! The command line: every command and option, with its help text (clap).

use clap::{Args, Parser, Subcommand};
use std::path::PathBuf;

#[derive(Parser)]
#[command(name = "onus", version, about = "Verify decentralized-AI traces: signatures, Merkle checkpoints, and who took responsibility.")]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand)]
pub enum Command {
    /// Verify a trace. Exit 0 verified, 3 unsealed, 1 failed, 2 usage or I/O error.
    Verify(VerifyArgs),
    /// Create a key file (mode 0600, the C2SP signed-note signer key format) and print its public key and vkey.
    Keygen {
        /// The key's name; for a log key, the log's origin (e.g. example.org/onus/log-1).
        name: String,
        /// Where to write the key (default: NAME with '/' replaced, plus .key).
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Rewrite a key file of the old onus format (`onus secret key v1`) in the C2SP signer key format.
    ConvertKey {
        /// The key file; it is replaced, with the same key, in one atomic step.
        file: PathBuf,
    },
    /// Sign a statement and append it to a trace (created if missing).
    Append {
        #[arg(long)]
        key: PathBuf,
        #[arg(long)]
        kind: String,
        /// Id of an earlier statement this one answers (repeatable).
        #[arg(long = "ref")]
        refs: Vec<String>,
        /// The body as a JSON object.
        #[arg(long)]
        body: String,
        /// The statement's time (RFC 3339 UTC); default now.
        #[arg(long)]
        time: Option<String>,
        trace: PathBuf,
    },
    /// Append a checkpoint signed by the log key, covering every statement.
    Seal {
        #[arg(long)]
        key: PathBuf,
        trace: PathBuf,
    },
    /// Write a trace as a tiled log (C2SP tlog-tiles with BLAKE3, docs/FORMAT.md section 8) that any static host can serve.
    /// Refuses a trace that does not verify; run again as the trace grows (only what changed is written).
    Publish {
        trace: PathBuf,
        /// The folder to publish into (created if missing); serve it as it is.
        dir: PathBuf,
        /// Threads for the verification, 1 to 256 (default: one per core).
        #[arg(long)]
        threads: Option<usize>,
        /// A witness to ask for a cosignature of the checkpoint, URL=VKEY (repeatable; C2SP
        /// tlog-witness, e.g. `onus witness serve`). One that is down or refuses is left out, and said so.
        #[arg(long = "witness", value_name = "URL=VKEY")]
        witnesses: Vec<String>,
    },
    /// Check fork evidence (a file `onus publish` or the page wrote): whether the log signed two
    /// checkpoints that cannot both be true. Exit 0 a fork is proven, 1 not proven, 2 usage or I/O error.
    VerifyFork {
        /// The evidence file (JSON), or - for standard input.
        file: String,
        /// Also require each checkpoint to meet this trust policy (C2SP tlog-policy text).
        #[arg(long)]
        policy: Option<PathBuf>,
        #[arg(long)]
        json: bool,
    },
    /// Check a published tiled log (a folder or an http(s) URL ending in '/'): re-derive every
    /// tile and the root from the entry bundles and compare them with the stored ones.
    /// Exit 0 all equal, 1 a problem found, 2 usage or I/O error.
    Fsck {
        /// The tiled log: a folder, or a URL ending in '/' (a CDN or the bucket itself).
        log: String,
        /// Also check the checkpoint's signature (a C2SP vkey, or a base64url key).
        #[arg(long)]
        key: Option<String>,
    },
    /// Print a receipt proving statement INDEX is in the trace's latest checkpoint.
    Prove { index: u64, trace: PathBuf },
    /// Verify a receipt (file or -). Exit 0 verified, 3 no key given, 1 failed.
    VerifyReceipt {
        receipt: String,
        /// The log's key (C2SP vkey or base64url key) to check the checkpoint's signer.
        #[arg(long)]
        key: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// Write a realistic simulated network trace.
    #[cfg(feature = "demo")]
    Demo {
        #[arg(long, default_value_t = 1000)]
        statements: u64,
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Output file (default: standard output).
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Polls kept in a collector's data folder.
    #[cfg(feature = "serve")]
    Poll {
        #[command(subcommand)]
        command: crate::serve::PollCommand,
    },
    /// Logs kept by a collector: create one (a network log takes any statement from its roster), change its roster.
    #[cfg(feature = "serve")]
    Log {
        #[command(subcommand)]
        command: crate::serve::LogCommand,
    },
    /// OpenGradient's own artefacts: TEE receipts and settlement batch dumps (docs/OPENGRADIENT.md).
    #[cfg(feature = "og")]
    Og {
        #[command(subcommand)]
        command: crate::commands::og::OgCommand,
    },
    /// A witness of Onus logs (C2SP tlog-witness with BLAKE3 proofs): cosigns checkpoints that extend what it saw.
    #[cfg(feature = "serve")]
    Witness {
        #[command(subcommand)]
        command: crate::witness::WitnessCommand,
    },
    /// Run the collector: serves the page and keeps poll logs in SQLite.
    #[cfg(feature = "serve")]
    Serve(crate::serve::ServeArgs),
}

#[derive(Args)]
pub struct VerifyArgs {
    /// A trace file, an http(s) URL, or - for standard input; or a tiled log:
    /// a folder or an http(s) URL ending in `/` that holds `checkpoint`.
    pub trace: String,
    /// For a tiled log: the state of an earlier run; verify only what is new since,
    /// then save the state of this run there (created if missing).
    #[arg(long)]
    pub state: Option<PathBuf>,
    /// For a tiled log: check statement N alone, from its entry bundle and the
    /// tiles its inclusion proof needs (O(log n) files), instead of the whole log.
    #[arg(long, conflicts_with = "state")]
    pub index: Option<u64>,
    /// Print the JSON report instead of a summary.
    #[arg(long)]
    pub json: bool,
    /// Pin the log key (a C2SP vkey or a base64url key); another key is an error.
    #[arg(long)]
    pub key: Option<String>,
    /// A checkpoint you saw before, as SIZE:ROOTHEX (repeatable); a copy that does not contain it is an error.
    #[arg(long)]
    pub known: Vec<String>,
    /// A trust policy file (C2SP tlog-policy text, docs/FORMAT.md section 9): the log must be
    /// one it names, and a checkpoint seals only when the witnesses' quorum cosigned it.
    #[arg(long, value_name = "FILE")]
    pub policy: Option<PathBuf>,
    /// Check every signature alone with verify_strict (slower; see docs/FORMAT.md).
    #[arg(long)]
    pub one_by_one: bool,
    /// Threads for parsing, hashing and signatures, 1 to 256 (default: one per core).
    #[arg(long)]
    pub threads: Option<usize>,
    /// For a URL: give up when the server sends nothing for this many seconds.
    #[arg(long, default_value_t = 30)]
    pub timeout: u64,
}
