// A straightforward JavaScript verifier of the Onus trace format (docs/FORMAT.md),
// built from what a web developer would reach for: JSON.parse, `canonicalize`
// (RFC 8785 JCS) from npm, BLAKE3 from @noble/hashes (derive-key mode through
// its `context` option), SHA-256 from @noble/hashes for checkpoint key ids, and
// Ed25519 from either WebCrypto or @noble/ed25519.
//
// An instrument for the benchmark, not product: it makes the checks the
// benchmark compares (strict-ish JSON shape, ids, Ed25519 signatures with the
// strict rules, refs resolve to earlier statements, Merkle tree recomputed and
// every checkpoint's root and log-key signature checked) and returns a status
// (verified / unsealed / failed) that must agree with Onus on the bench traces.
// It does not do incidents, polls, rosters or the full finding vocabulary.
import { blake3 } from '/node_modules/@noble/hashes/blake3.js';
import { sha256, sha512 } from '/node_modules/@noble/hashes/sha2.js';
import canonicalize from '/node_modules/canonicalize/lib/canonicalize.js';
import * as ed from '/node_modules/@noble/ed25519/index.js';

ed.hashes.sha512 = sha512; // noble's synchronous verify needs a SHA-512

const enc = new TextEncoder();
const CONTEXT = enc.encode('onus 2026-11 statement v1');
const MEMBERS = ['actor', 'body', 'kind', 'refs', 'sig', 'time', 'v'];
const KIND = /^[a-z][a-z0-9-]{0,31}$/;
const TIME = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/;
const HEX64 = /^[0-9a-f]{64}$/;

// The strict rules (FORMAT.md section 1) beyond what WebCrypto's and noble's
// verify already enforce (S < L; canonical R): no small-order A or R, and a
// canonical A. These are the encodings of the 8 small-order points, with and
// without the sign bit.
const SMALL_ORDER = [
  '0100000000000000000000000000000000000000000000000000000000000000',
  'ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f',
  '0000000000000000000000000000000000000000000000000000000000000000',
  'c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a',
  '26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05',
].flatMap((h) => {
  const b = Uint8Array.from(h.match(/../g), (x) => parseInt(x, 16));
  const s = b.slice();
  s[31] ^= 0x80;
  return [b, s];
});

function isSmallOrder(p) {
  outer: for (const s of SMALL_ORDER) {
    for (let i = 0; i < 32; i++) if (p[i] !== s[i]) continue outer;
    return true;
  }
  return false;
}

/** y >= p = 2^255 - 19 (a non-canonical encoding). */
function nonCanonicalY(p) {
  if ((p[31] & 0x7f) !== 0x7f) return false;
  for (let i = 30; i > 0; i--) if (p[i] !== 0xff) return false;
  return p[0] >= 0xed;
}

function strictPrecheck(key, sig) {
  return !isSmallOrder(key) && !nonCanonicalY(key) && !isSmallOrder(sig.subarray(0, 32));
}

const fromB64url = typeof Uint8Array.fromBase64 === 'function'
  ? (s) => Uint8Array.fromBase64(s, { alphabet: 'base64url' })
  : (s) => Uint8Array.from(atob(s.replace(/-/g, '+').replace(/_/g, '/')), (c) => c.charCodeAt(0));
const fromB64 = typeof Uint8Array.fromBase64 === 'function'
  ? (s) => Uint8Array.fromBase64(s)
  : (s) => Uint8Array.from(atob(s), (c) => c.charCodeAt(0));

function toHex(b) {
  let s = '';
  for (let i = 0; i < b.length; i++) s += (b[i] < 16 ? '0' : '') + b[i].toString(16);
  return s;
}

/** Ed25519 through WebCrypto: one CryptoKey per actor, verify is async. */
function webcryptoVerifier() {
  const keys = new Map();
  return async (keyBytes, keyStr, msg, sig) => {
    if (!strictPrecheck(keyBytes, sig)) return false;
    let k = keys.get(keyStr);
    if (!k) {
      k = crypto.subtle.importKey('raw', keyBytes, { name: 'Ed25519' }, false, ['verify']);
      keys.set(keyStr, k);
    }
    try {
      return await crypto.subtle.verify({ name: 'Ed25519' }, await k, sig, msg);
    } catch {
      return false; // a key WebCrypto refuses to import
    }
  };
}

/** Ed25519 through @noble/ed25519, its strict (non-ZIP-215) branch. */
function nobleVerifier() {
  return async (keyBytes, keyStr, msg, sig) => {
    if (!strictPrecheck(keyBytes, sig)) return false;
    try {
      return ed.verify(sig, msg, keyBytes, { zip215: false });
    } catch {
      return false;
    }
  };
}

const leafPrefix = new Uint8Array(97);
function leafHash(id, sig) {
  leafPrefix[0] = 0;
  leafPrefix.set(id, 1);
  leafPrefix.set(sig, 33);
  return blake3(leafPrefix);
}
const nodeBuf = new Uint8Array(65);
function nodeHash(l, r) {
  nodeBuf[0] = 1;
  nodeBuf.set(l, 1);
  nodeBuf.set(r, 33);
  return blake3(nodeBuf);
}

/** RFC 9162 tree hash of leaves[a..b) (recursive; used when a checkpoint is smaller than the log). */
function treeHash(leaves, a, b) {
  const n = b - a;
  if (n === 0) return blake3(new Uint8Array(0));
  if (n === 1) return leaves.subarray(a * 32, a * 32 + 32);
  let k = 1;
  while (k * 2 < n) k *= 2;
  return nodeHash(treeHash(leaves, a, a + k), treeHash(leaves, a + k, b));
}

/**
 * Verifies the trace at `url`; `sig` is 'webcrypto' or 'noble'.
 * Returns {status, statements, checkpoints, errors, firstErrors}.
 */
export async function verifyTrace(url, sig = 'webcrypto', onProgress) {
  const verifySig = sig === 'noble' ? nobleVerifier() : webcryptoVerifier();
  const res = await fetch(url);
  if (!res.ok) throw new Error(`HTTP ${res.status}`);
  const reader = res.body.getReader();
  const dec = new TextDecoder('utf-8', { fatal: true });

  const ids = new Map();            // id hex -> index
  let leaves = new Uint8Array(32 * 1024);
  const frontier = [];              // [{size, hash}] perfect subtrees, largest first
  let n = 0;                        // statements so far
  let line = 0;
  let errors = 0;
  const firstErrors = [];
  let log = null;                   // {origin, key, keyStr}
  let sealed = 0;                   // size of the largest valid checkpoint
  let checkpoints = 0;
  let malformedBefore = Infinity;
  let pending = [];                 // signature checks in flight: [promise, index, line]

  const error = (what) => {
    errors++;
    if (firstErrors.length < 20) firstErrors.push(`line ${line}: ${what}`);
  };

  const pushLeaf = (leaf) => {
    if ((n + 1) * 32 > leaves.length) {
      const bigger = new Uint8Array(leaves.length * 2);
      bigger.set(leaves);
      leaves = bigger;
    }
    leaves.set(leaf, n * 32);
    let node = { size: 1, hash: leaf };
    while (frontier.length && frontier[frontier.length - 1].size === node.size) {
      const left = frontier.pop();
      node = { size: left.size * 2, hash: nodeHash(left.hash, node.hash) };
    }
    frontier.push(node);
  };
  const rootNow = () => {
    if (frontier.length === 0) return blake3(new Uint8Array(0));
    let h = frontier[frontier.length - 1].hash;
    for (let i = frontier.length - 2; i >= 0; i--) h = nodeHash(frontier[i].hash, h);
    return h;
  };

  const checkpoint = async (note) => {
    checkpoints++;
    if (!log) return error('checkpoint without a valid log statement');
    const sep = note.indexOf('\n\n');
    if (sep < 0) return error('checkpoint note has no signatures');
    const text = note.slice(0, sep + 1);
    const [origin, sizeStr, rootB64, ...extra] = text.slice(0, -1).split('\n');
    if (origin !== log.origin) return error('checkpoint origin mismatch');
    if (!/^(0|[1-9][0-9]*)$/.test(sizeStr ?? '')) return error('checkpoint size malformed');
    const size = Number(sizeStr);
    let root;
    try { root = fromB64(rootB64); } catch { return error('checkpoint root malformed'); }
    if (root.length !== 32) return error('checkpoint root malformed');
    void extra;
    // Key id: SHA-256(name || 0x0A || 0x01 || key)[:4].
    const idInput = new Uint8Array([...enc.encode(log.origin), 0x0a, 0x01, ...log.key]);
    const keyId = sha256(idInput).subarray(0, 4);
    let good = false;
    for (const l of note.slice(sep + 2).split('\n')) {
      if (!l.startsWith('\u2014 ')) continue;
      const sp = l.lastIndexOf(' ');
      const name = l.slice(2, sp);
      if (name !== log.origin) continue;
      let blob;
      try { blob = fromB64(l.slice(sp + 1)); } catch { continue; }
      if (blob.length !== 68 || blob[0] !== keyId[0] || blob[1] !== keyId[1] || blob[2] !== keyId[2] || blob[3] !== keyId[3]) continue;
      if (await verifySig(log.key, log.keyStr, enc.encode(text), blob.subarray(4))) { good = true; break; }
    }
    if (!good) return error('checkpoint signature missing or invalid');
    if (size > n) return error('checkpoint size ahead of the log');
    if (malformedBefore < size) return error('checkpoint covers a malformed statement');
    // Signature results must be in before the Merkle tree is trusted: they are,
    // the tree is built from ids and signatures whatever their validity.
    const got = size === n ? rootNow() : treeHash(leaves, 0, size);
    for (let i = 0; i < 32; i++) if (got[i] !== root[i]) return error('checkpoint root mismatch');
    if (size >= sealed) sealed = size;
  };

  const statement = (text) => {
    const index = n;
    let obj;
    try { obj = JSON.parse(text); } catch { return { malformed: 'not JSON' }; }
    if (obj === null || typeof obj !== 'object' || Array.isArray(obj)) return { malformed: 'not an object' };
    if (Object.hasOwn(obj, 'checkpoint')) return { checkpoint: obj };
    const keys = Object.keys(obj).sort();
    if (keys.length !== 7 || keys.some((k, i) => k !== MEMBERS[i])) return { malformed: 'wrong members' };
    const { v, kind, actor, time, refs, body, sig: sigStr } = obj;
    if (v !== 1 || typeof kind !== 'string' || !KIND.test(kind) || typeof time !== 'string' || !TIME.test(time)
      || !Array.isArray(refs) || refs.length > 64 || body === null || typeof body !== 'object' || Array.isArray(body)
      || typeof actor !== 'string' || actor.length !== 43 || typeof sigStr !== 'string' || sigStr.length !== 86) {
      return { malformed: 'wrong member types' };
    }
    let key, sigBytes;
    try { key = fromB64url(actor); sigBytes = fromB64url(sigStr); } catch { return { malformed: 'bad base64url' }; }
    if (key.length !== 32 || sigBytes.length !== 64) return { malformed: 'bad key or signature length' };
    for (const r of refs) if (typeof r !== 'string' || !HEX64.test(r)) return { malformed: 'bad ref' };
    delete obj.sig;
    const id = blake3(enc.encode(canonicalize(obj)), { context: CONTEXT });
    return { index, id, key, actor, sigBytes, kind, refs, body };
  };

  // Sync for statements; returns a promise only for a checkpoint line.
  const handleLine = (text) => {
    line++;
    if (text.endsWith('\r')) text = text.slice(0, -1);
    if (text === '') return;
    const s = statement(text);
    if (s.checkpoint) {
      const keys = Object.keys(s.checkpoint);
      if (keys.length !== 1 || typeof s.checkpoint.checkpoint !== 'string') return error('malformed checkpoint line');
      // Every signature before the checkpoint is settled first.
      return settle().then(() => checkpoint(s.checkpoint.checkpoint));
    }
    if (s.malformed) {
      error(`statement ${n} malformed: ${s.malformed}`);
      if (malformedBefore === Infinity) malformedBefore = n;
      pushLeaf(new Uint8Array(32));
      n++;
      return;
    }
    const { index, id, key, actor, sigBytes, kind, refs, body } = s;
    const hex = toHex(id);
    if (ids.has(hex)) error(`statement ${index} is a duplicate`);
    else ids.set(hex, index);
    for (const r of refs) {
      const j = ids.get(r);
      if (j === undefined || j >= index) error(`statement ${index} has a dangling or forward ref`);
    }
    if (index === 0) {
      if (kind !== 'log' || typeof body.origin !== 'string') error('statement 0 is not a log statement');
      else log = { origin: body.origin, key, keyStr: actor };
    }
    pushLeaf(leafHash(id, sigBytes));
    n++;
    pending.push([verifySig(key, actor, id, sigBytes), index, line]);
  };

  const settle = async () => {
    const batch = pending;
    pending = [];
    const ok = await Promise.all(batch.map((p) => p[0]));
    for (let i = 0; i < ok.length; i++) {
      if (!ok[i]) {
        errors++;
        if (firstErrors.length < 20) firstErrors.push(`line ${batch[i][2]}: statement ${batch[i][1]} signature invalid`);
      }
    }
  };

  let carry = '';
  let lastProgress = 0;
  for (;;) {
    const { done, value } = await reader.read();
    const text = done ? carry + dec.decode() : carry + dec.decode(value, { stream: true });
    const lines = text.split('\n');
    carry = done ? '' : lines.pop();
    for (const l of lines) {
      const p = handleLine(l);
      if (p) await p;
    }
    // Signature checks of this chunk run concurrently, then are settled.
    await settle();
    if (onProgress && performance.now() - lastProgress > 250) {
      lastProgress = performance.now();
      onProgress({ statements: n });
    }
    if (done) break;
  }
  await settle();
  if (n === 0) error('no statements');
  const status = errors > 0 ? 'failed' : sealed < n ? 'unsealed' : 'verified';
  return { status, statements: n, checkpoints, errors, firstErrors };
}
