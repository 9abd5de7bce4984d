//! A synthetic OpenGradient settlement batch for timings (docs/OPENGRADIENT.md
//! section 5): the six signed receipts of the public vector `batch-six`,
//! repeated to N items, laid out as StandardMerkleTree.of lays them out.
//!
//!     cargo run --release --example og_batch -- 10000 ../shared/vectors/opengradient/batch-six.json > batch-10000.json
//!
//! Prints the root on stderr (give it as --root).

use onus::og::batch::{build_tree, Leaf};
use onus::og::enc::{bytes_prefixed, hex32_prefixed, Hash32, TeeId};
use serde_json::{json, Value};

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let n: usize = args.get(1).and_then(|a| a.parse().ok()).expect("usage: og_batch N BATCH.json");
    let base: Value = serde_json::from_slice(&std::fs::read(args.get(2).expect("usage: og_batch N BATCH.json")).expect("read the batch")).expect("JSON");
    let values: Vec<Value> = base["values"].as_array().expect("values").iter().map(|v| v["value"].clone()).collect();
    let leaf = |v: &Value| {
        let s = |i: usize| v[i].as_str().expect("a hex field");
        Leaf::Five {
            tee_id: TeeId(hex32_prefixed(s(0)).unwrap()),
            input: Hash32(hex32_prefixed(s(1)).unwrap()),
            output: Hash32(hex32_prefixed(s(2)).unwrap()),
            signature: bytes_prefixed(s(3)).unwrap(),
            timestamp: v[4].as_str().map(|t| t.parse().unwrap()).or_else(|| v[4].as_u64()).unwrap(),
        }
        .hash()
    };
    let items: Vec<Value> = (0..n).map(|i| values[i % values.len()].clone()).collect();
    let hashes: Vec<Hash32> = items.iter().map(leaf).collect();
    let tree = build_tree(&hashes);
    // Each item's slot: the k-th smallest (ties in insertion order) at 2n-2-k.
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by_key(|&i| (hashes[i], i));
    let mut index = vec![0usize; n];
    for (k, &i) in order.iter().enumerate() {
        index[i] = 2 * n - 2 - k;
    }
    let dump = json!({
        "format": "standard-v1",
        "leafEncoding": ["bytes32", "bytes32", "bytes32", "bytes", "uint256"],
        "tree": tree.iter().map(|h| h.to_hex()).collect::<Vec<_>>(),
        "values": items.iter().zip(&index).map(|(v, i)| json!({"value": v, "treeIndex": i})).collect::<Vec<_>>(),
    });
    eprintln!("root {}", tree[0]);
    println!("{}", serde_json::to_string(&dump).unwrap());
}
