//! The format's test kit (tests/testkit/, in the manner of age's testkit):
//! trace files, each with the exact status, errors and warnings a verifier of
//! docs/FORMAT.md must report, for any implementation to run.
//!
//! The files are written by the builders below, whose expectations are
//! written by hand from the spec (never taken from the verifier's output):
//! `ONUS_TESTKIT_WRITE=1 cargo test --test testkit` rewrites them; otherwise
//! a test checks that the committed files are what the builders make, and
//! another runs every file through the core and through the `onus` CLI.

mod common;
use common::*;
use onus::statement::{self, Draft};
use serde_json::{json, Value};
use std::path::{Path, PathBuf};

const DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/testkit");
const INPUT_1: &str = "1111111111111111111111111111111111111111111111111111111111111111";
const OUTPUT_2: &str = "2222222222222222222222222222222222222222222222222222222222222222";

/// One expected finding: code, 1-based line (0: the whole trace), statement index.
type At = (&'static str, u64, Option<u64>);

struct Case {
    name: &'static str,
    about: &'static str,
    text: String,
    /// `onus verify` options before the file (`--key`, `--known`).
    args: Vec<String>,
    status: &'static str,
    errors: Vec<At>,
    warnings: Vec<At>,
    /// What a verifier needs beyond signatures, hashes, refs and checkpoints to
    /// get this case right (docs in tests/testkit/README.md).
    needs: &'static [&'static str],
}

fn case(name: &'static str, about: &'static str, t: &Trace, status: &'static str, errors: Vec<At>, warnings: Vec<At>) -> Case {
    Case { name, about, text: t.text(), args: vec![], status, errors, warnings, needs: &[] }
}

impl Case {
    fn needs(mut self, n: &'static [&'static str]) -> Case {
        self.needs = n;
        self
    }
    fn args(mut self, a: Vec<String>) -> Case {
        self.args = a;
        self
    }
}

/// genesis (line 1), request (2), compute (3), checkpoint over 3 (4).
fn sealed() -> Trace {
    let mut t = Trace::new();
    let req = t.add(&key(1), "request", &[], &format!(r#"{{"model":"m","input":"{INPUT_1}"}}"#));
    t.add(&key(2), "compute", &[req], &format!(r#"{{"output":"{OUTPUT_2}"}}"#));
    t.seal();
    t
}

/// genesis (line 1), then `line` as line 2, never sealed.
fn genesis_then(line: &str) -> Trace {
    let mut t = Trace::new();
    t.raw(line);
    t
}

fn request_line() -> String {
    sealed().lines[1].clone()
}

fn cases() -> Vec<Case> {
    let mut out = Vec::new();
    let unsealed_from_0 = || vec![("trace.unsealed", 1, Some(0))];

    out.push(case("valid-sealed", "A log of three statements under one checkpoint.", &sealed(), "verified", vec![], vec![]));
    {
        let mut t = sealed();
        t.lines.insert(2, String::new());
        let text = t.text().replace('\n', "\r\n");
        out.push(Case { text, ..case("valid-crlf-and-empty-line", "CRLF line endings and an empty line: both allowed; the empty line takes no index.", &t, "verified", vec![], vec![]) }.needs(&["line-endings"]));
    }
    {
        let mut t = sealed();
        let n2 = t.note(2);
        t.checkpoint_note(&n2);
        t.add(&key(1), "request", &[], r#"{"model":"m","input":"8888888888888888888888888888888888888888888888888888888888888888"}"#);
        t.seal();
        out.push(case("valid-smaller-later-checkpoint", "A checkpoint may commit to fewer statements than precede it; every checkpoint must verify.", &t, "verified", vec![], vec![]));
    }
    out.push(Case { text: String::new(), ..case("trace-empty", "An empty file.", &sealed(), "failed", vec![("trace.empty", 0, None)], vec![]) });
    {
        let mut t = sealed();
        t.add(&key(1), "request", &[], r#"{"model":"m","input":"3333333333333333333333333333333333333333333333333333333333333333"}"#);
        out.push(case("trace-unsealed", "A statement after the last checkpoint.", &t, "unsealed", vec![], vec![("trace.unsealed", 5, Some(3))]));
    }

    // Malformed statements: genesis, the bad line (index 1, line 2), nothing sealed.
    let good = request_line();
    let malformed: Vec<(&'static str, &'static str, String, &'static [&'static str])> = vec![
        ("malformed-not-json", "A line that is not JSON.", "not json".into(), &[]),
        ("malformed-array", "A JSON array, not an object.", "[1,2]".into(), &[]),
        ("malformed-duplicate-member", "A member name twice.", good.replacen('{', "{\"v\":1,", 1), &["json-strict"]),
        ("malformed-unknown-member", "A member outside the seven.", good.replacen('{', "{\"extra\":1,", 1), &[]),
        ("malformed-v-not-1", "\"v\" is 2.", good.replace("\"v\":1", "\"v\":2"), &[]),
        ("malformed-fraction", "A number with a fraction (1.0).", good.replace("\"v\":1", "\"v\":1.0"), &["json-strict"]),
        ("malformed-big-integer", "An integer beyond 2^53-1 in the body.", good.replace("\"model\":\"m\"", "\"model\":\"m\",\"n\":9007199254740992"), &["json-strict"]),
        ("malformed-kind", "A kind that is not a lowercase word.", good.replace("\"kind\":\"request\"", "\"kind\":\"Request\""), &[]),
        ("malformed-time", "A time with an offset instead of Z.", good.replace("Z\",\"v\"", "+00:00\",\"v\""), &[]),
        ("malformed-calendar-date", "February 30th.", good.replace("2026-11-23T08:00:02Z", "2026-02-30T08:00:02Z"), &["calendar"]),
        ("malformed-actor", "An actor key of the wrong length.", good.replacen("\"actor\":\"", "\"actor\":\"x", 1), &[]),
        ("malformed-sig-encoding", "A signature of the wrong length.", good.replacen("\"sig\":\"", "\"sig\":\"x", 1), &[]),
        ("malformed-ref", "A ref that is not 64 lowercase hex.", good.replace("\"refs\":[]", "\"refs\":[\"abc\"]"), &[]),
        ("malformed-too-many-refs", "65 refs.", good.replace("\"refs\":[]", &format!("\"refs\":[{}]", vec![format!("\"{}\"", "a".repeat(64)); 65].join(","))), &[]),
        ("malformed-body-not-object", "A body that is an array.", good.replace("\"body\":{", "\"body\":[{").replace("},\"kind\"", "}],\"kind\""), &[]),
        ("malformed-bom", "A byte order mark before the JSON.", format!("\u{feff}{good}"), &["bom"]),
        ("malformed-white-space", "White space before the JSON value.", format!(" {good}"), &["line-endings"]),
        ("malformed-nested-65", "65 levels of nesting inside the body.", good.replace("\"model\":\"m\"", &format!("\"model\":\"m\",\"deep\":{}{}", "[".repeat(63), "]".repeat(63))), &["json-strict"]),
        ("malformed-lone-surrogate", "A \\u escape of a lone surrogate.", good.replace("\"model\":\"m\"", "\"model\":\"\\ud800\""), &["json-strict"]),
    ];
    for (name, about, line, needs) in malformed {
        let t = genesis_then(&line);
        out.push(case(name, about, &t, "failed", vec![("statement.malformed", 2, Some(1))], unsealed_from_0()).needs(needs));
    }
    {
        let t = genesis_then(&good.replace("\"model\":\"m\"", &format!("\"model\":\"m\",\"deep\":{}{}", "[".repeat(62), "]".repeat(62))));
        // The signature no longer matches the edited statement, but it is well-formed: 64 levels.
        out.push(case("nested-64-is-well-formed", "64 levels of nesting (the statement, the body and 62 arrays) are allowed.", &t, "failed", vec![("statement.signature.invalid", 2, Some(1))], unsealed_from_0()).needs(&["json-strict"]));
    }

    {
        let mut t = sealed();
        use ed25519_dalek::Signer;
        let st = statement::parse_statement(t.lines[1].as_bytes()).unwrap();
        let other = statement::sig_to_string(&statement::Sig(key(9).sign(&st.id.0).to_bytes()));
        t.lines[1] = t.lines[1].replace(&statement::sig_to_string(&st.sig), &other);
        out.push(case("signature-invalid", "A statement signed by another key than its actor's; the checkpoint (over the original) no longer matches.", &t, "failed", vec![("statement.signature.invalid", 2, Some(1)), ("checkpoint.root.mismatch", 4, None)], unsealed_from_0()));
    }
    {
        let mut t = sealed();
        let dup = t.lines[1].clone();
        t.push_line(dup);
        t.seal();
        out.push(case("duplicate", "The same statement twice: a warning; the copy keeps its slot.", &t, "verified", vec![], vec![("statement.duplicate", 5, Some(3))]).needs(&["duplicates"]));
    }
    {
        let mut t = Trace { log: key(100), lines: vec![], leaves: vec![], time: T0 };
        t.add(&key(1), "request", &[], &format!(r#"{{"model":"m","input":"{INPUT_1}"}}"#));
        t.seal();
        out.push(case("genesis-not-log", "The first statement is a request: no log, so the checkpoint cannot be checked.", &t, "failed", vec![("log.genesis.invalid", 1, Some(0)), ("checkpoint.uncheckable", 2, None)], unsealed_from_0()));
    }
    {
        let mut t = Trace { log: key(100), lines: vec![], leaves: vec![], time: T0 };
        let log = t.log.clone();
        t.add(&log, "log", &[], r#"{"origin":"has space","roster":[]}"#);
        let warnings = vec![("body.invalid", 1, Some(0)), ("trace.unsealed", 1, Some(0))];
        out.push(case("genesis-bad-origin", "A log statement whose origin has a space.", &t, "failed", vec![("log.genesis.invalid", 1, Some(0))], warnings).needs(&["bodies"]));
    }
    {
        let t = sealed();
        let other = onus::note::vkey(ORIGIN, &statement::Key::of(&key(7)));
        out.push(case("log-key-mismatch", "The reader pinned another key for this log (--key).", &t, "failed", vec![("log.key.mismatch", 1, Some(0))], vec![]).args(vec!["--key".into(), other]).needs(&["pinned-key"]));
    }
    {
        let mut t = sealed();
        let log = t.log.clone();
        t.add(&log, "log", &[], &format!(r#"{{"origin":"{ORIGIN}","roster":[]}}"#));
        t.add(&key(1), "roster", &[], &format!(r#"{{"add":[{{"key":"{}","name":"mallory","role":"compute"}}],"remove":[]}}"#, pk(&key(8))));
        t.seal();
        out.push(case("log-repeated-and-roster-unauthorized", "A second log statement, and a roster change not by the log key: warnings.", &t, "verified", vec![], vec![("log.repeated", 5, Some(3)), ("roster.unauthorized", 6, Some(4))]).needs(&["roster"]));
    }
    {
        let mut t = sealed();
        t.add(&key(2), "compute", &[statement::Id([0xab; 32])], &format!(r#"{{"output":"{OUTPUT_2}"}}"#));
        t.seal();
        out.push(case("ref-dangling", "A ref to an id that is not in the log.", &t, "failed", vec![("ref.dangling", 5, Some(3))], vec![]));
    }
    {
        let mut t = sealed();
        let (later, later_id) = statement::sign_statement(&key(1), &Draft { kind: "request", time: T0 + 100, refs: &[], body: j(r#"{"model":"m","input":"4444444444444444444444444444444444444444444444444444444444444444"}"#) });
        t.add(&key(2), "compute", &[later_id], &format!(r#"{{"output":"{OUTPUT_2}"}}"#));
        t.push_line(later);
        t.seal();
        out.push(case("ref-forward", "A ref to a statement that comes later.", &t, "failed", vec![("ref.forward", 5, Some(3))], vec![]));
    }
    {
        let mut t = sealed();
        t.add(&key(2), "compute", &[], r#"{"result":"x"}"#);
        t.add(&key(3), "attest", &[], r#"{"method":"tee","verdict":"maybe"}"#);
        t.add(&key(4), "mystery", &[], r#"{"anything":[1,2,3]}"#);
        t.seal();
        out.push(case("body-invalid", "Bodies that do not follow section 4 (a warning), and an unknown kind (fine).", &t, "verified", vec![], vec![("body.invalid", 5, Some(3)), ("body.invalid", 6, Some(4))]).needs(&["bodies"]));
    }
    {
        let mut t = sealed();
        let poll = t.add(&key(4), "poll", &[], r#"{"question":"Which?","options":["a","b"],"closes":"2026-11-23T08:16:40Z"}"#);
        t.add(&key(1), "vote", &[poll], r#"{"choice":0}"#);
        t.add_at(&key(3), "vote", &[poll], r#"{"choice":1}"#, T0 + 1001);
        t.seal();
        out.push(case("vote-late", "A vote timed after its poll closed: a warning, not counted.", &t, "verified", vec![], vec![("vote.late", 7, Some(5))]).needs(&["polls"]));
    }
    {
        let mut t = sealed();
        let req = t.add(&key(1), "request", &[], r#"{"model":"m","input":"5555555555555555555555555555555555555555555555555555555555555555"}"#);
        t.add(&key(2), "compute", &[req], r#"{"output":"6666666666666666666666666666666666666666666666666666666666666666"}"#);
        t.add(&key(5), "compute", &[req], r#"{"output":"7777777777777777777777777777777777777777777777777777777777777777"}"#);
        t.seal();
        out.push(case("anomaly-silent-disagreement", "Two computes of one request disagree and nobody signed a fault.", &t, "verified", vec![], vec![("anomaly.silent-disagreement", 6, Some(4))]).needs(&["accountability"]));
    }

    // Checkpoints: a sealed log of three, then a bad checkpoint on line 5.
    {
        let mut t = sealed();
        t.raw(r#"{"checkpoint":5}"#);
        out.push(case("checkpoint-malformed-line", "A checkpoint line whose member is not a string.", &t, "failed", vec![("checkpoint.malformed", 5, None)], vec![]));
    }
    {
        let mut t = sealed();
        t.checkpoint_note("no signatures here\n");
        out.push(case("checkpoint-malformed-note", "A checkpoint note with no signature lines.", &t, "failed", vec![("checkpoint.malformed", 5, None)], vec![]));
    }
    {
        let mut t = sealed();
        let foreign = onus::note::sign_note(&onus::note::checkpoint_text("other.example/log", 3, &statement::Hash([0; 32])), "other.example/log", &t.log);
        t.checkpoint_note(&foreign);
        out.push(case("checkpoint-origin-mismatch", "A checkpoint of another log.", &t, "failed", vec![("checkpoint.origin.mismatch", 5, None)], vec![]));
    }
    {
        let mut t = sealed();
        let root = onus::merkle::root(&t.leaves);
        let by_other = onus::note::sign_note(&onus::note::checkpoint_text(ORIGIN, 3, &root), ORIGIN, &key(9));
        t.checkpoint_note(&by_other);
        out.push(case("checkpoint-signature-missing", "A checkpoint signed by another key under the log's name.", &t, "failed", vec![("checkpoint.signature.missing", 5, None)], vec![]));
    }
    {
        let mut t = sealed();
        let changed = t.note(3).replacen("\n3\n", "\n2\n", 1);
        t.checkpoint_note(&changed);
        out.push(case("checkpoint-signature-invalid", "The log's signature line, but the note text changed after signing.", &t, "failed", vec![("checkpoint.signature.invalid", 5, None)], vec![]));
    }
    {
        let mut t = sealed();
        t.add(&key(1), "request", &[], r#"{"model":"m","input":"8888888888888888888888888888888888888888888888888888888888888888"}"#);
        let ahead = t.note(4);
        t.lines.insert(3, onus::note::checkpoint_line(&ahead));
        out.push(case("checkpoint-size-ahead", "A checkpoint that commits to more statements than come before it.", &t, "failed", vec![("checkpoint.size.ahead", 4, None)], vec![("trace.unsealed", 6, Some(3))]));
    }
    {
        let mut t = sealed();
        let mut u = Trace::new();
        let req = u.add(&key(1), "request", &[], &format!(r#"{{"model":"m","input":"{INPUT_1}"}}"#));
        u.add(&key(2), "compute", &[req], r#"{"output":"9999999999999999999999999999999999999999999999999999999999999999"}"#);
        t.lines[2] = u.lines[2].clone();
        out.push(case("checkpoint-root-mismatch", "A statement replaced (and signed by its actor) after the log was sealed.", &t, "failed", vec![("checkpoint.root.mismatch", 4, None)], unsealed_from_0()));
    }
    {
        let mut t = sealed();
        t.lines[2] = "{oops".into();
        out.push(case("checkpoint-uncheckable", "A checkpoint that covers a malformed statement.", &t, "failed", vec![("statement.malformed", 3, Some(2)), ("checkpoint.uncheckable", 4, None)], unsealed_from_0()));
    }

    // Checkpoints the reader held before (--known SIZE:ROOT).
    {
        let t = sealed();
        out.push(case("known-forked", "The reader saw this log at size 3 with another root.", &t, "failed", vec![("checkpoint.inconsistent", 0, Some(2))], vec![]).args(vec!["--known".into(), format!("3:{}", "00".repeat(32))]).needs(&["known"]));
    }
    {
        let mut long = sealed();
        long.add(&key(1), "request", &[], r#"{"model":"m","input":"4444444444444444444444444444444444444444444444444444444444444444"}"#);
        long.add(&key(1), "request", &[], r#"{"model":"m","input":"5555555555555555555555555555555555555555555555555555555555555555"}"#);
        let root = hex::encode(onus::merkle::root(&long.leaves));
        out.push(case("known-rolled-back", "The reader saw this log at size 5; this copy has 3, sealed at 3.", &sealed(), "failed", vec![("checkpoint.inconsistent", 0, None)], vec![]).args(vec!["--known".into(), format!("5:{root}")]).needs(&["known"]));
        out.push(case("known-extended", "The reader saw this log at size 3; this copy extends it.", &long_sealed(long), "verified", vec![], vec![]).args(vec!["--known".into(), format!("3:{}", hex::encode(onus::merkle::root(&sealed().leaves)))]).needs(&["known"]));
    }
    out
}

fn long_sealed(mut t: Trace) -> Trace {
    t.seal();
    t
}

fn expect_json(c: &Case) -> Value {
    let at = |v: &[At]| -> Vec<Value> { v.iter().map(|(code, line, index)| json!({"code": code, "line": line, "index": index})).collect() };
    json!({"about": c.about, "status": c.status, "errors": at(&c.errors), "warnings": at(&c.warnings), "needs": c.needs})
}

fn path(name: &str, ext: &str) -> PathBuf {
    Path::new(DIR).join(format!("{name}.{ext}"))
}

fn pretty(v: &Value) -> String {
    serde_json::to_string_pretty(v).unwrap() + "\n"
}

#[test]
fn the_committed_files_are_what_the_builders_make() {
    let write = std::env::var_os("ONUS_TESTKIT_WRITE").is_some();
    let built = cases();
    let mut names: Vec<&str> = built.iter().map(|c| c.name).collect();
    names.sort();
    names.dedup();
    assert_eq!(names.len(), built.len(), "case names are unique");
    for c in &built {
        let files = [
            (path(c.name, "jsonl"), Some(c.text.clone())),
            (path(c.name, "expect.json"), Some(pretty(&expect_json(c)))),
            (path(c.name, "args.json"), (!c.args.is_empty()).then(|| pretty(&json!(c.args)))),
        ];
        for (p, want) in files {
            if write {
                match &want {
                    Some(text) => std::fs::write(&p, text).unwrap(),
                    None => {
                        let _ = std::fs::remove_file(&p);
                    }
                }
                continue;
            }
            let have = std::fs::read_to_string(&p).ok();
            assert_eq!(have, want, "{} differs from its builder (ONUS_TESTKIT_WRITE=1 rewrites it)", p.display());
        }
    }
    if !write {
        // No stray cases on disk.
        for e in std::fs::read_dir(DIR).unwrap() {
            let name = e.unwrap().file_name().into_string().unwrap();
            if let Some(stem) = name.strip_suffix(".expect.json") {
                assert!(names.contains(&stem), "tests/testkit/{name} has no builder");
            }
        }
    }
}

/// A case as read from disk, the way another implementation would read it.
struct OnDisk {
    name: String,
    trace: PathBuf,
    args: Vec<String>,
    expect: Value,
}

fn on_disk() -> Vec<OnDisk> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(DIR).unwrap() {
        let name = e.unwrap().file_name().into_string().unwrap();
        let Some(stem) = name.strip_suffix(".expect.json") else { continue };
        let expect: Value = serde_json::from_str(&std::fs::read_to_string(path(stem, "expect.json")).unwrap()).unwrap();
        let args = std::fs::read_to_string(path(stem, "args.json")).map(|t| serde_json::from_str(&t).unwrap()).unwrap_or_default();
        out.push(OnDisk { name: stem.to_string(), trace: path(stem, "jsonl"), args, expect });
    }
    out.sort_by(|a, b| a.name.cmp(&b.name));
    assert!(out.len() >= 40, "the test kit is in tests/testkit/ ({} cases found)", out.len());
    out
}

/// Status, errors and warnings of a report, in the expect files' form.
fn outcome(report: &Value) -> Value {
    let of = |sev: &str| -> Vec<Value> {
        report["findings"].as_array().unwrap().iter().filter(|f| f["severity"] == sev).map(|f| json!({"code": f["code"], "line": f["line"], "index": f["index"]})).collect()
    };
    json!({"status": report["status"], "errors": of("error"), "warnings": of("warning")})
}

#[test]
fn every_case_gives_its_expected_report_in_the_core_and_the_cli() {
    for c in on_disk() {
        let want = json!({"status": c.expect["status"], "errors": c.expect["errors"], "warnings": c.expect["warnings"]});
        // The core.
        let mut opts = onus::Options::default();
        let mut args = c.args.iter();
        while let Some(a) = args.next() {
            let v = args.next().unwrap();
            match a.as_str() {
                "--key" => opts.log_key = Some(onus::note::parse_any_key(v).unwrap()),
                "--known" => {
                    let (size, root) = v.split_once(':').unwrap();
                    opts.known.push(onus::verify::KnownCheckpoint { origin: String::new(), size: size.parse().unwrap(), root: onus::statement::Hash::parse(root).unwrap() });
                }
                other => panic!("{}: unknown option {other}", c.name),
            }
        }
        let report = serde_json::to_value(onus::verify_bytes(&std::fs::read(&c.trace).unwrap(), opts)).unwrap();
        assert_eq!(outcome(&report), want, "{} ({})", c.name, c.expect["about"]);
        // The CLI, with its exit code.
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_onus")).arg("verify").arg("--json").args(&c.args).arg(&c.trace).output().unwrap();
        let cli: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{}: {e}: {}", c.name, String::from_utf8_lossy(&out.stderr)));
        assert_eq!(outcome(&cli), want, "{} through the CLI", c.name);
        let code = match c.expect["status"].as_str().unwrap() {
            "verified" => 0,
            "unsealed" => 3,
            _ => 1,
        };
        assert_eq!(out.status.code(), Some(code), "{}: exit code", c.name);
    }
}
