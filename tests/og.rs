//! OpenGradient receipts and batches (docs/OPENGRADIENT.md): every public vector
//! in ../shared/vectors/opengradient through the CLI, the usage errors, tree
//! checks on doctored dumps, and byte-by-byte tampering of a dump.

use onus::og::{self, Inputs, Status};
use serde_json::Value;
use std::path::PathBuf;
use std::process::Command;

fn dir() -> PathBuf {
    let here = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    for base in [here.join("../shared/vectors/opengradient"), here.join("shared/vectors/opengradient")] {
        if base.exists() {
            return base;
        }
    }
    panic!("../shared/vectors/opengradient not found next to the repo");
}

fn read(name: &str) -> Vec<u8> {
    std::fs::read(dir().join(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
}

fn cases() -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir())
        .unwrap()
        .filter_map(|e| e.ok()?.file_name().into_string().ok()?.strip_suffix(".expect.json").map(str::to_string))
        .collect();
    names.sort();
    assert!(names.len() >= 8, "the public vectors: {names:?}");
    names
}

fn input_file(case: &str) -> String {
    ["json", "sse"].iter().map(|ext| format!("{case}.{ext}")).find(|f| dir().join(f).exists()).unwrap_or_else(|| panic!("{case}: no input"))
}

fn onus(args: &[String]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_onus")).current_dir(dir()).args(args).output().expect("run onus");
    (out.status.code().unwrap_or(-1), String::from_utf8(out.stdout).unwrap(), String::from_utf8(out.stderr).unwrap())
}

#[test]
fn every_public_vector_through_the_cli() {
    for case in cases() {
        let expect: Value = serde_json::from_slice(&read(&format!("{case}.expect.json"))).unwrap();
        let mut args: Vec<String> = vec!["og".into(), "verify".into(), "--json".into()];
        args.extend(serde_json::from_slice::<Vec<String>>(&read(&format!("{case}.args.json"))).unwrap());
        args.push(input_file(&case));
        let (code, out, err) = onus(&args);
        assert_eq!(code as i64, expect["exit"].as_i64().unwrap(), "{case}: exit code (stderr: {err})");
        let r: Value = serde_json::from_str(&out).unwrap_or_else(|e| panic!("{case}: not JSON ({e}): {out}"));
        for k in ["status", "kind", "items"] {
            assert_eq!(r[k], expect[k], "{case}: {k}");
        }
        if expect["kind"] == "batch" {
            assert_eq!(r["root"], expect["root"], "{case}: root");
        }
        for f in expect["findings"].as_array().unwrap() {
            let found = r["findings"].as_array().unwrap().iter().any(|g| g["code"] == f["code"] && g["item"] == f["item"]);
            assert!(found, "{case}: finding {f} missing from {}", r["findings"]);
        }
        for g in r["findings"].as_array().unwrap() {
            assert!(!g["message"].as_str().unwrap().is_empty() && !g["advice"].as_str().unwrap().is_empty(), "{case}: {g}");
        }
        // The intermediate values, where the vector gives them.
        let detail = |k: &str| r["receipt"][k].clone();
        for k in ["msg_hash", "output_content", "canonical_request", "signed_bytes"] {
            if !expect[k].is_null() {
                assert_eq!(detail(k), expect[k], "{case}: {k}");
            }
        }
        if !expect["leaf_hashes"].is_null() {
            assert_eq!(r["batch"]["leaf_hashes"], expect["leaf_hashes"], "{case}: leaf_hashes");
        }
    }
}

#[test]
fn the_human_summary_names_the_verdict_and_each_finding() {
    let (code, out, _) = onus(&["og".into(), "verify".into(), "--registry".into(), "registry.json".into(), "receipt-tampered-output.json".into()]);
    assert_eq!(code, 1);
    assert!(out.starts_with("FAILED: receipt-tampered-output.json (TEE receipt)"), "{out}");
    assert!(out.contains("error og.output.hash-mismatch [item 0]: The content shown hashes to 0x"), "{out}");
    assert!(out.contains("signatures: 1 valid"), "{out}");
    let (code, out, _) = onus(&["og".into(), "verify".into(), "--registry".into(), "registry.json".into(), "batch-notes-dump.json".into()]);
    assert_eq!(code, 3);
    assert!(out.starts_with("INCOMPLETE: batch-notes-dump.json (settlement batch of 3 items)"), "{out}");
    assert!(out.contains("2 unknown key, 1 placeholder"), "{out}");
    assert!(out.contains("nobody signed a detection of or took responsibility for: 1"), "{out}");
}

#[test]
fn usage_errors_exit_2_with_a_message_and_no_report() {
    let tmp = std::env::temp_dir().join(format!("onus-og-usage-{}", std::process::id()));
    std::fs::create_dir_all(&tmp).unwrap();
    let write = |name: &str, body: &[u8]| {
        let p = tmp.join(name);
        std::fs::write(&p, body).unwrap();
        p.to_str().unwrap().to_string()
    };
    let png = write("x.png", b"\x89PNG\r\n\x1a\n....");
    let text = write("x.txt", b"hello\nworld\n");
    let broken = write("x.json", b"{\"choices\": [");
    let reqbad = write("r.json", br#"{"model":"m","messages":[{"role":"robot","content":"x"}]}"#);
    let s = |v: &[&str]| v.iter().map(|x| x.to_string()).collect::<Vec<_>>();
    for (args, why) in [
        (s(&["og", "verify", &png]), "not UTF-8"),
        (s(&["og", "verify", &text]), "is not an OpenGradient receipt"),
        (s(&["og", "verify", &broken]), "is not JSON"),
        (s(&["og", "verify", "--root", "0x12", "batch-six.json"]), "not a 32-byte root"),
        (s(&["og", "verify", "--root", &"ab".repeat(32), "receipt-basic.json"]), "--root is for batch dumps"),
        (s(&["og", "verify", "--request", "receipt-basic.request.json", "batch-six.json"]), "--request is for receipts"),
        (s(&["og", "verify", "--key", "key-legacy.pem", "--request", "receipt-basic.request.json", "legacy-receipt.json"]), "legacy receipt"),
        (s(&["og", "verify", "--key", "registry.json", "receipt-basic.json"]), "--key is not an RSA SPKI PEM"),
        (s(&["og", "verify", "--registry", "key-a.pem", "receipt-basic.json"]), "registry export is not in the shape"),
        (s(&["og", "verify", "--request", &reqbad, "receipt-basic.json"]), "role \"robot\""),
        (s(&["og", "verify", "missing-file.json"]), "cannot read"),
        (s(&["og", "verify", "--bogus", "receipt-basic.json"]), "unexpected argument"),
    ] {
        let (code, out, err) = onus(&args);
        assert_eq!(code, 2, "{args:?}: {out}{err}");
        assert!(out.is_empty(), "{args:?}: no report on stdout: {out}");
        assert!(err.contains(why), "{args:?}: {err}");
    }
    std::fs::remove_dir_all(&tmp).unwrap();
}

fn verify(file: &[u8], root: Option<&str>) -> og::Report {
    let registry = read("registry.json");
    og::verify(&Inputs { file, registry: Some(&registry), root, ..Inputs::default() }).expect("an input the verifier accepts")
}

fn codes(r: &og::Report) -> Vec<(&'static str, Option<usize>)> {
    r.findings.iter().map(|f| (f.code, f.item)).collect()
}

const SIX_ROOT: &str = "0x48c6931d9c84416c8bc9a43796539ca7261d90fdb2fba36129756a8d561eb0d5";

fn six() -> Value {
    serde_json::from_slice(&read("batch-six.json")).unwrap()
}

fn set_tree(dump: &mut Value, tree: &[og::enc::Hash32]) {
    dump["tree"] = Value::Array(tree.iter().map(|h| Value::String(h.to_hex())).collect());
}

fn tree_of(dump: &Value) -> Vec<og::enc::Hash32> {
    dump["tree"].as_array().unwrap().iter().map(|t| og::enc::Hash32(og::enc::hex32_prefixed(t.as_str().unwrap()).unwrap())).collect()
}

#[test]
fn doctored_trees_fail_with_the_exact_code() {
    let ok = verify(&read("batch-six.json"), Some(SIX_ROOT));
    assert_eq!((ok.status, ok.checked, ok.accountability.silent), (Status::Verified, 6, 0));
    let b = ok.batch.as_ref().unwrap();
    assert_eq!((b.shape, b.leaves_match, b.nodes_match, b.leaves_sorted, b.root_matches), (true, Some(true), Some(true), Some(true), Some(true)));

    // Another root on chain.
    let r = verify(&read("batch-six.json"), Some(&"11".repeat(32)));
    assert_eq!((r.status, codes(&r)), (Status::Failed, vec![("og.root.mismatch", None)]));
    assert_eq!(r.accountability.silent, 1);

    // An inner node changed: that node and its parent's check fail; the leaves still match.
    let mut d = six();
    let mut t = tree_of(&d);
    t[1].0[0] ^= 1;
    set_tree(&mut d, &t);
    let r = verify(serde_json::to_string(&d).unwrap().as_bytes(), Some(SIX_ROOT));
    assert_eq!(codes(&r), vec![("og.tree.node-mismatch", None), ("og.tree.node-mismatch", None)]);
    assert!(r.findings[0].message.starts_with("tree[0] is ") && r.findings[1].message.starts_with("tree[1] is "), "{:?}", r.findings);
    assert_eq!(r.root, Some(Some(og::enc::Hash32(og::enc::hex32_prefixed(SIX_ROOT).unwrap()))), "the root comes from the values, not tree[0]");

    // A consistent tree whose leaves are not sorted: only the order check fails, and the root differs.
    let mut d = six();
    let n = 6;
    let mut t = tree_of(&d);
    t.swap(2 * n - 2, 2 * n - 3);
    for i in (0..n - 1).rev() {
        t[i] = og::batch::node(&t[2 * i + 1], &t[2 * i + 2]);
    }
    set_tree(&mut d, &t);
    for v in d["values"].as_array_mut().unwrap() {
        let ix = v["treeIndex"].as_u64().unwrap() as usize;
        if ix == 2 * n - 2 || ix == 2 * n - 3 {
            v["treeIndex"] = Value::from(if ix == 2 * n - 2 { 2 * n - 3 } else { 2 * n - 2 });
        }
    }
    let r = verify(serde_json::to_string(&d).unwrap().as_bytes(), None);
    assert_eq!(codes(&r), vec![("og.tree.leaf-order", None)]);

    // Shape: a repeated treeIndex, and a tree one hash short.
    let mut d = six();
    d["values"][1]["treeIndex"] = d["values"][0]["treeIndex"].clone();
    let r = verify(serde_json::to_string(&d).unwrap().as_bytes(), Some(SIX_ROOT));
    assert_eq!(codes(&r), vec![("og.tree.shape", None)]);
    let mut d = six();
    d["tree"].as_array_mut().unwrap().pop();
    assert_eq!(codes(&verify(serde_json::to_string(&d).unwrap().as_bytes(), None)), vec![("og.tree.shape", None)]);

    // A signature changed inside a value: its leaf no longer matches, and its signature fails.
    let mut d = six();
    let sig = d["values"][2]["value"][3].as_str().unwrap().to_string();
    let flipped = format!("{}{}", &sig[..10], if &sig[10..11] == "0" { "1" } else { "0" }) + &sig[11..];
    d["values"][2]["value"][3] = Value::String(flipped);
    let r = verify(serde_json::to_string(&d).unwrap().as_bytes(), Some(SIX_ROOT));
    let c = codes(&r);
    assert!(c.contains(&("og.leaf.mismatch", Some(2))) && c.contains(&("og.signature.invalid", Some(2))) && c.contains(&("og.root.mismatch", None)), "{c:?}");
    assert_eq!(r.items[2].signature, og::Verdict::Invalid);
    // Two incidents: the bad signature (blamed on its TEE) and the failing tree checks, each once.
    assert_eq!(r.incidents.iter().filter(|i| i.item == Some(2)).count(), 1);
    assert_eq!(r.incidents[0].blame.map(|b| b.to_hex()), r.items[2].tee_id.map(|b| b.to_hex()));

    // A value that does not fit: verdict invalid, the other fields null, no root.
    let mut d = six();
    d["values"][4]["value"][4] = Value::String("18446744073709551616".into());
    let r = verify(serde_json::to_string(&d).unwrap().as_bytes(), Some(SIX_ROOT));
    assert!(codes(&r).contains(&("og.leaf.malformed", Some(4))), "{:?}", codes(&r));
    assert_eq!(r.root, Some(None));
    assert_eq!((r.items[4].tee_id, r.items[4].timestamp, r.items[4].signature), (None, None, og::Verdict::Invalid));

    // Neither encoding; not standard-v1.
    let mut d = six();
    d["leafEncoding"] = serde_json::json!(["bytes32", "uint256"]);
    assert_eq!(codes(&verify(serde_json::to_string(&d).unwrap().as_bytes(), None)), vec![("og.batch.encoding-unsupported", None)]);
    let mut d = six();
    d["format"] = Value::String("standard-v2".into());
    assert_eq!(codes(&verify(serde_json::to_string(&d).unwrap().as_bytes(), None)), vec![("og.batch.malformed", None)]);
}

#[test]
fn tampering_any_byte_of_a_dump_never_leaves_it_verified() {
    let dump = read("batch-six.json");
    let registry = read("registry.json");
    assert_eq!(verify(&dump, Some(SIX_ROOT)).status, Status::Verified);
    let mut tried = 0;
    for at in 0..dump.len() {
        let b = dump[at];
        // A bit flip, and for a hex digit another digit (a change a parser accepts).
        let mut replacements = vec![b ^ 0x01];
        if b.is_ascii_hexdigit() {
            replacements.push(if b == b'0' { b'1' } else { b'0' });
        }
        for r in replacements {
            let mut t = dump.clone();
            t[at] = r;
            // Hex digits compare in either case: a changed case is no change.
            if t.eq_ignore_ascii_case(&dump) {
                continue;
            }
            tried += 1;
            let out = og::verify(&Inputs { file: &t, registry: Some(&registry), root: Some(SIX_ROOT), ..Inputs::default() });
            if let Ok(report) = out {
                assert_ne!(report.status, Status::Verified, "byte {at} ({:?} -> {:?}) left the dump verified", b as char, r as char);
            }
        }
    }
    assert!(tried > dump.len(), "{tried} tamperings");
}

#[test]
fn registry_entries_the_chain_could_not_hold_are_findings() {
    let reg: Value = serde_json::from_slice(&read("registry.json")).unwrap();
    let mut bad = reg.clone();
    // Entry 0's id belongs to another key; entry 1's key is not a key.
    bad["tees"][0]["tee_id"] = Value::String(format!("0x{}", "ab".repeat(32)));
    bad["tees"][1]["public_key"] = Value::String("-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n".into());
    bad["tees"][2]["enabled"] = Value::Bool(false);
    let bad = serde_json::to_vec(&bad).unwrap();
    let r = og::verify(&Inputs { file: &read("receipt-basic.json"), registry: Some(&bad), ..Inputs::default() }).unwrap();
    assert!(codes(&r).contains(&("og.registry.id-mismatch", None)) && codes(&r).contains(&("og.registry.key-invalid", None)), "{:?}", codes(&r));
    // The key of entry 0 is still indexed by its computed id, so the receipt's signature verifies.
    assert_eq!(r.items[0].signature, og::Verdict::Valid);
    assert_eq!(r.status, Status::Failed);
    // A disabled TEE verifies, with a warning.
    let r = og::verify(&Inputs { file: &read("batch-six.json"), registry: Some(&bad), ..Inputs::default() }).unwrap();
    assert!(codes(&r).iter().any(|c| c.0 == "og.tee.disabled"), "{:?}", codes(&r));
}

#[test]
fn a_receipt_with_the_wrong_key_or_a_string_timestamp() {
    // --key that is not the receipt's: og.key.id-mismatch, and the signature fails with it.
    let r = og::verify(&Inputs { file: &read("receipt-basic.json"), key: Some(&read("key-a.pem")), ..Inputs::default() }).unwrap();
    let c = codes(&r);
    assert!(c.contains(&("og.key.id-mismatch", Some(0))) && c.contains(&("og.signature.invalid", Some(0))), "{c:?}");
    // The same receipt with its timestamp written as digits: still valid, with og.timestamp.string.
    let body = String::from_utf8(read("receipt-basic.json")).unwrap().replace("\"tee_timestamp\": 1700000000", "\"tee_timestamp\": \"1700000000\"");
    let r = og::verify(&Inputs { file: body.as_bytes(), key: Some(&read("key-notes.pem")), ..Inputs::default() }).unwrap();
    assert_eq!((r.status, codes(&r)), (Status::Verified, vec![("og.timestamp.string", Some(0))]));
    // A timestamp off by one second: the signature no longer verifies.
    let body = String::from_utf8(read("receipt-basic.json")).unwrap().replace("\"tee_timestamp\": 1700000000", "\"tee_timestamp\": 1700000001");
    let r = og::verify(&Inputs { file: body.as_bytes(), key: Some(&read("key-notes.pem")), ..Inputs::default() }).unwrap();
    assert_eq!(codes(&r), vec![("og.signature.invalid", Some(0))]);
    assert_eq!(r.accountability.silent, 1);
    // No key at all: unknown-key, incomplete.
    let r = og::verify(&Inputs { file: &read("receipt-basic.json"), ..Inputs::default() }).unwrap();
    assert_eq!((r.status, codes(&r)), (Status::Incomplete, vec![("og.key.unknown", Some(0))]));
    // A missing member: malformed, no item.
    let body = String::from_utf8(read("receipt-basic.json")).unwrap().replace("\"tee_id\"", "\"tee_idx\"");
    let r = og::verify(&Inputs { file: body.as_bytes(), ..Inputs::default() }).unwrap();
    assert_eq!((r.status, codes(&r), r.items.len()), (Status::Failed, vec![("og.receipt.malformed", None)], 0));
}

#[test]
fn an_sse_capture_ending_in_an_error_is_malformed() {
    let sse = String::from_utf8(read("receipt-sse.sse")).unwrap();
    let cut = sse.replace("data: [DONE]", "data: {\"error\": {\"message\": \"upstream\"}}");
    let r = og::verify(&Inputs { file: cut.as_bytes(), ..Inputs::default() }).unwrap();
    assert_eq!((r.status, codes(&r)), (Status::Failed, vec![("og.stream.malformed", None)]));
    // The stream without its [DONE] still verifies.
    let no_done = sse.replace("data: [DONE]", "");
    let r = og::verify(&Inputs { file: no_done.as_bytes(), registry: Some(&read("registry.json")), ..Inputs::default() }).unwrap();
    assert_eq!(r.status, Status::Verified, "{:?}", codes(&r));
    // A legacy receipt checked with salt 32 fails: the scheme is recognised, not guessed.
    let r = og::verify(&Inputs { file: &read("legacy-receipt.json"), key: Some(&read("key-a.pem")), ..Inputs::default() }).unwrap();
    assert!(codes(&r).contains(&("og.signature.invalid", Some(0))), "{:?}", codes(&r));
}

/// A case's FILE and options, as the CLI would read them.
struct Owned {
    file: Vec<u8>,
    registry: Option<Vec<u8>>,
    key: Option<Vec<u8>>,
    request: Option<Vec<u8>>,
    root: Option<String>,
}

impl Owned {
    fn of(case: &str) -> Owned {
        let args: Vec<String> = serde_json::from_slice(&read(&format!("{case}.args.json"))).unwrap();
        let mut o = Owned { file: read(&input_file(case)), registry: None, key: None, request: None, root: None };
        for pair in args.chunks(2) {
            match pair[0].as_str() {
                "--registry" => o.registry = Some(read(&pair[1])),
                "--key" => o.key = Some(read(&pair[1])),
                "--request" => o.request = Some(read(&pair[1])),
                "--root" => o.root = Some(pair[1].clone()),
                other => panic!("{case}: option {other}"),
            }
        }
        o
    }
    fn inputs(&self) -> Inputs<'_> {
        Inputs { file: &self.file, registry: self.registry.as_deref(), key: self.key.as_deref(), request: self.request.as_deref(), root: self.root.as_deref() }
    }
}

/// What the page's worker does with WebCrypto, done here with the rsa crate
/// from the packed bytes alone: one answer byte per request.
fn answer_packed(keys: &[u8], requests: &[u8]) -> Vec<u8> {
    fn take<'a>(b: &mut &'a [u8], n: usize) -> &'a [u8] {
        let (head, rest) = b.split_at(n);
        *b = rest;
        head
    }
    fn u32le(b: &mut &[u8]) -> usize {
        u32::from_le_bytes(take(b, 4).try_into().unwrap()) as usize
    }
    let mut k = keys;
    let mut ring = Vec::new();
    while !k.is_empty() {
        let n = u32le(&mut k);
        ring.push(og::keys::parse_der(take(&mut k, n)).expect("a packed key is an SPKI"));
    }
    let mut r = requests;
    let mut answers = Vec::new();
    while !r.is_empty() {
        let key = &ring[u32le(&mut r)];
        let salt = u32le(&mut r);
        let n = u32le(&mut r);
        let message = take(&mut r, n);
        let n = u32le(&mut r);
        let signature = take(&mut r, n);
        answers.push(u8::from(key.verify_pss(message, signature, salt) == og::keys::Signature::Valid));
    }
    answers
}

#[test]
fn the_pages_two_passes_give_the_clis_report() {
    for case in cases() {
        let o = Owned::of(&case);
        let plain = serde_json::to_value(og::verify(&o.inputs()).unwrap()).unwrap();
        let mut asked = og::pss::Recorder::default();
        og::verify_with(&o.inputs(), &mut asked).unwrap();
        let has_keys = !asked.is_empty();
        let valid = plain["items"].as_array().unwrap().iter().any(|i| i["signature"] == "valid" || i["signature"] == "legacy-valid");
        assert!(has_keys || !valid, "{case}: a valid signature was asked about");

        // Answered from the packed bytes: the same report, and the rsa crate never called.
        let answers = answer_packed(&asked.pack_keys(), &asked.pack_requests());
        assert_eq!(answers.len(), asked.len(), "{case}");
        let mut pss = asked.answered(&answers).unwrap();
        assert_eq!(serde_json::to_value(og::verify_with(&o.inputs(), &mut pss).unwrap()).unwrap(), plain, "{case}: answered");
        assert_eq!(pss.fell_back(), 0, "{case}: every check answered");

        // Nothing checked by the page (no WebCrypto): the rsa crate does it all, the same report.
        let mut pss = asked.answered(&vec![2; asked.len()]).unwrap();
        assert_eq!(serde_json::to_value(og::verify_with(&o.inputs(), &mut pss).unwrap()).unwrap(), plain, "{case}: not checked");
        assert_eq!(pss.fell_back(), asked.len(), "{case}: all fell back");

        // The answers are what decides: flipped, every signature checked flips.
        if has_keys {
            let flipped: Vec<u8> = answers.iter().map(|a| 1 - a).collect();
            let mut pss = asked.answered(&flipped).unwrap();
            let r = serde_json::to_value(og::verify_with(&o.inputs(), &mut pss).unwrap()).unwrap();
            assert_ne!(r["items"], plain["items"], "{case}: flipped answers change the items");
            assert!(asked.answered(&answers[1..]).is_err(), "{case}: a short answer list is refused");
        }
    }
}

#[test]
fn a_legacy_receipt_in_the_page_asks_about_every_registry_key() {
    let pems = ["key-a.pem", "key-b.pem", "key-legacy.pem"].map(|f| String::from_utf8(read(f)).unwrap());
    let tees: Vec<Value> = pems.iter().map(|p| serde_json::json!({"tee_id": og::keys::parse_pem(p).unwrap().id.to_string(), "public_key": p, "enabled": true})).collect();
    let registry = serde_json::to_vec(&serde_json::json!({"chain_id": 10740, "registry": "0x4e72238852f3c918f4E4e57AeC9280dDB0c80248", "tees": tees})).unwrap();
    let file = read("legacy-receipt.json");
    let inputs = Inputs { file: &file, registry: Some(&registry), ..Default::default() };
    let plain = og::verify(&inputs).unwrap();
    assert_eq!(plain.items[0].signature, og::Verdict::LegacyValid, "{:?}", plain.findings);
    let mut asked = og::pss::Recorder::default();
    og::verify_with(&inputs, &mut asked).unwrap();
    assert_eq!(asked.len(), 3, "one request per registry key");
    let answers = answer_packed(&asked.pack_keys(), &asked.pack_requests());
    assert_eq!(answers.iter().filter(|&&a| a == 1).count(), 1, "only the legacy key verifies");
    let mut pss = asked.answered(&answers).unwrap();
    let two = og::verify_with(&inputs, &mut pss).unwrap();
    assert_eq!(serde_json::to_value(&two).unwrap(), serde_json::to_value(&plain).unwrap());
    assert_eq!(pss.fell_back(), 0);
}
