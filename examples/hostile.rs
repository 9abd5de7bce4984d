//! Hostile inputs for the hardening measurements (docs/SERVE.md, the closing
//! notes): `cargo run --release --example hostile -- WHAT N > FILE`.
//!
//! - `members N`: one JSON object of N distinct members (N = 100000 is about 1 MiB);
//! - `junk N`: N one-byte lines;
//! - `kinds N`: a valid, sealed trace of N statements, each of its own kind.

use ed25519_dalek::SigningKey;
use onus::json::Json;
use onus::merkle::Frontier;
use onus::statement::{self, key_to_string, Draft, Key};
use onus::{merkle, note};
use std::io::{BufWriter, Write};

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let (what, n) = match (args.get(1), args.get(2).and_then(|n| n.parse::<usize>().ok())) {
        (Some(w), Some(n)) => (w.as_str(), n),
        _ => {
            eprintln!("usage: hostile members|junk|kinds N > FILE");
            std::process::exit(2);
        }
    };
    let mut out = BufWriter::new(std::io::stdout().lock());
    match what {
        "members" => {
            let members: Vec<String> = (0..n).map(|i| format!("\"m{i}\":0")).collect();
            writeln!(out, "{{{}}}", members.join(",")).unwrap();
        }
        "junk" => {
            for _ in 0..n {
                out.write_all(b"x\n").unwrap();
            }
        }
        "kinds" => {
            let origin = "hostile.onus.dev/kinds";
            let log = SigningKey::from_bytes(&[7; 32]);
            let actor = SigningKey::from_bytes(&[8; 32]);
            let roster = format!(r#"[{{"key":"{}","name":"a","role":"compute"}}]"#, key_to_string(&Key::of(&actor)));
            let genesis = Json::Obj(vec![("origin".into(), Json::Str(origin.into())), ("roster".into(), onus::json::parse(roster.as_bytes(), onus::json::Numbers::SafeIntegers).unwrap())]);
            let mut frontier = Frontier::default();
            let mut emit = |key: &SigningKey, kind: &str, body: Json, time: i64, out: &mut BufWriter<_>| {
                let (line, id) = statement::sign_statement(key, &Draft { kind, time, refs: &[], body });
                let st = statement::parse_statement(line.as_bytes()).unwrap();
                frontier.push(merkle::leaf_hash(&id, &st.sig));
                writeln!(out, "{line}").unwrap();
            };
            emit(&log, "log", genesis, 1_795_420_800, &mut out);
            for i in 0..n {
                emit(&actor, &format!("k{i}"), Json::Obj(vec![]), 1_795_420_800 + i as i64, &mut out);
            }
            let signed = note::sign_note(&note::checkpoint_text(origin, frontier.size(), &frontier.root()), origin, &log);
            writeln!(out, "{}", onus::note::checkpoint_line(&signed)).unwrap();
        }
        other => {
            eprintln!("hostile: unknown input {other:?}");
            std::process::exit(2);
        }
    }
}
