//! One statement: strict parsing into typed values (FORMAT.md sections 1, 2, 4),
//! its canonical bytes, id and signature.

use crate::json::{self, Json, Numbers};
use crate::report::quoted;
use ed25519_dalek::{Signer, SigningKey};

/// BLAKE3 derive_key context for statement ids (FORMAT.md section 2).
pub const STATEMENT_ID_CONTEXT: &str = "onus 2026-11 statement v1";
/// Longest acceptable line, newline excluded (FORMAT.md section 2).
pub const MAX_LINE_BYTES: usize = 1 << 20;
/// Most refs one statement may carry (FORMAT.md section 2).
pub const MAX_REFS: usize = 64;

pub use crate::types::{Hash, Id, Key, Sig};

pub fn key_to_string(k: &Key) -> String {
    k.to_string()
}
pub fn sig_to_string(s: &Sig) -> String {
    s.to_string()
}
pub fn id_to_hex(id: &Id) -> String {
    id.to_string()
}
/// A public key: base64url without padding, exactly 43 characters, 32 bytes.
pub fn parse_key(s: &str) -> Result<Key, String> {
    Key::parse(s)
}
pub fn parse_sig(s: &str) -> Result<Sig, String> {
    Sig::parse(s)
}
/// A BLAKE3 hash: exactly 64 lowercase hex characters.
pub fn parse_hash(s: &str) -> Result<Hash, String> {
    Hash::parse(s)
}
/// A statement id: exactly 64 lowercase hex characters.
pub fn parse_id(s: &str) -> Result<Id, String> {
    Id::parse(s)
}

/// RFC 3339 UTC with `Z`, whole seconds (`2026-11-23T10:00:00Z`), as Unix seconds.
/// Leap seconds (`:60`) are refused so that times compare as numbers.
pub fn parse_time(s: &str) -> Result<i64, String> {
    let b = s.as_bytes();
    let bad = || format!("time {} is not RFC 3339 UTC like 2026-11-23T10:00:00Z", quoted(s));
    if b.len() != 20 || b[4] != b'-' || b[7] != b'-' || b[10] != b'T' || b[13] != b':' || b[16] != b':' || b[19] != b'Z' {
        return Err(bad());
    }
    let num = |r: std::ops::Range<usize>| -> Result<i64, String> {
        let part = &b[r];
        if !part.iter().all(u8::is_ascii_digit) {
            return Err(bad());
        }
        Ok(part.iter().fold(0i64, |a, d| a * 10 + (d - b'0') as i64))
    };
    let (y, mo, d, h, mi, se) = (num(0..4)?, num(5..7)?, num(8..10)?, num(11..13)?, num(14..16)?, num(17..19)?);
    let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    let days_in = [31, if leap { 29 } else { 28 }, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
    if !(1..=12).contains(&mo) || d < 1 || d > days_in[(mo - 1) as usize] || h > 23 || mi > 59 || se > 59 {
        return Err(bad());
    }
    Ok(days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + se)
}

pub fn format_time(t: i64) -> String {
    let days = t.div_euclid(86400);
    let secs = t.rem_euclid(86400);
    let (y, m, d) = civil_from_days(days);
    format!("{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z", secs / 3600, secs / 60 % 60, secs % 60)
}

// Howard Hinnant's civil calendar algorithms.
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146097 + doe - 719468
}
fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719468;
    let era = z.div_euclid(146097);
    let doe = z - era * 146097;
    let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (if m <= 2 { yoe + era * 400 + 1 } else { yoe + era * 400 }, m, d)
}

/// A statement's kind (FORMAT.md section 4): one of the v1 vocabulary, or any
/// other lowercase word, verified like any other and shown as such.
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub enum Kind {
    Log,
    Roster,
    Request,
    Model,
    Compute,
    Attest,
    Fault,
    Accept,
    Resolve,
    Poll,
    Vote,
    Other(String),
}

impl Kind {
    /// The v1 vocabulary, in the order of FORMAT.md section 4.
    pub const VOCABULARY: [Kind; 11] = [Kind::Log, Kind::Roster, Kind::Request, Kind::Model, Kind::Compute, Kind::Attest, Kind::Fault, Kind::Accept, Kind::Resolve, Kind::Poll, Kind::Vote];

    /// A kind from its word, which must already be a valid kind word.
    fn from_word(word: &str) -> Kind {
        Kind::VOCABULARY.into_iter().find(|k| k.as_str() == word).unwrap_or_else(|| Kind::Other(word.to_string()))
    }

    pub fn as_str(&self) -> &str {
        match self {
            Kind::Log => "log",
            Kind::Roster => "roster",
            Kind::Request => "request",
            Kind::Model => "model",
            Kind::Compute => "compute",
            Kind::Attest => "attest",
            Kind::Fault => "fault",
            Kind::Accept => "accept",
            Kind::Resolve => "resolve",
            Kind::Poll => "poll",
            Kind::Vote => "vote",
            Kind::Other(w) => w,
        }
    }

    /// 1 to 11 for the vocabulary (0 is kept for "malformed"), none for other kinds.
    pub fn code(&self) -> Option<u32> {
        Kind::VOCABULARY.iter().position(|k| k == self).map(|i| i as u32 + 1)
    }
}

impl std::fmt::Display for Kind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl PartialEq<str> for Kind {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == other
    }
}

impl PartialEq<&str> for Kind {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

fn valid_kind(k: &str) -> bool {
    let b = k.as_bytes();
    !b.is_empty()
        && b.len() <= 32
        && b[0].is_ascii_lowercase()
        && b[1..].iter().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == b'-')
}

#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct RosterEntry {
    pub key: Key,
    pub name: String,
    pub role: String,
}

/// Kind-specific body, decoded (FORMAT.md section 4). Only what the verifier uses is kept.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub enum Body {
    Log { origin: String, roster: Vec<RosterEntry> },
    Roster { add: Vec<RosterEntry>, remove: Vec<Key> },
    Request { model: String, input: Hash },
    Model { name: String, weights: Hash },
    Compute { output: Hash },
    Attest { method: String, pass: bool },
    Fault { blame: Key, what: String },
    Accept { remedy: String, amount: Option<String> },
    Resolve { done: bool },
    Poll { question: String, options: Vec<String>, closes: i64 },
    Vote { choice: i64 },
    /// A kind outside the v1 vocabulary: verified like any other, shown as such.
    Unknown,
    /// A known kind whose body misses a member or has a wrong type (`body.invalid`).
    Invalid(String),
}

/// A well-formed statement, every field decoded to fixed-size values.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct Statement {
    pub kind: Kind,
    pub actor: Key,
    pub time: i64,
    pub refs: Vec<Id>,
    pub body: Body,
    pub sig: Sig,
    pub id: Id,
    /// Every string in the body that is a 64-hex hash (what the statement commits to).
    pub commits: Vec<Hash>,
}

/// Members a statement must have, and may only have (FORMAT.md section 2).
const MEMBERS: [&str; 7] = ["v", "kind", "actor", "time", "refs", "body", "sig"];

/// Parses one line (without its newline) into a statement, computing its id.
/// The signature is *not* checked here: see [`crate::signature`].
pub fn parse_statement(line: &[u8]) -> Result<Statement, String> {
    parse_line(line).map(|(_, st)| st)
}

/// Parses one line into its JSON value and the statement it holds.
pub fn parse_line(line: &[u8]) -> Result<(Json, Statement), String> {
    if line.len() > MAX_LINE_BYTES {
        return Err(format!("the line is {} bytes, over the 1 MiB limit", line.len()));
    }
    let v = json::parse(line, Numbers::SafeIntegers).map_err(|e| e.to_string())?;
    let st = statement_from_json(&v)?;
    Ok((v, st))
}

pub fn statement_from_json(v: &Json) -> Result<Statement, String> {
    let Json::Obj(members) = v else {
        return Err(format!("a statement is a JSON object, this line is {}", v.type_name()));
    };
    for (name, _) in members {
        if !MEMBERS.contains(&name.as_str()) {
            return Err(format!("unknown member {} (a statement has exactly v, kind, actor, time, refs, body, sig)", quoted(name)));
        }
    }
    let get = |name: &str| v.get(name).ok_or_else(|| format!("missing member {name:?}"));
    let str_of = |name: &str| -> Result<&str, String> {
        let m = get(name)?;
        m.as_str().ok_or_else(|| format!("{name:?} must be a string, not {}", m.type_name()))
    };
    match get("v")? {
        Json::Int(1) => {}
        other => return Err(format!("\"v\" must be the integer 1, not {}", short(other))),
    }
    let kind = str_of("kind")?;
    if !valid_kind(kind) {
        return Err(format!("kind {} is not a lowercase word ([a-z][a-z0-9-]{{0,31}})", quoted(kind)));
    }
    let actor = parse_key(str_of("actor")?).map_err(|e| format!("actor: {e}"))?;
    let time = parse_time(str_of("time")?)?;
    let refs = match get("refs")? {
        Json::Arr(items) => {
            if items.len() > MAX_REFS {
                return Err(format!("{} refs, at most {MAX_REFS} are allowed", items.len()));
            }
            items
                .iter()
                .map(|r| r.as_str().ok_or_else(|| "refs must be strings".to_string()).and_then(parse_id))
                .collect::<Result<Vec<_>, _>>()
                .map_err(|e| format!("refs: {e}"))?
        }
        other => return Err(format!("\"refs\" must be an array, not {}", other.type_name())),
    };
    let body_json = get("body")?;
    if !matches!(body_json, Json::Obj(_)) {
        return Err(format!("\"body\" must be an object, not {}", body_json.type_name()));
    }
    let sig = parse_sig(str_of("sig")?).map_err(|e| format!("sig: {e}"))?;
    let id = statement_id(v);
    let mut commits = Vec::new();
    collect_hashes(body_json, &mut commits);
    let kind = Kind::from_word(kind);
    let body = decode_body(&kind, body_json);
    Ok(Statement { kind, actor, time, refs, body, sig, id, commits })
}

/// Does the statement on `line` commit to `hash` (a 64-hex string in its body)?
pub fn line_commits_to(line: &[u8], hash: &Hash) -> bool {
    parse_statement(crate::verify::line_content(line)).is_ok_and(|st| st.commits.contains(hash))
}

fn short(v: &Json) -> String {
    let mut s = String::from_utf8(json::canonical(v)).expect("canonical JSON is UTF-8");
    if s.len() > 40 {
        let cut = (0..=40).rev().find(|&i| s.is_char_boundary(i)).expect("0 is a boundary");
        s.truncate(cut);
        s.push('…');
    }
    s
}

fn collect_hashes(v: &Json, out: &mut Vec<Hash>) {
    match v {
        Json::Str(s) if s.len() == 64 => {
            if let Ok(h) = parse_hash(s) {
                out.push(h);
            }
        }
        Json::Arr(items) => items.iter().for_each(|i| collect_hashes(i, out)),
        Json::Obj(m) => m.iter().for_each(|(_, i)| collect_hashes(i, out)),
        _ => {}
    }
}

/// `id = BLAKE3-derive_key("onus 2026-11 statement v1", JCS(statement without "sig"))`.
pub fn statement_id(v: &Json) -> Id {
    let Json::Obj(members) = v else { panic!("statement_id needs an object") };
    let mut buf = Vec::with_capacity(512);
    json::write_object(members.iter().filter(|(k, _)| k != "sig").map(|(k, v)| (k.as_str(), v)), &mut buf);
    Id(blake3::derive_key(STATEMENT_ID_CONTEXT, &buf))
}

fn decode_body(kind: &Kind, b: &Json) -> Body {
    match decode_known_body(kind, b) {
        Ok(body) => body,
        Err(e) => Body::Invalid(e),
    }
}

fn decode_known_body(kind: &Kind, b: &Json) -> Result<Body, String> {
    let req = |name: &str| b.get(name).ok_or_else(|| format!("{kind} body misses {name:?}"));
    let req_str = |name: &str| -> Result<String, String> {
        let v = req(name)?;
        v.as_str().map(str::to_string).ok_or_else(|| format!("{kind} body: {name:?} must be a string, not {}", v.type_name()))
    };
    let opt_str = |name: &str| -> Result<Option<String>, String> {
        match b.get(name) {
            None => Ok(None),
            Some(Json::Str(s)) => Ok(Some(s.clone())),
            Some(v) => Err(format!("{kind} body: {name:?} must be a string, not {}", v.type_name())),
        }
    };
    let req_hash = |name: &str| parse_hash(&req_str(name)?).map_err(|e| format!("{kind} body: {name}: {e}"));
    let opt_hash = |name: &str| -> Result<(), String> {
        if let Some(s) = opt_str(name)? {
            parse_hash(&s).map_err(|e| format!("{kind} body: {name}: {e}"))?;
        }
        Ok(())
    };
    let one_of = |name: &str, allowed: &[&str]| -> Result<String, String> {
        let s = req_str(name)?;
        if allowed.contains(&s.as_str()) {
            Ok(s)
        } else {
            Err(format!("{kind} body: {name:?} is {}, expected one of {}", quoted(&s), allowed.join(", ")))
        }
    };
    let roster_entries = |name: &str| -> Result<Vec<RosterEntry>, String> {
        let Json::Arr(items) = req(name)? else { return Err(format!("{kind} body: {name:?} must be an array")) };
        items
            .iter()
            .map(|e| {
                let f = |n: &str| {
                    e.get(n).and_then(Json::as_str).ok_or_else(|| format!("{kind} body: each {name} entry needs a string {n:?}"))
                };
                Ok(RosterEntry {
                    key: parse_key(f("key")?).map_err(|err| format!("{kind} body: {name} key: {err}"))?,
                    name: f("name")?.to_string(),
                    role: f("role")?.to_string(),
                })
            })
            .collect()
    };
    Ok(match kind {
        Kind::Log => {
            let origin = req_str("origin")?;
            // The origin is the checkpoint note's key name (FORMAT.md section 3): one rule, in note.rs.
            if !crate::note::valid_name(&origin) {
                return Err(format!("log body: origin {} must be non-empty with no spaces and no '+'", quoted(&origin)));
            }
            Body::Log { origin, roster: roster_entries("roster")? }
        }
        Kind::Roster => {
            let Json::Arr(rm) = req("remove")? else { return Err("roster body: \"remove\" must be an array".into()) };
            let remove = rm
                .iter()
                .map(|k| k.as_str().ok_or("roster body: remove holds keys").map_err(String::from).and_then(parse_key))
                .collect::<Result<Vec<_>, _>>()?;
            Body::Roster { add: roster_entries("add")?, remove }
        }
        Kind::Request => {
            if let Some(p) = b.get("params") {
                if !matches!(p, Json::Obj(_)) {
                    return Err("request body: \"params\" must be an object".into());
                }
            }
            Body::Request { model: req_str("model")?, input: req_hash("input")? }
        }
        Kind::Model => Body::Model { name: req_str("name")?, weights: req_hash("weights")? },
        Kind::Compute => Body::Compute { output: req_hash("output")? },
        Kind::Attest => {
            let method = one_of("method", &["tee", "zkml", "rerun", "sample", "other"])?;
            let verdict = one_of("verdict", &["pass", "fail"])?;
            opt_hash("evidence")?;
            Body::Attest { method, pass: verdict == "pass" }
        }
        Kind::Fault => {
            let blame = parse_key(&req_str("blame")?).map_err(|e| format!("fault body: blame: {e}"))?;
            let what = req_str("what")?;
            opt_hash("evidence")?;
            opt_str("note")?;
            Body::Fault { blame, what }
        }
        Kind::Accept => {
            let remedy = one_of("remedy", &["refund", "rerun", "compensate", "slash", "other"])?;
            opt_str("note")?;
            Body::Accept { remedy, amount: opt_str("amount")? }
        }
        Kind::Resolve => {
            let outcome = one_of("outcome", &["done", "disputed"])?;
            opt_str("note")?;
            Body::Resolve { done: outcome == "done" }
        }
        Kind::Poll => {
            let question = req_str("question")?;
            let Json::Arr(opts) = req("options")? else { return Err("poll body: \"options\" must be an array".into()) };
            if !(2..=8).contains(&opts.len()) {
                return Err(format!("poll body: {} options, a poll has 2 to 8", opts.len()));
            }
            let options = opts
                .iter()
                .map(|o| o.as_str().map(str::to_string).ok_or_else(|| "poll body: options must be strings".to_string()))
                .collect::<Result<Vec<_>, _>>()?;
            let closes = parse_time(&req_str("closes")?).map_err(|e| format!("poll body: closes: {e}"))?;
            Body::Poll { question, options, closes }
        }
        Kind::Vote => match req("choice")? {
            Json::Int(c) => Body::Vote { choice: *c },
            other => return Err(format!("vote body: \"choice\" must be an integer, not {}", other.type_name())),
        },
        Kind::Other(_) => Body::Unknown,
    })
}

/// What an author supplies to make a statement.
pub struct Draft<'a> {
    pub kind: &'a str,
    pub time: i64,
    pub refs: &'a [Id],
    pub body: Json,
}

/// The statement without its signature, and its id (what the actor signs).
pub fn unsigned(actor: &Key, draft: &Draft) -> (Json, Id) {
    let obj = Json::Obj(vec![
        ("v".into(), Json::Int(1)),
        ("kind".into(), Json::Str(draft.kind.into())),
        ("actor".into(), Json::Str(key_to_string(actor))),
        ("time".into(), Json::Str(format_time(draft.time))),
        ("refs".into(), Json::Arr(draft.refs.iter().map(|r| Json::Str(id_to_hex(r))).collect())),
        ("body".into(), draft.body.clone()),
    ]);
    let id = statement_id(&obj);
    (obj, id)
}

/// Adds the signature and returns the line in canonical form (no newline),
/// so that what is written is exactly what is hashed.
pub fn with_signature(unsigned: Json, sig: &Sig) -> String {
    let Json::Obj(mut m) = unsigned else { panic!("with_signature needs the unsigned statement object") };
    m.retain(|(k, _)| k != "sig");
    m.push(("sig".into(), Json::Str(sig_to_string(sig))));
    String::from_utf8(json::canonical(&Json::Obj(m))).expect("canonical JSON is UTF-8")
}

/// Signs a draft and returns the statement's line (canonical JSON, no newline) and id.
pub fn sign_statement(key: &SigningKey, draft: &Draft) -> (String, Id) {
    let (obj, id) = unsigned(&Key::of(key), draft);
    let sig = Sig(key.sign(&id.0).to_bytes());
    (with_signature(obj, &sig), id)
}

/// Signs a draft, then reads the line back as a verifier will: what a shell
/// writes is exactly what is checked, and a statement a verifier would flag
/// (malformed, or a body that does not follow section 4) is refused.
pub fn sign_checked(key: &SigningKey, draft: &Draft) -> Result<(String, Statement), String> {
    let (line, _) = sign_statement(key, draft);
    read_back(line)
}

/// Adds a signature made elsewhere (a key a browser holds) to an unsigned
/// statement, and refuses the result unless it is a statement a verifier
/// accepts, signature included.
pub fn attach_checked(unsigned: Json, sig: &Sig) -> Result<(String, Statement), String> {
    let (line, st) = read_back(with_signature(unsigned, sig))?;
    crate::signature::verify_one(&st.actor, &st.id.0, &st.sig).map_err(|e| format!("refusing the statement: {}", e.explain()))?;
    Ok((line, st))
}

fn read_back(line: String) -> Result<(String, Statement), String> {
    let st = parse_statement(line.as_bytes()).map_err(|e| format!("refusing a malformed statement: {e}"))?;
    if let Body::Invalid(why) = &st.body {
        return Err(format!("refusing the {} statement: {why} (FORMAT.md section 4)", st.kind));
    }
    Ok((line, st))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn time_round_trips_and_rejects_bad_dates() {
        for s in ["1970-01-01T00:00:00Z", "2026-11-23T10:00:03Z", "2024-02-29T23:59:59Z", "2000-02-29T00:00:00Z"] {
            assert_eq!(format_time(parse_time(s).unwrap()), s);
        }
        assert_eq!(parse_time("1970-01-02T00:00:00Z").unwrap(), 86400);
        for s in ["2026-11-23T10:00:03", "2026-11-23 10:00:03Z", "2026-02-29T00:00:00Z", "1900-02-29T00:00:00Z",
                  "2026-13-01T00:00:00Z", "2026-11-23T24:00:00Z", "2026-11-23T10:00:60Z", "2026-11-23T10:00:03.5Z", "2026-11-23t10:00:03z"] {
            assert!(parse_time(s).is_err(), "{s}");
        }
    }
}
