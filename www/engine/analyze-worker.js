// A worker of pool.js (calls through rpc.js), in one of two roles:
// - analyzer: init({module}) once (the compiled WebAssembly.Module), then
//   analyze({buf, len, oneByOne}): phase A of the Rust core over whole lines
//   (`analyzeChunk`); the result's buffer and the run's buffer go back transferred.
// - coordinator (when pool.js is called from a page, where wasm must not run):
//   coordinate({...}) runs verifyWithPool here (which starts the analyzers as
//   nested workers), then verifier({method, args}) calls the merged verifier
//   for the explorer.
// No verification logic lives here.
import init, { analyzeChunk } from '../pkg/onus.js';
import { guard } from './guard.js';
import { expose, transfer, withKind } from './rpc.js';

let ready = null;    // the analyzer's wasm instance
let verifier = null; // the coordinator's merged TraceVerifier

/** What a page may ask the coordinator's verifier (pool.js passes any name on). */
const VERIFIER_METHODS = ['rows', 'search', 'indexOf', 'committingTo', 'viewStatement', 'progress'];

expose({
  async init({ module }) {
    ready = init({ module_or_path: module }).then(() => {}, (err) => {
      throw withKind(new Error(`the verifier (WebAssembly) could not start: ${err?.message ?? err}`), 'worker');
    });
    await ready;
  },

  async analyze({ buf, len, oneByOne }) {
    await ready;
    const t0 = performance.now();
    const out = guard(() => analyzeChunk(new Uint8Array(buf, 0, len), oneByOne));
    // A fresh Uint8Array copied out of wasm memory: its whole buffer is the result.
    const result = out.byteOffset === 0 && out.byteLength === out.buffer.byteLength ? out.buffer : out.slice().buffer;
    // The run's buffer goes back too, for the pool to fill again.
    return transfer({ buf: result, input: buf, ms: performance.now() - t0 }, [result, buf]);
  },

  async coordinate(m, { progress, signal }) {
    const { verifyWithPool } = await import('./pool.js');
    const r = await verifyWithPool({
      source: m.source, workers: m.workers, options: m.options, total: m.total,
      chunkBytes: m.chunkBytes, maxInFlight: m.maxInFlight, progressMs: m.progressMs, signal,
      onProgress: m.progress ? progress : undefined,
    }).catch(internal);
    verifier = r.verifier;
    return { report: r.report, response: r.response, stats: r.stats };
  },

  verifier({ method, args }) {
    if (!verifier) throw withKind(new Error('no verified trace is held'), 'internal');
    if (!VERIFIER_METHODS.includes(method)) throw withKind(new Error(`unknown method ${method}`), 'internal');
    let result;
    try {
      result = guard(() => verifier[method](...args));
    } catch (e) {
      internal(e);
    }
    return ArrayBuffer.isView(result) ? Array.from(result) : result ?? null;
  },
});

/** Rethrows `e` with kind 'internal' unless it has a kind already. */
function internal(e) {
  throw e?.kind ? e : withKind(e instanceof Error ? e : new Error(String(e)), 'internal');
}
