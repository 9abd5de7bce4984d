// The page's verifier: engine/worker.js behind one rpc.js connection. A panic
// or running out of memory spends the worker's wasm instance, so the worker is
// replaced by a fresh one and its other pending calls fail with the same error.

import { connect, withKind } from '../engine/rpc.js';

const WORKER_URL = new URL('../engine/worker.js', import.meta.url);

/**
 * `onQueryCrash(err)` is told when a question (not a verification) fails
 * because the verifier broke: kind 'panic', 'memory' or 'fatal'.
 */
export function createVerifier({ onQueryCrash }) {
  let remote = null;
  const spawn = () => { remote = connect(new Worker(WORKER_URL, { type: 'module' })); };

  /** Calls `method` on the current worker; a spent worker is replaced. */
  async function call(method, arg, opts) {
    const mine = remote;
    try {
      return await mine[method](arg, opts);
    } catch (err) {
      if ((err.kind === 'panic' || err.kind === 'memory') && mine === remote) {
        mine.terminate(err);
        spawn();
      }
      throw err;
    }
  }

  /** A question about the verified trace; a crash is also reported to the page. */
  async function ask(method, arg, opts) {
    try {
      return await call(method, arg, opts);
    } catch (err) {
      if (err.kind === 'panic' || err.kind === 'memory' || err.kind === 'fatal') onQueryCrash(err);
      throw err;
    }
  }

  spawn();
  return {
    /** {src, key?, known?} -> {report, info}; `signal` cancels. Fails with a kind page/errors.js words. */
    async verify(args, { onProgress, signal }) {
      try {
        return await call('verify', args, { onProgress, signal });
      } catch (err) {
        // The engine worker itself did not load or died.
        if (err.kind === 'worker') throw withKind(new Error(err.message), 'fatal');
        throw err;
      }
    },
    /** A tiled log: {url, key?, known?, state?} -> {report, state, since, stateRefused, info}. */
    async verifyLog(args, { onProgress, signal }) {
      try {
        return await call('verifyLog', args, { onProgress, signal });
      } catch (err) {
        if (err.kind === 'worker') throw withKind(new Error(err.message), 'fatal');
        throw err;
      }
    },
    /** One statement of a tiled log: {url, index} -> {receipt, fetched}. */
    receiptFromLog: (args) => call('receiptFromLog', args),
    /** {version, codes}: the core's version and its vocabulary of findings. */
    about: () => ask('about'),
    rows: (start, count) => ask('rows', { start, count }),
    rowsAt: (indexes) => ask('rowsAt', { indexes }),
    views: (indexes) => ask('views', { indexes }),
    search: (query, limit) => ask('search', { query, limit }),
    /** {count, rows}: the statements that refer to statement `index` (the first `limit` as rows). */
    referencedBy: (index, limit) => ask('referencedBy', { index, limit }),
    committingTo: (what, onProgress) => ask('committingTo', what, { onProgress }),
    receipt: (what) => ask('receipt', what),
  };
}
