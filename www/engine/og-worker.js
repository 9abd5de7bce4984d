// The OpenGradient worker (calls through rpc.js): verify({file, registry, key,
// request, root}) runs the core's og module (www/pkg/onus_og*, loaded only
// here, only when an OpenGradient file is opened) and returns its report, the
// object `onus og verify --json` prints. No verification logic lives here:
// the core asks for RSA-PSS checks (src/og/pss.rs), WebCrypto does the
// arithmetic (about 25 times faster than the rsa crate in wasm), and the core
// decides with the answers; what WebCrypto cannot do, the core checks itself.
import init, { OgCheck, lastPanic } from '../pkg/onus_og.js';
import { makeGuard } from './guard.js';
import { expose, withKind } from './rpc.js';

const guard = makeGuard(lastPanic);
let ready = null;

const bytes = (b) => (b ? new Uint8Array(b) : undefined);

/** Answer bytes the core reads (src/og/pss.rs). */
const VALID = 1;
const INVALID = 0;
const NOT_CHECKED = 2;
/** Checks in flight at once: enough to keep WebCrypto's threads busy, few enough to bound memory. */
const IN_FLIGHT = 256;

expose({
  async verify({ file, registry, key, request, root }) {
    ready ??= init().catch((err) => {
      ready = null;
      throw withKind(new Error(`the OpenGradient verifier (WebAssembly) could not start: ${err?.message ?? err}`), 'fatal');
    });
    const t0 = performance.now();
    await ready;
    const started = performance.now();
    let check;
    try {
      check = guard(() => new OgCheck(new Uint8Array(file), bytes(registry), bytes(key), bytes(request), root || undefined));
    } catch (err) {
      throw inputError(err);
    }
    try {
      const asked = performance.now();
      const answers = await answer(guard(() => check.keys()), guard(() => check.requests()), check.count);
      const answered = performance.now();
      const text = guard(() => check.finish(answers));
      const done = performance.now();
      return {
        report: JSON.parse(text),
        ms: { load: started - t0, verify: done - started, pss: answered - asked },
        rsa: { requests: answers.length, webcrypto: answers.filter((a) => a !== NOT_CHECKED).length },
      };
    } catch (err) {
      throw inputError(err);
    } finally {
      check.free();
    }
  },
});

/** What the CLI refuses with exit 2: the core's message, kind 'og-input'. */
function inputError(err) {
  if (err.kind) return err;
  return withKind(new Error(err.message || String(err)), 'og-input');
}

/** One answer byte per request, from WebCrypto; NOT_CHECKED wherever it cannot say. */
async function answer(packedKeys, packedRequests, count) {
  const answers = new Uint8Array(count).fill(NOT_CHECKED);
  const subtle = globalThis.crypto?.subtle;
  if (!subtle || count === 0) return answers;
  const keys = readKeys(packedKeys).map((der) => subtle.importKey('spki', der, { name: 'RSA-PSS', hash: 'SHA-256' }, false, ['verify']).catch(() => null));
  const requests = readRequests(packedRequests);
  if (requests.length !== count) throw new Error(`the core packed ${requests.length} RSA-PSS requests but counts ${count}`);
  for (let i = 0; i < count; i += IN_FLIGHT) {
    await Promise.all(requests.slice(i, i + IN_FLIGHT).map(async (r, j) => {
      const k = await keys[r.key];
      if (!k) return;
      try {
        answers[i + j] = (await subtle.verify({ name: 'RSA-PSS', saltLength: r.salt }, k, r.signature, r.message)) ? VALID : INVALID;
      } catch {
        // Left NOT_CHECKED: the core checks it with the rsa crate.
      }
    }));
  }
  return answers;
}

/** The packed format of src/og/pss.rs: little-endian u32 lengths. */
function reader(buf) {
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  let at = 0;
  const u32 = () => { const v = view.getUint32(at, true); at += 4; return v; };
  const take = (n) => { const b = buf.subarray(at, at + n); at += n; return b; };
  return { u32, take, more: () => at < buf.byteLength };
}

function readKeys(buf) {
  const r = reader(buf);
  const keys = [];
  while (r.more()) keys.push(r.take(r.u32()));
  return keys;
}

function readRequests(buf) {
  const r = reader(buf);
  const out = [];
  while (r.more()) {
    const key = r.u32();
    const salt = r.u32();
    const message = r.take(r.u32());
    const signature = r.take(r.u32());
    out.push({ key, salt, message, signature });
  }
  return out;
}
