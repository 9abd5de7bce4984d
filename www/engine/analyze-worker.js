// A worker of engine/pool.js, in one of two roles:
// - analyzer: {type:'init', module} once (the compiled WebAssembly.Module), then
//   {type:'analyze', seq, buf, len, oneByOne}: phase A of the Rust core over
//   whole lines (`analyzeChunk`); answers {type:'result', seq, buf} with the
//   result's buffer transferred, or {type:'error', kind, message}.
// - coordinator (when pool.js is called from a page, where wasm must not run):
//   {type:'coordinate', ...} runs verifyWithPool here (which starts the
//   analyzers as nested workers) and then answers {type:'call'} requests on the
//   merged verifier for the explorer.
// No verification logic lives here.
import init, { analyzeChunk, lastPanic } from '../pkg/onus.js';

let ready = null;    // the analyzer's wasm instance
let ok = false;
let broken = false;
let verifier = null; // the coordinator's merged TraceVerifier

function panicText() {
  let msg = '';
  try { msg = lastPanic(); } catch { /* too broken to ask */ }
  return msg;
}

function analyze(m) {
  if (broken) return;
  let out;
  const t0 = performance.now();
  try {
    out = analyzeChunk(new Uint8Array(m.buf, 0, m.len), m.oneByOne);
  } catch (e) {
    broken = e instanceof WebAssembly.RuntimeError;
    // A trap with no panic message is a failed allocation (see pool.js guard).
    const panic = broken ? panicText(e) : '';
    const kind = broken ? (panic ? 'panic' : 'memory') : 'internal';
    postMessage({ type: 'error', seq: m.seq, kind, message: broken ? panic || `the verifier ran out of memory (${e.message})` : String(e?.message ?? e) });
    return;
  }
  // A fresh Uint8Array copied out of wasm memory: its whole buffer is the result.
  const buf = out.byteOffset === 0 && out.byteLength === out.buffer.byteLength ? out.buffer : out.slice().buffer;
  // The run's buffer goes back too, for the pool to fill again.
  postMessage({ type: 'result', seq: m.seq, buf, input: m.buf, ms: performance.now() - t0 }, [buf, m.buf]);
}

async function coordinate(m) {
  const { verifyWithPool } = await import('./pool.js');
  try {
    const r = await verifyWithPool({
      source: m.source, workers: m.workers, options: m.options, total: m.total,
      chunkBytes: m.chunkBytes, maxInFlight: m.maxInFlight, progressMs: m.progressMs,
      onProgress: m.progress ? (progress) => postMessage({ type: 'progress', progress }) : undefined,
    });
    verifier = r.verifier;
    postMessage({ type: 'done', report: r.report, response: r.response, stats: r.stats });
  } catch (e) {
    const extra = {};
    for (const k of ['status', 'statusText', 'url']) if (e?.[k] !== undefined) extra[k] = e[k];
    postMessage({ type: 'failed', kind: e?.kind ?? 'internal', message: String(e?.message ?? e), extra });
  }
}

function call(m) {
  try {
    if (!verifier) throw new Error('no verified trace is held');
    const fn = verifier[m.method];
    if (typeof fn !== 'function' || !['rows', 'search', 'indexOf', 'committingTo', 'viewStatement', 'progress'].includes(m.method)) {
      throw new Error(`unknown method ${m.method}`);
    }
    let result = fn.apply(verifier, m.args);
    if (ArrayBuffer.isView(result)) result = Array.from(result);
    postMessage({ type: 'answer', id: m.id, result: result ?? null });
  } catch (e) {
    const panic = e instanceof WebAssembly.RuntimeError;
    const text = panic ? panicText() : '';
    postMessage({ type: 'answer', id: m.id, kind: panic ? (text ? 'panic' : 'memory') : 'internal', error: panic ? text || `the verifier ran out of memory (${e.message})` : String(e?.message ?? e) });
  }
}

onmessage = (e) => {
  const m = e.data;
  switch (m.type) {
    case 'init':
      ready = init({ module_or_path: m.module }).then(() => { ok = true; }, (err) => {
        broken = true;
        postMessage({ type: 'error', kind: 'worker', message: `the verifier (WebAssembly) could not start: ${err?.message ?? err}` });
      });
      return;
    case 'analyze':
      if (ok) analyze(m);
      else ready.then(() => analyze(m));
      return;
    case 'coordinate':
      coordinate(m);
      return;
    case 'call':
      call(m);
      return;
  }
};
