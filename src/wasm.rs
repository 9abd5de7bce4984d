//! The wasm shell: a flat boundary (bytes in, one report out), used only from
//! Web Workers. No verification logic lives in JavaScript.

use crate::receipt;
use crate::statement::{self, id_to_hex, key_to_string, parse_hash};
use crate::verify::{KnownCheckpoint, Options, Verifier};
use serde::Serialize;
use std::cell::RefCell;
use wasm_bindgen::prelude::*;

thread_local! {
    static KEY_CACHE: RefCell<crate::signature::KeyCache> = RefCell::new(Default::default());
}

/// Phase A for a pool worker: `chunk` holds whole lines (the last may lack its
/// newline). Returns bytes for `TraceVerifier.ingestAnalyzed`, in file order.
#[wasm_bindgen(js_name = analyzeChunk)]
pub fn analyze_chunk(chunk: &[u8], one_by_one: bool) -> Vec<u8> {
    let mode = if one_by_one { crate::signature::Mode::OneByOne } else { crate::signature::Mode::Batch };
    KEY_CACHE.with(|c| crate::verify::analyze_to_bytes(chunk, mode, &mut c.borrow_mut()))
}

/// The vocabulary of findings: `[{code, severity, summary, advice}]`, so the
/// page renders the core's words and keeps no copy of its own.
#[wasm_bindgen]
pub fn codes() -> Result<JsValue, JsError> {
    to_js(&crate::report::vocabulary())
}

#[wasm_bindgen]
pub fn version() -> String {
    env!("CARGO_PKG_VERSION").to_string()
}

fn to_js<T: Serialize>(v: &T) -> Result<JsValue, JsError> {
    v.serialize(&serde_wasm_bindgen::Serializer::json_compatible()).map_err(|e| JsError::new(&e.to_string()))
}

/// One remembered checkpoint, or a list of them (the core uses those of the trace's origin).
#[derive(serde::Deserialize, Default)]
#[serde(untagged)]
enum Known {
    #[default]
    None,
    One(KnownCheckpoint),
    Many(Vec<KnownCheckpoint>),
}

#[derive(serde::Deserialize, Default)]
#[serde(rename_all = "camelCase", default)]
struct JsOptions {
    /// C2SP vkey or base64url key to pin.
    key: Option<String>,
    known: Known,
    one_by_one: bool,
    keep_rows: bool,
    /// 64 hex digits drawn at random by the page for this reading: ids
    /// (unless `keepRows`) and compute outputs are kept as keyed
    /// fingerprints (`Options::fingerprint_key`).
    fingerprint_key: Option<String>,
    /// A trust policy's text (C2SP tlog-policy, FORMAT.md section 9).
    policy: Option<String>,
    /// Policies pinned earlier (texts): the one naming the trace's log applies when `policy` is absent.
    pinned_policies: Vec<String>,
}

fn parse_fingerprint_key(hex_key: &str) -> Result<crate::verify::FingerprintKey, JsError> {
    let mut key = [0u8; 32];
    hex::decode_to_slice(hex_key, &mut key).map_err(|_| JsError::new("fingerprintKey: give 64 hex digits (32 random bytes from crypto.getRandomValues)"))?;
    Ok(crate::verify::FingerprintKey(key))
}

/// The streaming verifier. `push` any chunks, then `finish` for the report.
#[wasm_bindgen]
pub struct TraceVerifier {
    inner: Verifier,
}

#[derive(Serialize)]
struct Row {
    index: u64,
    line: u64,
    offset: u64,
    length: u32,
    id: Option<String>,
    kind: String,
    actor: Option<String>,
    name: Option<String>,
    signature_ok: bool,
}

#[derive(Serialize)]
struct RefView {
    id: String,
    index: Option<u64>,
}

#[derive(Serialize)]
struct StatementView {
    id: Option<String>,
    kind: Option<String>,
    actor: Option<String>,
    time: Option<String>,
    refs: Vec<RefView>,
    /// The body as a plain object (parsed once, here), for the views that show its fields.
    body: Option<crate::json::Json>,
    /// The whole statement, indented, or the raw line when it is malformed.
    pretty: String,
    error: Option<String>,
}

#[wasm_bindgen]
impl TraceVerifier {
    /// `options`: `{key?: string, known?: {origin, size, root} | [{origin, size, root}, ...], oneByOne?: bool, keepRows?: bool, fingerprintKey?: string, policy?: string, pinnedPolicies?: string[]}`.
    #[wasm_bindgen(constructor)]
    pub fn new(options: JsValue) -> Result<TraceVerifier, JsError> {
        Ok(TraceVerifier { inner: Verifier::new(TraceVerifier::options(options)?) })
    }

    fn options(options: JsValue) -> Result<Options, JsError> {
        let o: JsOptions = if options.is_undefined() || options.is_null() {
            JsOptions::default()
        } else {
            serde_wasm_bindgen::from_value(options).map_err(|e| JsError::new(&format!("bad options: {e}")))?
        };
        let log_key = o.key.as_deref().filter(|k| !k.is_empty()).map(crate::note::parse_any_key).transpose().map_err(|e| JsError::new(&format!("key: {e}")))?;
        let opts = Options {
            log_key,
            signatures: if o.one_by_one { crate::signature::Mode::OneByOne } else { crate::signature::Mode::Batch },
            known: match o.known {
                Known::None => vec![],
                Known::One(k) => vec![k],
                Known::Many(v) => v,
            },
            keep_rows: o.keep_rows,
            keep_leaves: false,
            fingerprint_key: o.fingerprint_key.as_deref().map(parse_fingerprint_key).transpose()?,
            policy: o.policy.as_deref().filter(|p| !p.trim().is_empty()).map(crate::policy::Policy::parse).transpose().map_err(|e| JsError::new(&e.to_string()))?,
            // A pinned policy that no longer parses is left out, not an error: it was checked when pinned.
            pinned_policies: o.pinned_policies.iter().filter_map(|t| crate::policy::Policy::parse(t).ok()).collect(),
        };
        Ok(opts)
    }

    /// Feeds the next chunk (lines may be split across chunks).
    pub fn push(&mut self, chunk: &[u8]) {
        self.inner.push(chunk);
    }

    /// Phase B for one pool worker's `analyzeChunk` output; call in file order.
    #[wasm_bindgen(js_name = ingestAnalyzed)]
    pub fn ingest_analyzed(&mut self, analyzed: &[u8]) -> Result<(), JsError> {
        self.inner.ingest_bytes(analyzed).map_err(|e| JsError::new(&e))
    }

    /// `{bytes, lines, statements}` consumed so far.
    pub fn progress(&self) -> Result<JsValue, JsError> {
        let (bytes, lines, statements) = self.inner.progress();
        #[derive(Serialize)]
        struct Progress {
            bytes: u64,
            lines: u64,
            statements: u64,
        }
        to_js(&Progress { bytes, lines, statements })
    }

    /// Ends the trace and returns the report (the same object as `onus verify --json`).
    pub fn finish(&mut self) -> Result<JsValue, JsError> {
        to_js(&self.inner.finish())
    }

    /// Statements `start..start+count` for the explorer (needs `keepRows`).
    pub fn rows(&self, start: u32, count: u32) -> Result<JsValue, JsError> {
        let n = self.inner.statement_count();
        let end = (start as u64 + count as u64).min(n);
        let rows: Vec<Row> = (start as u64..end).map(|i| self.row(i)).collect();
        to_js(&rows)
    }

    fn row(&self, i: u64) -> Row {
        let (offset, length) = self.inner.row(i).unwrap_or((0, 0));
        let actor = self.inner.id(i).and(self.inner.actor(i));
        let actor_s = actor.map(|a| key_to_string(&a));
        let name = actor_s.as_ref().and_then(|k| self.inner.roster_name(k).map(str::to_string));
        Row {
            index: i,
            line: self.inner.line_of(i),
            offset,
            length,
            id: self.inner.id(i).map(|id| id_to_hex(&id)),
            kind: self.inner.kind_name(i).to_string(),
            actor: actor_s,
            name,
            signature_ok: self.inner.signature_ok(i),
        }
    }

    /// Indexes of statements whose id, actor key or actor's roster name starts with `query`, or whose kind is `query`.
    pub fn search(&self, query: &str, limit: u32) -> Vec<u32> {
        let q = query.trim().to_lowercase();
        let mut out = Vec::new();
        if q.is_empty() {
            return out;
        }
        if let Ok(n) = q.parse::<u64>() {
            if n < self.inner.statement_count() {
                out.push(n as u32);
            }
        }
        for i in 0..self.inner.statement_count() {
            if out.len() >= limit as usize {
                break;
            }
            let hit = self.inner.id(i).is_some_and(|id| id_to_hex(&id).starts_with(&q))
                || self.inner.kind_name(i) == q
                || self.inner.actor(i).is_some_and(|a| {
                    let k = key_to_string(&a);
                    k.to_lowercase().starts_with(&q) || self.inner.roster_name(&k).is_some_and(|n| n.to_lowercase().starts_with(&q))
                });
            if hit && !out.contains(&(i as u32)) {
                out.push(i as u32);
            }
        }
        out
    }

    /// Statement index of a hex id, if it is in the log.
    #[wasm_bindgen(js_name = indexOf)]
    pub fn index_of(&self, id_hex: &str) -> Option<u32> {
        statement::parse_id(id_hex).ok().and_then(|id| self.inner.index_of(&id)).map(|i| i as u32)
    }

    /// Statements that refer to statement `index` (needs `keepRows`), in log order.
    #[wasm_bindgen(js_name = referencedBy)]
    pub fn referenced_by(&self, index: u32) -> Vec<u32> {
        self.inner.referrers(index as u64).into_iter().map(|i| i as u32).collect()
    }

    /// Statements whose body may commit to a BLAKE3 hash (hex): candidates, to
    /// confirm with `lineCommitsTo` on each one's line.
    #[wasm_bindgen(js_name = committingTo)]
    pub fn committing_to(&self, hash_hex: &str) -> Result<Vec<u32>, JsError> {
        let h = parse_hash(hash_hex).map_err(|e| JsError::new(&e))?;
        Ok(self.inner.commit_candidates(&h).into_iter().map(|i| i as u32).collect())
    }

    /// Describes one statement's line (sliced from the source by the worker): refs as indexes.
    #[wasm_bindgen(js_name = viewStatement)]
    pub fn view_statement(&self, line: &[u8]) -> Result<JsValue, JsError> {
        let line = crate::verify::line_content(line);
        let view = match statement::parse_line(line) {
            Ok((v, st)) => StatementView {
                id: Some(id_to_hex(&st.id)),
                kind: Some(st.kind.to_string()),
                actor: Some(key_to_string(&st.actor)),
                time: Some(statement::format_time(st.time)),
                refs: st.refs.iter().map(|r| RefView { id: id_to_hex(r), index: self.inner.index_of(r) }).collect(),
                pretty: crate::json::pretty(&v),
                body: v.get("body").cloned(),
                error: None,
            },
            Err(e) => StatementView {
                id: None,
                kind: None,
                actor: None,
                time: None,
                refs: vec![],
                body: None,
                pretty: String::from_utf8_lossy(line).into_owned(),
                error: Some(e),
            },
        };
        to_js(&view)
    }
}

/// Does the statement on this line commit to the hash (hex)?
#[wasm_bindgen(js_name = lineCommitsTo)]
pub fn line_commits_to(line: &[u8], hash_hex: &str) -> Result<bool, JsError> {
    let h = parse_hash(hash_hex).map_err(|e| JsError::new(&e))?;
    Ok(statement::line_commits_to(line, &h))
}

/// BLAKE3 of an artifact, fed in chunks.
#[wasm_bindgen]
pub struct ArtifactHasher {
    inner: blake3::Hasher,
}

#[wasm_bindgen]
impl ArtifactHasher {
    #[wasm_bindgen(constructor)]
    pub fn new() -> ArtifactHasher {
        ArtifactHasher { inner: blake3::Hasher::new() }
    }
    pub fn update(&mut self, chunk: &[u8]) {
        self.inner.update(chunk);
    }
    /// Lowercase hex, as `b3sum` prints it.
    pub fn finalize(&self) -> String {
        self.inner.finalize().to_hex().to_string()
    }
}

impl Default for ArtifactHasher {
    fn default() -> Self {
        Self::new()
    }
}

/// Verifies a receipt; `key` is a vkey or base64url key (or empty).
#[wasm_bindgen(js_name = verifyReceipt)]
pub fn verify_receipt(bytes: &[u8], key: Option<String>) -> Result<JsValue, JsError> {
    let key = key.as_deref().filter(|k| !k.is_empty()).map(crate::note::parse_any_key).transpose().map_err(|e| JsError::new(&format!("key: {e}")))?;
    to_js(&receipt::verify_receipt(bytes, key.as_ref()))
}

#[derive(Serialize)]
struct DraftView {
    /// Hex id: the 32 bytes the actor signs.
    id: String,
    /// The statement without "sig", canonical JSON.
    unsigned: String,
}

/// Builds a statement for a browser-held key to sign: returns its id and the
/// unsigned canonical JSON. `actor` is base64url; `time` RFC 3339 UTC; `body` JSON text.
#[wasm_bindgen(js_name = draftStatement)]
pub fn draft_statement(kind: &str, actor: &str, time: &str, refs: Vec<String>, body: &str) -> Result<JsValue, JsError> {
    let actor = statement::parse_key(actor).map_err(|e| JsError::new(&format!("actor: {e}")))?;
    let time = statement::parse_time(time).map_err(|e| JsError::new(&e))?;
    let refs = refs.iter().map(|r| statement::parse_id(r)).collect::<Result<Vec<_>, _>>().map_err(|e| JsError::new(&format!("refs: {e}")))?;
    let body = crate::json::parse(body.as_bytes(), crate::json::Numbers::SafeIntegers).map_err(|e| JsError::new(&format!("body: {e}")))?;
    let (obj, id) = statement::unsigned(&actor, &statement::Draft { kind, time, refs: &refs, body });
    to_js(&DraftView { id: id_to_hex(&id), unsigned: String::from_utf8(crate::json::canonical(&obj)).expect("UTF-8") })
}

/// Adds a 64-byte signature to an unsigned statement and returns the line,
/// refusing it unless the signature verifies under the strict rules.
#[wasm_bindgen(js_name = signedStatement)]
pub fn signed_statement(unsigned: &str, sig: &[u8]) -> Result<String, JsError> {
    let obj = crate::json::parse(unsigned.as_bytes(), crate::json::Numbers::SafeIntegers).map_err(|e| JsError::new(&e.to_string()))?;
    let sig = crate::types::Sig::from_slice(sig).ok_or_else(|| JsError::new("an Ed25519 signature is 64 bytes"))?;
    statement::attach_checked(obj, &sig).map(|(line, _)| line).map_err(|e| JsError::new(&e))
}

/// A tiled log (FORMAT.md section 8), verified in steps: the worker fetches
/// the files each step names and hands their bytes back. `state` is the
/// Uint8Array a previous `finish` returned (or null to start from statement 0).
#[wasm_bindgen]
pub struct TiledLog {
    inner: Option<crate::tiled::TiledVerifier>,
    requested: Vec<crate::tiles::Tile>,
    bundles: Vec<crate::tiles::Bundle>,
    /// Phase A outcomes of bundles analysed as one run, taken bundle by bundle.
    queued: std::collections::VecDeque<crate::verify::LineOutcome>,
}

#[derive(Serialize)]
struct PlannedBundle {
    path: String,
    /// The level-0 tile to fetch with it, if not fetched already.
    tile: Option<String>,
    first: u64,
    width: u16,
}

#[derive(Serialize)]
struct Since {
    /// "fresh", "extended", "stale" or "inconsistent".
    kind: &'static str,
    held: Option<u64>,
    served: Option<u64>,
}

#[wasm_bindgen]
impl TiledLog {
    /// `options` as for `TraceVerifier`; a bad state fails with its reason (what to do included).
    #[wasm_bindgen(constructor)]
    pub fn new(options: JsValue, state: Option<Vec<u8>>) -> Result<TiledLog, JsError> {
        let opts = TraceVerifier::options(options)?;
        let inner = match state {
            Some(s) => crate::tiled::TiledVerifier::resume(&s, Options { keep_rows: false, ..opts }).map_err(|e| JsError::new(&format!("state: {e}")))?,
            None => crate::tiled::TiledVerifier::new(Options { keep_rows: false, ..opts }),
        };
        Ok(TiledLog { inner: Some(inner), requested: Vec::new(), bundles: Vec::new(), queued: Default::default() })
    }

    fn v(&mut self) -> &mut crate::tiled::TiledVerifier {
        self.inner.as_mut().expect("TiledLog used after finish")
    }

    /// The size of the checkpoint the state holds, or undefined.
    #[wasm_bindgen(js_name = heldSize)]
    pub fn held_size(&self) -> Option<f64> {
        self.inner.as_ref().and_then(|v| v.held()).map(|h| h.size as f64)
    }

    /// Step 1: the log's `checkpoint` file; returns the tile paths to fetch.
    pub fn checkpoint(&mut self, bytes: &[u8]) -> Result<Vec<String>, JsError> {
        let tiles = self.v().checkpoint(bytes).map_err(|e| JsError::new(&e.to_string()))?;
        let paths = tiles.iter().map(|t| t.path()).collect();
        self.requested = tiles;
        Ok(paths)
    }

    /// A tile named by `checkpoint` (by its position in that list): its bytes, or undefined when it could not be fetched.
    #[wasm_bindgen(js_name = supplyTile)]
    pub fn supply_tile(&mut self, at: u32, bytes: Option<Vec<u8>>) {
        let t = self.requested[at as usize];
        self.v().supply_tile(t, bytes.as_deref());
    }

    /// Step 2: the bundles to read, in order: `[{path, tile, first, width}]`.
    pub fn plan(&mut self) -> Result<JsValue, JsError> {
        let bundles = self.v().plan();
        let planned: Vec<PlannedBundle> = bundles
            .iter()
            .map(|b| PlannedBundle { path: b.path(), tile: self.inner.as_ref().and_then(|v| v.bundle_tile(b)).map(|t| t.path()), first: b.first(), width: b.width })
            .collect();
        self.bundles = bundles;
        to_js(&planned)
    }

    /// Step 3, in plan order: a bundle's bytes (undefined if it could not be
    /// fetched), `analyzeChunk` of them from a pool worker, and its tile's bytes.
    /// Returns false when reading stops (the report says why).
    #[wasm_bindgen(js_name = pushBundle)]
    pub fn push_bundle(&mut self, at: u32, bytes: Option<Vec<u8>>, analyzed: Option<Vec<u8>>, tile: Option<Vec<u8>>) -> Result<bool, JsError> {
        let b = self.bundles[at as usize];
        let outcomes = match (&bytes, analyzed) {
            (Some(_), Some(a)) => crate::verify::outcomes_from_bytes(&a).map_err(|e| JsError::new(&e))?,
            (Some(x), None) => KEY_CACHE.with(|c| crate::verify::analyze(crate::verify::lines(x), crate::signature::Mode::Batch, &mut c.borrow_mut())),
            (None, _) => Vec::new(),
        };
        Ok(self.v().push_bundle_outcomes(b, bytes.as_deref(), outcomes, tile.as_deref()))
    }

    /// Step 3 for several bundles at once: `analyzeChunk` of their bytes joined
    /// (each ends in a newline, so the lines are the bundles' lines in order).
    /// The `pushQueuedBundle` calls that follow take their outcomes from it.
    #[wasm_bindgen(js_name = queueAnalyzed)]
    pub fn queue_analyzed(&mut self, analyzed: &[u8]) -> Result<(), JsError> {
        let outcomes = crate::verify::outcomes_from_bytes(analyzed).map_err(|e| JsError::new(&e))?;
        self.queued.extend(outcomes);
        Ok(())
    }

    /// `pushBundle` for a bundle analysed with others (`queueAnalyzed`): its
    /// lines' outcomes are the next ones queued.
    #[wasm_bindgen(js_name = pushQueuedBundle)]
    pub fn push_queued_bundle(&mut self, at: u32, bytes: Vec<u8>, tile: Option<Vec<u8>>) -> Result<bool, JsError> {
        let b = self.bundles[at as usize];
        if !bytes.is_empty() && !bytes.ends_with(b"\n") {
            return Err(JsError::new("pushQueuedBundle: a bundle analysed with others must end in a newline (analyse it alone)"));
        }
        let n = crate::verify::lines(&bytes).count();
        if n > self.queued.len() {
            return Err(JsError::new(&format!("pushQueuedBundle: {n} lines but {} outcomes queued", self.queued.len())));
        }
        let outcomes = self.queued.drain(..n).collect();
        Ok(self.v().push_bundle_outcomes(b, Some(&bytes), outcomes, tile.as_deref()))
    }

    /// Step 4: `{report, state, since}`: the report of the equivalent trace,
    /// the state to keep (a Uint8Array, or null: keep the one you have), and
    /// what became of the held checkpoint.
    pub fn finish(&mut self) -> Result<JsValue, JsError> {
        let (report, state, since) = self.inner.take().expect("finish once").finish();
        use crate::tiled::Since as S;
        let since = match since {
            S::Fresh => Since { kind: "fresh", held: None, served: None },
            S::Extended { held } => Since { kind: "extended", held: Some(held), served: None },
            S::Stale { held, served } => Since { kind: "stale", held: Some(held), served: Some(served) },
            S::Inconsistent { held } => Since { kind: "inconsistent", held: Some(held), served: None },
        };
        let out = js_sys::Object::new();
        js_sys::Reflect::set(&out, &"report".into(), &to_js(&report)?).map_err(|_| JsError::new("finish: report"))?;
        let state = state.map_or(JsValue::NULL, |s| js_sys::Uint8Array::from(s.as_slice()).into());
        js_sys::Reflect::set(&out, &"state".into(), &state).map_err(|_| JsError::new("finish: state"))?;
        js_sys::Reflect::set(&out, &"since".into(), &to_js(&since)?).map_err(|_| JsError::new("finish: since"))?;
        Ok(out.into())
    }
}

/// `&index=N`, step 1: `{tiles: [path], bundle: path}` to fetch for statement
/// `index` under the log's checkpoint.
#[wasm_bindgen(js_name = oneStatementFiles)]
pub fn one_statement_files(checkpoint: &[u8], index: f64) -> Result<JsValue, JsError> {
    let (tiles, bundle) = crate::tiled::one_statement_files(checkpoint, index as u64).map_err(|e| JsError::new(&e))?;
    #[derive(Serialize)]
    struct Files {
        tiles: Vec<String>,
        bundle: String,
    }
    to_js(&Files { tiles: tiles.iter().map(|t| t.path()).collect(), bundle: bundle.path() })
}

/// Step 2: the fetched tiles (in the order step 1 named them) and bundle; the
/// receipt check's report (`verifyReceipt`'s), with the receipt itself as `receipt`.
#[wasm_bindgen(js_name = checkOneStatement)]
pub fn check_one_statement(checkpoint: &[u8], index: f64, tiles: Vec<js_sys::Uint8Array>, bundle: &[u8], key: Option<String>) -> Result<JsValue, JsError> {
    let (wanted, _) = crate::tiled::one_statement_files(checkpoint, index as u64).map_err(|e| JsError::new(&e))?;
    if wanted.len() != tiles.len() {
        return Err(JsError::new(&format!("checkOneStatement: {} tiles given, {} named", tiles.len(), wanted.len())));
    }
    let fetched: Vec<_> = wanted.into_iter().zip(tiles).map(|(t, b)| (t, b.to_vec())).collect();
    let receipt = crate::tiled::one_statement_receipt(checkpoint, index as u64, &fetched, bundle).map_err(|e| JsError::new(&e))?;
    let report = verify_receipt(receipt.as_bytes(), key)?;
    js_sys::Reflect::set(&report, &"receipt".into(), &receipt.into()).map_err(|_| JsError::new("receipt"))?;
    Ok(report)
}
