// The one way the page, the widget and the pool talk to their workers (after
// comlink and squoosh's worker bridge, in a few lines).
//
//   // in the worker
//   expose({
//     async verify(args, { progress, signal }) { ...; progress({ bytes }); ...; return report; },
//     analyze({ buf }) { ...; return transfer({ out }, [out]); },
//   });
//
//   // on the calling side
//   const remote = connect(new Worker(url, { type: 'module' }), { onError });
//   const report = await remote.verify(args, { onProgress, signal, transfer: [buffer] });
//   remote.terminate();
//
// A call takes one argument (anything structured clone accepts) and returns a
// promise. `onProgress` receives what the handler passes to `progress()`.
// Aborting `signal` rejects the call at once with `signal.reason` and aborts
// the `signal` the handler was given. `transfer` (a call's buffers) and
// `transfer(value, list)` (a result's) move buffers instead of copying them.
// Errors cross as Error objects with their name, message and own fields, so
// `kind` ('panic', 'memory', 'http', 'network', 'read', 'options', 'worker',
// ...) and `status` survive. A worker that fails as a whole (its script does not
// load, a message cannot be read) rejects every pending call with kind 'worker'
// and calls `onError` with that error.

const TRANSFER = Symbol('transfer');

/** An Error with a `kind` (and any other fields, e.g. {status}). */
export function withKind(err, kind, extra = {}) {
  err.kind = kind;
  Object.assign(err, extra);
  return err;
}

/** A handler's result whose `list` of buffers is moved to the caller, not copied. */
export function transfer(value, list) {
  return { [TRANSFER]: list, value };
}

/** Serves `handlers` (name -> function(arg, {progress, signal})) to whoever created this worker. */
export function expose(handlers, scope = globalThis) {
  const running = new Map(); // call id -> AbortController
  scope.addEventListener('message', async (e) => {
    const m = e.data;
    if (m?.rpc === 'abort') { running.get(m.id)?.abort(); return; }
    if (m?.rpc !== 'call') return;
    const { id, method, arg } = m;
    const ctrl = new AbortController();
    running.set(id, ctrl);
    const progress = (value) => scope.postMessage({ rpc: 'progress', id, value });
    try {
      const handler = Object.hasOwn(handlers, method) ? handlers[method] : null;
      if (typeof handler !== 'function') throw new Error(`unknown method ${method}`);
      const out = await handler(arg, { progress, signal: ctrl.signal });
      if (out && out[TRANSFER]) scope.postMessage({ rpc: 'result', id, value: out.value }, out[TRANSFER]);
      else scope.postMessage({ rpc: 'result', id, value: out ?? null });
    } catch (err) {
      scope.postMessage({ rpc: 'error', id, error: pack(err) });
    } finally {
      running.delete(id);
    }
  });
}

/** The calling side of `expose`: `remote.name(arg, {onProgress, signal, transfer})` returns a promise. */
export function connect(worker, { onError } = {}) {
  const pending = new Map(); // call id -> {resolve, reject, onProgress}
  let next = 0;
  const failAll = (err) => {
    for (const p of pending.values()) p.reject(err);
    pending.clear();
  };
  const crash = (err) => {
    onError?.(err);
    failAll(err);
  };
  worker.addEventListener('message', (e) => {
    const m = e.data;
    const p = pending.get(m?.id);
    if (!p) return; // a call already aborted, or not ours
    if (m.rpc === 'progress') p.onProgress?.(m.value);
    else if (m.rpc === 'result') { pending.delete(m.id); p.resolve(m.value); }
    else if (m.rpc === 'error') { pending.delete(m.id); p.reject(unpack(m.error)); }
  });
  worker.addEventListener('error', (e) => {
    e.preventDefault?.();
    crash(withKind(new Error(e.message || 'the background worker failed to load'), 'worker'));
  });
  worker.addEventListener('messageerror', () => crash(withKind(new Error('the background worker sent an unreadable message'), 'worker')));

  const call = (method, arg, { onProgress, signal, transfer: list = [] } = {}) => new Promise((resolve, reject) => {
    if (signal?.aborted) { reject(signal.reason); return; }
    const id = next++;
    const onAbort = () => {
      pending.delete(id);
      worker.postMessage({ rpc: 'abort', id });
      reject(signal.reason);
    };
    const settled = (fn) => (v) => { signal?.removeEventListener('abort', onAbort); fn(v); };
    pending.set(id, { resolve: settled(resolve), reject: settled(reject), onProgress });
    signal?.addEventListener('abort', onAbort, { once: true });
    try {
      worker.postMessage({ rpc: 'call', id, method, arg }, list);
    } catch (err) { // an argument structured clone cannot carry
      pending.get(id)?.reject(err);
      pending.delete(id);
    }
  });
  /** Stops the worker; pending calls fail with `reason` (an Error, or the text of a kind 'worker' one). */
  const terminate = (reason = 'the worker was stopped') => {
    worker.terminate();
    failAll(reason instanceof Error ? reason : withKind(new Error(reason), 'worker'));
  };
  return new Proxy({}, {
    get(_, name) {
      if (name === 'terminate') return terminate;
      if (typeof name !== 'string' || name === 'then') return undefined; // not a thenable
      return (arg, opts) => call(name, arg, opts);
    },
  });
}

/** An error as structured clone carries it: name, message, and its own plain fields (kind, status...). */
function pack(err) {
  if (!(err instanceof Error || err instanceof DOMException)) return { message: String(err) };
  const out = { name: err.name, message: err.message };
  for (const [k, v] of Object.entries(err)) {
    if (v === null || ['string', 'number', 'boolean', 'undefined'].includes(typeof v)) out[k] = v;
  }
  return out;
}

function unpack(data) {
  const err = new Error(data.message);
  for (const [k, v] of Object.entries(data)) if (k !== 'message') err[k] = v;
  return err;
}
