// The OpenGradient worker (calls through rpc.js): verify({file, registry, key,
// request, root}) runs the core's og module (www/pkg/onus_og*, loaded only
// here, only when an OpenGradient file is opened) and returns its report, the
// object `onus og verify --json` prints. No verification logic lives here.
import init, { ogVerify, lastPanic } from '../pkg/onus_og.js';
import { makeGuard } from './guard.js';
import { expose, withKind } from './rpc.js';

const guard = makeGuard(lastPanic);
let ready = null;

const bytes = (b) => (b ? new Uint8Array(b) : undefined);

expose({
  async verify({ file, registry, key, request, root }) {
    ready ??= init().catch((err) => {
      ready = null;
      throw withKind(new Error(`the OpenGradient verifier (WebAssembly) could not start: ${err?.message ?? err}`), 'fatal');
    });
    const t0 = performance.now();
    await ready;
    const started = performance.now();
    let text;
    try {
      text = guard(() => ogVerify(new Uint8Array(file), bytes(registry), bytes(key), bytes(request), root || undefined));
    } catch (err) {
      if (err.kind) throw err;
      // What the CLI refuses with exit 2: the core's message, kind 'og-input'.
      throw withKind(new Error(err.message || String(err)), 'og-input');
    }
    const done = performance.now();
    return { report: JSON.parse(text), ms: { load: started - t0, verify: done - started } };
  },
});
