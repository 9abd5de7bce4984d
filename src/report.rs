//! The one report (FORMAT.md section 7) and the one vocabulary of findings.
//! Every code is defined here, once; docs/FORMAT.md lists the same table
//! (a test checks that the two agree).

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Error,
    Warning,
    Info,
}

macro_rules! codes {
    ($( $variant:ident = $code:literal, $sev:ident, $summary:literal, $advice:literal, $publisher:literal; )*) => {
        /// A finding code: a dotted word, a severity, a summary, what the reader
        /// can do about it, and what the publisher can do (often a CLI command).
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum Code { $( $variant, )* }
        impl Code {
            pub const ALL: &'static [Code] = &[ $( Code::$variant, )* ];
            pub fn as_str(self) -> &'static str { match self { $( Code::$variant => $code, )* } }
            pub fn severity(self) -> Severity { match self { $( Code::$variant => Severity::$sev, )* } }
            /// What it means for the trace, in a few words ("it contains no statements").
            pub fn summary(self) -> &'static str { match self { $( Code::$variant => $summary, )* } }
            /// What the reader can do next, wherever they read the report (no CLI commands).
            pub fn advice(self) -> &'static str { match self { $( Code::$variant => $advice, )* } }
            /// What the log's publisher or a signer can do about it, with `onus`
            /// commands; empty when it is not theirs to fix. The page shows it behind
            /// a "For publishers" detail, the CLI beside the advice.
            pub fn publisher(self) -> &'static str { match self { $( Code::$variant => $publisher, )* } }
            pub fn parse(s: &str) -> Option<Code> { match s { $( $code => Some(Code::$variant), )* _ => None } }
        }
    };
}

codes! {
    TraceEmpty = "trace.empty", Error,
        "it contains no statements",
        "Check that the file or URL is the trace itself (JSON Lines), not a web page or an empty file.",
        "Publish the trace file itself (JSON Lines, one statement per line), served as text with CORS.";
    TraceUnsealed = "trace.unsealed", Warning,
        "some statements are not yet covered by a checkpoint the log operator signed",
        "Treat these statements as provisional: no checkpoint the log signed commits to them, so they could still be rewritten. Where a checkpoint was refused, its error says why; otherwise ask the log's operator for a newer checkpoint and check again.",
        "Run `onus seal --key LOG.key TRACE` to append a checkpoint covering every statement, then publish the trace again (`onus publish` for a tiled log).";
    StatementMalformed = "statement.malformed", Error,
        "some lines are not valid statements",
        "The line is not a valid statement; it is kept in the tree but trusted for nothing. Tell the publisher: the software that wrote it must be fixed.",
        "Fix the software that wrote the line (FORMAT.md section 2); `onus append` writes valid statements.";
    StatementSignatureInvalid = "statement.signature.invalid", Error,
        "some statements were changed after signing, or not signed by their actor",
        "The statement was changed after signing or was not signed by its actor's key; do not trust it. Compare it with the publisher's copy.",
        "Sign statements with the actor's own key over their canonical bytes (FORMAT.md section 2); `onus append` does it.";
    StatementDuplicate = "statement.duplicate", Warning,
        "a statement appears twice",
        "The same statement appears twice; the second copy is ignored for refs, incidents and tallies. Ask the publisher why it was replayed.",
        "";
    LogGenesisInvalid = "log.genesis.invalid", Error,
        "it does not start with a valid log statement",
        "A trace starts with a signed `log` statement naming its origin and roster; without it no checkpoint can be checked. Make sure the file is a whole trace from its first line.",
        "Start the trace with a `log` statement signed by the log key (`onus append --key LOG.key --kind log --body …`), naming the origin and roster.";
    LogKeyMismatch = "log.key.mismatch", Error,
        "it is signed by a different log key than the one you pinned",
        "The trace is signed by a different log key than the one you pinned. It may be a different log or a forgery: get the right key from the publisher out of band.",
        "";
    LogRepeated = "log.repeated", Warning,
        "a later statement tries to start the log again",
        "Only the statement at index 0 starts a log; this later `log` statement changes nothing.",
        "";
    RosterUnauthorized = "roster.unauthorized", Warning,
        "someone other than the log key tried to change the roster",
        "Only the log key may change the roster; this statement is ignored for the roster.",
        "";
    ActorUnrecognized = "actor.unrecognized", Info,
        "a statement is by a key the roster does not name",
        "The statement is authentic but its key is not in the roster, so its name and role are unknown.",
        "";
    RefDangling = "ref.dangling", Error,
        "some statements refer to statements missing from the log",
        "The statement refers to an id that is not in this log. The trace may be incomplete: fetch the whole log.",
        "";
    RefForward = "ref.forward", Error,
        "some statements refer to later ones, which honest signers cannot do",
        "A statement can only refer to earlier statements; this order cannot have come from honest signers. Do not trust the ordering of this log.",
        "";
    BodyInvalid = "body.invalid", Warning,
        "a statement's body does not follow its kind's rules",
        "The statement is authentic but its body does not follow its kind's rules (FORMAT.md section 4), so it takes no part in incidents or tallies.",
        "";
    VoteLate = "vote.late", Warning,
        "a vote was cast after its poll closed",
        "The vote is timed after the poll closed and is not counted. The collector should have refused it: this is evidence against the collector.",
        "";
    AnomalySilentDisagreement = "anomaly.silent-disagreement", Warning,
        "two computations of one request disagree and nobody said so",
        "Two computations of the same request gave different outputs and nobody signed a fault or a failed attest. Someone should look at it.",
        "";
    CheckpointMalformed = "checkpoint.malformed", Error,
        "a checkpoint is not readable",
        "The checkpoint line is not a C2SP signed note of origin, size and root, so it vouches for nothing. Tell the publisher.",
        "Write checkpoints with `onus seal` (C2SP signed notes, FORMAT.md section 3).";
    CheckpointOriginMismatch = "checkpoint.origin.mismatch", Error,
        "a checkpoint belongs to another log",
        "The checkpoint belongs to another log; the trace has been mixed with another one.",
        "";
    CheckpointSignatureMissing = "checkpoint.signature.missing", Error,
        "a checkpoint is not signed by the log key",
        "No signature line by the log's key; nothing vouches for this checkpoint. Ask the operator for a checkpoint signed by the log key.",
        "Sign checkpoints with the log key: `onus seal --key LOG.key TRACE`.";
    CheckpointSignatureInvalid = "checkpoint.signature.invalid", Error,
        "a checkpoint's signature does not verify",
        "The log key's signature on the checkpoint does not verify: the checkpoint was altered. Do not trust it.",
        "";
    CheckpointQuorumUnmet = "checkpoint.quorum.unmet", Warning,
        "a checkpoint is signed by the log but not cosigned by the witnesses your policy requires",
        "The log signed this checkpoint, but the witnesses your trust policy requires did not cosign it, so it seals nothing: the log may be showing you a history others do not see. Ask the operator to have it witnessed, or check the policy you gave.",
        "Publish with the witnesses the policy names: `onus publish --witness URL=VKEY TRACE DIR`.";
    CheckpointCosignatureInvalid = "checkpoint.cosignature.invalid", Error,
        "a witness's cosignature on a checkpoint does not verify",
        "A witness your policy names has a cosignature line on this checkpoint that does not verify: the checkpoint or the line was altered. Do not trust the checkpoint; keep it as evidence.",
        "";
    CheckpointSizeAhead = "checkpoint.size.ahead", Error,
        "a checkpoint claims more statements than precede it",
        "A checkpoint commits only to statements before it in the file; this one claims more. The file was truncated or reordered.",
        "Publish the whole trace, in order, up to and including each checkpoint line.";
    CheckpointRootMismatch = "checkpoint.root.mismatch", Error,
        "the statements do not hash to what the log operator signed: something was changed, removed, added or reordered",
        "The statements do not hash to the root the log signed: some were changed, removed, added or reordered. Compare with the publisher's copy.",
        "Publish exactly the statements the checkpoint covers; never rewrite a statement after sealing (append a new one and `onus seal` again).";
    CheckpointUncheckable = "checkpoint.uncheckable", Error,
        "a checkpoint covers an unreadable statement",
        "The checkpoint covers a statement that cannot be read, so its root cannot be recomputed. Fix the malformed line first.",
        "";
    ReceiptMalformed = "receipt.malformed", Error,
        "the receipt is not readable",
        "This is not a readable receipt (a receipt is {\"receipt\":1,\"statement\":…,\"index\":N,\"proof\":[…],\"checkpoint\":\"…\"}). Ask whoever gave it to you for a new one.",
        "Make receipts with `onus prove INDEX TRACE`.";
    ReceiptProofInvalid = "receipt.proof.invalid", Error,
        "the receipt's proof does not lead to its checkpoint",
        "The statement is not at that index under that checkpoint: the receipt was altered or made for another log.",
        "";
    ReceiptKeyUnknown = "receipt.key.unknown", Warning,
        "nothing says which log key signed the receipt's checkpoint",
        "Give the log's key to check who signed the checkpoint; until then the receipt proves nothing about which log it is in.",
        "`onus verify-receipt --key VKEY RECEIPT` checks the signer on the command line.";
    CheckpointInconsistent = "checkpoint.inconsistent", Error,
        "it does not contain the log you saw before: statements it had committed to are missing, or its history differs",
        "This copy does not contain the log you saw before: it forked (another history) or it lost statements the log had committed to (an old copy, or a rollback). Keep both checkpoints as evidence and ask the operator why.",
        "A log must only grow: never publish a history that drops or changes statements a checkpoint covered. `onus verify-fork` checks fork evidence.";
    CheckpointStale = "checkpoint.stale", Warning,
        "the server showed an older checkpoint than one you hold",
        "The server's checkpoint is older than one you saw before, and its tiles prove yours extends it: a cache served an old copy. Nothing is wrong with the log; check again later for the newer checkpoint.",
        "";
    TileMismatch = "tile.mismatch", Error,
        "a hash tile of the published log does not agree with its statements or its checkpoint",
        "A hash tile does not hold the hashes of the statements under it, or does not lead to the checkpoint's root: the published files are damaged or were changed. Tell the publisher.",
        "Write the tiles again from the trace with `onus publish TRACE DIR`, and check the folder with `onus fsck DIR`.";
    TileBundleInvalid = "tile.bundle.invalid", Error,
        "an entry bundle does not hold the statements the log committed to",
        "The entry bundle holds other statements than its place in the log calls for (a line missing, extra, moved or changed, or not one statement per line): the log's tiles and checkpoint do not vouch for it. Tell the publisher.",
        "Write the log again from the trace with `onus publish`, and check it with `onus fsck`.";
    TileMissing = "tile.missing", Error,
        "a tile or entry bundle that the checkpoint implies cannot be fetched",
        "A file that the checkpoint's size implies could not be fetched. Logs are never pruned: check your connection and the address, then try again; if it persists, tell the publisher.",
        "Upload every file `onus publish` wrote; `onus fsck URL/` checks what readers can fetch.";
}

impl Serialize for Code {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}
impl<'de> Deserialize<'de> for Code {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Code::parse(&s).ok_or_else(|| serde::de::Error::custom(format!("unknown finding code {s}")))
    }
}

/// Untrusted text inside a message: quoted and escaped (control characters and
/// bidirectional overrides become visible escapes) and cut to a few dozen
/// characters, so a finding never echoes a megabyte of input or repaints a terminal.
pub fn quoted(s: &str) -> String {
    const MAX_CHARS: usize = 48;
    let mut cut: String = s.chars().take(MAX_CHARS).collect();
    let clipped = cut.len() < s.len();
    if clipped {
        cut.push('…');
    }
    let mut out = String::with_capacity(cut.len() + 2);
    out.push('"');
    for c in cut.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if needs_escape(c) => out.push_str(&c.escape_unicode().to_string()),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Characters that must never reach a terminal or a page raw: C0 and C1
/// controls, DEL, and the bidirectional marks, embeddings, overrides and isolates.
pub fn needs_escape(c: char) -> bool {
    c.is_control() || matches!(c, '\u{200e}' | '\u{200f}' | '\u{061c}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

/// One finding: what happened (message) and what to do (advice), where (line,
/// index, id), and how bad.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Finding {
    pub code: Code,
    pub severity: Severity,
    /// 1-based line in the file (0 when the finding is about the whole trace;
    /// null for a tile or entry bundle of a tiled log, which `path` names).
    pub line: Option<u64>,
    pub index: Option<u64>,
    pub id: Option<String>,
    /// The tile or bundle a finding is about (`tile/0/x001/234`), in a tiled log.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    /// What happened, here.
    pub message: String,
    /// What the reader can do next (the code's advice).
    pub advice: String,
}

impl Finding {
    pub fn new(code: Code, line: u64, index: Option<u64>, id: Option<String>, what: impl Into<String>) -> Self {
        Finding { code, severity: code.severity(), line: Some(line), index, id, path: None, message: what.into(), advice: code.advice().to_string() }
    }
    /// A finding about a tile or entry bundle (FORMAT.md section 8): no line,
    /// the index of the first statement it covers, and its path.
    pub fn at_path(code: Code, first: u64, path: String, what: impl Into<String>) -> Self {
        Finding { code, severity: code.severity(), line: None, index: Some(first), id: None, path: Some(path), message: what.into(), advice: code.advice().to_string() }
    }
}

/// One row of the vocabulary, for the page and other readers of reports.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CodeInfo {
    pub code: &'static str,
    pub severity: Severity,
    pub summary: &'static str,
    pub advice: &'static str,
    /// What the publisher can do (`Code::publisher`), empty when nothing.
    pub publisher: &'static str,
}

/// Every code with its severity, summary and advice: what the page renders.
pub fn vocabulary() -> Vec<CodeInfo> {
    Code::ALL.iter().map(|&c| CodeInfo { code: c.as_str(), severity: c.severity(), summary: c.summary(), advice: c.advice(), publisher: c.publisher() }).collect()
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Verified,
    Unsealed,
    Failed,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Accountability {
    pub detected_only: u64,
    pub responsibility_only: u64,
    pub both: u64,
    pub silent: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Category {
    DetectedOnly,
    ResponsibilityOnly,
    Both,
    Silent,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SteppedForward {
    PartyAtFault,
    SomeoneElse,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Incident {
    pub category: Category,
    /// Key of the party at fault (base64url), when known.
    pub blame: Option<String>,
    /// Key of whoever accepted responsibility first.
    pub stepped_forward: Option<String>,
    pub stepped_forward_role: Option<SteppedForward>,
    pub resolved: bool,
    /// A `resolve` with outcome `disputed` references its accept.
    pub disputed: bool,
    /// What went wrong (`fault.what`, or `attest-fail`, or `silent-disagreement`).
    pub what: String,
    pub remedy: Option<String>,
    pub amount: Option<String>,
    /// Indexes of the statements of the incident, in log order.
    pub statements: Vec<u64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PollTally {
    pub poll: String,
    pub index: u64,
    pub question: String,
    pub options: Vec<String>,
    pub closes: String,
    pub counts: Vec<u64>,
    pub voters: u64,
    pub late: u64,
    pub superseded: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RosterMember {
    pub key: String,
    pub name: String,
    pub role: String,
    /// Removed by a later roster statement.
    pub removed: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CheckpointInfo {
    pub line: u64,
    pub size: u64,
    pub root: String,
    pub valid: bool,
    /// The signed note itself (evidence a reader can keep).
    pub note: String,
    /// Under a trust policy: the witnesses that validly cosigned it (FORMAT.md section 9).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub cosigners: Vec<Cosigner>,
}

/// A witness of the policy that cosigned a checkpoint, and when it says it did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cosigner {
    /// The policy's name for the witness.
    pub witness: String,
    /// The key name on its cosignature line (its vkey's name).
    pub key_name: String,
    /// The cosignature's timestamp, RFC 3339 (seconds since 1970 beyond year 9999 as a number).
    pub time: String,
    pub unix_time: u64,
}

/// How many findings of one code are listed; beyond that they are only counted
/// (a trace of ten million junk lines must not make ten million findings).
pub const MAX_FINDINGS_PER_CODE: u64 = 1000;

/// Findings of one code that were counted but not listed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OmittedFindings {
    pub code: Code,
    pub severity: Severity,
    pub count: u64,
}

/// Collects findings: every one is counted, the first [`MAX_FINDINGS_PER_CODE`]
/// of each code are kept.
#[derive(Debug, Default, Serialize, Deserialize)]
pub struct Findings {
    #[serde(with = "kept_findings")]
    kept: Vec<Finding>,
    seen: hashbrown::HashMap<Code, u64>,
    counts: FindingCounts,
}

/// Kept findings in a verifier's saved state (postcard, which is not
/// self-describing, so no field may be skipped): severity and advice follow
/// from the code.
mod kept_findings {
    use super::{Code, Finding};
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    type Row = (Code, Option<u64>, Option<u64>, Option<String>, Option<String>, String);

    pub fn serialize<S: Serializer>(kept: &[Finding], s: S) -> Result<S::Ok, S::Error> {
        let rows: Vec<Row> = kept.iter().map(|f| (f.code, f.line, f.index, f.id.clone(), f.path.clone(), f.message.clone())).collect();
        rows.serialize(s)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<Finding>, D::Error> {
        let rows = Vec::<Row>::deserialize(d)?;
        Ok(rows
            .into_iter()
            .map(|(code, line, index, id, path, message)| Finding { code, severity: code.severity(), line, index, id, path, message, advice: code.advice().to_string() })
            .collect())
    }
}

impl Findings {
    pub fn push(&mut self, f: Finding) {
        match f.severity {
            Severity::Error => self.counts.error += 1,
            Severity::Warning => self.counts.warning += 1,
            Severity::Info => self.counts.info += 1,
        }
        let n = self.seen.entry(f.code).or_default();
        *n += 1;
        if *n <= MAX_FINDINGS_PER_CODE {
            self.kept.push(f);
        }
    }
    pub fn counts(&self) -> &FindingCounts {
        &self.counts
    }
    /// The kept findings sorted by line, what was left out per code, and the counts.
    pub fn finish(&mut self) -> (Vec<Finding>, Vec<OmittedFindings>, FindingCounts) {
        let mut kept = std::mem::take(&mut self.kept);
        // Line order; tile findings (no line) after, by the statements they cover.
        kept.sort_by_key(|f| match f.line {
            Some(line) => (false, line, 0),
            None => (true, 0, f.index.unwrap_or(0)),
        });
        let omitted = Code::ALL
            .iter()
            .filter_map(|&code| {
                let n = self.seen.get(&code).copied().unwrap_or(0);
                (n > MAX_FINDINGS_PER_CODE).then(|| OmittedFindings { code, severity: code.severity(), count: n - MAX_FINDINGS_PER_CODE })
            })
            .collect();
        (kept, omitted, self.counts.clone())
    }
}

/// The report of `verify`; the CLI's `--json` and the page's `window.onusReport`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Report {
    pub status: Status,
    pub origin: Option<String>,
    pub log_key: Option<String>,
    /// The C2SP verifier key of the log (`origin+keyid+base64`).
    pub vkey: Option<String>,
    pub statements: u64,
    pub checkpoints: u64,
    pub lines: u64,
    pub bytes: u64,
    /// The largest valid checkpoint: what the log has committed to.
    pub sealed: Option<CheckpointInfo>,
    pub signature_mode: crate::signature::Mode,
    /// The findings, at most [`MAX_FINDINGS_PER_CODE`] of each code.
    pub findings: Vec<Finding>,
    /// Per code, the findings counted beyond that and not listed.
    pub findings_omitted: Vec<OmittedFindings>,
    /// Every finding, listed or not, per severity.
    pub counts: FindingCounts,
    pub accountability: Accountability,
    pub incidents: Vec<Incident>,
    pub polls: Vec<PollTally>,
    pub roster: Vec<RosterMember>,
    /// The trust policy the trace was read under (FORMAT.md section 9), if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub policy: Option<PolicyInfo>,
    /// When this copy forked from the checkpoint the reader held: evidence
    /// that proves it (`onus verify-fork`), if the two notes and the tiles make one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fork: Option<crate::fork::ForkEvidence>,
}

/// A trust policy in a report: its quorum in words and the witnesses it names.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PolicyInfo {
    pub quorum: String,
    /// False for `quorum none`: the log's signature alone seals.
    pub requires_witnesses: bool,
    pub witnesses: Vec<PolicyWitness>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PolicyWitness {
    pub name: String,
    pub vkey: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FindingCounts {
    pub error: u64,
    pub warning: u64,
    pub info: u64,
}

impl Report {
    pub fn name_of(&self, key: &str) -> Option<&str> {
        self.roster.iter().find(|m| m.key == key).map(|m| m.name.as_str())
    }
}
