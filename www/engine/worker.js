// The page's wasm side (page/verifier.js calls it through rpc.js). The main
// thread renders; this worker reads the trace (fetch body or File stream: the
// bytes never cross to the main thread), has it verified by the pool (pool.js:
// analyzer workers for phase A, the merging TraceVerifier here), and answers
// the explorer's and the tools' questions.
// No verification logic lives here either: every verdict comes from Rust.
import init, { ArtifactHasher, verifyReceipt, lineCommitsTo, version, codes } from '../pkg/onus.js';
import { verifyWithPool, onusModule } from './pool.js';
import { guard } from './guard.js';
import { expose, withKind, transfer } from './rpc.js';
import { verifyTiled, receiptFromTiles, logBase, randomKey } from './tiled.js';

// One compiled module for this worker and the pool's analyzers.
const ready = onusModule().then((module) => init({ module_or_path: module }));

/** The verifier of the last finished trace (kept for the explorer) and its bytes as a Blob. */
let verifier = null;
let source = null;

const PROGRESS_EVERY_MS = 100; // at most ~10 progress messages per second
const BLOB_PART = 16 << 20;    // fetched bytes move into Blob storage every 16 MiB

expose(started({
  about,
  verify,
  verifyLog,
  receiptFromLog,
  rows: ({ start, count }) => (verifier ? guard(() => verifier.rows(start, count)) : []),
  rowsAt: ({ indexes }) => (verifier ? indexes.map((i) => row(i)) : []),
  views: ({ indexes }) => (verifier ? views(indexes) : []),
  search: ({ query, limit }) => (verifier ? Array.from(guard(() => verifier.search(query, limit))) : []),
  indexOf: ({ hex }) => (verifier ? guard(() => verifier.indexOf(hex)) ?? null : null),
  // The statements whose refs name this one, as rows (at most `limit` of them) and their count.
  referencedBy: ({ index, limit }) => {
    if (!verifier) return { count: 0, rows: [] };
    const all = guard(() => verifier.referencedBy(index));
    return { count: all.length, rows: Array.from(all.subarray(0, limit), (i) => row(i)) };
  },
  committingTo,
  receipt,
}));

/** Every handler waits for wasm; if it cannot start, the call fails with kind 'fatal'. */
function started(handlers) {
  const out = {};
  for (const [name, fn] of Object.entries(handlers)) {
    out[name] = async (arg, ctx) => {
      try {
        await ready;
      } catch (err) {
        throw withKind(new Error(`The verifier (WebAssembly) could not start: ${errorText(err)}`), 'fatal');
      }
      return fn(arg, ctx);
    };
  }
  return out;
}

/** The core's version and its vocabulary of findings ({code, severity, summary, advice}), asked once by the page. */
function about() {
  return { version: version(), codes: guard(() => codes()) };
}

function errorText(e) {
  if (e instanceof Error) return e.message;
  return String(e);
}

/** True when the first bytes are an HTML page rather than JSON Lines. */
/**
 * What the first bytes say a file is, when it is plainly not JSON Lines, so the
 * page can say "this is not a trace" in words: 'html', 'png', 'jpeg', 'gif',
 * 'webp', 'pdf', 'zip', 'gzip', 'binary', 'json' (one JSON document over
 * several lines), or null (it may be a trace; the core judges).
 */
function contentKind(bytes) {
  const starts = (...sig) => sig.every((b, k) => bytes[k] === b);
  if (starts(0x89, 0x50, 0x4e, 0x47)) return 'png';
  if (starts(0xff, 0xd8, 0xff)) return 'jpeg';
  if (starts(0x47, 0x49, 0x46, 0x38)) return 'gif';
  if (starts(0x52, 0x49, 0x46, 0x46) && bytes[8] === 0x57 && bytes[9] === 0x45) return 'webp';
  if (starts(0x25, 0x50, 0x44, 0x46)) return 'pdf';
  if (starts(0x50, 0x4b, 0x03, 0x04)) return 'zip';
  if (starts(0x1f, 0x8b)) return 'gzip';
  let i = 0;
  if (starts(0xef, 0xbb, 0xbf)) i = 3;
  while (i < bytes.length && (bytes[i] === 0x20 || bytes[i] === 0x0a || bytes[i] === 0x0d || bytes[i] === 0x09)) i++;
  if (bytes[i] === 0x3c) return 'html'; // '<': a web page (or XML), never a JSON Lines trace
  if (bytes.subarray(0, 512).some((b) => b < 0x09)) return 'binary';
  // '[', or '{' with the line ending before the object does: one document, pretty-printed.
  if (bytes[i] === 0x5b) return 'json';
  if (bytes[i] === 0x7b) {
    const nl = bytes.indexOf(0x0a, i);
    const line = new TextDecoder().decode(bytes.subarray(i, nl < 0 ? bytes.length : nl)).trim();
    if (nl >= 0 && !line.endsWith('}')) return 'json';
  }
  return null;
}

/**
 * Verifies a trace ({src: {kind: 'url', url} | {kind: 'blob', blob} | {kind: 'held'}, key?, known?,
 * policy? (a trust policy's text), pinnedPolicies? (texts)})
 * and keeps it for the explorer; answers {report, info}. Progress: {bytes, total, statements, lines, elapsed}.
 * Fails with an error the page can word: kind 'http' (status), 'network', 'read', 'options',
 * 'memory', 'panic', 'fatal' (helper workers could not start) or 'internal'.
 */
async function verify({ src, key, known, policy, pinnedPolicies }, { progress, signal }) {
  if (src.kind === 'held') {
    // Verify the last trace again (e.g. against a remembered checkpoint).
    if (!source) throw withKind(new Error('the previous trace is no longer held'), 'internal');
    src = { kind: 'blob', blob: source };
  }
  verifier?.free?.();
  verifier = null;
  source = null;
  // The explorer keeps every id; compute outputs are kept as fingerprints
  // under a key drawn for this reading (FORMAT.md section 3, "Ids in memory").
  const options = { keepRows: true, fingerprintKey: randomKey() };
  if (key) options.key = key;
  if (known) options.known = known;
  if (policy) options.policy = policy;
  if (pinnedPolicies?.length) options.pinnedPolicies = pinnedPolicies;

  // Fetched bytes are kept for the explorer as Blob storage (never as one string):
  // chunks gather into parts of BLOB_PART bytes, then into one Blob at the end.
  // A File or a pasted Blob is its own storage already.
  let parts = [], pending = [], pendingBytes = 0, firstBytes = null, bytes = 0;
  // Progress: bytes read (so a slow download moves the bar before the first run
  // of lines is verified) with the verifier's own statement count.
  let verified = { statements: 0, lines: 0 }, total = src.kind === 'url' ? null : src.blob.size, lastPost = -Infinity;
  const started = performance.now();
  const post = (force) => {
    const now = performance.now();
    if (!force && now - lastPost < PROGRESS_EVERY_MS) return;
    lastPost = now;
    progress({ bytes, total, statements: verified.statements, lines: verified.lines, elapsed: now - started });
  };
  const onBytes = (chunk) => {
    if (!firstBytes) firstBytes = chunk.slice(0, 512);
    bytes += chunk.length;
    post(false);
    if (src.kind !== 'url') return;
    pending.push(chunk);
    pendingBytes += chunk.length;
    if (pendingBytes >= BLOB_PART) {
      parts.push(new Blob(pending));
      pending = [];
      pendingBytes = 0;
    }
  };
  let res;
  try {
    // The pool (pool.js) runs phase A in analyzer workers, one per core, and
    // merges in file order into one TraceVerifier here: the same report as the CLI.
    res = await verifyWithPool({
      source: src.kind === 'url' ? src.url : src.blob,
      options,
      onBytes,
      signal,
      progressMs: PROGRESS_EVERY_MS,
      onProgress: (p) => {
        verified = p;
        if (p.total != null) total = p.total;
        post(false);
      },
    });
  } catch (e) {
    throw loadError(e, src);
  }
  // Cancelled while finishing: the page has moved on; keep nothing of it.
  if (signal.aborted) { res.verifier.free(); throw signal.reason; }
  if (src.kind === 'url') {
    if (pending.length) parts.push(new Blob(pending));
    source = new Blob(parts);
  } else {
    source = src.blob;
  }
  parts = pending = null;
  verifier = res.verifier;
  const content = firstBytes ? contentKind(firstBytes) : null;
  return {
    report: res.report,
    info: { elapsed: performance.now() - started, bytes, html: content === 'html', content, empty: bytes === 0, version: version() },
  };
}

/**
 * Verifies a tiled log ({url, key?, known?, state?: Uint8Array}) and answers
 * {report, state, since, stateRefused, info}; the state (a Uint8Array, or
 * null) is moved to the page, which keeps it in IndexedDB. The explorer is
 * not kept for a tiled log (its statements are not held here).
 */
async function verifyLog({ url, key, known, state, policy, pinnedPolicies }, { progress, signal }) {
  verifier?.free?.();
  verifier = null;
  source = null;
  const options = {};
  if (key) options.key = key;
  if (known) options.known = known;
  if (policy) options.policy = policy;
  if (pinnedPolicies?.length) options.pinnedPolicies = pinnedPolicies;
  const started = performance.now();
  const base = logBase(url);
  let out;
  try {
    out = await verifyTiled({
      base, options, state, signal, workers: navigator.hardwareConcurrency || 2,
      progress: (p) => progress({ ...p, lines: p.statements, elapsed: performance.now() - started }),
    });
  } catch (e) {
    if (e?.kind === 'otherlog' || e?.kind === 'panic' || e?.kind === 'memory') throw e;
    throw loadError(e, { url: base });
  }
  const info = { elapsed: performance.now() - started, bytes: out.fetched.bytes, files: out.fetched.files, html: false, content: null, empty: false, version: version(), tiled: base };
  const result = { report: out.report, state: out.state, since: out.since, stateRefused: out.stateRefused, info };
  return out.state ? transfer(result, [out.state.buffer]) : result;
}

/** One statement of a tiled log ({url, index}) as a receipt built from its bundle and tiles: {receipt, fetched}. */
async function receiptFromLog({ url, index }, { signal }) {
  const base = logBase(url);
  try {
    return await receiptFromTiles({ base, index, signal });
  } catch (e) {
    if (e?.kind === 'index' || e?.kind === 'panic' || e?.kind === 'memory') throw e;
    throw loadError(e, { url: base });
  }
}

/** The pool's error as the page words it (page/errors.js). */
function loadError(e, src) {
  switch (e?.kind) {
    case 'panic':
    case 'memory':
      return e;
    case 'http':
      // The status line's text is the server's; the page words the status itself.
      return withKind(new Error(errorText(e)), 'http', { status: e.status, statusText: '', url: src.url });
    case 'network':
    case 'read':
    case 'options':
      return withKind(new Error(errorText(e)), e.kind, { url: src.url });
    case 'worker':
      return withKind(new Error(`The verifier's helper workers could not start: ${errorText(e)}`), 'fatal');
    default:
      if (e?.name === 'AbortError') return e;
      return withKind(new Error(errorText(e)), 'internal');
  }
}

/** Statement `i`'s row (index, line, offset, length, kind, actor...), or null. */
function row(i) {
  return guard(() => verifier.rows(i, 1))[0] ?? null;
}

async function lineOf(r) {
  if (!source || !r || !r.length) return new Uint8Array(0);
  return new Uint8Array(await source.slice(r.offset, r.offset + r.length).arrayBuffer());
}

/** Row plus the statement's view ({id, kind, actor, time, refs, body, pretty, error}) for each index. */
async function views(indexes) {
  const out = [];
  for (const i of indexes) {
    const r = row(i);
    if (!r) { out.push(null); continue; }
    const line = await lineOf(r);
    const view = guard(() => verifier.viewStatement(line));
    out.push({ row: r, view });
  }
  return out;
}

/** A file's BLAKE3 (hashed here, in chunks) or a typed hash, and the statements that commit to it. */
async function committingTo({ file, hash }, { progress }) {
  if (file) hash = await hashFile(file, progress);
  let indexes = null, rows = [];
  if (verifier) {
    // The core keeps a short prefix per hash; each candidate is confirmed on its own line.
    indexes = [];
    for (const i of guard(() => verifier.committingTo(hash))) {
      const r = row(i);
      if (!r) continue;
      const line = await lineOf(r);
      if (guard(() => lineCommitsTo(line, hash))) indexes.push(i);
    }
    rows = indexes.slice(0, 200).map((i) => row(i));
  }
  return { hash, indexes, rows };
}

async function hashFile(blob, progress) {
  const h = guard(() => new ArtifactHasher());
  const reader = blob.stream().getReader();
  let done = 0, last = 0;
  const started = performance.now();
  for (;;) {
    const r = await reader.read();
    if (r.done) break;
    guard(() => h.update(r.value));
    done += r.value.length;
    const now = performance.now();
    if (now - last >= PROGRESS_EVERY_MS) {
      last = now;
      progress({ bytes: done, total: blob.size, elapsed: now - started });
    }
  }
  const hash = guard(() => h.finalize());
  h.free?.();
  return hash;
}

/** Checks a receipt (text or file) with the pinned key, or the key remembered for its origin. */
async function receipt({ text, file, pinned, keys }) {
  const bytes = file ? new Uint8Array(await file.arrayBuffer()) : new TextEncoder().encode(text);
  // First without a key, to learn the receipt's origin; then with the key
  // the reader pinned or remembered for that origin, if any.
  let keyUsed = pinned || null;
  let r = guard(() => verifyReceipt(bytes, keyUsed ?? undefined));
  if (!keyUsed && r.origin && keys && keys[r.origin]) {
    keyUsed = keys[r.origin];
    r = guard(() => verifyReceipt(bytes, keyUsed));
  }
  return { result: r, keyUsed };
}
