//! The report of `onus og verify` (docs/OPENGRADIENT.md section 7): one
//! object, printed by `--json` and rendered by the page, and the finding codes,
//! defined once here with their severity and what to do.

use super::enc::{Hash32, TeeId};
use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Info,
    Warning,
    Error,
}

macro_rules! codes {
    ($( $variant:ident = $code:literal, $sev:ident, $advice:literal; )*) => {
        /// A finding code of section 7, with its severity and what the reader can do.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum Code { $( $variant, )* }
        impl Code {
            pub const ALL: &'static [Code] = &[ $( Code::$variant, )* ];
            pub fn as_str(self) -> &'static str { match self { $( Code::$variant => $code, )* } }
            pub fn severity(self) -> Severity { match self { $( Code::$variant => Severity::$sev, )* } }
            pub fn advice(self) -> &'static str { match self { $( Code::$variant => $advice, )* } }
        }
    };
}

codes! {
    ReceiptMalformed = "og.receipt.malformed", Error,
        "This is not a complete TEE receipt: check that it is the whole JSON body the gateway answered with, unedited.";
    StreamMalformed = "og.stream.malformed", Error,
        "Capture the whole event stream again, up to the frame with tee_signature (and [DONE]); a stream that ends in an error was not signed.";
    BatchMalformed = "og.batch.malformed", Error,
        "Use the Walrus blob of the batch exactly as stored (StandardMerkleTree.dump(), format standard-v1).";
    BatchEncodingUnsupported = "og.batch.encoding-unsupported", Error,
        "Only the settlement pipeline's two leaf encodings are known (5-field and legacy 3-field); this dump is of another tree.";
    LeafMalformed = "og.leaf.malformed", Error,
        "This value does not fit the dump's leaf encoding: the dump was edited or written by other software; nothing about it can be checked.";
    TreeShape = "og.tree.shape", Error,
        "The tree does not have the shape StandardMerkleTree writes (2n-1 hashes, each value at its own leaf slot): the dump was edited.";
    LeafMismatch = "og.leaf.mismatch", Error,
        "The tree holds another hash where this value's leaf should be: the value or the tree was changed after the batch was built.";
    TreeNodeMismatch = "og.tree.node-mismatch", Error,
        "An inner hash of the tree is not the hash of its two children: the tree was edited; its root proves nothing.";
    TreeLeafOrder = "og.tree.leaf-order", Error,
        "The leaves are not in sorted order, so the settlement pipeline did not build this tree; treat it as forged.";
    RootMismatch = "og.root.mismatch", Error,
        "The batch does not have the root settled on chain: this is not the batch that was settled, or the root given is another batch's.";
    SignatureInvalid = "og.signature.invalid", Error,
        "The TEE's signature does not verify: the signed hashes or timestamp were changed, or another key signed it. Do not trust this answer.";
    KeyIdMismatch = "og.key.id-mismatch", Error,
        "The key given is not the one the receipt names (tee_id): give the key registered for that tee_id, or a registry export.";
    RegistryIdMismatch = "og.registry.id-mismatch", Error,
        "The registry export does not hold what the chain holds (the chain's id is keccak256 of the key): export it again from the TEERegistry.";
    RegistryKeyInvalid = "og.registry.key-invalid", Error,
        "The registry export holds a key the chain would not: export it again from the TEERegistry (getTEEPublicKey, written as PEM).";
    RequestHashMismatch = "og.request.hash-mismatch", Error,
        "The request given is not the one the TEE signed: give the exact request JSON the client sent (older gateways hashed list content differently).";
    OutputHashMismatch = "og.output.hash-mismatch", Error,
        "The answer shown is not the answer the TEE signed: it was edited after signing. Trust only the signed hashes.";
    KeyUnknown = "og.key.unknown", Warning,
        "No key for this TEE: add a registry export (--registry, or the page's registry field) that lists it, or its key.";
    LeafPlaceholder = "og.leaf.placeholder", Warning,
        "A placeholder was settled instead of a signed receipt: nothing vouches for this inference.";
    LeafHashOnly = "og.leaf.hash-only", Warning,
        "A legacy 3-field leaf has no key or timestamp: only its inclusion in the tree can be checked.";
    ReceiptLegacyScheme = "og.receipt.legacy-scheme", Warning,
        "An older gateway's receipt: its request hash is SHA-256 of another request form, and it signs no output hash or tee_id.";
    TeeDisabled = "og.tee.disabled", Warning,
        "The registry marks this TEE as disabled: on-chain verifiers would refuse its signature.";
    TimestampString = "og.timestamp.string", Info,
        "The timestamp was written as a string of digits, not a number; it was read as the number.";
    OutputTextUnsigned = "og.output.text-unsigned", Info,
        "The text beside the signed tool calls is not covered by the signature: do not rely on it.";
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Verified,
    Incomplete,
    Failed,
}

impl Status {
    /// Section 7: 0 verified, 3 incomplete, 1 failed.
    pub fn exit_code(self) -> u8 {
        match self {
            Status::Verified => 0,
            Status::Incomplete => 3,
            Status::Failed => 1,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    Receipt,
    Batch,
}

/// An item's signature verdict (section 7).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Verdict {
    Valid,
    Invalid,
    UnknownKey,
    Placeholder,
    HashOnly,
    LegacyValid,
}

impl Verdict {
    pub const ALL: [Verdict; 6] = [Verdict::Valid, Verdict::Invalid, Verdict::UnknownKey, Verdict::Placeholder, Verdict::HashOnly, Verdict::LegacyValid];
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Valid => "valid",
            Verdict::Invalid => "invalid",
            Verdict::UnknownKey => "unknown-key",
            Verdict::Placeholder => "placeholder",
            Verdict::HashOnly => "hash-only",
            Verdict::LegacyValid => "legacy-valid",
        }
    }
    /// What the verdict means, in words a reader of the page understands.
    pub fn meaning(self) -> &'static str {
        match self {
            Verdict::Valid => "The TEE's signature verifies with its registered key.",
            Verdict::Invalid => "The signature does not verify (or the item cannot be read): it was changed after signing, or this TEE did not sign it.",
            Verdict::UnknownKey => "Not checked: no key for this TEE was given (add a registry export that lists it).",
            Verdict::Placeholder => "A placeholder was settled instead of a signed receipt: nothing vouches for it.",
            Verdict::HashOnly => "A legacy leaf: only its inclusion in the tree can be checked (no key, no timestamp).",
            Verdict::LegacyValid => "Signed with the older gateway's scheme, and the signature verifies.",
        }
    }
    /// Could not be checked: the status is at best incomplete.
    pub fn unchecked(self) -> bool {
        matches!(self, Verdict::UnknownKey | Verdict::Placeholder | Verdict::HashOnly)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Item {
    pub tee_id: Option<TeeId>,
    pub input_hash: Option<Hash32>,
    pub output_hash: Option<Hash32>,
    pub timestamp: Option<u64>,
    pub signature: Verdict,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    pub code: &'static str,
    pub severity: Severity,
    /// What is wrong, in a sentence naming the item, hash or index.
    pub message: String,
    /// What the reader can do next.
    pub advice: &'static str,
    /// An index into `items`, or null for the whole input.
    pub item: Option<usize>,
}

/// Section 8: who detected it and who stepped forward; OpenGradient signs neither.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Incident {
    /// FORMAT.md section 5 category: always "silent" here (nobody signed a detection or took responsibility).
    pub category: &'static str,
    pub detected_by: &'static str,
    pub blame: Option<TeeId>,
    pub stepped_forward: Option<TeeId>,
    pub resolved: bool,
    pub item: Option<usize>,
    pub code: &'static str,
    pub what: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Accountability {
    pub detected_only: u64,
    pub responsibility_only: u64,
    pub both: u64,
    pub silent: u64,
}

/// What a receipt's signed hashes were compared with (the page shows each line).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ReceiptDetail {
    /// `current` or `legacy`; `sse` for a stream capture of the current scheme.
    pub form: &'static str,
    pub msg_hash: Option<Hash32>,
    /// The exact text hashed into the output hash (null for legacy receipts).
    pub output_content: Option<String>,
    pub output_hash_computed: Option<Hash32>,
    /// The request as the gateway hashes it (with `--request`).
    pub canonical_request: Option<String>,
    pub request_hash_computed: Option<Hash32>,
    /// Legacy receipts: the exact text the signature covers.
    pub signed_bytes: Option<String>,
    pub model: Option<String>,
}

/// The tree checks of a batch (section 5), each true when it passed, null when skipped.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct BatchDetail {
    pub encoding: &'static str,
    pub tree_root: Option<Hash32>,
    pub expected_root: Option<Hash32>,
    pub shape: bool,
    pub leaves_match: Option<bool>,
    pub nodes_match: Option<bool>,
    pub leaves_sorted: Option<bool>,
    pub root_matches: Option<bool>,
    pub leaf_hashes: Vec<Option<Hash32>>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Report {
    pub status: Status,
    pub kind: Kind,
    /// Batches only: the root recomputed from the values (null if a value is malformed).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub root: Option<Option<Hash32>>,
    pub items: Vec<Item>,
    pub findings: Vec<Finding>,
    /// Items whose signature was checked (valid, invalid or legacy-valid).
    pub checked: usize,
    pub accountability: Accountability,
    pub incidents: Vec<Incident>,
    /// The verdict in a sentence: what was checked and what it means.
    pub summary: String,
    /// What each verdict that occurs means (verdict -> sentence).
    pub verdicts: std::collections::BTreeMap<&'static str, &'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub receipt: Option<ReceiptDetail>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub batch: Option<BatchDetail>,
}

impl Report {
    pub fn new(kind: Kind) -> Report {
        Report {
            status: Status::Verified,
            kind,
            root: if kind == Kind::Batch { Some(None) } else { None },
            items: Vec::new(),
            findings: Vec::new(),
            checked: 0,
            accountability: Accountability::default(),
            incidents: Vec::new(),
            summary: String::new(),
            verdicts: Default::default(),
            receipt: None,
            batch: None,
        }
    }

    pub fn add(&mut self, code: Code, item: Option<usize>, message: String) {
        self.findings.push(Finding { code: code.as_str(), severity: code.severity(), message, advice: code.advice(), item });
    }

    pub fn has(&self, code: Code) -> bool {
        self.findings.iter().any(|f| f.code == code.as_str())
    }

    /// A verifier-found incident (section 8): counted as silent.
    pub fn incident(&mut self, code: Code, item: Option<usize>, blame: Option<TeeId>, what: String) {
        self.accountability.silent += 1;
        self.incidents.push(Incident { category: "silent", detected_by: "verifier", blame, stepped_forward: None, resolved: false, item, code: code.as_str(), what });
    }

    /// Status from the findings and verdicts (section 7), and the incidents of section 8.
    pub fn finish(&mut self) {
        for i in 0..self.items.len() {
            let item = &self.items[i];
            let (verdict, blame) = (item.signature, item.tee_id);
            let code = self.findings.iter().find(|f| f.item == Some(i) && f.severity == Severity::Error).map(|f| f.code);
            match verdict {
                Verdict::Invalid if code == Some(Code::LeafMalformed.as_str()) => self.incident(Code::LeafMalformed, Some(i), blame, "it cannot be read as a leaf of its encoding".to_string()),
                Verdict::Invalid => self.incident(Code::SignatureInvalid, Some(i), blame, "its signature does not verify".to_string()),
                Verdict::Placeholder => self.incident(Code::LeafPlaceholder, Some(i), blame, "a placeholder was settled, not a signed receipt".to_string()),
                _ => {}
            }
        }
        for code in [Code::TreeShape, Code::LeafMismatch, Code::TreeNodeMismatch, Code::TreeLeafOrder, Code::RootMismatch] {
            if self.has(code) {
                self.incident(code, None, None, format!("the batch's tree check {} failed", code.as_str()));
            }
        }
        self.checked = self.items.iter().filter(|i| matches!(i.signature, Verdict::Valid | Verdict::Invalid | Verdict::LegacyValid)).count();
        self.status = if self.findings.iter().any(|f| f.severity == Severity::Error) {
            Status::Failed
        } else if self.items.iter().any(|i| i.signature.unchecked()) {
            Status::Incomplete
        } else {
            Status::Verified
        };
        self.verdicts = self.items.iter().map(|i| (i.signature.as_str(), i.signature.meaning())).collect();
        self.summary = self.summarise();
    }

    fn summarise(&self) -> String {
        let n = self.items.len();
        let errors = self.findings.iter().filter(|f| f.severity == Severity::Error).count();
        let unchecked = self.items.iter().filter(|i| i.signature.unchecked()).count();
        match (self.kind, self.status) {
            (Kind::Receipt, Status::Verified) => "The TEE's signature verifies, and everything shown hashes to what it signed.".into(),
            (Kind::Receipt, Status::Incomplete) => "The receipt is well formed, but its signature could not be checked: no key for its TEE was given.".into(),
            (Kind::Receipt, Status::Failed) => format!("Do not trust this answer: {errors} {} (listed below).", if errors == 1 { "check failed" } else { "checks failed" }),
            (Kind::Batch, Status::Verified) => format!("All {n} items are signed by their TEEs, and the tree hashes to {}.", if self.batch.as_ref().is_some_and(|b| b.root_matches == Some(true)) { "the root settled on chain" } else { "its root (no on-chain root was given to compare)" }),
            (Kind::Batch, Status::Incomplete) => format!("The tree holds together, but {unchecked} of {n} items could not be checked (no key, a placeholder, or a legacy leaf); {} checked.", self.checked),
            (Kind::Batch, Status::Failed) => format!("Do not trust this batch: {errors} {} (listed below).", if errors == 1 { "check failed" } else { "checks failed" }),
        }
    }
}
