// A tiled log (FORMAT.md section 8) for the engine worker: the core
// (TiledLog, wasm) names each file to fetch; this fetches them several at a
// time, hands the bytes back in order and returns what the core says. No
// verification logic here: a 404 is only "could not be fetched" to the core,
// which decides what that means (tile.missing).
import { TiledLog, oneStatementFiles, checkOneStatement } from '../pkg/onus.js';
import { guard } from './guard.js';
import { withKind } from './rpc.js';
import { startAnalyzers, onusModule } from './pool.js';
export { logBase } from '../lib/log-url.js';

/** Files fetched at once, and bundles fetched (and analysed) ahead of the in-order merge. */
const PARALLEL = 8;
const WINDOW = 16;

export function randomKey() {
  return Array.from(crypto.getRandomValues(new Uint8Array(32)), (b) => b.toString(16).padStart(2, '0')).join('');
}

/**
 * Verifies the tiled log at `base` from `state` (a Uint8Array from an earlier
 * run, or null). Answers {report, state, since, stateRefused, fetched: {files, bytes}}.
 */
export async function verifyTiled({ base, options, state, progress, signal, workers = 0 }) {
  const fetched = { files: 0, bytes: 0 };
  const get = (path) => fetchFile(base + path, fetched, signal);
  let stateRefused = null;
  // Ids are kept as fingerprints under a key drawn for this reading (FORMAT.md
  // section 3, "Ids in memory"); a stored state keeps the key it was made with.
  options = { ...options, fingerprintKey: randomKey() };
  let tv;
  try {
    tv = guard(() => new TiledLog(options, state ?? undefined));
  } catch (e) {
    // A state the core refuses is dropped (it says why); the log is verified from the start.
    if (!state || !String(e?.message).startsWith('state:')) throw withKind(e, e?.kind ?? 'options');
    stateRefused = String(e.message).replace(/^state:\s*/, '');
    tv = guard(() => new TiledLog(options, undefined));
  }
  try {
    const checkpoint = await get('checkpoint');
    if (!checkpoint) throw withKind(new Error(`${base} has no checkpoint: is it a tiled log?`), 'http', { status: 404, url: base + 'checkpoint' });
    let paths;
    try {
      paths = guard(() => tv.checkpoint(checkpoint));
    } catch (e) {
      // The kept state is of another log than this address now serves.
      if (e?.kind) throw e;
      throw withKind(new Error(String(e?.message ?? e)), 'otherlog');
    }
    const tiles = await mapLimit(paths, PARALLEL, (p) => getTile(get, p));
    tiles.forEach((bytes, i) => guard(() => tv.supplyTile(i, bytes)));
    const plan = guard(() => tv.plan());
    // Phase A in analyzer workers when there is enough to share (pool.js's), phase B here in order.
    const analyzers = workers > 0 && plan.length > 2 ? startAnalyzers(workers, await onusModule(), () => {}) : null;
    try {
      const pending = new Array(plan.length);
      const start = (i) => {
        pending[i] = readBundle(get, plan[i], analyzers?.[i % analyzers.length]?.remote);
        pending[i].catch(() => {}); // awaited in order below; an early stop must not leave it unhandled
      };
      for (let i = 0; i < Math.min(WINDOW, plan.length); i++) start(i);
      let done = 0;
      for (let i = 0; i < plan.length; i++) {
        const [bytes, analyzed, tile] = await pending[i];
        if (i + WINDOW < plan.length) start(i + WINDOW);
        const goOn = guard(() => tv.pushBundle(i, bytes, analyzed, tile));
        done += plan[i].width;
        if (i % 8 === 7 || !goOn) progress({ statements: done, bytes: fetched.bytes });
        if (!goOn) break;
      }
    } finally {
      if (analyzers) for (const a of analyzers) a.remote.terminate();
    }
    const out = guard(() => tv.finish());
    tv = null;
    return { ...out, stateRefused, fetched };
  } finally {
    tv?.free?.();
  }
}

/**
 * One statement alone (`&index=N`): its entry bundle and the tiles its
 * inclusion proof needs, nothing else. Answers {receipt (text, for the
 * receipt check), fetched}.
 */
export async function receiptFromTiles({ base, index, signal }) {
  const fetched = { files: 0, bytes: 0 };
  const get = (path) => fetchFile(base + path, fetched, signal);
  const checkpoint = await get('checkpoint');
  if (!checkpoint) throw withKind(new Error(`${base} has no checkpoint: is it a tiled log?`), 'http', { status: 404, url: base + 'checkpoint' });
  let files;
  try {
    files = guard(() => oneStatementFiles(checkpoint, index));
  } catch (e) {
    if (e?.kind) throw e;
    throw withKind(new Error(String(e?.message ?? e)), 'index');
  }
  const missing = (path) => withKind(new Error(`${base}${path} cannot be fetched (tile.missing): the log's files are incomplete`), 'http', { status: 404, url: base + path });
  const tiles = await mapLimit(files.tiles, PARALLEL, async (p) => (await getTile(get, p)) ?? Promise.reject(missing(p)));
  const width = Number(/\.p\/(\d+)$/.exec(files.bundle)?.[1] ?? 256);
  const bundle = await getBundle(get, { path: files.bundle, width });
  if (!bundle) throw missing(files.bundle);
  const r = guard(() => checkOneStatement(checkpoint, index, tiles, bundle, undefined));
  return { receipt: r.receipt, fetched };
}

/** A bundle, its level-0 tile, and phase A of its lines by `analyzer` (or none: analysed when pushed). */
async function readBundle(get, b, analyzer) {
  const [bytes, tile] = await Promise.all([getBundle(get, b), b.tile ? getTile(get, b.tile) : undefined]);
  if (!bytes || !analyzer) return [bytes, undefined, tile];
  // The bytes go to the analyzer and come back (transferred, not copied).
  const own = bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength ? bytes : bytes.slice();
  const len = own.length; // `own` is detached once its buffer is transferred
  const r = await analyzer.analyze({ buf: own.buffer, len, oneByOne: false }, { transfer: [own.buffer] });
  return [new Uint8Array(r.input, 0, len), new Uint8Array(r.buf), tile];
}

/** A file's bytes, or undefined when the server has none (404, 410). */
async function fetchFile(url, fetched, signal) {
  let res;
  try {
    res = await fetch(url, { signal, cache: 'no-cache' });
  } catch (e) {
    if (e?.name === 'AbortError') throw e;
    throw withKind(new Error(`cannot fetch ${url}: ${e?.message ?? e}`), 'network', { url });
  }
  if (res.status === 404 || res.status === 410) return undefined;
  if (!res.ok) throw withKind(new Error(`${url}: HTTP ${res.status}`), 'http', { status: res.status, url });
  const bytes = new Uint8Array(await res.arrayBuffer());
  fetched.files++;
  fetched.bytes += bytes.length;
  return bytes;
}

/** `tile/L/N.p/W` may be read from the full tile `tile/L/N` (the core takes its first W hashes). */
async function getTile(get, path) {
  const bytes = await get(path);
  const full = path.replace(/\.p\/\d+$/, '');
  return bytes ?? (full !== path ? get(full) : undefined);
}

/** A partial bundle may be read from the first `width` lines of the full one. */
async function getBundle(get, b) {
  const bytes = await get(b.path);
  const full = b.path.replace(/\.p\/\d+$/, '');
  if (bytes || full === b.path) return bytes;
  const all = await get(full);
  if (!all) return undefined;
  let seen = 0;
  for (let i = 0; i < all.length; i++) {
    if (all[i] === 10 && ++seen === b.width) return all.subarray(0, i + 1);
  }
  return all;
}

/** `fn` over `items`, at most `limit` at once; results in item order. */
async function mapLimit(items, limit, fn) {
  const out = new Array(items.length);
  let next = 0;
  const lanes = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i], i);
    }
  });
  await Promise.all(lanes);
  return out;
}
