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

/** Tiles fetched at once (those the checkpoint names, and one statement's). */
const PARALLEL = 8;
// Bundles analysed as one run (4,096 lines, about the pool's 1 MiB runs for a trace file):
// phase A of 256 lines at a time costs about a quarter more per statement, and every
// run is a round trip to a worker (bench/TILED.md).
const GROUP = 16;
const WINDOW = 3; // groups fetched (and analysed) ahead of the in-order merge

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
      const groups = [];
      for (let i = 0; i < plan.length; i += GROUP) groups.push(plan.slice(i, i + GROUP));
      const pending = new Array(groups.length);
      const start = (g) => {
        pending[g] = readGroup(get, groups[g], analyzers?.[g % analyzers.length]?.remote);
        pending[g].catch(() => {}); // awaited in order below; an early stop must not leave it unhandled
      };
      for (let g = 0; g < Math.min(WINDOW, groups.length); g++) start(g);
      let done = 0, i = 0;
      reading: for (let g = 0; g < groups.length; g++) {
        const { items, analyzed } = await pending[g];
        if (g + WINDOW < groups.length) start(g + WINDOW);
        if (analyzed) guard(() => tv.queueAnalyzed(analyzed));
        for (const [bytes, tile] of items) {
          const at = i++;
          const goOn = guard(() => (analyzed ? tv.pushQueuedBundle(at, bytes, tile) : tv.pushBundle(at, bytes, undefined, tile)));
          done += plan[at].width;
          if (at % 8 === 7 || !goOn) progress({ statements: done, bytes: fetched.bytes });
          if (!goOn) break reading;
        }
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

/**
 * A group of bundles with their level-0 tiles, and phase A of all their lines
 * as one run by `analyzer`. Without an analyzer, or when a bundle is missing or
 * does not end in a newline (joined, its last line would merge with the next
 * bundle's first), `analyzed` is undefined and each bundle is analysed when pushed.
 */
async function readGroup(get, bundles, analyzer) {
  const items = await Promise.all(bundles.map((b) => Promise.all([getBundle(get, b), b.tile ? getTile(get, b.tile) : undefined])));
  const whole = items.every(([bytes]) => bytes && (bytes.length === 0 || bytes[bytes.length - 1] === 10));
  if (!analyzer || !whole) return { items, analyzed: undefined };
  const len = items.reduce((n, [bytes]) => n + bytes.length, 0);
  const run = new Uint8Array(len);
  let o = 0;
  for (const [bytes] of items) { run.set(bytes, o); o += bytes.length; }
  // The joined copy goes to the analyzer and is not needed back; the bundles stay here.
  const r = await analyzer.analyze({ buf: run.buffer, len, oneByOne: false }, { transfer: [run.buffer] });
  return { items, analyzed: new Uint8Array(r.buf) };
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
