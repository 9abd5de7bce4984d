//! Everything the CLI writes: human output with control and bidi characters
//! made visible, machine output (JSON), progress on standard error, and the
//! summaries of reports. Text from a trace never reaches a terminal raw.

use onus::receipt::{ReceiptReport, ReceiptStatus};
use onus::report::{Report, Severity, Status};
use std::io::IsTerminal;
use std::time::{Duration, Instant};

/// Writes one line of human output to standard output, with every control
/// character and bidirectional override made visible (text from a trace must
/// never repaint the reader's terminal). Goes quiet once the reader closes the
/// pipe (`onus verify … | head`): the exit code stays the command's own.
macro_rules! say {
    ($($t:tt)*) => { $crate::output::out::human(&format!($($t)*)) };
}

pub mod out {
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

/// Progress on stderr: a bar on a terminal, a line every few seconds otherwise.
pub struct Progress {
    bar: Option<indicatif::ProgressBar>,
    start: Instant,
    last: std::cell::Cell<Instant>,
    unit: &'static str,
}

impl Progress {
    pub fn new(total: Option<u64>, unit: &'static str) -> Progress {
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
    pub fn set(&self, n: u64) {
        if let Some(b) = &self.bar {
            b.set_position(n);
        } else if self.last.get().elapsed() > Duration::from_secs(5) {
            self.last.set(Instant::now());
            eprintln!("onus: {n} {} in {:.0} s", self.unit, self.start.elapsed().as_secs_f64());
        }
    }
    pub fn message(&self, m: String) {
        if let Some(b) = &self.bar {
            b.set_message(m);
        }
    }
    pub fn done(&self) {
        if let Some(b) = &self.bar {
            b.finish_and_clear();
        }
    }
}

fn sev(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error  ",
        Severity::Warning => "warning",
        Severity::Info => "info   ",
    }
}

/// The human summary of a report: verdict, counts, incidents, polls, then the
/// findings grouped by code in the core's words.
pub fn print_summary(r: &Report) {
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
    print_findings(r);
}

/// The findings grouped by code, in the order the codes first appear: the
/// code's summary, its first ten places, then what to do (the core's words).
pub fn print_findings(r: &Report) {
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
            let at = match (f.index, &f.path, f.line) {
                (Some(i), Some(path), _) => format!("{path} (from statement {i})"),
                (Some(i), None, Some(line)) => format!("line {line} statement {i}"),
                (None, _, Some(line)) if line > 0 => format!("line {line}"),
                _ => "the trace".into(),
            };
            say!("  {at}: {}", f.message);
        }
        if total > 10 {
            let listed = if omitted > 0 { format!(" (--json lists the first {})", of.len()) } else { " (see --json)".into() };
            say!("  … and {} more{listed}", total - 10);
        }
        say!("  what to do: {}", code.advice());
        if !code.publisher().is_empty() {
            say!("  for publishers: {}", code.publisher());
        }
    }
}

/// The human summary of a receipt's check.
pub fn print_receipt(r: &ReceiptReport) {
    let verdict = match r.status {
        ReceiptStatus::Verified => "VERIFIED",
        ReceiptStatus::Unanchored => "PROOF OK, SIGNER UNCHECKED",
        ReceiptStatus::Failed => "FAILED",
    };
    let or_q = |v: Option<String>| v.unwrap_or_else(|| "?".into());
    say!("{verdict}: statement {} ({}) in {} at size {}", or_q(r.index.map(|i| i.to_string())), r.kind.as_deref().unwrap_or("?"), r.origin.as_deref().unwrap_or("?"), or_q(r.size.map(|s| s.to_string())));
    for f in &r.findings {
        say!("  {} {}: {} {}", sev(f.severity), f.code.as_str(), f.message, f.advice);
    }
}
