// Onus worker pool: verifies one trace with N analyzer workers and one merging
// verifier, all running the same Rust core (wasm). No verification logic lives
// here: this file only frames bytes into runs of whole lines, moves them
// between threads and keeps the results in file order.
//
//   import { verifyWithPool } from './pool.js';
//   const { report, verifier, response, stats } = await verifyWithPool({
//     source,            // a File or Blob, a URL string (or URL), or a ReadableStream of bytes
//     workers,           // analyzer workers (default navigator.hardwareConcurrency, at least 1)
//     options,           // TraceVerifier options: {key?, known?, oneByOne?, keepRows?, fingerprintKey?}
//     onProgress,        // ({bytes, total, lines, statements, elapsed}) at most every progressMs
//     signal,            // an AbortSignal: aborting terminates the workers and rejects with signal.reason
//     // less common:
//     onBytes,           // (Uint8Array) every chunk read from the source, in order, before framing;
//                        // the array is not transferred, so the caller may keep it (e.g. in a Blob)
//     total,             // the source's length in bytes, for progress, when the pool cannot know it
//     chunkBytes,        // target size of one run of whole lines (default 1 MiB)
//     maxInFlight,       // runs read but not yet merged (default 2 per worker): memory stays flat
//     progressMs,        // default 100
//   });
//
// `response` is {url, status, contentType} for a URL source (fetched with
// cache: 'no-cache'), else null. `stats` says where the time went: {workers,
// runs, analyzeMs (phase A, summed over analyzers), mergeMs (phase B and
// finish, in the calling worker), inlineMs (both phases in the calling worker:
// a small trace, an unterminated last line), totalMs}.
//
// Phase A (strict parse, canonical bytes, ids, leaf hashes, signatures) runs in
// the analyzer workers (engine/analyze-worker.js, `analyzeChunk`); phase B (indexes,
// refs, roster, checkpoints, incidents, tallies) runs in one `TraceVerifier` that
// ingests the analyzers' results in file order (`ingestAnalyzed`). The report is
// the same object as `onus verify --json` prints, whatever the number of workers
// or the chunk size.
//
// Where it runs. WebAssembly runs only in workers here, so:
// - called from a dedicated (module) Worker, the merging TraceVerifier lives in
//   that worker and `verifier` is the TraceVerifier itself (keep it for the
//   explorer; call `verifier.free()` when done);
// - called from a page (window), the pool starts one coordinator worker (the
//   analyzer script in another role) that runs this same code; `verifier` is
//   then a proxy whose methods return promises (`await verifier.rows(0, 50)`,
//   `search`, `indexOf`, `committingTo`, `viewStatement`, `progress`) and
//   `verifier.free()` ends the coordinator. `onBytes` is not available there.
// Either way the wasm module is compiled once (per realm) and the compiled
// WebAssembly.Module is posted to every analyzer (all messages go through
// rpc.js; run buffers are transferred, never copied); nothing needs
// SharedArrayBuffer or cross-origin isolation, so plain static hosting works.
//
// Errors are Error objects with a `kind`: 'network' or 'http' (fetching a URL
// source; `status` for http), 'read' (the source failed mid-way), 'options' (a
// bad key or known checkpoint), 'panic' (Rust panicked; after a panic in the
// caller's realm its wasm instance must not be used again), 'memory' (the
// trace needs more memory than the browser gives wasm; the instance is spent
// as after a panic), 'worker' (an analyzer or the coordinator could not
// start). An abort rejects with `signal.reason`.
//
// A small trace (everything read before the first run of `chunkBytes` is full)
// is verified in the calling worker alone, without starting analyzers.

import init, { TraceVerifier } from '../pkg/onus.js';
import { guard } from './guard.js';
import { connect, withKind } from './rpc.js';

const WASM_URL = new URL('../pkg/onus_bg.wasm', import.meta.url);
const ANALYZER_URL = new URL('./analyze-worker.js', import.meta.url);
const NL = 10;
/** Native `verify_reader` switches to single-threaded streaming past this many bytes without a newline. */
const STREAM_AFTER = 2 * 1024 * 1024;

let compiled = null;

/** The compiled wasm module, compiled once per realm and shared with every analyzer. */
export function onusModule() {
  if (!compiled) {
    compiled = (async () => {
      const res = await fetch(WASM_URL);
      if (!res.ok) throw withKind(new Error(`fetching ${WASM_URL} failed: HTTP ${res.status}`), 'worker');
      try {
        return await WebAssembly.compileStreaming(res.clone());
      } catch (e) {
        // A server that does not say application/wasm: compile the bytes instead.
        return WebAssembly.compile(await res.arrayBuffer());
      }
    })();
    compiled.catch(() => { compiled = null; });
  }
  return compiled;
}

function inWorker() {
  return typeof WorkerGlobalScope !== 'undefined' && globalThis instanceof WorkerGlobalScope;
}

function hardwareWorkers() {
  const n = globalThis.navigator?.hardwareConcurrency;
  return Number.isInteger(n) && n > 0 ? n : 2;
}

function abortError(signal) {
  return signal.reason ?? new DOMException('The verification was aborted.', 'AbortError');
}

export async function verifyWithPool(args) {
  if (!args || args.source == null) throw new TypeError('verifyWithPool: source is required');
  if (inWorker()) return runHere(args);
  return runViaCoordinator(args);
}

// ---------------------------------------------------------------------------
// In a worker: the real thing.

/** Opens the source as a byte reader; returns {reader, total}. */
async function open(source, signal, total) {
  if (typeof Blob !== 'undefined' && source instanceof Blob) {
    return { reader: source.stream().getReader(), total: total ?? source.size };
  }
  if (typeof source === 'string' || source instanceof URL) {
    let res;
    try {
      // no-cache: a log grows, so a URL verified again must be revalidated, not served stale.
      res = await fetch(source, { signal, credentials: 'omit', cache: 'no-cache' });
    } catch (e) {
      if (signal?.aborted) throw abortError(signal);
      throw withKind(new Error(`fetching ${source} failed: ${e.message ?? e}`), 'network', { url: String(source) });
    }
    if (!res.ok) throw withKind(new Error(`fetching ${source} failed: HTTP ${res.status} ${res.statusText}`), 'http', { status: res.status, statusText: res.statusText, url: String(source) });
    if (!res.body) throw withKind(new Error(`fetching ${source} gave no body`), 'network', { url: String(source) });
    const len = Number(res.headers.get('content-length'));
    const t = len > 0 && !res.headers.get('content-encoding') ? len : null;
    const response = { url: res.url, status: res.status, contentType: res.headers.get('content-type') };
    return { reader: res.body.getReader(), total: total ?? t, response };
  }
  if (typeof ReadableStream !== 'undefined' && source instanceof ReadableStream) {
    return { reader: source.getReader(), total: total ?? null };
  }
  throw new TypeError('verifyWithPool: source must be a Blob/File, a URL string or a ReadableStream of bytes');
}

/** Starts `n` analyzers (engine/analyze-worker.js), each given the compiled module (also for engine/tiled.js). */
export function startAnalyzers(n, module, onFailure) {
  const list = [];
  for (let i = 0; i < n; i++) {
    const remote = connect(new Worker(ANALYZER_URL, { type: 'module', name: `onus-analyzer-${i}` }), {
      onError: (e) => onFailure(withKind(new Error(`analyzer ${i} failed: ${e.message || 'could not start'}`), 'worker')),
    });
    remote.init({ module }).catch(onFailure);
    list.push({ remote, queued: 0 });
  }
  return list;
}

async function runHere({ source, workers, options = {}, onProgress, onBytes, signal, total: givenTotal, chunkBytes = 1 << 20, maxInFlight, progressMs = 100 }) {
  if (signal?.aborted) throw abortError(signal);
  const nWorkers = Math.max(1, Math.floor(workers ?? hardwareWorkers()));
  const cap = Math.max(1, Math.floor(maxInFlight ?? nWorkers * 2));
  const target = Math.max(1, Math.floor(chunkBytes));
  const oneByOne = !!options.oneByOne;
  const started = performance.now();

  const module = await onusModule();
  await init({ module_or_path: module });
  let verifier;
  try {
    verifier = guard(() => new TraceVerifier(options));
  } catch (e) {
    if (e.kind === 'panic' || e.kind === 'memory') throw e;
    throw withKind(new Error(e.message ?? String(e)), 'options');
  }

  const { reader, total, response = null } = await open(source, signal, givenTotal);

  let analyzers = null;
  let failure = null;            // the first error; everything stops on it
  let wake = null;               // resolves the reader loop's wait for a free slot or a failure
  const results = new Map();     // seq -> analyzed bytes, waiting for their turn
  let nextSeq = 0, nextMerge = 0, inFlight = 0;
  let lastProgress = 0;
  let streaming = false;
  const stats = { workers: nWorkers, runs: 0, analyzeMs: 0, mergeMs: 0, inlineMs: 0, totalMs: 0 };         // a line too long for framing: the rest goes through push()

  const signalWake = () => { const w = wake; wake = null; w?.(); };
  const stopAnalyzers = () => { if (analyzers) for (const a of analyzers) a.remote.terminate(); };
  const fail = (err) => { if (!failure) failure = err; signalWake(); };
  const onAbort = () => {
    fail(abortError(signal));
    stopAnalyzers();
    reader.cancel(abortError(signal)).catch(() => {});
  };
  signal?.addEventListener('abort', onAbort, { once: true });
  if (signal?.aborted) onAbort();

  /** Phase A and B in this worker (a small trace, a last unterminated line, an endless line). */
  const pushHere = (bytes) => {
    const t0 = performance.now();
    guard(() => verifier.push(bytes));
    stats.inlineMs += performance.now() - t0;
  };

  const progress = (force) => {
    if (!onProgress) return;
    const now = performance.now();
    if (!force && now - lastProgress < progressMs) return;
    lastProgress = now;
    const p = guard(() => verifier.progress());
    onProgress({ bytes: p.bytes, total, lines: p.lines, statements: p.statements, elapsed: now - started });
  };

  const merge = () => {
    while (results.has(nextMerge)) {
      const bytes = results.get(nextMerge);
      results.delete(nextMerge);
      nextMerge++;
      inFlight--;
      const t0 = performance.now();
      guard(() => verifier.ingestAnalyzed(bytes));
      stats.mergeMs += performance.now() - t0;
    }
    progress(false);
  };

  /** An analyzer's result (phase A of run `seq`): merged as soon as every earlier run is. */
  const analyzed = (a, seq, out) => {
    if (failure) return;
    a.queued--;
    stats.analyzeMs += out.ms ?? 0;
    results.set(seq, new Uint8Array(out.buf));
    if (out.input && spare.length < cap + 2) spare.push(out.input);
    try { merge(); } catch (e) { fail(e); return; }
    signalWake();
  };

  /** Waits until fewer than `limit` runs are in flight (or a failure). */
  const waitBelow = async (limit) => {
    while (inFlight >= limit && !failure) await new Promise((r) => { wake = r; });
    if (failure) throw failure;
  };

  const dispatch = async (buf, len) => {
    if (!analyzers) analyzers = startAnalyzers(nWorkers, module, fail);
    await waitBelow(cap);
    let best = analyzers[0];
    for (const a of analyzers) if (a.queued < best.queued) best = a;
    best.queued++;
    inFlight++;
    stats.runs++;
    const seq = nextSeq++;
    best.remote.analyze({ buf, len, oneByOne }, { transfer: [buf] })
      .then((out) => analyzed(best, seq, out), (e) => fail(e.kind ? e : withKind(e, 'internal')));
  };

  /** Everything dispatched is merged. */
  const drain = () => waitBelow(1);

  // A source known to be larger than one run: start the analyzers now, while the first run is read.
  if (total != null && total > target) analyzers = startAnalyzers(nWorkers, module, fail);

  // Framing: read chunks wait in `parts` until there are at least `target` bytes,
  // then everything up to the last newline goes out as one run.
  // `parts` are views of the source's chunks (never detached: the caller may keep
  // them); `owned` is the one array of ours among them, which can be sent as is.
  let parts = [], partsLen = 0, owned = null;
  // Run buffers come back from the analyzers and are used again: a run is about
  // `target` bytes, so a few buffers serve the whole trace and the workers' heaps
  // do not fill with dead megabyte buffers between collections.
  const spare = [];
  const runBuffer = (len) => {
    while (spare.length) {
      const b = spare.pop();
      if (b.byteLength >= len) return new Uint8Array(b, 0, len);
    }
    return new Uint8Array(new ArrayBuffer(Math.max(len, target + (target >> 2) + 65536)), 0, len);
  };
  const join = () => {
    if (parts.length === 1 && parts[0] === owned) return owned;
    const out = runBuffer(partsLen);
    let o = 0;
    for (const p of parts) { out.set(p, o); o += p.length; }
    return out;
  };
  const keep = (arr) => { parts = [arr]; partsLen = arr.length; owned = arr; };
  const flush = async (atEnd) => {
    if (partsLen === 0) return;
    const all = join();
    parts = []; partsLen = 0; owned = null;
    const cut = all.lastIndexOf(NL) + 1;
    if (cut === 0) {
      if (!atEnd && all.length > STREAM_AFTER) {
        // No newline in sight: like the native driver, stream the rest through one verifier.
        await drain();
        streaming = true;
        pushHere(all);
        return;
      }
      if (atEnd) { await drain(); pushHere(all); return; }
      keep(all);
      return;
    }
    const rest = cut < all.length ? all.slice(cut) : null; // a copy: `all` is sent away
    if (atEnd && nextSeq === 0 && !analyzers) {
      // Small input: no analyzers; this worker verifies it alone.
      pushHere(all);
      return;
    }
    await dispatch(all.buffer, cut);
    if (rest) {
      if (atEnd) {
        // An unterminated last line goes through push() so finish() judges its ending.
        await drain();
        pushHere(rest);
      } else {
        keep(rest);
      }
    }
  };

  try {
    for (;;) {
      if (failure) throw failure;
      let r;
      try {
        r = await reader.read();
      } catch (e) {
        if (signal?.aborted) throw abortError(signal);
        throw withKind(new Error(`reading the trace failed: ${e?.message ?? e}`), 'read');
      }
      if (failure) throw failure;
      if (r.done) break;
      const chunk = r.value instanceof Uint8Array ? r.value : new Uint8Array(r.value);
      if (onBytes) onBytes(chunk);
      if (streaming) {
        pushHere(chunk);
        progress(false);
        continue;
      }
      // A huge chunk (a user stream) is taken in target-sized pieces.
      for (let o = 0; o < chunk.length; o += target) {
        const piece = o === 0 && chunk.length <= target ? chunk : chunk.subarray(o, Math.min(chunk.length, o + target));
        if (streaming) { pushHere(piece); continue; }
        parts.push(piece);
        partsLen += piece.length;
        if (partsLen >= target) await flush(false);
      }
      progress(false);
    }
    if (!streaming) await flush(true);
    await drain();
    const t1 = performance.now();
    const report = guard(() => verifier.finish());
    stats.mergeMs += performance.now() - t1;
    progress(true);
    stats.totalMs = performance.now() - started;
    return { report, verifier, response, stats };
  } catch (e) {
    reader.cancel().catch(() => {});
    try { verifier.free?.(); } catch { /* already broken */ }
    if (signal?.aborted && !(e?.kind === 'panic' || e?.kind === 'memory')) throw abortError(signal);
    throw e;
  } finally {
    signal?.removeEventListener('abort', onAbort);
    stopAnalyzers();
  }
}

// ---------------------------------------------------------------------------
// On a page: one coordinator worker runs runHere(); this side only relays.

async function runViaCoordinator({ source, workers, options, onProgress, onBytes, signal, total, chunkBytes, maxInFlight, progressMs }) {
  if (onBytes) throw new TypeError('verifyWithPool: onBytes is available only when called from a worker');
  if (signal?.aborted) throw abortError(signal);
  let crashed = null;
  const coordinator = connect(new Worker(ANALYZER_URL, { type: 'module', name: 'onus-coordinator' }), {
    onError: (e) => { crashed = withKind(new Error(`the coordinator worker failed: ${e.message || 'could not start'}`), 'worker'); },
  });
  let src = source;
  const transfer = [];
  if (typeof src === 'string' || src instanceof URL) src = new URL(String(src), location.href).href;
  else if (typeof ReadableStream !== 'undefined' && src instanceof ReadableStream) transfer.push(src);
  let r;
  try {
    r = await coordinator.coordinate(
      { source: src, workers, options, total, chunkBytes, maxInFlight, progressMs, progress: !!onProgress },
      { onProgress, signal, transfer },
    );
  } catch (e) {
    coordinator.terminate();
    throw crashed ?? (signal?.aborted ? abortError(signal) : e);
  }
  // The merged verifier stays in the coordinator: each method is a call there
  // (which methods, analyze-worker.js says); free() ends the coordinator.
  const verifier = new Proxy({}, {
    get(_, name) {
      if (name === 'free') return () => coordinator.terminate('the verifier was freed');
      if (typeof name !== 'string' || name === 'then') return undefined;
      return (...args) => coordinator.verifier({ method: name, args });
    },
  });
  return { report: r.report, verifier, response: r.response ?? null, stats: r.stats };
}
