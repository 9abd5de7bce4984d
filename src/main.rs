//! `onus`: the command line around the core. I/O lives here, not in the core.

use clap::{Parser, Subcommand};
use onus::report::{Report, Severity, Status};
use onus::signature::Mode;
use onus::statement::{self, Draft, Key};
use onus::verify::{KnownCheckpoint, Options};
use onus::{json, note, receipt};
use std::io::{IsTerminal, Read, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, Instant};

mod keyfile;
#[cfg(feature = "serve")]
mod serve;

/// Writes one line of human output to standard output, with every control
/// character and bidirectional override made visible (text from a trace must
/// never repaint the reader's terminal). Goes quiet once the reader closes the
/// pipe (`onus verify … | head`): the exit code stays the command's own.
macro_rules! say {
    ($($t:tt)*) => { $crate::out::human(&format!($($t)*)) };
}

mod out {
    use std::io::Write;
    use std::sync::atomic::{AtomicBool, Ordering};

    static CLOSED: AtomicBool = AtomicBool::new(false);

    /// Human text: each character that needs it becomes a visible `\u{…}` escape.
    pub fn human(line: &str) {
        let mut clean = String::with_capacity(line.len() + 1);
        for c in line.chars() {
            if onus::report::needs_escape(c) && c != '\n' {
                clean.push_str(&c.escape_unicode().to_string());
            } else {
                clean.push(c);
            }
        }
        clean.push('\n');
        raw(clean.as_bytes());
    }

    /// Machine output (JSON, receipts): JSON escapes what it must; the
    /// bidirectional marks and C1 controls it would leave raw are escaped too.
    pub fn json(text: &str) {
        let mut clean = String::with_capacity(text.len() + 1);
        for c in text.chars() {
            if onus::report::needs_escape(c) && c != '\n' {
                clean.push_str(&format!("\\u{:04x}", c as u32));
            } else {
                clean.push(c);
            }
        }
        clean.push('\n');
        raw(clean.as_bytes());
    }

    pub fn raw(bytes: &[u8]) {
        if CLOSED.load(Ordering::Relaxed) {
            return;
        }
        let mut o = std::io::stdout().lock();
        if let Err(e) = o.write_all(bytes).and_then(|()| o.flush()) {
            if e.kind() != std::io::ErrorKind::BrokenPipe {
                eprintln!("onus: cannot write to standard output: {e}");
            }
            CLOSED.store(true, Ordering::Relaxed);
        }
    }
}

#[derive(Parser)]
#[command(name = "onus", version, about = "Verify decentralized-AI traces: signatures, Merkle checkpoints, and who took responsibility.")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Verify a trace. Exit 0 verified, 3 unsealed, 1 failed, 2 usage or I/O error.
    Verify {
        /// A trace file, an http(s) URL, or - for standard input.
        trace: String,
        /// Print the JSON report instead of a summary.
        #[arg(long)]
        json: bool,
        /// Pin the log key (a C2SP vkey or a base64url key); another key is an error.
        #[arg(long)]
        key: Option<String>,
        /// A checkpoint you saw before, as SIZE:ROOTHEX (repeatable); a trace that does not extend it is a fork.
        #[arg(long)]
        known: Vec<String>,
        /// Check every signature alone with verify_strict (slower; see docs/FORMAT.md).
        #[arg(long)]
        one_by_one: bool,
        /// Threads for parsing, hashing and signatures, 1 to 256 (default: one per core).
        #[arg(long)]
        threads: Option<usize>,
        /// For a URL: give up when the server sends nothing for this many seconds.
        #[arg(long, default_value_t = 30)]
        timeout: u64,
    },
    /// Create a key file (mode 0600) and print its public key and C2SP vkey.
    Keygen {
        /// The key's name; for a log key, the log's origin (e.g. example.org/onus/log-1).
        name: String,
        /// Where to write the key (default: NAME with '/' replaced, plus .key).
        #[arg(long)]
        out: Option<PathBuf>,
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
        command: serve::PollCommand,
    },
    /// Run the collector: serves the page and keeps poll logs in SQLite.
    #[cfg(feature = "serve")]
    Serve(serve::ServeArgs),
}

/// A failure of the command itself (usage or I/O): exit 2 with a message.
struct Fail(String);

impl<E: std::fmt::Display> From<E> for Fail {
    fn from(e: E) -> Self {
        Fail(e.to_string())
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli.command) {
        Ok(code) => ExitCode::from(code),
        Err(Fail(msg)) => {
            eprintln!("onus: {msg}");
            ExitCode::from(2)
        }
    }
}

fn run(cmd: Command) -> Result<u8, Fail> {
    match cmd {
        Command::Verify { trace, json, key, known, one_by_one, threads, timeout } => {
            let opts = Options {
                log_key: key.as_deref().map(parse_any_key).transpose()?,
                signatures: if one_by_one { Mode::OneByOne } else { Mode::Batch },
                known: known.iter().map(|k| parse_known(k)).collect::<Result<_, _>>()?,
                keep_rows: false,
            };
            let threads = match threads {
                Some(t) if (1..=MAX_THREADS).contains(&t) => t,
                Some(t) => return Err(Fail(format!("--threads {t}: give 1 to {MAX_THREADS} (the default is one per core)"))),
                None => std::thread::available_parallelism().map_or(1, |n| n.get()),
            };
            let (input, size) = open_input(&trace, Duration::from_secs(timeout.max(1)))?;
            let (report, _) = verify_with_progress(input, size, opts, threads)?;
            if json {
                out::json(&serde_json::to_string_pretty(&report)?);
            } else {
                print_summary(&report);
            }
            Ok(exit_code(report.status))
        }
        Command::Keygen { name, out } => keyfile::keygen(&name, out),
        Command::Append { key, kind, refs, body, time, trace } => append(&key, &kind, &refs, &body, time.as_deref(), &trace),
        Command::Seal { key, trace } => seal(&key, &trace),
        Command::Prove { index, trace } => prove(index, &trace),
        Command::VerifyReceipt { receipt, key, json } => {
            let text = read_all(&receipt)?;
            let key = key.as_deref().map(parse_any_key).transpose()?;
            let r = receipt::verify_receipt(&text, key.as_ref());
            if json {
                out::json(&serde_json::to_string_pretty(&r)?);
            } else {
                let verdict = match r.status {
                    receipt::ReceiptStatus::Verified => "VERIFIED",
                    receipt::ReceiptStatus::Unanchored => "PROOF OK, SIGNER UNCHECKED",
                    receipt::ReceiptStatus::Failed => "FAILED",
                };
                say!("{verdict}: statement {} ({}) in {} at size {}", r.index.map_or("?".into(), |i| i.to_string()), r.kind.as_deref().unwrap_or("?"), r.origin.as_deref().unwrap_or("?"), r.size.map_or("?".into(), |s| s.to_string()));
                for f in &r.findings {
                    say!("  {} {}: {} {}", sev(f.severity), f.code.as_str(), f.message, f.advice);
                }
            }
            Ok(match r.status {
                receipt::ReceiptStatus::Verified => 0,
                receipt::ReceiptStatus::Unanchored => 3,
                receipt::ReceiptStatus::Failed => 1,
            })
        }
        Command::Demo { statements, seed, out } => {
            let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
            let bar = Progress::new(Some(statements), "statements");
            let mut sink: Box<dyn Write> = match &out {
                Some(p) => Box::new(std::io::BufWriter::new(std::fs::File::create(p).map_err(|e| format!("cannot create {}: {e}", p.display()))?)),
                None => Box::new(std::io::BufWriter::new(std::io::stdout().lock())),
            };
            let summary = match onus::demo::write_demo(&mut sink, statements, seed, threads, |n| bar.set(n)) {
                Ok(s) => s,
                // The reader stopped reading (`onus demo | head`): nothing is wrong.
                Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => return Ok(0),
                Err(e) => return Err(e.into()),
            };
            bar.done();
            if let Some(p) = out {
                eprintln!("wrote {} statements and {} checkpoints to {}\nlog key: {}", summary.statements, summary.checkpoints, p.display(), summary.vkey);
            }
            Ok(0)
        }
        #[cfg(feature = "serve")]
        Command::Poll { command } => serve::poll_command(command).map_err(Fail),
        #[cfg(feature = "serve")]
        Command::Serve(args) => serve::serve(args).map(|()| 0).map_err(Fail),
    }
}

fn exit_code(s: Status) -> u8 {
    match s {
        Status::Verified => 0,
        Status::Unsealed => 3,
        Status::Failed => 1,
    }
}

fn parse_any_key(s: &str) -> Result<Key, Fail> {
    note::parse_any_key(s).map_err(|e| Fail(format!("--key: {e}")))
}

fn parse_known(s: &str) -> Result<KnownCheckpoint, Fail> {
    let (size, root) = s.split_once(':').ok_or_else(|| Fail("--known takes SIZE:ROOTHEX".into()))?;
    let size: u64 = size.parse().map_err(|_| Fail(format!("--known: {size:?} is not a size")))?;
    statement::parse_hash(root).map_err(|e| Fail(format!("--known: {e}")))?;
    // The origin is the trace's own: a known checkpoint only ever names its own log.
    Ok(KnownCheckpoint { origin: String::new(), size, root: root.into() })
}

/// Most threads `--threads` takes.
const MAX_THREADS: usize = 256;
/// How long a server may take to accept the connection, and (by default) to send the next bytes.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
const READ_TIMEOUT: Duration = Duration::from_secs(30);

fn open_input(arg: &str, read_timeout: Duration) -> Result<(Box<dyn Read + Send>, Option<u64>), Fail> {
    if arg == "-" {
        return Ok((Box::new(std::io::stdin()), None));
    }
    if arg.starts_with("http://") || arg.starts_with("https://") {
        let agent = ureq::AgentBuilder::new().timeout_connect(CONNECT_TIMEOUT).timeout_read(read_timeout).build();
        let resp = agent.get(arg).call().map_err(|e| match e {
            ureq::Error::Status(code, r) => Fail(format!("{arg}: the server answered {code} {}; check the URL", r.status_text())),
            ureq::Error::Transport(t) if is_timeout(&t) => Fail(format!(
                "{arg}: the server did not answer in time (connect {} s, then {} s without data); try again later or check the address",
                CONNECT_TIMEOUT.as_secs(),
                read_timeout.as_secs()
            )),
            ureq::Error::Transport(t) => Fail(format!("{arg}: cannot fetch it ({t}); check the address and your network")),
        })?;
        let len = resp.header("content-length").and_then(|l| l.parse().ok());
        return Ok((Box::new(TimeoutReader { inner: resp.into_reader(), secs: read_timeout.as_secs() }), len));
    }
    let f = std::fs::File::open(arg).map_err(|e| Fail(format!("cannot open {arg}: {e}")))?;
    let len = f.metadata().ok().map(|m| m.len());
    Ok((Box::new(f), len))
}

fn is_timeout(t: &ureq::Transport) -> bool {
    use std::error::Error;
    let mut e: Option<&(dyn Error + 'static)> = t.source();
    while let Some(cur) = e {
        if cur.downcast_ref::<std::io::Error>().is_some_and(|io| matches!(io.kind(), std::io::ErrorKind::TimedOut | std::io::ErrorKind::WouldBlock)) {
            return true;
        }
        e = cur.source();
    }
    t.to_string().contains("timed out")
}

/// A response body whose read timeouts say how long the server was silent.
struct TimeoutReader<R> {
    inner: R,
    secs: u64,
}

impl<R: Read> Read for TimeoutReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        self.inner.read(buf).map_err(|e| match e.kind() {
            std::io::ErrorKind::TimedOut | std::io::ErrorKind::WouldBlock => {
                std::io::Error::new(std::io::ErrorKind::TimedOut, format!("the server sent nothing for {} s (see --timeout); try again later", self.secs))
            }
            _ => e,
        })
    }
}

/// Says what a failed read of the input means.
fn read_failure(what: &str, e: std::io::Error) -> Fail {
    Fail(format!("reading {what} failed: {e}"))
}

/// A receipt or other small input: at most `MAX_SMALL_INPUT` bytes.
const MAX_SMALL_INPUT: u64 = 4 << 20;

fn read_all(arg: &str) -> Result<Vec<u8>, Fail> {
    let (r, _) = open_input(arg, READ_TIMEOUT)?;
    let mut v = Vec::new();
    r.take(MAX_SMALL_INPUT + 1).read_to_end(&mut v).map_err(|e| read_failure(arg, e))?;
    if v.len() as u64 > MAX_SMALL_INPUT {
        return Err(Fail(format!("{arg} is over {} MiB; a receipt is a few kilobytes: check that this is the receipt", MAX_SMALL_INPUT >> 20)));
    }
    Ok(v)
}

/// Progress on stderr: a bar on a terminal, a line every few seconds otherwise.
struct Progress {
    bar: Option<indicatif::ProgressBar>,
    start: Instant,
    last: std::cell::Cell<Instant>,
    unit: &'static str,
}

impl Progress {
    fn new(total: Option<u64>, unit: &'static str) -> Progress {
        let bar = std::io::stderr().is_terminal().then(|| {
            let b = match total {
                Some(t) => indicatif::ProgressBar::new(t),
                None => indicatif::ProgressBar::new_spinner(),
            };
            let style = if unit == "bytes" {
                "{bar:40} {bytes}/{total_bytes} {binary_bytes_per_sec} eta {eta} {msg}"
            } else {
                "{bar:40} {pos}/{len} {per_sec} eta {eta}"
            };
            b.set_style(indicatif::ProgressStyle::with_template(style).expect("valid template"));
            b
        });
        Progress { bar, start: Instant::now(), last: std::cell::Cell::new(Instant::now()), unit }
    }
    fn set(&self, n: u64) {
        if let Some(b) = &self.bar {
            b.set_position(n);
        } else if self.last.get().elapsed() > Duration::from_secs(5) {
            self.last.set(Instant::now());
            eprintln!("onus: {n} {} in {:.0} s", self.unit, self.start.elapsed().as_secs_f64());
        }
    }
    fn message(&self, m: String) {
        if let Some(b) = &self.bar {
            b.set_message(m);
        }
    }
    fn done(&self) {
        if let Some(b) = &self.bar {
            b.finish_and_clear();
        }
    }
}

fn verify_with_progress(input: Box<dyn Read + Send>, size: Option<u64>, opts: Options, threads: usize) -> Result<(Report, onus::Verifier), Fail> {
    let bar = Progress::new(size, "bytes");
    let result = onus::verify::verify_reader(input, opts, threads, |v| {
        let (bytes, _, statements) = v.progress();
        bar.set(bytes);
        bar.message(format!("{statements} statements"));
    });
    bar.done();
    result.map_err(|e| read_failure("the trace", e))
}

fn sev(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error  ",
        Severity::Warning => "warning",
        Severity::Info => "info   ",
    }
}

fn print_summary(r: &Report) {
    let (mark, word, meaning) = match r.status {
        Status::Verified => ("✓", "VERIFIED", "every statement is well-formed and signed by its actor, every ref resolves, and signed checkpoints cover the whole log"),
        Status::Unsealed => ("~", "UNSEALED", "everything checks, but some statements are covered by no signed checkpoint yet"),
        Status::Failed => ("✗", "FAILED", "something in this trace cannot be trusted; see the errors below"),
    };
    say!("{mark} {word}  {}", r.origin.as_deref().unwrap_or("(no origin)"));
    say!("  {meaning}.");
    if let Some(v) = &r.vkey {
        say!("  log key      {v}");
    }
    let sealed = r.sealed.as_ref().map_or("no valid checkpoint".to_string(), |c| format!("sealed at size {} (root {}…)", c.size, &c.root[..16]));
    say!("  statements   {} on {} lines, {} checkpoint(s), {sealed}", r.statements, r.lines, r.checkpoints);
    say!("  findings     {} error(s), {} warning(s), {} info", r.counts.error, r.counts.warning, r.counts.info);
    let a = &r.accountability;
    let total = a.detected_only + a.responsibility_only + a.both + a.silent;
    say!("  incidents    {total}: knowing what went wrong {} · someone taking responsibility {} · both {} · neither (silent) {}", a.detected_only, a.responsibility_only, a.both, a.silent);
    for p in &r.polls {
        let votes: u64 = p.counts.iter().sum();
        let parts: Vec<String> = p.options.iter().zip(&p.counts).map(|(o, c)| format!("{o} {c}")).collect();
        say!("  poll         {:?}: {} · {votes} vote(s), closes {}", p.question, parts.join(" · "), p.closes);
    }
    if r.findings.is_empty() {
        return;
    }
    // Findings grouped by code, in the order the codes first appear: the
    // code's summary, its first ten places, then what to do (the core's words).
    let mut order: Vec<onus::Code> = Vec::new();
    for f in &r.findings {
        if !order.contains(&f.code) {
            order.push(f.code);
        }
    }
    for code in order {
        let of: Vec<&onus::Finding> = r.findings.iter().filter(|f| f.code == code).collect();
        let omitted = r.findings_omitted.iter().find(|o| o.code == code).map_or(0, |o| o.count);
        let total = of.len() as u64 + omitted;
        say!("");
        say!("{} {} ({total}): {}", sev(code.severity()), code.as_str(), code.summary());
        for f in of.iter().take(10) {
            let at = match f.index {
                Some(i) => format!("line {} statement {i}", f.line),
                None if f.line > 0 => format!("line {}", f.line),
                None => "the trace".into(),
            };
            say!("  {at}: {}", f.message);
        }
        if total > 10 {
            let listed = if omitted > 0 { format!(" (--json lists the first {})", of.len()) } else { " (see --json)".into() };
            say!("  … and {} more{listed}", total - 10);
        }
        say!("  what to do: {}", code.advice());
    }
}

/// Reads the whole trace through the verifier (to learn ids, the log and its state).
fn load(trace: &Path, keep_rows: bool) -> Result<(Report, onus::Verifier), Fail> {
    let f = std::fs::File::open(trace).map_err(|e| Fail(format!("cannot open {}: {e}", trace.display())))?;
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let opts = Options { keep_rows, ..Options::default() };
    onus::verify::verify_reader(f, opts, threads, |_| {}).map_err(|e| Fail(format!("reading {} failed: {e}", trace.display())))
}

fn append(key: &Path, kind: &str, refs: &[String], body: &str, time: Option<&str>, trace: &Path) -> Result<u8, Fail> {
    let k = keyfile::load(key)?;
    let body = json::parse(body.as_bytes(), json::Numbers::SafeIntegers).map_err(|e| Fail(format!("--body is not acceptable JSON: {e}")))?;
    let refs: Vec<[u8; 32]> = refs.iter().map(|r| statement::parse_hash(r).map_err(|e| Fail(format!("--ref: {e}")))).collect::<Result<_, _>>()?;
    let time = match time {
        Some(t) => statement::parse_time(t).map_err(|e| Fail(format!("--time: {e}")))?,
        None => std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_err(|e| Fail(e.to_string()))?.as_secs() as i64,
    };
    let exists = trace.exists() && std::fs::metadata(trace)?.len() > 0;
    if exists {
        let (_, v) = load(trace, false)?;
        for r in &refs {
            if v.index_of(r).is_none() {
                return Err(Fail(format!("--ref {} is not the id of a statement in {}", statement::id_to_hex(r), trace.display())));
            }
        }
    } else if kind != "log" {
        return Err(Fail(format!("{} is empty: its first statement must be of kind `log` (body {{\"origin\":…,\"roster\":[…]}})", trace.display())));
    }
    // Refuse to write what a verifier would flag.
    let (line, st) = statement::sign_checked(&k.key, &Draft { kind, time, refs: &refs, body }).map_err(Fail)?;
    let id = st.id;
    let mut f = std::fs::OpenOptions::new().create(true).append(true).open(trace)?;
    ensure_newline(trace)?;
    writeln!(f, "{line}")?;
    say!("{}", statement::id_to_hex(&id));
    Ok(0)
}

/// If the file does not end with a newline, add one, so appended lines stay lines.
fn ensure_newline(trace: &Path) -> Result<(), Fail> {
    use std::io::{Seek, SeekFrom};
    let mut f = std::fs::OpenOptions::new().read(true).append(true).open(trace)?;
    let len = f.metadata()?.len();
    if len > 0 {
        f.seek(SeekFrom::Start(len - 1))?;
        let mut b = [0u8; 1];
        f.read_exact(&mut b)?;
        if b[0] != b'\n' {
            f.write_all(b"\n")?;
        }
    }
    Ok(())
}

fn seal(key: &Path, trace: &Path) -> Result<u8, Fail> {
    let k = keyfile::load(key)?;
    let (report, v) = load(trace, false)?;
    let (Some(origin), Some(log_key)) = (report.origin.clone(), report.log_key.clone()) else {
        return Err(Fail(format!("{} has no valid first `log` statement to seal", trace.display())));
    };
    if statement::key_to_string(&k.key.verifying_key().to_bytes()) != log_key {
        return Err(Fail(format!("{} is not the log key of {origin} ({log_key})", key.display())));
    }
    if report.findings.iter().any(|f| f.code == onus::Code::StatementMalformed) {
        return Err(Fail("the trace has malformed statements; a checkpoint over them could not be checked. Remove or fix them first.".into()));
    }
    if k.name != origin {
        // Checkpoints are signed under the origin's name, so the vkey readers need differs from keygen's.
        eprintln!("onus: note: {} is named {:?} but the log's origin is {origin:?}; readers should pin {}", key.display(), k.name, report.vkey.as_deref().unwrap_or("?"));
    }
    let n = v.statement_count();
    let root = onus::merkle::root(v.leaves());
    let signed = note::sign_note(&note::checkpoint_text(&origin, n, &root), &origin, &k.key);
    ensure_newline(trace)?;
    let mut f = std::fs::OpenOptions::new().append(true).open(trace)?;
    writeln!(f, "{}", note::checkpoint_line(&signed))?;
    say!("sealed {origin} at size {n}, root {}", hex::encode(root));
    Ok(0)
}

fn prove(index: u64, trace: &Path) -> Result<u8, Fail> {
    use std::io::{Seek, SeekFrom};
    let (report, v) = load(trace, true)?;
    let Some(sealed) = &report.sealed else {
        return Err(Fail(format!("{} has no valid checkpoint to prove against; run `onus seal` first", trace.display())));
    };
    if index >= sealed.size {
        return Err(Fail(format!("statement {index} is not covered by the latest checkpoint (size {}); seal the trace again", sealed.size)));
    }
    let note_text = sealed.note.clone();
    let (offset, len) = v.row(index).expect("rows are kept");
    let mut f = std::fs::File::open(trace)?;
    f.seek(SeekFrom::Start(offset))?;
    let mut line = vec![0u8; len as usize];
    let got = f.read(&mut line)?;
    line.truncate(got);
    let line = onus::verify::line_content(&line).to_vec();
    let proof = v.inclusion_proof(index, sealed.size);
    let r = receipt::make_receipt(&line, index, &proof, &note_text).map_err(Fail)?;
    out::json(&r);
    Ok(0)
}
