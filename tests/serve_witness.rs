//! `onus serve --witness`: the collector sends each checkpoint to an `onus
//! witness serve` with a consistency proof, and the log's checkpoints carry
//! the cosignature; a reader with a policy requiring that witness verifies the
//! trace. With the witness down the log goes on sealing (and says so), those
//! checkpoints do not meet the policy; once it is back they do again.
#![cfg(feature = "serve")]

mod serve_support;

use onus::cosignature::WitnessKey;
use onus::policy::Policy;
use onus::{Code, Options, Status};
use serve_support::*;
use std::process::Command;

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

fn verify(s: &Server, policy: &Policy) -> onus::Report {
    let t = get(&s.url("/logs/polls/trace.jsonl")).body;
    onus::verify_bytes(t.as_bytes(), Options { policy: Some(policy.clone()), ..Options::default() })
}

#[test]
fn checkpoints_carry_the_witness_cosignature_and_a_down_witness_never_stops_the_log() {
    let dir = tmpdir("serve-witness");
    let data = dir.join("data");
    // The log first (its vkey goes into the witness's config), then the witness, then the collector.
    let out = Command::new(onus_bin()).args(["log", "create", "polls", "--kind", "polls", "--data"]).arg(&data).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let log_vkey = String::from_utf8(out.stdout).unwrap().trim().to_string();
    let poll = create_poll(&data, "polls", "Q?", &["a", "b"], "2099-01-01T00:00:00Z");
    let wdir = dir.join("witness");
    std::fs::create_dir_all(&wdir).unwrap();
    let out = Command::new(onus_bin()).args(["witness", "keygen", "witness.example/w1", "--out"]).arg(wdir.join("w.key")).output().unwrap();
    let wvkey = String::from_utf8(out.stdout).unwrap().trim().to_string();
    std::fs::write(wdir.join("logs.txt"), format!("log {log_vkey}\n")).unwrap();
    let port = free_port();
    let mut w = Witness::start(&wdir, &format!("127.0.0.1:{port}"), &["--rate", "0"]);
    let s = Server::start(&data, &["--rate", "0", "--seal-ms", "200", "--witness", &format!("{}={wvkey}", w.base)]);
    // The collector serves the policy that requires its witnesses.
    let served = get(&s.url("/logs/polls/policy"));
    assert_eq!(served.status, 200, "{}", served.body);
    let policy = Policy::parse(&served.body).unwrap();
    assert_eq!(policy.witnesses.len(), 1);
    assert_eq!(policy.witnesses[0].key.vkey(), wvkey);
    assert_eq!(policy.witnesses[0].url.as_deref(), Some(w.base.as_str()));
    assert!(policy.names_log("onus.local/polls", &onus::note::parse_vkey(&log_vkey).unwrap().1));

    let vote = |n: u64| {
        let (line, _) = ballot(&voter(n), &poll, (n % 2) as i64, now());
        let r = post(&s.url("/logs/polls/statements"), &line);
        assert_eq!(r.status, 201, "{}", r.body);
        r.json()["index"].as_u64().unwrap()
    };
    for n in 0..20 {
        vote(n);
    }
    // Sealed under the policy: the witness cosigned, and the report says who and when.
    let r = eventually(30, "a trace sealed under the policy", || {
        let r = verify(&s, &policy);
        (r.status == Status::Verified && r.statements == 22).then_some(r)
    });
    let c = &r.sealed.as_ref().unwrap().cosigners;
    assert_eq!((c.len(), c[0].witness.as_str(), c[0].key_name.as_str()), (1, "w1", "witness.example/w1"));
    let cp = get(&s.url("/logs/polls/checkpoint")).body;
    let (text, cosigs) = onus::note::cosignatures(&cp).unwrap();
    let wk = WitnessKey::parse(&wvkey).unwrap();
    assert!(cosigs.iter().any(|c| c.is_by(&wk) && c.verify(text, &wk).is_ok()), "GET /checkpoint carries the cosignature: {cp}");
    // The witness's own record agrees.
    let held: serde_json::Value = serde_json::from_str(&get(&format!("{}/logs", w.base)).body).unwrap();
    assert_eq!(held["logs"][0]["size"], 22);

    // The witness goes down: ballots are still taken and sealed, the log says why it is not witnessed.
    w.kill();
    for n in 20..30 {
        vote(n);
    }
    let r = eventually(30, "checkpoints sealed by the log alone", || {
        let t = get(&s.url("/logs/polls/trace.jsonl")).body;
        let plain = onus::verify_bytes(t.as_bytes(), Options::default());
        (plain.status == Status::Verified && plain.statements == 32).then(|| verify(&s, &policy))
    });
    assert_eq!(r.status, Status::Unsealed, "under the policy, checkpoints without the witness seal nothing");
    assert!(r.findings.iter().any(|f| f.code == Code::CheckpointQuorumUnmet));
    assert!(s.stderr().contains("did not cosign size"), "{}", s.stderr());

    // Back (same port, same state): the next checkpoint is cosigned again, with a proof from its last size.
    let _w = Witness::start(&wdir, &format!("127.0.0.1:{port}"), &["--rate", "0"]);
    vote(30);
    let r = eventually(30, "a trace sealed under the policy again", || {
        let r = verify(&s, &policy);
        (r.status == Status::Verified && r.statements == 33).then_some(r)
    });
    assert_eq!(r.sealed.unwrap().size, 33);
    assert!(s.stderr().contains("cosigns again"), "{}", s.stderr());
}
