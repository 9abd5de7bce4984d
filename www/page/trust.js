// What this device remembers about logs (localStorage): trust on first use,
// per log origin (the origin names a log):
//  - onus:key:<origin>        the log's vkey, remembered the first time a trace of
//                             that origin did not fail; a different vkey later is a
//                             loud warning (the report is still shown in full).
//  - onus:checkpoint:<origin> {size, root, note, url, seen} of the largest valid
//                             checkpoint seen: its signed note, where it came from and when.
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
 * one this copy is sealed by, with where each came from.
 */
export function evidence(report, trust, src) {
  return {
    onus_evidence: 1,
    kind: trust.rolledBack ? 'rollback' : 'fork',
    origin: report.origin,
    log_key: report.vkey,
    finding: trust.inconsistent,
    held: { size: trust.held.size, root: trust.held.root, note: trust.held.note ?? null, source: trust.held.url ?? null, seen: trust.held.seen ?? null },
    this_copy: { statements: report.statements, sealed: report.sealed ?? null, source: src.url ?? src.label, checked: new Date().toISOString() },
  };
}
