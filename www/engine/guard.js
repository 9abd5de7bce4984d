// The one guard around wasm calls, used by every worker that runs the core.
// A trap (WebAssembly.RuntimeError) leaves this realm's wasm instance unusable:
// the call fails with kind 'panic' and Rust's own message (lastPanic), or with
// kind 'memory' when there is none, since Rust aborts without a panic only when
// an allocation fails (the module's memory cannot grow any more). Every later
// guarded call fails at once: the instance cannot be trusted with anything else.
import { lastPanic } from '../pkg/onus.js';
import { withKind } from './rpc.js';

/**
 * A guard for one wasm module: `panicMessage()` asks the module for Rust's
 * panic message (empty when there is none, or when the module has no hook).
 */
export function makeGuard(panicMessage) {
  let spent = false;
  return (fn) => {
    if (spent) throw withKind(new Error('The verifier stopped after an internal error.'), 'panic');
    try {
      return fn();
    } catch (e) {
      const trap = trapError(e, panicMessage);
      if (!trap) throw e;
      spent = true;
      throw trap;
    }
  };
}

/** Runs `fn` (a call into the main module); a trap becomes an Error of kind 'panic' or 'memory'. */
export const guard = makeGuard(lastPanic);

function trapError(e, panicMessage) {
  if (e instanceof WebAssembly.RuntimeError) {
    let msg = '';
    try { msg = panicMessage(); } catch { /* too broken to ask */ }
    return msg ? withKind(new Error(msg), 'panic') : outOfMemory(e);
  }
  if (e instanceof RangeError && /memory|allocation/i.test(e.message)) return outOfMemory(e);
  return null;
}

const outOfMemory = (e) => withKind(new Error(`the verifier ran out of memory (${e.message})`), 'memory');
