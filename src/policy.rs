//! Trust policies: the text format of C2SP tlog-policy (FORMAT.md section 9),
//! parsed into typed values, and evaluated against the witnesses that validly
//! cosigned a checkpoint.
//!
//! ```text
//! log <vkey> [url]
//! witness <name> <vkey> [url]
//! group <name> <k|any|all> <member>...
//! quorum <name|none>
//! ```
//!
//! Lines are items separated by white space; `#` starts a comment. A name is
//! defined once, before it is used (so there are no cycles); `none` is
//! predefined (no cosignature needed). Exactly one `quorum` line.

use crate::cosignature::WitnessKey;
use crate::report::{quoted, Cosigner};
use crate::statement::Key;

/// A checkpoint's cosignatures under a policy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Witnessed {
    /// The quorum is met; these witnesses cosigned.
    Met(Vec<Cosigner>),
    /// Not met; these cosigned (maybe none).
    Unmet(Vec<Cosigner>),
    /// A witness the policy names has a line that does not verify.
    Invalid { witness: String, why: String },
}

/// RFC 3339 for times up to the year 9999, else the number of seconds.
fn time_text(t: u64) -> String {
    match i64::try_from(t) {
        Ok(s) if s <= 253_402_300_799 => crate::statement::format_time(s),
        _ => format!("{t} s after 1970"),
    }
}

/// Most lines of a policy (a policy is a small file a reader pins).
pub const MAX_LINES: usize = 1000;

/// A log the policy accepts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PolicyLog {
    pub origin: String,
    pub key: Key,
    pub url: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PolicyWitness {
    /// The policy's own name for it (local to the policy).
    pub name: String,
    pub key: WitnessKey,
    pub url: Option<String>,
}

/// What a name of the policy stands for.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Node {
    Witness(usize),
    /// At least `k` of the members (indexes of earlier nodes).
    Group { k: usize, members: Vec<usize> },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Policy {
    pub logs: Vec<PolicyLog>,
    pub witnesses: Vec<PolicyWitness>,
    names: Vec<(String, Node)>,
    /// The quorum's node, or None for `quorum none`.
    quorum: Option<usize>,
}

/// A bad policy: the line (from 1) and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PolicyError {
    pub line: usize,
    pub what: String,
}

impl std::fmt::Display for PolicyError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.line == 0 {
            write!(f, "the policy {}", self.what)
        } else {
            write!(f, "policy line {}: {}", self.line, self.what)
        }
    }
}

impl Policy {
    pub fn parse(text: &str) -> Result<Policy, PolicyError> {
        let mut p = Policy { logs: Vec::new(), witnesses: Vec::new(), names: Vec::new(), quorum: None };
        let mut quorum_seen = false;
        for (i, raw) in text.lines().enumerate() {
            let n = i + 1;
            let err = |what: String| PolicyError { line: n, what };
            if n > MAX_LINES {
                return Err(err(format!("a policy has at most {MAX_LINES} lines")));
            }
            let line = raw.split('#').next().unwrap_or("");
            let items: Vec<&str> = line.split_whitespace().collect();
            let Some((&kw, args)) = items.split_first() else { continue };
            match kw {
                "log" => {
                    let (vkey, url) = match args {
                        [v] => (*v, None),
                        [v, u] => (*v, Some(u.to_string())),
                        _ => return Err(err("a log line is `log <vkey> [url]`".into())),
                    };
                    let (origin, key) = crate::note::parse_vkey(vkey).map_err(|e| err(format!("the log's key: {e}")))?;
                    p.logs.push(PolicyLog { origin, key, url });
                }
                "witness" => {
                    let (name, vkey, url) = match args {
                        [a, v] => (*a, *v, None),
                        [a, v, u] => (*a, *v, Some(u.to_string())),
                        _ => return Err(err("a witness line is `witness <name> <vkey> [url]`".into())),
                    };
                    p.define(name).map_err(err)?;
                    let key = WitnessKey::parse(vkey).map_err(err)?;
                    p.names.push((name.to_string(), Node::Witness(p.witnesses.len())));
                    p.witnesses.push(PolicyWitness { name: name.to_string(), key, url });
                }
                "group" => {
                    let [name, k, members @ ..] = args else { return Err(err("a group line is `group <name> <k|any|all> <member>...`".into())) };
                    p.define(name).map_err(err)?;
                    if members.is_empty() {
                        return Err(err(format!("group {} has no members", quoted(name))));
                    }
                    let members = members.iter().map(|m| p.lookup(m).map_err(err)).collect::<Result<Vec<_>, _>>()?;
                    let k = match *k {
                        "any" => 1,
                        "all" => members.len(),
                        k => match k.parse::<usize>() {
                            Ok(v) if (1..=members.len()).contains(&v) && v.to_string() == k => v,
                            _ => return Err(err(format!("group {}: {} is not any, all or a number from 1 to its {} members", quoted(name), quoted(k), members.len()))),
                        },
                    };
                    p.names.push((name.to_string(), Node::Group { k, members }));
                }
                "quorum" => {
                    let [name] = args else { return Err(err("a quorum line is `quorum <name|none>`".into())) };
                    if quorum_seen {
                        return Err(err("a second quorum line: a policy has exactly one".into()));
                    }
                    quorum_seen = true;
                    p.quorum = if *name == "none" { None } else { Some(p.lookup(name).map_err(err)?) };
                }
                other => return Err(err(format!("{} is not log, witness, group or quorum", quoted(other)))),
            }
        }
        if !quorum_seen {
            return Err(PolicyError { line: 0, what: "has no quorum line (write `quorum none` if no cosignature is needed)".into() });
        }
        if p.logs.is_empty() {
            return Err(PolicyError { line: 0, what: "names no log (a `log <vkey>` line)".into() });
        }
        Ok(p)
    }

    fn define(&self, name: &str) -> Result<(), String> {
        if name == "none" {
            return Err("`none` is predefined (no cosignature needed) and cannot be redefined".into());
        }
        if self.names.iter().any(|(n, _)| n == name) {
            return Err(format!("{} is defined twice", quoted(name)));
        }
        Ok(())
    }

    fn lookup(&self, name: &str) -> Result<usize, String> {
        self.names.iter().position(|(n, _)| n == name).ok_or_else(|| format!("{} is not defined on an earlier line", quoted(name)))
    }

    /// Whether the policy needs no cosignature (`quorum none`).
    pub fn needs_none(&self) -> bool {
        self.quorum.is_none()
    }

    /// Whether the log key of `origin` is one the policy names.
    pub fn names_log(&self, origin: &str, key: &Key) -> bool {
        self.logs.iter().any(|l| l.origin == origin && l.key == *key)
    }

    /// Whether the witnesses in `cosigned` (indexes into [`Policy::witnesses`]) meet the quorum.
    pub fn quorum_met(&self, cosigned: &[usize]) -> bool {
        match self.quorum {
            None => true,
            Some(q) => self.acts(q, cosigned),
        }
    }

    fn acts(&self, node: usize, cosigned: &[usize]) -> bool {
        match &self.names[node].1 {
            Node::Witness(w) => cosigned.contains(w),
            Node::Group { k, members } => members.iter().filter(|&&m| self.acts(m, cosigned)).count() >= *k,
        }
    }

    /// What the policy makes of a checkpoint's cosignature lines (the note's
    /// other lines are checked elsewhere). A line by a witness the policy
    /// names that does not verify rejects the checkpoint (signed-note: a
    /// failed signature by a known key rejects the note); lines by other keys
    /// are ignored.
    pub fn evaluate(&self, note: &str) -> Result<Witnessed, String> {
        let (text, lines) = crate::note::cosignatures(note)?;
        let mut cosigned = Vec::new();
        let mut who = Vec::new();
        for (i, w) in self.witnesses.iter().enumerate() {
            let mut ok = None;
            for c in lines.iter().filter(|c| c.is_by(&w.key)) {
                match c.verify(text, &w.key) {
                    Ok(()) => ok = ok.or(Some(c.time)),
                    Err(why) => return Ok(Witnessed::Invalid { witness: w.name.clone(), why }),
                }
            }
            if let Some(time) = ok {
                cosigned.push(i);
                who.push(Cosigner { witness: w.name.clone(), key_name: w.key.name.clone(), time: time_text(time), unix_time: time });
            }
        }
        Ok(match self.quorum_met(&cosigned) {
            true => Witnessed::Met(who),
            false => Witnessed::Unmet(who),
        })
    }

    /// The quorum in words ("2 of X1, X2, X3"), for a reader.
    pub fn describe(&self) -> String {
        match self.quorum {
            None => "none (the log's signature alone)".into(),
            Some(q) => self.describe_node(q),
        }
    }

    fn describe_node(&self, node: usize) -> String {
        match &self.names[node].1 {
            Node::Witness(w) => self.witnesses[*w].name.clone(),
            Node::Group { k, members } => {
                let names: Vec<String> = members.iter().map(|&m| self.describe_node(m)).collect();
                let k = if *k == members.len() && members.len() > 1 { "all".to_string() } else { k.to_string() };
                format!("{k} of ({})", names.join(", "))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ed25519_dalek::SigningKey;

    fn wk(n: u8) -> String {
        WitnessKey { name: format!("w{n}.example"), key: Key::of(&SigningKey::from_bytes(&[n; 32])) }.vkey()
    }
    fn lk() -> String {
        crate::note::vkey("example.org/log", &Key::of(&SigningKey::from_bytes(&[100; 32])))
    }

    #[test]
    fn two_levels_of_groups_as_in_the_spec() {
        let text = format!(
            "# the spec's example\nlog {}\nwitness X1 {}\nwitness X2 {}\nwitness X3 {}\ngroup X 2 X1 X2 X3\nwitness Y1 {} https://y1.example/\ngroup Y any Y1\ngroup XY all X Y\nquorum XY\n",
            lk(),
            wk(1),
            wk(2),
            wk(3),
            wk(4)
        );
        let p = Policy::parse(&text).unwrap();
        assert_eq!(p.witnesses.len(), 4);
        assert_eq!(p.witnesses[3].url.as_deref(), Some("https://y1.example/"));
        assert!(p.quorum_met(&[0, 1, 3]));
        assert!(!p.quorum_met(&[0, 3]), "one X is not two");
        assert!(!p.quorum_met(&[0, 1, 2]), "no Y");
        assert_eq!(p.describe(), "all of (2 of (X1, X2, X3), 1 of (Y1))");
        assert!(p.names_log("example.org/log", &Key::of(&SigningKey::from_bytes(&[100; 32]))));
    }

    #[test]
    fn quorum_none_needs_nothing() {
        let p = Policy::parse(&format!("log {}\nquorum none\n", lk())).unwrap();
        assert!(p.needs_none() && p.quorum_met(&[]));
    }

    #[test]
    fn bad_policies_say_which_line_and_why() {
        let l = lk();
        let cases = [
            (format!("log {l}\n"), 0, "has no quorum line"),
            ("quorum none\n".to_string(), 0, "names no log"),
            (format!("log {l}\nquorum W\n"), 2, "\"W\" is not defined on an earlier line"),
            (format!("log {l}\nquorum none\nquorum none\n"), 3, "a second quorum line"),
            (format!("log {l}\nwitness A {}\nwitness A {}\nquorum A\n", wk(1), wk(2)), 3, "\"A\" is defined twice"),
            (format!("log {l}\nwitness none {}\nquorum none\n", wk(1)), 2, "`none` is predefined"),
            (format!("log {l}\nwitness A {}\ngroup G 2 A\nquorum G\n", wk(1)), 3, "\"2\" is not any, all or a number from 1 to its 1 members"),
            (format!("log {l}\nwitness A {}\ngroup G 0 A\nquorum G\n", wk(1)), 3, "\"0\" is not any"),
            (format!("log {l}\ngroup G any\nquorum none\n"), 2, "group \"G\" has no members"),
            (format!("log {l}\nwitness A {l}\nquorum A\n"), 2, "type 0x01"),
            (format!("log {l}\nwitnes A {}\nquorum A\n", wk(1)), 2, "\"witnes\" is not log, witness, group or quorum"),
            ("log nonsense\nquorum none\n".to_string(), 1, "the log's key"),
        ];
        for (text, line, want) in cases {
            let e = Policy::parse(&text).unwrap_err();
            assert_eq!(e.line, line, "{text}: {e}");
            assert!(e.to_string().contains(want), "{text}: {e}");
        }
    }
}
