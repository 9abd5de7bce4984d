// What this device remembers about logs (localStorage): trust on first use,
// per log origin (the origin names a log):
//  - onus:key:<origin>        the log's vkey, remembered the first time a trace of
//                             that origin did not fail; a different vkey later is a
//                             loud warning (the report is still shown in full).
//  - onus:checkpoint:<origin> {size, root, note, url, seen} of the largest valid
//                             checkpoint seen: its signed note, where it came from and when.
//  - onus:policy:<origin>     {text, url, quorum, seen}: the trust policy (FORMAT.md
//                             section 9) a trace of that origin was last read under;
//                             passed to the verifier on later visits (pinned), and a
//                             different one given later is a loud warning.
// Every remembered checkpoint is passed as `known` to the verifier; the core
// compares the trace with the one of its own origin and reports
// checkpoint.inconsistent when this copy does not contain it (a fork, or
// statements missing), wherever the copy came from.

const store = {
  get(k) { try { return localStorage.getItem(k); } catch { return null; } },
  set(k, v) { try { localStorage.setItem(k, v); } catch { /* private mode: nothing is remembered */ } },
  json(k) { try { return JSON.parse(this.get(k)); } catch { return null; } },
};

/** origin -> vkey of every remembered log key (for receipts). */
export function rememberedKeys() {
  const out = {};
  try {
    for (let i = 0; i < localStorage.length; i++) {
      const k = localStorage.key(i);
      if (k.startsWith('onus:key:')) out[k.slice(9)] = localStorage.getItem(k);
    }
  } catch { /* nothing remembered */ }
  return out;
}

/** Every remembered checkpoint as the verifier's `known`: [{origin, size, root}]. */
export function knownAll() {
  const out = [];
  try {
    for (let i = 0; i < localStorage.length; i++) {
      const k = localStorage.key(i);
      if (!k.startsWith('onus:checkpoint:')) continue;
      const cp = store.json(k);
      // Only well-formed entries: the core refuses a root that is not 64 hex digits.
      if (cp && Number.isSafeInteger(cp.size) && cp.size > 0 && /^[0-9a-f]{64}$/.test(cp.root)) out.push({ origin: k.slice('onus:checkpoint:'.length), size: cp.size, root: cp.root });
    }
  } catch { /* nothing remembered */ }
  return out;
}

/** The texts of every pinned policy (the core applies the one naming the trace's log). */
export function pinnedPolicies() {
  const out = [];
  try {
    for (let i = 0; i < localStorage.length; i++) {
      const k = localStorage.key(i);
      if (k.startsWith('onus:policy:')) {
        const p = store.json(k);
        if (p && typeof p.text === 'string') out.push(p.text);
      }
    }
  } catch { /* nothing remembered */ }
  return out;
}

/**
 * After a verification: what became of this log's pinned policy. `given`:
 * {text, url} from the address, or null. Returns {pinned (the stored entry or
 * null), change: 'new'|'same'|'changed'|'pinned-used'|null}; a new policy is
 * pinned when the trace did not fail.
 */
export function updatePolicy(report, given) {
  const o = report.origin;
  if (!o) return { pinned: null, change: null };
  const key = `onus:policy:${o}`;
  const pinned = store.json(key);
  if (!given) return { pinned, change: pinned && report.policy ? 'pinned-used' : null };
  if (pinned && pinned.text !== given.text) return { pinned, change: 'changed' };
  if (report.status !== 'failed' && report.policy) {
    store.set(key, JSON.stringify({ text: given.text, url: given.url ?? null, quorum: report.policy.quorum, seen: new Date().toISOString() }));
  }
  return { pinned, change: pinned ? 'same' : 'new' };
}

/** The reader accepts the policy given now for this log in place of the pinned one. */
export function pinPolicy(origin, given, quorum) {
  store.set(`onus:policy:${origin}`, JSON.stringify({ text: given.text, url: given.url ?? null, quorum, seen: new Date().toISOString() }));
}

/** The reader accepts a log's new key: from now on it is the one expected. */
export function rememberKey(origin, vkey) {
  store.set(`onus:key:${origin}`, vkey);
}

/**
 * Compares a finished report with what this device remembers of its log and
 * remembers what is new (a first key; a checkpoint that extends the one held).
 * Returns what the page says about it: {origin, key: 'new'|'unseen'|'same'|'changed',
 * storedKey?, inconsistent (the finding), rolledBack, compared, held, sameSource}.
 */
export function updateTrust(src, report, known) {
  const t = { origin: report.origin, key: null, inconsistent: null, rolledBack: false, compared: null, held: null, sameSource: false };
  if (!report.origin || !report.vkey) return t;
  const o = report.origin;
  const failed = report.status === 'failed';
  const storedKey = store.get(`onus:key:${o}`);
  if (!storedKey) {
    t.key = failed ? 'unseen' : 'new';
    if (!failed) store.set(`onus:key:${o}`, report.vkey);
  } else if (storedKey === report.vkey) {
    t.key = 'same';
  } else {
    t.key = 'changed';
    t.storedKey = storedKey;
  }
  const cp = store.json(`onus:checkpoint:${o}`);
  const mine = (known || []).find((k) => k.origin === o);
  t.inconsistent = report.findings.find((f) => f.code === 'checkpoint.inconsistent') ?? null;
  if (mine) {
    t.compared = mine;
    t.held = cp && cp.size === mine.size && cp.root === mine.root ? cp : mine;
    t.rolledBack = report.statements < mine.size;
    t.sameSource = !!(t.held.url && src.url && t.held.url === src.url);
  }
  const grew = !cp || (mine && !t.inconsistent && report.sealed && report.sealed.size >= cp.size);
  if (!failed && report.sealed && t.key !== 'changed' && grew) {
    store.set(`onus:checkpoint:${o}`, JSON.stringify({
      size: report.sealed.size, root: report.sealed.root, note: report.sealed.note, url: src.url ?? null, seen: new Date().toISOString(),
    }));
  }
  return t;
}

/**
 * The evidence of a fork or a rollback, as a file anyone can check: the
 * checkpoint this device held (with its signed note when it was kept) and the
 * one this copy is sealed by, with where each came from; for a fork of a
 * tiled log, also the core's proof (`onus verify-fork` reads the file).
 */
export function evidence(report, trust, src) {
  return {
    // The core's proof of a fork (onus_fork, log, checkpoints, proof), when it made one.
    ...(report.fork ?? {}),
    onus_evidence: 1,
    kind: trust.rolledBack ? 'rollback' : 'fork',
    origin: report.origin,
    log_key: report.vkey,
    finding: trust.inconsistent,
    held: { size: trust.held.size, root: trust.held.root, note: trust.held.note ?? null, source: trust.held.url ?? null, seen: trust.held.seen ?? null },
    this_copy: { statements: report.statements, sealed: report.sealed ?? null, source: src.url ?? src.label, checked: new Date().toISOString() },
  };
}
