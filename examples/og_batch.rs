//! A synthetic OpenGradient settlement batch for timings (docs/OPENGRADIENT.md
//! section 5): N distinct items, each signed (RSA-PSS, SHA-256, salt 32) by
//! one of two RSA-2048 keys made here from a fixed seed, laid out as
//! StandardMerkleTree.of lays them out, and the registry export that lists
//! the two keys.
//!
//!     cargo run --release --example og_batch -- 10000 registry.json > batch-10000.json
//!
//! Prints the root on stderr (give it as --root).

use base64::Engine as _;
use onus::og::batch::{build_tree, Leaf};
use onus::og::enc::{keccak256, Hash32, TeeId};
use onus::og::receipt::{msg_hash, Signed};
use rand_chacha::rand_core::{RngCore, SeedableRng};
use rsa::pkcs8::EncodePublicKey as _;
use rsa::signature::{RandomizedSigner as _, SignatureEncoding as _};
use serde_json::{json, Value};

fn main() {
    let usage = "usage: og_batch N REGISTRY.json > BATCH.json";
    let args: Vec<String> = std::env::args().collect();
    let n: usize = args.get(1).and_then(|a| a.parse().ok()).expect(usage);
    let registry_out = args.get(2).expect(usage);
    let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(14);
    let keys: Vec<(TeeId, String, rsa::pss::BlindedSigningKey<sha2::Sha256>)> = (0..2)
        .map(|_| {
            let private = rsa::RsaPrivateKey::new(&mut rng, 2048).expect("an RSA key");
            let der = private.to_public_key().to_public_key_der().expect("SPKI DER").into_vec();
            let b64 = base64::engine::general_purpose::STANDARD.encode(&der);
            let lines: Vec<&str> = b64.as_bytes().chunks(64).map(|c| std::str::from_utf8(c).unwrap()).collect();
            let pem = format!("-----BEGIN PUBLIC KEY-----\n{}\n-----END PUBLIC KEY-----\n", lines.join("\n"));
            (TeeId(keccak256(&der)), pem, rsa::pss::BlindedSigningKey::new_with_salt_len(private, 32))
        })
        .collect();
    let registry = json!({
        "chain_id": 10740,
        "registry": "0x4e72238852f3c918f4E4e57AeC9280dDB0c80248",
        "tees": keys.iter().map(|(id, pem, _)| json!({"tee_id": id.to_string(), "public_key": pem, "enabled": true})).collect::<Vec<_>>(),
    });
    std::fs::write(registry_out, serde_json::to_string_pretty(&registry).unwrap()).expect("write the registry");

    let mut leaves = Vec::with_capacity(n);
    let mut items = Vec::with_capacity(n);
    for i in 0..n {
        let (tee_id, _, signer) = &keys[i % keys.len()];
        let mut h = || {
            let mut b = [0u8; 32];
            rng.fill_bytes(&mut b);
            Hash32(b)
        };
        let (input, output) = (h(), h());
        let timestamp = 1_765_000_000 + i as u64;
        let signed = Signed { tee_id: *tee_id, input_hash: input, output_hash: output, timestamp, timestamp_written: onus::og::enc::Written::Integer, signature: vec![] };
        let signature = signer.sign_with_rng(&mut rng, &msg_hash(&signed).0).to_vec();
        items.push(json!([tee_id.to_string(), input.to_string(), output.to_string(), format!("0x{}", hex::encode(&signature)), timestamp.to_string()]));
        leaves.push(Leaf::Five { tee_id: *tee_id, input, output, signature, timestamp }.hash());
    }
    let tree = build_tree(&leaves);
    // Each item's slot: the k-th smallest (ties in insertion order) at 2n-2-k.
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by_key(|&i| (leaves[i], i));
    let mut index = vec![0usize; n];
    for (k, &i) in order.iter().enumerate() {
        index[i] = 2 * n - 2 - k;
    }
    let dump = json!({
        "format": "standard-v1",
        "leafEncoding": ["bytes32", "bytes32", "bytes32", "bytes", "uint256"],
        "tree": tree.iter().map(|h| h.to_hex()).collect::<Vec<_>>(),
        "values": items.iter().zip(&index).map(|(v, i)| json!({"value": v, "treeIndex": i})).collect::<Vec<Value>>(),
    });
    eprintln!("root {}", tree[0]);
    println!("{}", serde_json::to_string(&dump).unwrap());
}

