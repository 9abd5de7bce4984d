// The page's wasm side. The main thread renders; this worker reads the trace
// (fetch body or File stream: the bytes never cross to the main thread), has it
// verified by the pool (pool.js: analyzer workers for phase A, the merging
// TraceVerifier here), and answers the explorer's questions.
// No verification logic lives here either: every verdict comes from Rust.
import init, { ArtifactHasher, verifyReceipt, lineCommitsTo, lastPanic, version } from '../pkg/onus.js';
import { verifyWithPool, onusModule } from './pool.js';

// One compiled module for this worker and the pool's analyzers.
const ready = onusModule().then((module) => init({ module_or_path: module }));

/** The verifier of the last finished trace (kept for the explorer) and its bytes as a Blob. */
let verifier = null;
let source = null;
/** After a Rust panic the wasm instance cannot be trusted; the page starts a fresh worker. */
let broken = false;

const PROGRESS_EVERY_MS = 100; // at most ~10 progress messages per second
const BLOB_PART = 16 << 20;    // fetched bytes move into Blob storage every 16 MiB

class Panic extends Error {}

/** Runs a wasm call; a trap becomes a readable Panic carrying Rust's own message. */
function guard(fn) {
  try {
    return fn();
  } catch (e) {
    if (e instanceof WebAssembly.RuntimeError) {
      broken = true;
      let msg = '';
      try { msg = lastPanic(); } catch { /* the instance may be too broken to ask */ }
      throw new Panic(msg || e.message);
    }
    throw e;
  }
}

function errorText(e) {
  if (e instanceof Error) return e.message;
  return String(e);
}

/** True when the first bytes are an HTML page rather than JSON Lines. */
function looksLikeHtml(bytes) {
  let i = 0;
  if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) i = 3;
  while (i < bytes.length && (bytes[i] === 0x20 || bytes[i] === 0x0a || bytes[i] === 0x0d || bytes[i] === 0x09)) i++;
  return bytes[i] === 0x3c; // '<': a web page (or XML), never a JSON Lines trace
}

async function verify(msg) {
  const { id, key, known } = msg;
  let { src } = msg;
  if (src.kind === 'held') {
    // Verify the last trace again (e.g. against a remembered checkpoint).
    if (!source) {
      postMessage({ type: 'load-error', id, error: { kind: 'internal', message: 'the previous trace is no longer held' } });
      return;
    }
    src = { kind: 'blob', blob: source };
  }
  verifier?.free?.();
  verifier = null;
  source = null;
  const options = { keepRows: true };
  if (key) options.key = key;
  if (known) options.known = known;

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
    postMessage({ type: 'progress', id, bytes, total, statements: verified.statements, lines: verified.lines, elapsed: now - started });
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
  try {
    // The pool (pool.js) runs phase A in analyzer workers, one per core, and
    // merges in file order into one TraceVerifier here: the same report as the CLI.
    const res = await verifyWithPool({
      source: src.kind === 'url' ? src.url : src.blob,
      options,
      onBytes,
      progressMs: PROGRESS_EVERY_MS,
      onProgress: (p) => {
        verified = p;
        if (p.total != null) total = p.total;
        post(false);
      },
    });
    if (src.kind === 'url') {
      if (pending.length) parts.push(new Blob(pending));
      source = new Blob(parts);
    } else {
      source = src.blob;
    }
    parts = pending = null;
    verifier = res.verifier;
    postMessage({
      type: 'done', id, report: res.report,
      info: { elapsed: performance.now() - started, bytes, html: firstBytes ? looksLikeHtml(firstBytes) : false, empty: bytes === 0, version: version() },
    });
  } catch (e) {
    const kind = e?.kind;
    if (kind === 'panic') {
      broken = true;
      postMessage({ type: 'panic', id, message: e.message });
    } else if (kind === 'memory') {
      broken = true;
      postMessage({ type: 'load-error', id, error: { kind: 'memory', message: errorText(e) } });
    } else if (kind === 'http') {
      postMessage({ type: 'load-error', id, error: { kind: 'http', status: e.status, statusText: '', url: src.url } });
    } else if (kind === 'network' || kind === 'read' || kind === 'options') {
      postMessage({ type: 'load-error', id, error: { kind, message: errorText(e), url: src.url } });
    } else if (kind === 'worker') {
      postMessage({ type: 'fatal', id, message: `The verifier's helper workers could not start: ${errorText(e)}` });
    } else {
      postMessage({ type: 'load-error', id, error: { kind: 'internal', message: errorText(e) } });
    }
  }
}

async function lineOf(row) {
  if (!source || !row || !row.length) return new Uint8Array(0);
  return new Uint8Array(await source.slice(row.offset, row.offset + row.length).arrayBuffer());
}

/** Row plus the statement's view (pretty JSON, refs with indexes) for each index. */
async function views(indexes) {
  const out = [];
  for (const i of indexes) {
    const rows = guard(() => verifier.rows(i, 1));
    const row = rows[0];
    if (!row) { out.push(null); continue; }
    const line = await lineOf(row);
    const view = guard(() => verifier.viewStatement(line));
    out.push({ row, view });
  }
  return out;
}

async function hashFile(id, blob) {
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
      postMessage({ type: 'hash-progress', id, bytes: done, total: blob.size, elapsed: now - started });
    }
  }
  const hash = guard(() => h.finalize());
  h.free?.();
  return hash;
}

async function query(msg) {
  const { op } = msg;
  switch (op) {
    case 'rows': return verifier ? guard(() => verifier.rows(msg.start, msg.count)) : [];
    case 'search': return verifier ? Array.from(guard(() => verifier.search(msg.query, msg.limit))) : [];
    case 'indexOf': return verifier ? guard(() => verifier.indexOf(msg.hex)) ?? null : null;
    case 'views': return verifier ? views(msg.indexes) : [];
    case 'rowsAt': return verifier ? msg.indexes.map((i) => guard(() => verifier.rows(i, 1))[0] ?? null) : [];
    case 'committingTo': {
      // A hash typed by hand, or a file to hash here first.
      const hash = msg.file ? await hashFile(msg.id, msg.file) : msg.hash;
      let indexes = null, rows = [];
      if (verifier) {
        // The core keeps a short prefix per hash; each candidate is confirmed on its own line.
        indexes = [];
        for (const i of guard(() => verifier.committingTo(hash))) {
          const row = guard(() => verifier.rows(i, 1))[0];
          if (!row) continue;
          const line = await lineOf(row);
          if (guard(() => lineCommitsTo(line, hash))) indexes.push(i);
        }
        rows = indexes.slice(0, 200).map((i) => guard(() => verifier.rows(i, 1))[0]);
      }
      return { hash, indexes, rows };
    }
    case 'receipt': {
      const bytes = msg.file ? new Uint8Array(await msg.file.arrayBuffer()) : new TextEncoder().encode(msg.text);
      // First without a key, to learn the receipt's origin; then with the key
      // the reader pinned or remembered for that origin, if any.
      let keyUsed = msg.pinned || null;
      let r = guard(() => verifyReceipt(bytes, keyUsed ?? undefined));
      if (!keyUsed && r.origin && msg.keys && msg.keys[r.origin]) {
        keyUsed = msg.keys[r.origin];
        r = guard(() => verifyReceipt(bytes, keyUsed));
      }
      return { result: r, keyUsed };
    }
    case 'version': return version();
    default: throw new Error(`unknown query ${op}`);
  }
}

onmessage = async (e) => {
  const msg = e.data;
  try {
    await ready;
  } catch (err) {
    postMessage({ type: 'fatal', id: msg.id, message: `The verifier (WebAssembly) could not start: ${errorText(err)}` });
    return;
  }
  if (broken) {
    postMessage({ type: 'panic', id: msg.id, message: 'The verifier stopped after an internal error.' });
    return;
  }
  if (msg.type === 'verify') return verify(msg);
  if (msg.type === 'query') {
    try {
      const result = await query(msg);
      postMessage({ type: 'answer', id: msg.id, result });
    } catch (err) {
      if (err instanceof Panic) postMessage({ type: 'panic', id: msg.id, message: err.message });
      else postMessage({ type: 'answer', id: msg.id, error: errorText(err) });
    }
  }
};
