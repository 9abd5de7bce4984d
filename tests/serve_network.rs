//! Logs of a network (`onus log create --kind network`): the nodes on a log's
//! roster post statements of any kind over HTTP; everyone else is refused;
//! `onus log roster` adds and removes members while the collector runs; the
//! trace verifies with every statement made by a member at its time.
#![cfg(feature = "serve")]

mod serve_support;

use ed25519_dalek::SigningKey;
use onus::statement::{id_to_hex, key_to_string, Id, Key};
use onus::{Options, Status};
use serve_support::*;
use std::path::Path;
use std::process::Command;

fn key(n: u64) -> SigningKey {
    SigningKey::from_bytes(&blake3::derive_key("onus serve network test node", &n.to_le_bytes()))
}

fn public(k: &SigningKey) -> String {
    key_to_string(&Key::of(k))
}

fn onus_log(data: &Path, args: &[&str]) -> std::process::Output {
    let out = Command::new(onus_bin()).arg("log").args(args).arg("--data").arg(data).output().unwrap();
    assert!(out.status.success(), "onus log {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    out
}

fn post_st(s: &Server, k: &SigningKey, kind: &str, refs: &[Id], body: &str) -> (Answer, Id) {
    let (line, id) = statement_with(k, kind, refs, body, now());
    (post(&s.url("/logs/net/statements"), &line), id)
}

#[test]
fn members_post_any_kind_and_others_are_refused() {
    let dir = tmpdir("network");
    let data = dir.join("data");
    let mut s = Server::start(&data, &["--rate", "0", "--seal-ms", "100"]);
    let (client, node, verifier, stranger) = (key(1), key(2), key(3), key(4));
    let out = onus_log(&data, &["create", "net", "--member", &format!("{}:client-1:client", public(&client)), "--member", &format!("{}:node-7:compute", public(&node))]);
    let vkey = String::from_utf8(out.stdout).unwrap().trim().to_string();
    eventually(10, "the new log on the running collector", || (get(&s.url("/logs/net")).status == 200).then_some(()));
    let info = get(&s.url("/logs/net")).json();
    assert_eq!(info["kind"], "network");
    assert_eq!(info["roster"].as_array().unwrap().len(), 2);
    // A collector that asks no witness serves no policy, and says why.
    let p = get(&s.url("/logs/net/policy"));
    assert_eq!((p.status, p.code().as_str()), (404, "policy.none"), "{}", p.body);

    let input = "a".repeat(64);
    let (r, request) = post_st(&s, &client, "request", &[], &format!(r#"{{"model":"llama-3-8b","input":"{input}"}}"#));
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(r.json()["index"], 1);
    let (r, compute) = post_st(&s, &node, "compute", &[request], &format!(r#"{{"output":"{}"}}"#, "b".repeat(64)));
    assert_eq!(r.status, 201, "{}", r.body);

    // Not on the roster: refused, and told who can add it.
    let (r, _) = post_st(&s, &verifier, "attest", &[compute], r#"{"method":"rerun","verdict":"pass"}"#);
    assert_eq!((r.status, r.code().as_str()), (403, "actor.unrecognized"), "{}", r.body);
    assert!(r.json()["message"].as_str().unwrap().contains("onus log roster --log net --add"), "{}", r.body);
    // A ref to nothing in the log, a malformed body, a second `log`, a roster change by a member.
    let (r, _) = post_st(&s, &node, "compute", &[Id([7; 32])], &format!(r#"{{"output":"{}"}}"#, "c".repeat(64)));
    assert_eq!((r.status, r.code().as_str()), (422, "ref.dangling"), "{}", r.body);
    let (r, _) = post_st(&s, &node, "compute", &[request], r#"{"output":42}"#);
    assert_eq!((r.status, r.code().as_str()), (422, "body.invalid"), "{}", r.body);
    let (r, _) = post_st(&s, &node, "log", &[], r#"{"origin":"x/y","roster":[]}"#);
    assert_eq!((r.status, r.code().as_str()), (422, "statement.kind.refused"), "{}", r.body);
    let (r, _) = post_st(&s, &node, "roster", &[], &format!(r#"{{"add":[{{"key":"{}","name":"me","role":"verifier"}}],"remove":[]}}"#, public(&stranger)));
    assert_eq!((r.status, r.code().as_str()), (403, "roster.not-log-key"), "{}", r.body);
    // A bad signature.
    let (mut line, _) = statement_with(&node, "compute", &[request], &format!(r#"{{"output":"{}"}}"#, "d".repeat(64)), now());
    let at = line.find("\"sig\":\"").unwrap() + 8;
    line.replace_range(at..at + 1, if &line[at..at + 1] == "A" { "B" } else { "A" });
    let r = post(&s.url("/logs/net/statements"), &line);
    assert_eq!((r.status, r.code().as_str()), (403, "statement.signature.invalid"), "{}", r.body);

    // The operator adds the verifier and removes the client, while the collector runs.
    onus_log(&data, &["roster", "net", "--add", &format!("{}:verifier-1:verifier", public(&verifier)), "--remove", &public(&client)]);
    eventually(10, "the roster change on the running collector", || (get(&s.url("/logs/net")).json()["roster"].as_array().unwrap().len() == 2 && get(&s.url("/logs/net")).json()["roster"].to_string().contains("verifier-1")).then_some(()));
    let (r, _) = post_st(&s, &verifier, "attest", &[compute], r#"{"method":"rerun","verdict":"pass"}"#);
    assert_eq!(r.status, 201, "{}", r.body);
    let (r, _) = post_st(&s, &client, "request", &[], &format!(r#"{{"model":"llama-3-8b","input":"{}"}}"#, "e".repeat(64)));
    assert_eq!((r.status, r.code().as_str()), (403, "actor.unrecognized"), "{}", r.body);
    // A duplicate gets its index back.
    let (line, id) = statement_with(&verifier, "fault", &[compute], &format!(r#"{{"blame":"{}","what":"wrong-output"}}"#, public(&node)), now());
    let first = post(&s.url("/logs/net/statements"), &line);
    assert_eq!(first.status, 201, "{}", first.body);
    let again = post(&s.url("/logs/net/statements"), &line);
    assert_eq!((again.status, again.json()["index"].as_u64()), (409, first.json()["index"].as_u64()));
    assert_eq!(first.json()["id"].as_str(), Some(id_to_hex(&id).as_str()));
    // The poll log beside it still takes only ballots.
    let (r, _) = {
        let (line, id) = statement_with(&node, "compute", &[request], &format!(r#"{{"output":"{}"}}"#, "f".repeat(64)), now());
        (post(&s.url("/logs/polls/statements"), &line), id)
    };
    assert_eq!((r.status, r.code().as_str()), (422, "statement.kind.refused"), "{}", r.body);

    // The trace verifies, every actor recognised at its statement's time, and the fault is an incident.
    let trace = eventually(20, "a verified trace of the network log", || {
        let t = get(&s.url("/logs/net/trace.jsonl")).body;
        let r = onus::verify_bytes(t.as_bytes(), Options { log_key: Some(onus::note::parse_vkey(&vkey).unwrap().1), ..Options::default() });
        (r.status == Status::Verified && r.sealed.as_ref().is_some_and(|c| c.size == 6)).then_some(t)
    });
    let (code, out) = {
        let o = Command::new(onus_bin()).args(["verify", &s.url("/logs/net/trace.jsonl"), "--key", &vkey, "--json"]).output().unwrap();
        (o.status.code(), String::from_utf8_lossy(&o.stdout).into_owned())
    };
    assert_eq!(code, Some(0), "{out}");
    let report: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(report["statements"], 6, "{out}");
    let codes: Vec<&str> = report["findings"].as_array().unwrap().iter().filter_map(|f| f["code"].as_str()).collect();
    assert!(!codes.contains(&"actor.unrecognized"), "every statement by a member at its time: {codes:?}");
    assert!(trace.contains("\"kind\":\"roster\""));
    s.stop();
    // And after a restart: the roster is read back from the log.
    let s = Server::start(&data, &["--rate", "0"]);
    let (r, _) = post_st(&s, &client, "request", &[], &format!(r#"{{"model":"m","input":"{}"}}"#, "1".repeat(64)));
    assert_eq!((r.status, r.code().as_str()), (403, "actor.unrecognized"), "the removal holds after a restart: {}", r.body);
    let (r, _) = post_st(&s, &verifier, "attest", &[compute], r#"{"method":"tee","verdict":"fail"}"#);
    assert_eq!(r.status, 201, "{}", r.body);
}

#[test]
fn log_commands_refuse_what_they_cannot_do() {
    let dir = tmpdir("network-cli");
    let data = dir.join("data");
    let run = |args: &[&str]| {
        let o = Command::new(onus_bin()).arg("log").args(args).arg("--data").arg(&data).output().unwrap();
        (o.status.code(), String::from_utf8_lossy(&o.stderr).into_owned())
    };
    let (code, err) = run(&["create", "net", "--member", "not-a-key:x:y"]);
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("--member \"not-a-key:x:y\": the key"), "{err}");
    let (code, err) = run(&["create", "net", "--member", "abc"]);
    assert_eq!(code, Some(2));
    assert!(err.contains("is not KEY:NAME:ROLE"), "{err}");
    let (code, err) = run(&["create", "net", "--kind", "chat"]);
    assert_eq!(code, Some(2));
    assert!(err.contains("--kind: log kind \"chat\" is not polls or network"), "{err}");
    assert_eq!(run(&["create", "net"]).0, Some(0));
    let (code, err) = run(&["create", "net"]);
    assert_eq!(code, Some(2));
    assert!(err.contains("already has a log named \"net\""), "{err}");
    let (code, err) = run(&["roster", "net"]);
    assert_eq!(code, Some(2));
    assert!(err.contains("give --add"), "{err}");
    let (code, err) = run(&["roster", "nope", "--remove", &public(&key(1))]);
    assert_eq!(code, Some(2));
    assert!(err.contains("has no log named \"nope\""), "{err}");
    // A poll log has no roster.
    create_poll(&data, "polls", "Q?", &["a", "b"], "2099-01-01T00:00:00Z");
    let (code, err) = run(&["roster", "polls", "--remove", &public(&key(1))]);
    assert_eq!(code, Some(2));
    assert!(err.contains("is a polls log; only a network log has a roster"), "{err}");
}

#[test]
fn a_version_1_database_is_brought_to_version_2_and_keeps_its_polls() {
    let dir = tmpdir("network-migrate");
    let data = dir.join("data");
    let poll = create_poll(&data, "polls", "Q?", &["a", "b"], "2099-01-01T00:00:00Z");
    {
        // As onus wrote it before logs had a kind.
        let db = rusqlite::Connection::open(data.join("onus.db")).unwrap();
        db.execute_batch("ALTER TABLE logs DROP COLUMN kind; PRAGMA user_version = 1;").unwrap();
    }
    let s = Server::start(&data, &["--rate", "0"]);
    assert!(s.stderr().contains("schema brought from version 1 to 2"), "{}", s.stderr());
    assert_eq!(get(&s.url("/logs/polls")).json()["kind"], "polls");
    let (line, _) = ballot(&voter(1), &poll, 1, now());
    assert_eq!(post(&s.url("/logs/polls/statements"), &line).status, 201);
    let version: i64 = rusqlite::Connection::open(data.join("onus.db")).unwrap().query_row("PRAGMA user_version", [], |r| r.get(0)).unwrap();
    assert_eq!(version, 2);
    // A database from a newer onus is refused.
    drop(s);
    rusqlite::Connection::open(data.join("onus.db")).unwrap().execute_batch("PRAGMA user_version = 3;").unwrap();
    let out = run_briefly(Command::new(onus_bin()).args(["serve", "--data"]).arg(&data).args(["--addr", "127.0.0.1:0"]));
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("has schema version 3; this onus knows version 2. Use a newer onus."), "{err}");
}
