//! The collector over real HTTP: every refusal, CORS, the trace, checkpoint
//! and receipt endpoints, polls created while it runs, and restarts.
#![cfg(feature = "serve")]

mod serve_support;

use onus::json::Json;
use onus::receipt::{self, ReceiptStatus};
use onus::statement::{self, Draft};
use onus::{note, verify_bytes, Options, Status};
use serve_support::*;

#[test]
fn every_refusal_says_why() {
    let dir = tmpdir("refusals");
    let data = dir.join("data");
    let s = Server::start(&data, &["--rate", "0"]);
    let poll = poll_id(&s, "polls", 0);
    let post_url = s.url("/logs/polls/statements");
    let t = now();

    // 400: not JSON, and a statement with a member too many.
    let a = post(&post_url, "hello");
    assert_eq!((a.status, a.code().as_str()), (400, "statement.malformed"), "{}", a.body);
    assert!(a.json()["message"].as_str().unwrap().contains("JSON"));
    let (line, _) = ballot(&voter(1), &poll, 0, t);
    let extra = line.replacen("{", "{\"x\":1,", 1);
    let a = post(&post_url, &extra);
    assert_eq!((a.status, a.code().as_str()), (400, "statement.malformed"), "{}", a.body);
    assert!(a.json()["message"].as_str().unwrap().contains("unknown member"), "{}", a.body);
    // Two statements in one body are refused, not split.
    let (l2, _) = ballot(&voter(2), &poll, 1, t);
    let a = post(&post_url, &format!("{line}\n{l2}"));
    assert_eq!(a.status, 400, "{}", a.body);

    // 403: signed by another key than its actor's.
    let (unsigned, id) = statement::unsigned(&statement::Key::of(&voter(3)), &Draft { kind: "vote", time: t, refs: &[poll], body: Json::Obj(vec![("choice".into(), Json::Int(0))]) });
    use ed25519_dalek::Signer;
    let forged = statement::with_signature(unsigned, &statement::Sig(voter(4).sign(&id.0).to_bytes()));
    let a = post(&post_url, &forged);
    assert_eq!((a.status, a.code().as_str()), (403, "statement.signature.invalid"), "{}", a.body);

    // 201 then 409 for the same ballot; a trailing newline is fine.
    let a = post(&post_url, &format!("{line}\n"));
    assert_eq!(a.status, 201, "{}", a.body);
    let first = a.json();
    assert_eq!(first["id"].as_str().unwrap(), statement::id_to_hex(&statement::parse_statement(line.as_bytes()).unwrap().id));
    assert_eq!(first["index"], 2);
    let a = post(&post_url, &line);
    assert_eq!((a.status, a.code().as_str()), (409, "statement.duplicate"), "{}", a.body);
    assert_eq!(a.json()["index"], 2);

    // 413: over 1 MiB.
    let big = format!("{{\"v\":1,\"pad\":\"{}\"}}", "a".repeat(1 << 20));
    let a = post(&post_url, &big);
    assert_eq!((a.status, a.code().as_str()), (413, "statement.malformed"), "{}", a.body);

    // 422: a ref that is not in the log, a ref that is not a poll, a choice out of
    // range, a vote timed after the poll closes, another kind.
    let (l, _) = ballot(&voter(5), &statement::Id([7u8; 32]), 0, t);
    let a = post(&post_url, &l);
    assert_eq!((a.status, a.code().as_str()), (422, "ref.dangling"), "{}", a.body);
    let genesis = statement::parse_statement(get(&s.url("/logs/polls/trace.jsonl")).body.lines().next().unwrap().as_bytes()).unwrap().id;
    let (l, _) = ballot(&voter(5), &genesis, 0, t);
    let a = post(&post_url, &l);
    assert_eq!((a.status, a.code().as_str()), (422, "poll.unknown"), "{}", a.body);
    let (l, _) = ballot(&voter(5), &poll, 4, t);
    let a = post(&post_url, &l);
    assert_eq!((a.status, a.code().as_str()), (422, "body.invalid"), "{}", a.body);
    assert!(a.json()["message"].as_str().unwrap().contains("0 to 3"), "{}", a.body);
    let (l, _) = ballot(&voter(5), &poll, -1, t);
    assert_eq!(post(&post_url, &l).code(), "body.invalid");
    let (l, _) = ballot(&voter(5), &poll, 1, t + 40 * 86400);
    let a = post(&post_url, &l);
    assert_eq!((a.status, a.code().as_str()), (422, "vote.late"), "{}", a.body);
    let (l, _) = ballot(&voter(5), &poll, 1, t + 3600);
    let a = post(&post_url, &l);
    assert_eq!((a.status, a.code().as_str()), (422, "time.future"), "{}", a.body);
    let (l, _) = statement_with(&voter(5), "poll", &[], r#"{"question":"q","options":["a","b"],"closes":"2030-01-01T00:00:00Z"}"#, t);
    let a = post(&post_url, &l);
    assert_eq!((a.status, a.code().as_str()), (422, "statement.kind.refused"), "{}", a.body);
    let (l, _) = statement_with(&voter(5), "vote", &[poll], r#"{"choice":"1"}"#, t);
    assert_eq!(post(&post_url, &l).code(), "body.invalid");

    // A closed poll (created while the server runs) refuses every ballot.
    let closed = create_poll(&data, "polls", "Closed already?", &["yes", "no"], "2020-01-01T00:00:00Z");
    let (l, _) = ballot(&voter(6), &closed, 0, t);
    let a = post(&post_url, &l);
    assert_eq!((a.status, a.code().as_str()), (422, "vote.late"), "{}", a.body);
    assert!(a.json()["message"].as_str().unwrap().contains("closed at 2020-01-01T00:00:00Z"), "{}", a.body);

    // A log without a poll takes no ballots: made by hand in the database.
    {
        let db = rusqlite::Connection::open(data.join("onus.db")).unwrap();
        db.busy_timeout(std::time::Duration::from_secs(10)).unwrap();
        let k = voter(99);
        let (g, gid) = statement_with(&k, "log", &[], r#"{"origin":"onus.local/plain","roster":[]}"#, t);
        let st = statement::parse_statement(g.as_bytes()).unwrap();
        let leaf = onus::merkle::leaf_hash(&st.id, &st.sig);
        db.execute("INSERT INTO logs (name, origin, public_key, key_file, created) VALUES ('plain', 'onus.local/plain', ?1, 'plain.key', '2026-01-01T00:00:00Z')", [statement::key_to_string(&statement::Key::of(&k))]).unwrap();
        let log_id = db.last_insert_rowid();
        db.execute("INSERT INTO lines (log, seq, idx, id, leaf, size, line) VALUES (?1, 0, 0, ?2, ?3, NULL, ?4)", rusqlite::params![log_id, &gid.0[..], &leaf.0[..], g]).unwrap();
    }
    let (l, _) = ballot(&voter(7), &poll, 0, t);
    let a = post(&s.url("/logs/plain/statements"), &l);
    assert_eq!((a.status, a.code().as_str()), (422, "log.not-poll"), "{}", a.body);

    // 404: no such log.
    let a = post(&s.url("/logs/nope/statements"), &l);
    assert_eq!((a.status, a.code().as_str()), (404, "log.unknown"), "{}", a.body);
    assert_eq!(get(&s.url("/logs/nope/trace.jsonl")).status, 404);
    assert_eq!(get(&s.url("/logs/nope/checkpoint")).code(), "log.unknown");

    // Only the one good ballot went in; the trace verifies after the next seal.
    let report = eventually(20, "a verified trace", || {
        let r = verify_bytes(get(&s.url("/logs/polls/trace.jsonl")).body.as_bytes(), Options::default());
        (r.status == Status::Verified).then_some(r)
    });
    assert_eq!(report.statements, 4); // log, poll, one ballot, the closed poll
    assert_eq!(report.polls[0].counts, vec![1, 0, 0, 0]);
}

#[test]
fn rate_limit_answers_429_with_retry_after() {
    let dir = tmpdir("rate");
    let s = Server::start(&dir.join("data"), &["--rate", "0.5", "--burst", "3"]);
    let poll = poll_id(&s, "polls", 0);
    let t = now();
    let statuses: Vec<u16> = (0..5).map(|i| post(&s.url("/logs/polls/statements"), &ballot(&voter(100 + i), &poll, 0, t).0).status).collect();
    assert_eq!(statuses, vec![201, 201, 201, 429, 429]);
    let (l, _) = ballot(&voter(200), &poll, 0, t);
    let a = post(&s.url("/logs/polls/statements"), &l);
    assert_eq!((a.status, a.code().as_str()), (429, "rate.limited"));
    let wait: u64 = a.header("retry-after").expect("Retry-After").parse().unwrap();
    assert!((1..=2).contains(&wait), "{wait}");
    // Reads of the log are never limited.
    assert_eq!(get(&s.url("/logs/polls/trace.jsonl")).status, 200);
}

#[test]
fn cors_lets_other_origins_read_and_post() {
    let dir = tmpdir("cors");
    let s = Server::start(&dir.join("data"), &["--rate", "0"]);
    let origin = ("Origin", "https://blog.example");
    for path in ["/logs", "/logs/polls/trace.jsonl", "/logs/polls/checkpoint"] {
        let a = get_with(&s.url(path), &[origin]);
        assert_eq!(a.status, 200, "{path}");
        assert_eq!(a.header("access-control-allow-origin"), Some("*"), "{path}");
    }
    let pre = request(
        "OPTIONS",
        &s.url("/logs/polls/statements"),
        &[origin, ("Access-Control-Request-Method", "POST"), ("Access-Control-Request-Headers", "content-type"), ("Access-Control-Request-Private-Network", "true")],
    );
    assert!(pre.status == 200 || pre.status == 204, "{}", pre.status);
    assert_eq!(pre.header("access-control-allow-origin"), Some("*"));
    assert!(pre.header("access-control-allow-methods").unwrap().contains("POST"));
    assert!(pre.header("access-control-allow-headers").unwrap().to_lowercase().contains("content-type"));
    assert_eq!(pre.header("access-control-allow-private-network"), Some("true"));
    // Refusals are readable cross-origin too (the widget shows their message).
    let a = answer_post_with_origin(&s.url("/logs/polls/statements"), "x", "https://blog.example");
    assert_eq!(a.status, 400);
    assert_eq!(a.header("access-control-allow-origin"), Some("*"));
    assert!(a.header("access-control-expose-headers").unwrap_or("").contains("retry-after"));
}

fn answer_post_with_origin(url: &str, body: &str, origin: &str) -> Answer {
    let r = agent().post(url).set("Origin", origin).send_string(body);
    let resp = match r {
        Ok(r) => r,
        Err(ureq::Error::Status(_, r)) => r,
        Err(e) => panic!("{e}"),
    };
    let headers = resp.headers_names().into_iter().map(|h| (h.clone(), resp.header(&h).unwrap_or("").to_string())).collect();
    Answer { status: resp.status(), headers, body: resp.into_string().unwrap() }
}

#[test]
fn trace_checkpoint_and_receipts() {
    let dir = tmpdir("endpoints");
    let s = Server::start(&dir.join("data"), &["--rate", "0", "--seal-ms", "1500"]);
    let poll = poll_id(&s, "polls", 0);
    let key = log_key(&s, "polls");
    let info = get(&s.url("/logs/polls")).json();
    let origin = info["origin"].as_str().unwrap().to_string();
    assert_eq!(origin, "onus.local/polls");
    assert_eq!(info["vkey"].as_str().unwrap(), note::vkey(&origin, &key));

    // Ballots, one voter changing its mind.
    let t = now();
    let mut ids = vec![];
    for (v, choice) in [(1, 0), (2, 2), (3, 2), (1, 1)] {
        let (l, _) = ballot(&voter(v), &poll, choice, t + (ids.len() as i64 % 2));
        let a = post(&s.url("/logs/polls/statements"), &l);
        assert_eq!(a.status, 201, "{}", a.body);
        assert_eq!(a.header("location").unwrap(), a.json()["receipt"].as_str().unwrap());
        ids.push(a.json()["id"].as_str().unwrap().to_string());
    }
    // Not sealed yet: the receipt says so and asks to retry.
    let a = get(&s.url(&format!("/logs/polls/receipt/{}", ids[3])));
    assert_eq!((a.status, a.code().as_str()), (404, "receipt.unsealed"), "{}", a.body);
    assert_eq!(a.header("retry-after"), Some("2"));
    assert_eq!(get(&s.url(&format!("/logs/polls/receipt/{}", "ab".repeat(32)))).code(), "statement.unknown");
    assert_eq!(get(&s.url("/logs/polls/receipt/xyz")).status, 400);

    // Once sealed: a receipt per ballot that the core verifies under the log key.
    let receipts: Vec<String> = ids
        .iter()
        .map(|id| {
            eventually(20, "a receipt", || {
                let a = get(&s.url(&format!("/logs/polls/receipt/{id}")));
                (a.status == 200).then_some(a.body)
            })
        })
        .collect();
    for (i, r) in receipts.iter().enumerate() {
        let rep = receipt::verify_receipt(r.as_bytes(), Some(&key));
        assert_eq!(rep.status, ReceiptStatus::Verified, "{:?}", rep.findings);
        assert_eq!(rep.index, Some(2 + i as u64));
        assert_eq!(rep.id.as_deref(), Some(ids[i].as_str()));
    }

    // The checkpoint endpoint serves the latest signed note.
    let cp = get(&s.url("/logs/polls/checkpoint"));
    assert!(cp.header("content-type").unwrap().starts_with("text/plain"));
    let checked = note::verify_checkpoint(&cp.body, &origin, &key).expect("signed by the log key");
    assert_eq!(checked.size, 6);

    // The trace: statements and checkpoint lines, verified, the tally recounted.
    let trace = get(&s.url("/logs/polls/trace.jsonl"));
    assert!(trace.header("content-type").unwrap().starts_with("application/jsonl"));
    let r = verify_bytes(trace.body.as_bytes(), Options { log_key: Some(key), ..Options::default() });
    assert_eq!(r.status, Status::Verified, "{:?}", r.findings);
    assert_eq!(r.statements, 6);
    assert!(r.checkpoints >= 2);
    assert_eq!(r.polls[0].counts, vec![0, 1, 2, 0]);
    assert_eq!(r.polls[0].superseded, 1);
    assert_eq!(r.sealed.as_ref().unwrap().root, hex::encode(checked.root));
    // And `onus verify` on the URL says verified (exit 0).
    let out = std::process::Command::new(ONUS).args(["verify", &s.url("/logs/polls/trace.jsonl"), "--key", info["vkey"].as_str().unwrap()]).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stdout));

    // The list of logs.
    let logs = get(&s.url("/logs")).json();
    assert_eq!(logs["logs"][0]["name"], "polls");
    assert_eq!(logs["logs"][0]["statements"], 6);
    assert_eq!(logs["logs"][0]["polls"][0]["question"], "What matters more in decentralized AI?");
}

#[test]
fn polls_created_while_running_take_ballots_at_once() {
    let dir = tmpdir("create");
    let data = dir.join("data");
    let s = Server::start(&data, &["--rate", "0", "--seal-ms", "300"]);
    // A poll in the default log and one in a new log, both while the server runs.
    let p1 = create_poll(&data, "polls", "Tabs or spaces?", &["tabs", "spaces"], "2099-01-01T00:00:00Z");
    let p2 = create_poll(&data, "team", "Lunch?", &["pizza", "salad", "soup"], "2099-01-01T00:00:00Z");
    let key_file = data.join("team.key");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(std::fs::metadata(&key_file).unwrap().permissions().mode() & 0o777, 0o600);
    }
    let t = now();
    let a = post(&s.url("/logs/polls/statements"), &ballot(&voter(1), &p1, 1, t).0);
    assert_eq!(a.status, 201, "{}", a.body);
    let a = post(&s.url("/logs/team/statements"), &ballot(&voter(1), &p2, 2, t).0);
    assert_eq!(a.status, 201, "{}", a.body);
    assert_eq!(a.json()["index"], 2);
    for (log, want) in [("polls", vec![vec![0, 0, 0, 0], vec![0, 1]]), ("team", vec![vec![0, 0, 1]])] {
        let r = eventually(20, "a sealed log", || {
            let r = verify_bytes(get(&s.url(&format!("/logs/{log}/trace.jsonl"))).body.as_bytes(), Options::default());
            (r.status == Status::Verified).then_some(r)
        });
        assert_eq!(r.polls.iter().map(|p| p.counts.clone()).collect::<Vec<_>>(), want, "{log}");
    }
    let logs = get(&s.url("/logs")).json();
    assert_eq!(logs["logs"].as_array().unwrap().len(), 2);
    assert!(s.stderr().contains("created by another process"), "{}", s.stderr());
}

#[test]
fn restart_keeps_the_log_and_its_key() {
    let dir = tmpdir("restart");
    let data = dir.join("data");
    let mut s = Server::start(&data, &["--rate", "0", "--seal-ms", "200"]);
    let poll = poll_id(&s, "polls", 0);
    let key = log_key(&s, "polls");
    let t = now();
    for v in 0..20 {
        assert_eq!(post(&s.url("/logs/polls/statements"), &ballot(&voter(v), &poll, (v % 4) as i64, t).0).status, 201);
    }
    s.stop(); // graceful: seals before it exits
    let before = std::fs::read_to_string(data.join("polls.key")).unwrap();
    let s = Server::start(&data, &["--rate", "0", "--seal-ms", "200"]);
    assert_eq!(log_key(&s, "polls"), key);
    assert_eq!(std::fs::read_to_string(data.join("polls.key")).unwrap(), before);
    let r = verify_bytes(get(&s.url("/logs/polls/trace.jsonl")).body.as_bytes(), Options { log_key: Some(key), ..Options::default() });
    assert_eq!(r.status, Status::Verified, "{:?}", r.findings);
    assert_eq!(r.statements, 22);
    assert_eq!(r.polls[0].counts, vec![5, 5, 5, 5]);
    assert_eq!(r.polls.len(), 1, "no second example poll on restart");
    assert_eq!(post(&s.url("/logs/polls/statements"), &ballot(&voter(0), &poll, 3, t).0).status, 201);
}

#[test]
fn the_log_key_may_not_vote_and_ballots_may_not_predate_their_poll() {
    let dir = tmpdir("policy");
    let data = dir.join("data");
    let s = Server::start(&data, &["--rate", "0"]);
    let poll = poll_id(&s, "polls", 0);
    let url = s.url("/logs/polls/statements");
    let t = now();
    // The log's own key, read from its key file.
    let text = std::fs::read_to_string(data.join("polls.key")).unwrap();
    let (_, log_key) = onus::note::parse_signer_key(&text).unwrap();
    let a = post(&url, &ballot(&log_key, &poll, 0, t).0);
    assert_eq!((a.status, a.code().as_str()), (422, "vote.log-key"), "{}", a.body);
    assert!(a.json()["message"].as_str().unwrap().contains("log's own key"), "{}", a.body);

    // Timed before the poll statement: an hour before, and the year 0000.
    let trace = get(&s.url("/logs/polls/trace.jsonl")).body;
    let poll_time = trace.lines().map(|l| statement::parse_statement(l.as_bytes())).find_map(|r| r.ok().filter(|st| st.id == poll)).unwrap().time;
    for time in [poll_time - 3600, statement::parse_time("0000-01-01T00:00:00Z").unwrap()] {
        let a = post(&url, &ballot(&voter(1), &poll, 0, time).0);
        assert_eq!((a.status, a.code().as_str()), (422, "time.past"), "{}", a.body);
        let m = a.json()["message"].as_str().unwrap().to_string();
        assert!(m.contains("before the poll was opened") && m.contains("clock"), "{m}");
    }
    // A device clock a minute slow, voting right after the poll opened, is fine.
    let a = post(&url, &ballot(&voter(2), &poll, 0, poll_time - 60).0);
    assert_eq!(a.status, 201, "{}", a.body);
    // At the poll's own time it is fine.
    let a = post(&url, &ballot(&voter(1), &poll, 0, poll_time).0);
    assert_eq!(a.status, 201, "{}", a.body);
}
