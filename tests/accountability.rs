//! FORMAT.md section 5: incidents, merging along refs, the four categories,
//! blame, who stepped forward, resolved.

mod common;
use common::*;
use onus::report::{Category, SteppedForward};

const IN: &str = r#"{"model":"m","input":"1111111111111111111111111111111111111111111111111111111111111111"}"#;
const OUT: &str = r#"{"output":"2222222222222222222222222222222222222222222222222222222222222222"}"#;
const OUT2: &str = r#"{"output":"3333333333333333333333333333333333333333333333333333333333333333"}"#;

/// The report with outputs kept in full; with the reader's fingerprint key
/// (outputs as keyed fingerprints) every incident and finding must be the same.
fn verify(t: &Trace) -> onus::Report {
    let full = t.verify();
    let key = onus::verify::FingerprintKey([9; 32]);
    let keyed = t.verify_with(onus::Options { fingerprint_key: Some(key), ..onus::Options::default() });
    assert_eq!(serde_json::to_value(&keyed).unwrap(), serde_json::to_value(&full).unwrap(), "fingerprinted outputs change the report");
    full
}

fn job(t: &mut Trace) -> (onus::statement::Id, onus::statement::Id) {
    let req = t.add(&key(1), "request", &[], IN);
    let comp = t.add(&key(2), "compute", &[req], OUT);
    (req, comp)
}

fn fault_body(blame: &ed25519_dalek::SigningKey, what: &str) -> String {
    format!(r#"{{"blame":"{}","what":"{what}"}}"#, pk(blame))
}

#[test]
fn detected_only() {
    let mut t = Trace::new();
    let (_, comp) = job(&mut t);
    t.add(&key(1), "fault", &[comp], &fault_body(&key(2), "wrong-output"));
    t.seal();
    let r = verify(&t);
    assert_eq!((r.accountability.detected_only, r.accountability.both), (1, 0));
    let i = &r.incidents[0];
    assert_eq!(i.category, Category::DetectedOnly);
    assert_eq!(i.blame.as_deref(), Some(pk(&key(2)).as_str()));
    assert_eq!(i.stepped_forward, None);
    assert_eq!(i.what, "wrong-output");
    assert_eq!(i.statements, vec![1, 2, 3], "request, compute, fault");
}

#[test]
fn both_with_the_party_at_fault_stepping_forward_and_resolving() {
    let mut t = Trace::new();
    let (_, comp) = job(&mut t);
    let fault = t.add(&key(1), "fault", &[comp], &fault_body(&key(2), "wrong-output"));
    let acc = t.add(&key(2), "accept", &[fault], r#"{"remedy":"refund","amount":"3 USDC"}"#);
    t.add(&key(1), "resolve", &[acc], r#"{"outcome":"done"}"#);
    t.seal();
    let r = verify(&t);
    assert_eq!(r.accountability.both, 1);
    let i = &r.incidents[0];
    assert_eq!(i.category, Category::Both);
    assert_eq!(i.stepped_forward_role, Some(SteppedForward::PartyAtFault));
    assert!(i.resolved && !i.disputed);
    assert_eq!((i.remedy.as_deref(), i.amount.as_deref()), (Some("refund"), Some("3 USDC")));
    assert_eq!(i.statements, vec![1, 2, 3, 4, 5]);
}

#[test]
fn someone_else_steps_forward_and_it_is_disputed() {
    let mut t = Trace::new();
    let (_, comp) = job(&mut t);
    let fault = t.add(&key(1), "fault", &[comp], &fault_body(&key(2), "timeout"));
    let acc = t.add(&key(5), "accept", &[fault], r#"{"remedy":"compensate"}"#);
    t.add(&key(1), "resolve", &[acc], r#"{"outcome":"disputed"}"#);
    t.seal();
    let i = &verify(&t).incidents[0];
    assert_eq!(i.stepped_forward.as_deref(), Some(pk(&key(5)).as_str()));
    assert_eq!(i.stepped_forward_role, Some(SteppedForward::SomeoneElse));
    assert!(!i.resolved && i.disputed);
}

#[test]
fn a_fault_on_a_failed_attest_is_one_incident() {
    let mut t = Trace::new();
    let (_, comp) = job(&mut t);
    let att = t.add(&key(3), "attest", &[comp], r#"{"method":"zkml","verdict":"fail"}"#);
    t.add(&key(3), "fault", &[att], &fault_body(&key(2), "bad-proof"));
    t.seal();
    let r = verify(&t);
    assert_eq!(r.incidents.len(), 1);
    assert_eq!(r.accountability.detected_only, 1);
    assert_eq!(r.incidents[0].statements, vec![1, 2, 3, 4]);
}

#[test]
fn a_failed_attest_alone_blames_the_computes_actor() {
    let mut t = Trace::new();
    let (_, comp) = job(&mut t);
    let att = t.add(&key(3), "attest", &[comp], r#"{"method":"tee","verdict":"fail"}"#);
    // The node steps forward for the attested failure: both, and it is the party at fault.
    t.add(&key(2), "accept", &[att], r#"{"remedy":"rerun"}"#);
    t.seal();
    let r = verify(&t);
    let i = &r.incidents[0];
    assert_eq!(i.category, Category::Both);
    assert_eq!(i.what, "attest-fail");
    assert_eq!(i.blame.as_deref(), Some(pk(&key(2)).as_str()));
    assert_eq!(i.stepped_forward_role, Some(SteppedForward::PartyAtFault));
}

#[test]
fn a_passing_attest_is_no_incident() {
    let mut t = Trace::new();
    let (_, comp) = job(&mut t);
    t.add(&key(3), "attest", &[comp], r#"{"method":"rerun","verdict":"pass"}"#);
    t.seal();
    assert!(verify(&t).incidents.is_empty());
}

#[test]
fn responsibility_without_detection() {
    let mut t = Trace::new();
    let (_, comp) = job(&mut t);
    t.add(&key(2), "accept", &[comp], r#"{"remedy":"refund","note":"stale cache"}"#);
    t.seal();
    let r = verify(&t);
    assert_eq!(r.accountability.responsibility_only, 1);
    let i = &r.incidents[0];
    assert_eq!(i.what, "unprompted");
    assert_eq!(i.stepped_forward_role, Some(SteppedForward::PartyAtFault));
}

#[test]
fn an_accept_on_the_broken_compute_joins_the_fault_on_it() {
    let mut t = Trace::new();
    let (_, comp) = job(&mut t);
    t.add(&key(1), "fault", &[comp], &fault_body(&key(2), "wrong-output"));
    t.add(&key(3), "fault", &[comp], &fault_body(&key(2), "wrong-output"));
    t.add(&key(2), "accept", &[comp], r#"{"remedy":"refund"}"#);
    t.seal();
    let r = verify(&t);
    assert_eq!(r.incidents.len(), 1, "{:?}", r.incidents);
    assert_eq!(r.accountability.both, 1);
}

#[test]
fn silent_disagreement_and_then_someone_owns_it() {
    let mut t = Trace::new();
    let req = t.add(&key(1), "request", &[], IN);
    let c1 = t.add(&key(2), "compute", &[req], OUT);
    t.add(&key(5), "compute", &[req], OUT2);
    // Same output twice is not a disagreement.
    let req2 = t.add(&key(1), "request", &[], IN);
    t.add(&key(2), "compute", &[req2], OUT);
    t.add(&key(5), "compute", &[req2], OUT);
    t.seal();
    let r = verify(&t);
    assert_eq!(r.accountability.silent, 1);
    assert_eq!(r.incidents[0].category, Category::Silent);
    assert_eq!(r.incidents[0].statements, vec![1, 2, 3]);
    assert_eq!(r.incidents[0].blame, None);

    let mut t2 = Trace::new();
    let req = t2.add(&key(1), "request", &[], IN);
    let c1b = t2.add(&key(2), "compute", &[req], OUT);
    t2.add(&key(5), "compute", &[req], OUT2);
    t2.add(&key(2), "accept", &[c1b], r#"{"remedy":"rerun"}"#);
    t2.seal();
    let r2 = verify(&t2);
    assert_eq!((r2.accountability.silent, r2.accountability.responsibility_only), (0, 1));
    let _ = c1;
}

#[test]
fn a_compute_answering_two_requests_puts_the_first_it_names_in_the_timeline() {
    let mut t = Trace::new();
    let req_a = t.add(&key(1), "request", &[], IN); // 1
    let req_b = t.add(&key(1), "request", &[], IN); // 2
    // Names b before a: the timeline takes b, the first request it names.
    let comp = t.add(&key(2), "compute", &[req_b, req_a], OUT); // 3
    t.add(&key(3), "fault", &[comp], &fault_body(&key(2), "wrong-output")); // 4
    // A second compute of a alone disagrees, but the disagreement is detected (a fault names comp).
    t.add(&key(5), "compute", &[req_a], OUT2); // 5
    t.seal();
    let r = verify(&t);
    assert_eq!(r.incidents.len(), 1, "{:?}", r.incidents);
    assert_eq!(r.incidents[0].statements, vec![2, 3, 4]);
    assert_eq!(r.accountability.silent, 0);
}

#[test]
fn a_detected_disagreement_is_not_silent() {
    let mut t = Trace::new();
    let req = t.add(&key(1), "request", &[], IN);
    let c1 = t.add(&key(2), "compute", &[req], OUT);
    t.add(&key(5), "compute", &[req], OUT2);
    t.add(&key(3), "fault", &[c1], &fault_body(&key(2), "wrong-output"));
    t.seal();
    let r = verify(&t);
    assert_eq!((r.accountability.silent, r.accountability.detected_only), (0, 1));
    assert!(!r.findings.iter().any(|f| f.code.as_str() == "anomaly.silent-disagreement"));
}

#[test]
fn only_usable_statements_count() {
    let mut t = Trace::new();
    let (_, comp) = job(&mut t);
    // A fault with an invalid body, and one whose signature is broken.
    t.add(&key(1), "fault", &[comp], r#"{"what":"wrong-output"}"#);
    let good = {
        let mut u = Trace::new();
        let (_, c) = job(&mut u);
        u.add(&key(1), "fault", &[c], &fault_body(&key(2), "wrong-output"));
        u.lines[3].clone()
    };
    let sig_start = good.find("\"sig\":\"").unwrap() + 7;
    let mut broken = good.clone().into_bytes();
    broken[sig_start + 5] = if broken[sig_start + 5] == b'A' { b'B' } else { b'A' };
    t.push_line(String::from_utf8(broken).unwrap());
    t.seal();
    let r = verify(&t);
    assert!(r.incidents.is_empty(), "{:?}", r.incidents);
}

#[test]
fn the_demo_has_all_four_categories() {
    let mut out = Vec::new();
    onus::demo::write_demo(&mut out, 20_000, 7, 2, |_| {}).unwrap();
    let r = onus::verify_bytes(&out, onus::Options::default());
    assert_eq!(r.status, onus::Status::Verified, "{:?}", &r.findings.iter().filter(|f| f.severity == onus::Severity::Error).take(3).collect::<Vec<_>>());
    let a = &r.accountability;
    assert!(a.detected_only > 0 && a.responsibility_only > 0 && a.both > 0 && a.silent > 0, "{a:?}");
    assert!(r.incidents.iter().any(|i| i.stepped_forward_role == Some(SteppedForward::SomeoneElse)));
    assert!(r.incidents.iter().any(|i| i.stepped_forward_role == Some(SteppedForward::PartyAtFault)));
    assert!(r.incidents.iter().any(|i| i.resolved) && r.incidents.iter().any(|i| i.disputed));
    assert_eq!(r.statements, 20_000);
    assert!(!r.findings.iter().any(|f| f.code == onus::Code::StatementDuplicate), "the demo never repeats a statement");
    assert!(r.polls[0].voters > 0 && r.polls[0].superseded > 0);
    // Deterministic per seed.
    let mut again = Vec::new();
    onus::demo::write_demo(&mut again, 20_000, 7, 1, |_| {}).unwrap();
    assert_eq!(out, again);
}
