//! Settlement batch dumps (docs/OPENGRADIENT.md section 5): an OpenZeppelin
//! StandardMerkleTree `dump()` of signed receipts, its tree checks, and each
//! item's signature.

use super::enc::{bytes_prefixed, hex32_prefixed, keccak256, unix_seconds, Hash32, TeeId};
use super::json::Value;
use super::keys::{KeyRing, Pss, Signature, SALT_CURRENT};
use super::receipt::{msg_hash, Signed};
use super::report::{BatchDetail, Code, Item, Report, Verdict};

/// A dump lists at most this many values.
pub const MAX_VALUES: usize = 1 << 20;

/// The facilitator's default tee_id: its leaves' hashes are SHA-256 of raw bodies, never signed.
pub const PLACEHOLDER_TEE_ID: [u8; 32] = hex_literal("ddc21f2d5d0af861b4fc1390df47f1c93bc5aee54e7e31763e97256d56148253");

const fn hex_literal(s: &str) -> [u8; 32] {
    let b = s.as_bytes();
    let mut out = [0u8; 32];
    let mut i = 0;
    while i < 32 {
        out[i] = (nibble(b[2 * i]) << 4) | nibble(b[2 * i + 1]);
        i += 1;
    }
    out
}
const fn nibble(c: u8) -> u8 {
    match c {
        b'0'..=b'9' => c - b'0',
        b'a'..=b'f' => c - b'a' + 10,
        _ => panic!("a lower-case hex literal"),
    }
}

const FIVE_FIELD: [&str; 5] = ["bytes32", "bytes32", "bytes32", "bytes", "uint256"];
const THREE_FIELD: [&str; 3] = ["bytes32", "bytes32", "bytes32"];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    /// `[tee_id, input_hash, output_hash, signature, timestamp]`.
    FiveField,
    /// `[input_hash, output_hash, keccak256(base64 signature)]`: inclusion only.
    ThreeField,
}

/// One value of the dump, decoded as its encoding says.
#[derive(Debug, Clone)]
pub enum Leaf {
    Five { tee_id: TeeId, input: Hash32, output: Hash32, signature: Vec<u8>, timestamp: u64 },
    Three { input: Hash32, output: Hash32, signature_hash: Hash32 },
}

impl Leaf {
    /// The Solidity `abi.encode` of the parameters (no outer tuple offset), or the 96 bytes.
    pub fn preimage(&self) -> Vec<u8> {
        match self {
            Leaf::Five { tee_id, input, output, signature, timestamp } => {
                let padded = signature.len().div_ceil(32) * 32;
                let mut out = Vec::with_capacity(192 + padded);
                out.extend_from_slice(&tee_id.0);
                out.extend_from_slice(&input.0);
                out.extend_from_slice(&output.0);
                out.extend_from_slice(&uint256(0xa0));
                out.extend_from_slice(&uint256(*timestamp));
                out.extend_from_slice(&uint256(signature.len() as u64));
                out.extend_from_slice(signature);
                out.resize(192 + padded, 0);
                out
            }
            Leaf::Three { input, output, signature_hash } => [input.0, output.0, signature_hash.0].concat(),
        }
    }
    /// leaf(v) = keccak256(keccak256(preimage)).
    pub fn hash(&self) -> Hash32 {
        Hash32(keccak256(&keccak256(&self.preimage())))
    }
}

fn uint256(v: u64) -> [u8; 32] {
    let mut w = [0u8; 32];
    w[24..].copy_from_slice(&v.to_be_bytes());
    w
}

/// node(a, b) = keccak256(min(a,b) ‖ max(a,b)) as 256-bit big-endian integers.
pub fn node(a: &Hash32, b: &Hash32) -> Hash32 {
    let (lo, hi) = if a.0 <= b.0 { (a, b) } else { (b, a) };
    let mut m = [0u8; 64];
    m[..32].copy_from_slice(&lo.0);
    m[32..].copy_from_slice(&hi.0);
    Hash32(keccak256(&m))
}

/// The tree StandardMerkleTree.of builds from these leaves (sorted, at the end).
pub fn build_tree(leaves: &[Hash32]) -> Vec<Hash32> {
    let n = leaves.len();
    assert!(n > 0, "a tree of no leaves has no root");
    let mut sorted = leaves.to_vec();
    sorted.sort();
    let mut tree = vec![Hash32([0; 32]); 2 * n - 1];
    for (k, leaf) in sorted.into_iter().enumerate() {
        tree[2 * n - 2 - k] = leaf;
    }
    for i in (0..n.saturating_sub(1)).rev() {
        tree[i] = node(&tree[2 * i + 1], &tree[2 * i + 2]);
    }
    tree
}

/// The dump, read; a shape that is not `standard-v1` is the returned finding.
struct Dump<'a> {
    encoding: Encoding,
    tree: Vec<Hash32>,
    values: Vec<(&'a Value, &'a Value)>,
}

fn read_dump(v: &Value) -> Result<Dump<'_>, (Code, String)> {
    let bad = |why: String| (Code::BatchMalformed, format!("This is not a standard-v1 dump: {why}."));
    if v.get("format").and_then(Value::as_str) != Some("standard-v1") {
        return Err(bad("its format is not \"standard-v1\"".into()));
    }
    let tree = v.get("tree").and_then(Value::as_array).ok_or_else(|| bad("it has no \"tree\" array".into()))?;
    let tree = tree
        .iter()
        .enumerate()
        .map(|(i, t)| t.as_str().and_then(hex32_prefixed).map(Hash32).ok_or_else(|| bad(format!("tree[{i}] is not 0x and 64 hex digits"))))
        .collect::<Result<Vec<_>, _>>()?;
    let values = v.get("values").and_then(Value::as_array).filter(|l| !l.is_empty()).ok_or_else(|| bad("it has no non-empty \"values\" array".into()))?;
    if values.len() > MAX_VALUES {
        return Err(bad(format!("it lists {} values, more than {MAX_VALUES}", values.len())));
    }
    let values = values
        .iter()
        .enumerate()
        .map(|(i, e)| match (e.get("value"), e.get("treeIndex")) {
            (Some(value @ Value::Arr(_)), Some(ix @ Value::Int(_))) => Ok((value, ix)),
            _ => Err(bad(format!("values[{i}] is not {{\"value\": [...], \"treeIndex\": integer}}"))),
        })
        .collect::<Result<Vec<_>, _>>()?;
    let enc: Option<Vec<&str>> = v.get("leafEncoding").and_then(Value::as_array).and_then(|l| l.iter().map(Value::as_str).collect());
    let encoding = match enc.as_deref() {
        Some(e) if e == FIVE_FIELD => Encoding::FiveField,
        Some(e) if e == THREE_FIELD => Encoding::ThreeField,
        _ => return Err((Code::BatchEncodingUnsupported, "Its leafEncoding is neither [\"bytes32\",\"bytes32\",\"bytes32\",\"bytes\",\"uint256\"] nor the legacy [\"bytes32\",\"bytes32\",\"bytes32\"].".into())),
    };
    Ok(Dump { encoding, tree, values })
}

fn read_leaf(encoding: Encoding, value: &Value) -> Result<Leaf, String> {
    let fields = value.as_array().expect("checked by read_dump");
    let b32 = |i: usize| fields[i].as_str().and_then(hex32_prefixed).ok_or_else(|| format!("field {i} is not a bytes32 (0x and 64 hex digits)"));
    match encoding {
        Encoding::FiveField => {
            if fields.len() != 5 {
                return Err(format!("it has {} fields, not 5", fields.len()));
            }
            let signature = fields[3].as_str().and_then(bytes_prefixed).ok_or("field 3 is not bytes (0x and an even number of hex digits)")?;
            let (timestamp, _) = unix_seconds(&fields[4]).ok_or("field 4 is not a uint256 below 2^64 (digits or an integer)")?;
            Ok(Leaf::Five { tee_id: TeeId(b32(0)?), input: Hash32(b32(1)?), output: Hash32(b32(2)?), signature, timestamp })
        }
        Encoding::ThreeField => {
            if fields.len() != 3 {
                return Err(format!("it has {} fields, not 3", fields.len()));
            }
            Ok(Leaf::Three { input: Hash32(b32(0)?), output: Hash32(b32(1)?), signature_hash: Hash32(b32(2)?) })
        }
    }
}

pub fn check(v: &Value, keys: &KeyRing, pss: &mut dyn Pss, expected_root: Option<Hash32>, report: &mut Report) {
    let dump = match read_dump(v) {
        Ok(d) => d,
        Err((code, message)) => return report.add(code, None, message),
    };
    let n = dump.values.len();
    let leaves: Vec<Option<Leaf>> = dump
        .values
        .iter()
        .enumerate()
        .map(|(i, (value, _))| match read_leaf(dump.encoding, value) {
            Ok(l) => Some(l),
            Err(why) => {
                report.add(Code::LeafMalformed, Some(i), format!("values[{i}] does not fit the leaf encoding: {why}."));
                None
            }
        })
        .collect();
    let hashes: Vec<Option<Hash32>> = leaves.iter().map(|l| l.as_ref().map(Leaf::hash)).collect();
    let mut detail = BatchDetail {
        encoding: match dump.encoding {
            Encoding::FiveField => "5-field",
            Encoding::ThreeField => "3-field (legacy)",
        },
        tree_root: dump.tree.first().copied(),
        expected_root,
        leaf_hashes: hashes.clone(),
        ..BatchDetail::default()
    };
    // The root is recomputed from the values, never copied from tree[0].
    let root = hashes.iter().copied().collect::<Option<Vec<_>>>().map(|h| build_tree(&h)[0]);
    report.root = Some(root);
    tree_checks(&dump, &hashes, report, &mut detail);
    if let (Some(expected), Some(root)) = (expected_root, root) {
        let ok = expected == root;
        if !ok {
            report.add(Code::RootMismatch, None, format!("The values hash to root {root}, but the root given (on chain) is {expected}."));
        }
        detail.root_matches = Some(ok);
    }
    for (i, leaf) in leaves.into_iter().enumerate() {
        let it = item(i, leaf, keys, pss, report);
        report.items.push(it);
    }
    debug_assert_eq!(report.items.len(), n);
    report.batch = Some(detail);
}

/// The four tree checks of section 5, all run (the last three need a sound shape).
fn tree_checks(dump: &Dump, hashes: &[Option<Hash32>], report: &mut Report, detail: &mut BatchDetail) {
    let n = dump.values.len();
    let tree = &dump.tree;
    let mut indexes: Vec<Option<usize>> = dump.values.iter().map(|(_, ix)| match ix {
        Value::Int(d) => d.parse::<usize>().ok().filter(|&i| i + 1 >= n && i <= 2 * n - 2),
        _ => None,
    }).collect();
    let mut seen = vec![false; n];
    for ix in indexes.iter_mut() {
        if let Some(i) = *ix {
            if std::mem::replace(&mut seen[i + 1 - n], true) {
                *ix = None;
            }
        }
    }
    let shape = tree.len() == 2 * n - 1 && indexes.iter().all(Option::is_some);
    detail.shape = shape;
    if !shape {
        let why = if tree.len() != 2 * n - 1 {
            format!("it has {} hashes for {n} values, not {}", tree.len(), 2 * n - 1)
        } else {
            let bad = indexes.iter().position(Option::is_none).expect("one index is bad");
            format!("values[{bad}].treeIndex is outside [{}, {}] or repeats another", n - 1, 2 * n - 2)
        };
        return report.add(Code::TreeShape, None, format!("The tree does not have StandardMerkleTree's shape: {why}."));
    }
    let mut leaves_ok = true;
    for (i, (ix, h)) in indexes.iter().zip(hashes).enumerate() {
        let (ix, Some(h)) = (ix.expect("shape checked"), h) else { continue };
        if tree[ix] != *h {
            leaves_ok = false;
            report.add(Code::LeafMismatch, Some(i), format!("tree[{ix}] is {}, but values[{i}] hashes to leaf {h}.", tree[ix]));
        }
    }
    detail.leaves_match = Some(leaves_ok);
    let mut nodes_ok = true;
    for i in 0..n - 1 {
        let want = node(&tree[2 * i + 1], &tree[2 * i + 2]);
        if tree[i] != want {
            nodes_ok = false;
            report.add(Code::TreeNodeMismatch, None, format!("tree[{i}] is {}, but the hash of its children tree[{}] and tree[{}] is {want}.", tree[i], 2 * i + 1, 2 * i + 2));
        }
    }
    detail.nodes_match = Some(nodes_ok);
    // The k-th smallest leaf at 2n-2-k: the slots read from the end are ascending.
    let sorted = (0..n - 1).all(|k| tree[2 * n - 2 - k] <= tree[2 * n - 3 - k]);
    if !sorted {
        report.add(Code::TreeLeafOrder, None, "The leaf slots are not in sorted order (the k-th smallest leaf at index 2n-2-k), as StandardMerkleTree.of puts them.".into());
    }
    detail.leaves_sorted = Some(sorted);
}

/// One item's verdict: placeholder first, then the signature with the key for its tee_id.
fn item(i: usize, leaf: Option<Leaf>, keys: &KeyRing, pss: &mut dyn Pss, report: &mut Report) -> Item {
    let Some(leaf) = leaf else {
        return Item { tee_id: None, input_hash: None, output_hash: None, timestamp: None, signature: Verdict::Invalid };
    };
    match leaf {
        Leaf::Three { input, output, .. } => {
            report.add(Code::LeafHashOnly, Some(i), format!("values[{i}] is a legacy 3-field leaf: no key or timestamp, so only its inclusion is checked."));
            Item { tee_id: None, input_hash: Some(input), output_hash: Some(output), timestamp: None, signature: Verdict::HashOnly }
        }
        Leaf::Five { tee_id, input, output, signature, timestamp } => {
            let base = |signature| Item { tee_id: Some(tee_id), input_hash: Some(input), output_hash: Some(output), timestamp: Some(timestamp), signature };
            if signature.is_empty() || signature == [0xd3] || tee_id.0 == PLACEHOLDER_TEE_ID {
                let why = if tee_id.0 == PLACEHOLDER_TEE_ID { "carries the facilitator's default tee_id" } else { "has no signature (empty, or the placeholder text \"0x\" base64-decoded)" };
                report.add(Code::LeafPlaceholder, Some(i), format!("values[{i}] is a placeholder: it {why}."));
                return base(Verdict::Placeholder);
            }
            let Some(tee) = keys.get(&tee_id) else {
                report.add(Code::KeyUnknown, Some(i), format!("No key for tee_id {tee_id} of values[{i}]: the registry given does not list it, or none was given."));
                return base(Verdict::UnknownKey);
            };
            if !tee.enabled {
                report.add(Code::TeeDisabled, Some(i), format!("The registry marks TEE {tee_id} of values[{i}] as disabled."));
            }
            let signed = Signed { tee_id, input_hash: input, output_hash: output, timestamp, timestamp_written: super::enc::Written::Integer, signature };
            let msg = msg_hash(&signed);
            if signed.signature.len() == tee.key.size() && pss.verify(&tee.key, &msg.0, &signed.signature, SALT_CURRENT) == Signature::Valid {
                base(Verdict::Valid)
            } else {
                let why = if signed.signature.len() != tee.key.size() { format!(" (it is {} bytes; the key takes {})", signed.signature.len(), tee.key.size()) } else { String::new() };
                report.add(Code::SignatureInvalid, Some(i), format!("The signature of values[{i}] over msg_hash {msg} does not verify with the key of {tee_id}{why}."));
                base(Verdict::Invalid)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn abi_encoding_lengths() {
        let leaf = |sig: Vec<u8>| Leaf::Five { tee_id: TeeId([1; 32]), input: Hash32([2; 32]), output: Hash32([3; 32]), signature: sig, timestamp: 7 };
        assert_eq!(leaf(vec![9; 256]).preimage().len(), 448);
        assert_eq!(leaf(vec![]).preimage().len(), 192);
        let p = leaf(vec![9; 33]).preimage();
        assert_eq!(p.len(), 192 + 64);
        assert_eq!(p[0x60 + 31], 0xa0);
        assert_eq!(p[0x80 + 31], 7);
        assert_eq!(p[0xa0 + 31], 33);
        assert_eq!(&p[0xc0 + 33..], &[0u8; 31][..]);
    }

    #[test]
    fn one_leaf_is_its_own_root() {
        let l = Hash32([5; 32]);
        assert_eq!(build_tree(&[l]), vec![l]);
        let t = build_tree(&[Hash32([9; 32]), Hash32([1; 32]), Hash32([4; 32])]);
        assert_eq!(&t[2..], &[Hash32([9; 32]), Hash32([4; 32]), Hash32([1; 32])]);
        assert_eq!(t[1], node(&t[3], &t[4]));
        assert_eq!(t[0], node(&t[1], &t[2]));
    }
}
