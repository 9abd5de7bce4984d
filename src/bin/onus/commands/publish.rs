//! `onus publish TRACE DIR`: a verified trace as a tiled log (FORMAT.md
//! section 8) that any static host or object store can serve.
//!
//! 1. Verify the trace; refuse one that fails or has no checkpoint.
//! 2. Read its statements up to the last valid checkpoint into the layout;
//!    new files go to a staging folder inside DIR.
//! 3. Refuse to replace a publication of another log, a larger one, or one
//!    of another history.
//! 4. With `--witness`: ask each witness to cosign the checkpoint (C2SP
//!    tlog-witness); one that is down or refuses is left out, and said so.
//! 5. Move the staged files into place, the checkpoint last.
//!
//! A refusal because the folder holds another history of the log leaves fork
//! evidence beside the trace (`onus verify-fork` checks it).

use crate::commands::verify::verify_file;
use crate::output::print_findings;
use crate::witness_client::WitnessClient;
use crate::Fail;
use onus::publish::{may_replace, Layout, Refusal};
use onus::report::{Report, Status};
use onus::verify::{classify, line_content, LineOutcome};
use std::io::BufRead;
use std::path::{Path, PathBuf};

/// Inside DIR, where files wait until every check has passed.
const STAGING: &str = ".onus-publish";

pub fn publish(trace: &Path, dir: &Path, threads: usize, witnesses: &[String]) -> Result<u8, Fail> {
    let mut witnesses = witnesses.iter().map(|w| WitnessClient::parse(w)).collect::<Result<Vec<_>, _>>().map_err(Fail)?;
    let report = verify_file(trace, threads)?;
    let Some(sealed) = refuse_unverified(&report, trace)? else { return Ok(1) };
    std::fs::create_dir_all(dir).map_err(|e| Fail(format!("cannot create {}: {e}", dir.display())))?;
    let mut out = Staged::new(dir)?;
    let layout = match lay_out(trace, sealed.size, &mut out) {
        Ok(l) => l,
        Err(e) => return Err(out.abandon(e)),
    };
    if layout.root().to_string() != sealed.root {
        return Err(out.abandon(Fail(format!("{} changed while it was read (its statements no longer make its checkpoint): publish it again", trace.display()))));
    }
    let origin = report.origin.clone().expect("a verified trace names its log");
    if let Some(existing) = out.existing("checkpoint")? {
        let text = String::from_utf8_lossy(&existing).into_owned();
        if let Err(why) = may_replace(&text, &origin, &layout) {
            let evidence = match why {
                Refusal::Fork { .. } => fork_evidence(trace, &report, &text, &sealed.note, &layout),
                _ => String::new(),
            };
            return Err(out.abandon(Fail(format!("not published: {why}{evidence}"))));
        }
    }
    for (tile, bytes) in layout.tiles() {
        if let Err(e) = out.put(&tile.path(), &bytes, tile.is_full()) {
            return Err(out.abandon(e));
        }
    }
    let checkpoint = cosigned(&sealed.note, sealed.size, &layout, &mut witnesses);
    out.put("checkpoint", checkpoint.as_bytes(), false)?;
    let (written, unchanged) = out.commit()?;
    say!("published {} ({} statements, checkpoint at size {}) to {}: {written} files written, {unchanged} unchanged", origin, report.statements, sealed.size, dir.display());
    if report.statements > sealed.size {
        say!("{} statements after the last checkpoint were left out: seal the trace (`onus seal`) and publish again to include them", report.statements - sealed.size);
    }
    say!("verify it with: onus verify {}/", dir.display());
    Ok(0)
}

/// The checkpoint with a cosignature line from every witness that gives one
/// (beside the ones the note already carries).
fn cosigned(note: &str, size: u64, layout: &Layout, witnesses: &mut [WitnessClient]) -> String {
    let Ok((text, already)) = onus::note::cosignatures(note) else { return note.to_string() };
    let mut out = note.to_string();
    for w in witnesses.iter_mut() {
        if already.iter().any(|c| c.is_by(&w.key) && c.verify(text, &w.key).is_ok()) {
            continue;
        }
        let proof = |old: u64| onus::merkle::consistency_proof_of(old, size, &mut layout.subtrees()).unwrap_or_else(|never| match never {});
        match w.cosign(0, note, text, size, &proof) {
            Ok(line) => {
                say!("witness {} cosigned the checkpoint (size {size})", w.url);
                out.push_str(&line);
                out.push('\n');
            }
            Err(why) => say!("witness {} did not cosign the checkpoint (size {size}): {why}; it is published without that cosignature", w.url),
        }
    }
    out
}

/// Fork evidence for a refusal: the published checkpoint and this trace's, which
/// extends it in size but not in history. Written beside the trace; the sentence
/// to add to the refusal.
fn fork_evidence(trace: &Path, report: &Report, published: &str, ours: &str, layout: &Layout) -> String {
    let Some(vkey) = report.vkey.as_deref() else { return String::new() };
    let e = match onus::fork::evidence(vkey, published, ours, &mut layout.subtrees()) {
        Ok(e) => e,
        Err(_) => return String::new(),
    };
    // Only evidence that proves something: the published checkpoint may not even be this log key's.
    if let Err(why) = onus::fork::check(&e, None) {
        return format!(" (no fork evidence: {why})");
    }
    let path = PathBuf::from(format!("{}.fork-evidence.json", trace.display()));
    let json = serde_json::to_string_pretty(&e).expect("evidence serializes");
    match std::fs::write(&path, json + "\n") {
        Ok(()) => format!(". The evidence (both signed checkpoints and the proof) is in {}; anyone can check it with: onus verify-fork {}", path.display(), path.display()),
        Err(err) => format!(" (the fork evidence could not be written to {}: {err})", path.display()),
    }
}

/// The checkpoint to publish at, or `None` (after saying why) when the trace must not be published.
fn refuse_unverified<'r>(report: &'r Report, trace: &Path) -> Result<Option<&'r onus::report::CheckpointInfo>, Fail> {
    if report.status == Status::Failed {
        say!("not published: {} does not verify ({} errors); a published log must verify:", trace.display(), report.counts.error);
        print_findings(report);
        return Ok(None);
    }
    match &report.sealed {
        Some(s) => Ok(Some(s)),
        None => Err(Fail(format!("not published: {} has no valid checkpoint, and a tiled log is published up to one: seal it first (`onus seal --key LOGKEY {}`)", trace.display(), trace.display()))),
    }
}

/// The statements `0 .. size` in order, their bundles staged as they complete.
fn lay_out(trace: &Path, size: u64, out: &mut Staged) -> Result<Layout, Fail> {
    let f = std::fs::File::open(trace).map_err(|e| Fail(format!("cannot open {}: {e}", trace.display())))?;
    let mut r = std::io::BufReader::with_capacity(1 << 20, f);
    let mut layout = Layout::new(size);
    let mut line = Vec::new();
    while layout.wanted() > 0 {
        line.clear();
        if r.read_until(b'\n', &mut line)? == 0 {
            break;
        }
        // The trace verified: its lines are statements, checkpoints and empty lines.
        if let LineOutcome::Statement(c) = classify(&line) {
            if let Some((bundle, bytes)) = layout.push(line_content(&line), c.leaf) {
                out.put(&bundle.path(), &bytes, bundle.is_full())?;
            }
        }
    }
    if layout.wanted() > 0 {
        return Err(Fail(format!("{} changed while it was read (it has fewer statements than its checkpoint): publish it again", trace.display())));
    }
    Ok(layout)
}

/// Files staged in DIR/.onus-publish, moved into place by [`Staged::commit`].
struct Staged {
    dir: PathBuf,
    staging: PathBuf,
    staged: Vec<String>,
    unchanged: u64,
}

impl Staged {
    fn new(dir: &Path) -> Result<Staged, Fail> {
        let staging = dir.join(STAGING);
        if staging.exists() {
            // What an interrupted run left: nothing there was in place yet.
            std::fs::remove_dir_all(&staging).map_err(|e| Fail(format!("cannot clear {}: {e}", staging.display())))?;
        }
        Ok(Staged { dir: dir.to_path_buf(), staging, staged: Vec::new(), unchanged: 0 })
    }

    fn existing(&self, rel: &str) -> Result<Option<Vec<u8>>, Fail> {
        match std::fs::read(self.dir.join(rel)) {
            Ok(b) => Ok(Some(b)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(Fail(format!("cannot read {}: {e}", self.dir.join(rel).display()))),
        }
    }

    /// Stages `rel` unless it is already there with these bytes. A full tile
    /// or bundle is immutable: other bytes there mean another history.
    fn put(&mut self, rel: &str, bytes: &[u8], immutable: bool) -> Result<(), Fail> {
        if let Some(old) = self.existing(rel)? {
            if old == bytes {
                self.unchanged += 1;
                return Ok(());
            }
            if immutable {
                return Err(Fail(format!(
                    "not published: {} already holds {rel} with other contents, and full tiles never change: the folder holds another history of this log (or another log); publish into an empty folder, or find out which history is the log's",
                    self.dir.display()
                )));
            }
        }
        let path = self.staging.join(rel);
        std::fs::create_dir_all(path.parent().expect("a staged file has a folder")).map_err(|e| Fail(format!("cannot create a folder for {}: {e}", path.display())))?;
        std::fs::write(&path, bytes).map_err(|e| Fail(format!("cannot write {}: {e}", path.display())))?;
        self.staged.push(rel.to_string());
        Ok(())
    }

    /// Every staged file into place, in the order staged (the checkpoint was staged last).
    fn commit(self) -> Result<(u64, u64), Fail> {
        for rel in &self.staged {
            let to = self.dir.join(rel);
            std::fs::create_dir_all(to.parent().expect("a published file has a folder"))?;
            std::fs::rename(self.staging.join(rel), &to).map_err(|e| Fail(format!("cannot move {rel} into place in {}: {e}", self.dir.display())))?;
        }
        let _ = std::fs::remove_dir_all(&self.staging);
        Ok((self.staged.len() as u64, self.unchanged))
    }

    /// Removes what was staged; nothing in place was touched.
    fn abandon(self, e: Fail) -> Fail {
        let _ = std::fs::remove_dir_all(&self.staging);
        e
    }
}
