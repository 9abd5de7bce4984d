// The page's main thread: it only renders. Reading and verifying the trace,
// hashing artifacts and checking receipts all happen in worker.js (wasm).
//
// Testing contract: when a verification ends, <html data-onus-status> is
// verified | unsealed | failed and window.onusReport is the report exactly
// as the wasm finish() returned it (the same fields as `onus verify --json`).
// While running: 'running'; after Cancel: 'cancelled'; when loading failed: 'error'.
import { h, clear, fmtInt, fmtBytes, fmtDuration, shortKey, shortHash, percentages, visible } from '../lib/dom.js';
import { Explorer } from './views/explorer.js';

const $ = (id) => document.getElementById(id);
const root = document.documentElement;
const params = new URLSearchParams(location.search);

const state = {
  report: null,
  info: null,
  src: null,
  pinned: (params.get('key') || '').trim(),
  roster: new Map(),
  findingsByIndex: new Map(),
  trust: null,
  openBar: null,
};

function setStatus(s) {
  root.dataset.onusStatus = s;
}

// ---------------------------------------------------------------- storage
// Trust on first use, per log origin (the origin names a log):
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
  keys() {
    const out = {};
    try {
      for (let i = 0; i < localStorage.length; i++) {
        const k = localStorage.key(i);
        if (k.startsWith('onus:key:')) out[k.slice(9)] = localStorage.getItem(k);
      }
    } catch { /* nothing remembered */ }
    return out;
  },
};

function knownAll() {
  const out = [];
  try {
    for (let i = 0; i < localStorage.length; i++) {
      const k = localStorage.key(i);
      if (!k.startsWith('onus:checkpoint:')) continue;
      const cp = store.json(k);
      if (cp && cp.size && cp.root) out.push({ origin: k.slice('onus:checkpoint:'.length), size: cp.size, root: cp.root });
    }
  } catch { /* nothing remembered */ }
  return out;
}

function updateTrust(src, report, known) {
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
function evidence(report, trust, src) {
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

function downloadJson(name, value) {
  const blob = new Blob([`${JSON.stringify(value, null, 2)}\n`], { type: 'application/json' });
  const url = URL.createObjectURL(blob);
  const a = h('a', { href: url, download: name, hidden: true });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

// ---------------------------------------------------------------- worker
let worker = null;
let seq = 0;
const waiting = new Map();
let run = null;

function spawn() {
  worker = new Worker(new URL('../engine/worker.js', import.meta.url), { type: 'module' });
  worker.onmessage = (e) => onWorkerMessage(e.data);
  worker.onerror = (e) => {
    e.preventDefault?.();
    const message = e.message || 'the background worker failed to load';
    if (run) loadFailed({ kind: 'fatal', message }, run.src);
    for (const w of waiting.values()) w.reject(new Error(message));
    waiting.clear();
  };
}

function restart() {
  worker?.terminate();
  for (const w of waiting.values()) w.reject(new Error('the verifier was restarted'));
  waiting.clear();
  run = null;
  spawn();
}

function ask(op, args = {}, onProgress = null) {
  const id = ++seq;
  return new Promise((resolve, reject) => {
    waiting.set(id, { resolve, reject, onProgress });
    worker.postMessage({ type: 'query', id, op, ...args });
  });
}

function onWorkerMessage(msg) {
  const mine = run && msg.id === run.id;
  switch (msg.type) {
    case 'progress': if (mine) showProgress(msg); break;
    case 'done': if (mine) finished(msg); break;
    case 'load-error':
      if (mine) loadFailed(msg.error, run.src);
      // Out of memory leaves the worker's wasm instance spent, as a panic does.
      if (msg.error?.kind === 'memory') restart();
      break;
    case 'fatal':
    case 'panic': {
      const err = { kind: msg.type, message: msg.message };
      if (mine) loadFailed(err, run.src);
      else if (waiting.has(msg.id)) {
        waiting.get(msg.id).reject(new Error(msg.message));
        waiting.delete(msg.id);
        showPanicBanner(err);
      }
      // The instance that panicked cannot be trusted with anything else.
      if (msg.type === 'panic') restart();
      break;
    }
    case 'hash-progress': waiting.get(msg.id)?.onProgress?.(msg); break;
    case 'answer': {
      const w = waiting.get(msg.id);
      if (!w) break;
      waiting.delete(msg.id);
      if (msg.error) w.reject(new Error(msg.error)); else w.resolve(msg.result);
      break;
    }
  }
}

// ---------------------------------------------------------------- loading
function urlSource(raw) {
  let url;
  try {
    url = new URL(raw.trim(), location.href);
  } catch {
    return { error: { kind: 'badurl', message: raw } };
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return { error: { kind: 'badurl', message: raw } };
  return { kind: 'url', url: url.href, name: url.href, label: url.origin === location.origin ? url.pathname.split('/').pop() || url.href : url.href };
}

function fileSource(file) {
  return { kind: 'blob', blob: file, name: `file:${file.name}`, label: file.name || 'the file', size: file.size };
}

function textSource(text) {
  const blob = new Blob([text], { type: 'text/plain' });
  return { kind: 'blob', blob, name: 'paste', label: 'the pasted text', size: blob.size };
}

function startVerify(src, { known } = {}) {
  if (src.error) { resetResults(); loadFailed(src.error, src); return; }
  if (run) restart();
  resetResults();
  const id = ++seq;
  known = known ?? knownAll();
  run = { id, src, known, started: performance.now() };
  state.src = src;
  setStatus('running');
  $('load').hidden = true;
  $('sourcebar').hidden = false;
  $('src-name').textContent = visible(src.label);
  $('download').hidden = true;
  $('progress').hidden = false;
  $('progress-name').textContent = visible(src.label);
  $('progress-text').textContent = 'Starting the verifier…';
  $('progress-fill').style.width = '0%';
  $('progress-bar').classList.add('indeterminate');
  $('progress-bar').removeAttribute('aria-valuenow');
  const wsrc = src.kind === 'url' ? { kind: 'url', url: src.url } : src.kind === 'held' ? { kind: 'held' } : { kind: 'blob', blob: src.blob };
  worker.postMessage({ type: 'verify', id, src: wsrc, key: state.pinned || undefined, known: known || undefined });
}

function resetResults() {
  state.report = null;
  state.info = null;
  state.openBar = null;
  window.onusReport = undefined;
  for (const id of ['error', 'accountability', 'votes', 'findings', 'explorer', 'progress']) $(id).hidden = true;
  clear($('verdict'));
  clear($('banners'));
  clear($('error'));
  clear($('incidents'));
  clear($('artifact-result'));
  explorer.load(0);
}

function showProgress(p) {
  const bar = $('progress-bar');
  const secs = p.elapsed / 1000;
  const rate = secs > 0.05 ? p.statements / secs : 0;
  const parts = [];
  if (p.total) {
    const pct = Math.min(100, (p.bytes / p.total) * 100);
    bar.classList.remove('indeterminate');
    $('progress-fill').style.width = `${pct}%`;
    bar.setAttribute('aria-valuenow', String(Math.round(pct)));
    bar.setAttribute('aria-valuetext', `${Math.round(pct)}%, ${fmtInt(p.statements)} statements`);
    parts.push(`${fmtBytes(p.bytes)} of ${fmtBytes(p.total)}`);
  } else {
    bar.classList.add('indeterminate');
    bar.setAttribute('aria-valuetext', `${fmtBytes(p.bytes)} read, ${fmtInt(p.statements)} statements`);
    parts.push(`${fmtBytes(p.bytes)} read`);
  }
  bar.dataset.bytes = String(p.bytes);
  bar.dataset.statements = String(p.statements);
  parts.push(`${fmtInt(p.statements)} statements`);
  if (rate) parts.push(`${fmtInt(Math.round(rate))} statements/s`);
  if (p.total && p.bytes > 0 && secs > 0.3 && p.bytes < p.total) {
    const left = ((p.total - p.bytes) / (p.bytes / secs)) * 1000;
    parts.push(`about ${fmtDuration(left)} left`);
  }
  $('progress-text').textContent = parts.join(' · ');
}

function cancel() {
  if (!run) return;
  const src = run.src;
  restart();
  $('progress').hidden = true;
  clear($('verdict')).append(h('div', { class: 'verdict cancelled' },
    h('p', { class: 'verdict-word' }, 'Cancelled'),
    h('p', { class: 'verdict-sentence' }, `You stopped checking ${src.label}. Nothing was concluded about it.`),
    h('p', null, h('button', { type: 'button', class: 'button', onclick: () => startVerify(src) }, 'Check it again'))));
  setStatus('cancelled');
}

const HTTP_TEXT = { 400: 'Bad Request', 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found', 410: 'Gone', 429: 'Too Many Requests', 500: 'Internal Server Error', 502: 'Bad Gateway', 503: 'Service Unavailable', 504: 'Gateway Timeout' };

function describeError(err, src) {
  const where = src && src.url ? src.url : src?.label || 'the trace';
  switch (err.kind) {
    case 'http': {
      const text = err.statusText || HTTP_TEXT[err.status] || '';
      const head = `HTTP ${err.status}${text ? ` ${text}` : ''}`;
      if (err.status === 404 || err.status === 410) {
        return { title: `Trace not found (${head})`, text: `The server answered “${head}” for ${where}.`, hint: 'Check the link for a typo, or ask whoever shared it for the current address of the trace.' };
      }
      if (err.status === 401 || err.status === 403) {
        return { title: `Access refused (${head})`, text: `The server would not send ${where}.`, hint: 'It may need a login, which this page does not do. Download the trace yourself and open it here with “Choose a trace file”.' };
      }
      if (err.status >= 500) {
        return { title: `The server failed (${head})`, text: `The server hosting ${where} had a problem of its own.`, hint: 'Try again in a moment; if it persists, tell the publisher.' };
      }
      return { title: `The server answered ${head}`, text: `Fetching ${where} did not succeed.`, hint: 'Check the link, or download the trace and open it here as a file.' };
    }
    case 'network':
      return {
        title: 'The trace could not be fetched',
        text: `Your browser could not read ${where}: the network may be down, the address may be wrong, or the server does not allow other sites to read the file (CORS).`,
        hint: 'If you run that server, send the header “Access-Control-Allow-Origin: *” with the trace. Otherwise download the file and open it here with “Choose a trace file”, or drop it on the page.',
      };
    case 'read':
      return { title: 'The download broke off', text: `The connection closed before the whole trace arrived (${err.message}).`, hint: 'Try again; nothing was concluded about the trace.' };
    case 'badurl':
      return { title: 'That is not a link to a trace', text: `“${err.message}” is not an http or https address.`, hint: 'Paste the full address of the trace file, e.g. https://example.org/trace.jsonl.' };
    case 'options':
      return { title: 'The pinned log key cannot be used', text: err.message, hint: 'The key= parameter must be the log’s verifier key (origin+keyid+base64, as `onus keygen` prints it) or its base64url public key.' };
    case 'memory':
      return {
        title: 'This trace is too large for this browser',
        text: `Checking ${where} needed more memory than this browser gives the page. Nothing was concluded about the trace.`,
        hint: 'Check it with the command line instead, which reads it as a stream with little memory: onus verify followed by the trace’s address or file. Or open this page on a computer with more memory, in a 64-bit browser.',
      };
    case 'panic':
      return { title: 'The verifier stopped on an internal error', text: `Onus hit a bug and stopped: “${err.message}”.`, hint: 'This says nothing about whether the trace is good or bad. Please report it (with the trace if you can); the page has restarted its verifier.' };
    case 'fatal':
      return { title: 'The verifier could not start', text: err.message, hint: 'This page needs WebAssembly and module workers (any current browser). If you host it, serve .wasm files as application/wasm.' };
    default:
      return { title: 'Something went wrong', text: err.message || String(err), hint: 'Try again; if it persists, please report it.' };
  }
}

function loadFailed(err, src) {
  run = null;
  $('progress').hidden = true;
  const { title, text, hint } = describeError(err, src);
  const box = clear($('error'));
  box.append(h('h2', null, title), h('p', null, text), h('p', { class: 'hint' }, hint));
  if (src && !src.error && err.kind !== 'options') {
    box.append(h('p', null, h('button', { type: 'button', class: 'button', onclick: () => startVerify(src) }, 'Try again'),
      ' ', h('button', { type: 'button', class: 'button subtle', onclick: showLoad }, 'Check another trace')));
  } else {
    box.append(h('p', null, h('button', { type: 'button', class: 'button', onclick: showLoad }, 'Check another trace')));
  }
  box.dataset.kind = err.kind === 'http' ? `http-${err.status}` : err.kind;
  box.hidden = false;
  setStatus('error');
}

function showPanicBanner(err) {
  const { title, text, hint } = describeError(err);
  $('banners').append(h('div', { class: 'banner danger', role: 'alert' }, h('strong', null, title), h('p', null, text), h('p', null, hint)));
}

function showLoad() {
  $('load').hidden = false;
  $('url-input').focus();
}

// ---------------------------------------------------------------- the report
/** A key's roster name; the log's own key is called the log key. */
const nameOf = (key) => {
  if (!key) return null;
  const m = state.roster.get(key);
  if (m) return m.name;
  return state.report && key === state.report.log_key ? 'log key' : null;
};
const who = (key) => (key ? nameOf(key) ?? shortKey(key) : 'nobody');

/** What each error code means for the reader, in a few words. */
const WHY = {
  'trace.empty': 'it contains no statements',
  'statement.malformed': 'some lines are not valid statements',
  'statement.signature.invalid': 'some statements were changed after signing, or not signed by their actor',
  'log.genesis.invalid': 'it does not start with a valid log statement',
  'log.key.mismatch': 'it is signed by a different log key than the one you pinned',
  'ref.dangling': 'some statements refer to statements missing from the log',
  'ref.forward': 'some statements refer to later ones, which honest signers cannot do',
  'checkpoint.malformed': 'a checkpoint is not readable',
  'checkpoint.origin.mismatch': 'a checkpoint belongs to another log',
  'checkpoint.signature.missing': 'a checkpoint is not signed by the log key',
  'checkpoint.signature.invalid': 'a checkpoint’s signature does not verify',
  'checkpoint.size.ahead': 'a checkpoint claims more statements than precede it',
  'checkpoint.root.mismatch': 'the statements do not hash to what the log operator signed: something was changed, removed, added or reordered',
  'checkpoint.uncheckable': 'a checkpoint covers an unreadable statement',
  'checkpoint.inconsistent': 'it does not contain the log you saw before: statements it had committed to are missing, or its history differs',
};

function verdictSentence(r) {
  const n = fmtInt(r.statements);
  if (r.status === 'verified') {
    const extra = r.counts.warning ? ` ${fmtInt(r.counts.warning)} ${r.counts.warning === 1 ? 'warning' : 'warnings'} below ${r.counts.warning === 1 ? 'is' : 'are'} worth a look.` : '';
    return `Every statement is signed by its actor, nothing was changed, and the log operator signed checkpoints covering all ${n} statements.${extra}`;
  }
  if (r.status === 'unsealed') {
    const sealed = r.sealed ? r.sealed.size : 0;
    const open = r.statements - sealed;
    return `Every statement is signed by its actor and nothing was found changed, but ${fmtInt(open)} of ${n} statements ${sealed ? `(from #${fmtInt(sealed)} on) ` : ''}are not yet covered by a checkpoint signed by the log operator, so they could still be rewritten without a trace. Treat them as provisional.`;
  }
  const e = r.counts.error;
  return `Do not rely on this trace. ${fmtInt(e)} ${e === 1 ? 'error is' : 'errors are'} listed below, with where ${e === 1 ? 'it was' : 'they were'} found.`;
}

/** The distinct reasons a trace failed, in words (most important first, as the findings come). */
function failReasons(r) {
  const codes = [...new Set(r.findings.filter((f) => f.severity === 'error').map((f) => f.code))];
  return codes.map((c) => {
    const text = WHY[c] || c;
    return `${text[0].toUpperCase()}${text.slice(1)}.`;
  });
}

const VERDICT = {
  verified: { word: 'Verified', icon: '✓' },
  unsealed: { word: 'Unsealed', icon: '!' },
  failed: { word: 'Failed', icon: '✗' },
};

function renderVerdict(r, info, src, trust) {
  const v = VERDICT[r.status];
  const box = h('div', { class: `verdict ${r.status}` });
  box.append(h('div', { class: 'verdict-head' },
    h('span', { class: 'verdict-icon', 'aria-hidden': 'true' }, v.icon),
    h('h2', { class: 'verdict-word', id: 'verdict-word' }, v.word)));
  if (info.html && r.status === 'failed') {
    box.append(h('p', { class: 'not-a-trace', role: 'note' },
      h('strong', null, 'This is not a trace: '),
      `${src.label} is a web page (HTML), not a JSON Lines trace. The link probably points at a page about the trace; look for its “raw” or download link (usually ending in .jsonl).`));
  } else if (info.empty) {
    box.append(h('p', { class: 'not-a-trace', role: 'note' }, h('strong', null, 'This is empty: '), `${src.label} has no content at all.`));
  }
  box.append(h('p', { class: 'verdict-sentence' }, verdictSentence(r)));
  if (r.status === 'failed') {
    box.append(h('ul', { class: 'fail-reasons' }, failReasons(r).map((t) => h('li', null, t))));
  }
  const dl = h('dl', { class: 'facts' });
  const fact = (k, ...vals) => dl.append(h('div', { class: `fact${k === 'Log key' ? ' wide' : ''}` }, h('dt', null, k), h('dd', null, ...vals)));
  fact('Log', r.origin ? h('span', { class: 'origin' }, r.origin) : h('span', { class: 'muted' }, 'unknown (no valid first statement)'));
  if (r.vkey) {
    const keyNote = state.pinned && !r.findings.some((f) => f.code === 'log.key.mismatch') ? 'matches the key you pinned'
      : trust.key === 'same' ? 'same key as on your earlier visits'
        : trust.key === 'new' ? 'first time seen here: remembered on this device'
          : trust.key === 'changed' ? 'DIFFERENT from the key you saw before' : null;
    fact('Log key', h('code', { class: 'hex' }, r.vkey), keyNote ? h('span', { class: `key-note ${trust.key === 'changed' ? 'bad-text' : 'muted'}` }, keyNote) : null);
  }
  fact('Statements', fmtInt(r.statements));
  fact('Checkpoints', `${fmtInt(r.checkpoints)}${r.sealed ? ` · the latest valid one covers ${fmtInt(r.sealed.size)}` : ' · none valid'}`);
  if (trust.compared && !trust.inconsistent) fact('History', `extends the copy you saw before (${fmtInt(trust.compared.size)} statements)`);
  const secs = info.elapsed / 1000;
  const showRate = secs > 0 && (r.statements >= 1000 || secs >= 0.5);
  fact('Checked', `${fmtBytes(info.bytes)} in ${fmtDuration(info.elapsed)}${showRate ? ` (${fmtInt(Math.round(r.statements / secs))} statements/s)` : ''}`);
  box.append(dl);
  box.dataset.elapsed = String(Math.round(info.elapsed));
  clear($('verdict')).append(box);
}

function renderBanners(r, trust, src) {
  const box = $('banners');
  if (trust.key === 'changed') {
    const b = h('div', { class: 'banner danger', role: 'alert', id: 'key-warning' },
      h('strong', { class: 'banner-title' }, '⚠ This log’s key has changed'),
      h('p', null, `Before, the log “${r.origin}” was signed by `, h('code', { class: 'hex' }, trust.storedKey), '.'),
      h('p', null, 'This trace is signed by ', h('code', { class: 'hex' }, r.vkey), '.'),
      h('p', null, 'Either the operator changed its key (ask them, through a channel you trust) or someone is publishing a different log under the same name. Everything below is checked against the new key, so it cannot tell you which.'));
    b.append(h('p', null, h('button', {
      type: 'button', class: 'button subtle', onclick: () => {
        store.set(`onus:key:${r.origin}`, r.vkey);
        b.replaceWith(h('div', { class: 'banner info', role: 'status' }, `From now on, “${r.origin}” is expected to be signed by the new key.`));
      },
    }, 'I trust the new key')));
    box.append(b);
  }
  if (trust.inconsistent && trust.held) {
    const held = trust.held;
    const when = held.seen ? ` on ${new Date(held.seen).toLocaleString()}` : '';
    const from = held.url ? ` at ${held.url}` : '';
    const save = h('button', { type: 'button', class: 'button', id: 'evidence-download', onclick: () => downloadJson(`onus-evidence-${(r.origin || 'log').replace(/[^a-zA-Z0-9.-]+/g, '_')}.json`, evidence(r, trust, src)) }, 'Download the evidence (both checkpoints)');
    if (trust.rolledBack) {
      const missing = held.size - r.statements;
      box.append(h('div', { class: 'banner danger', role: 'alert', id: 'rollback-warning' },
        h('strong', { class: 'banner-title' }, trust.sameSource ? '⚠ This log was rolled back' : '⚠ Statements are missing from this copy'),
        h('p', null, `You saw “${r.origin}”${when}${from} with ${fmtInt(held.size)} statements, under a checkpoint its operator signed. This copy has only ${fmtInt(r.statements)}: ${fmtInt(missing)} ${missing === 1 ? 'statement' : 'statements'} the log had committed to ${missing === 1 ? 'is' : 'are'} gone.`),
        h('p', null, trust.sameSource
          ? 'The same address served the longer log before, so its operator rolled the log back: it took back what it had signed. A log only ever grows; this is not an accident a reader should accept.'
          : 'This may be an old copy of the log, or the log was rolled back. Get the current log from its publisher and check it again; if that is shorter too, the operator took back what it had signed.'),
        h('p', null, 'Keep the evidence: the checkpoint you held, signed by the log key, and this copy’s own checkpoint together show what was taken back. ', save)));
    } else {
      box.append(h('div', { class: 'banner danger', role: 'alert', id: 'fork-warning' },
        h('strong', { class: 'banner-title' }, '⚠ Fork: two different histories of the same log'),
        h('p', null, `You saw “${r.origin}” before with ${fmtInt(held.size)} statements and root `, h('code', { class: 'hex' }, shortHash(held.root, 16)), `${when}${from}. This copy has a different history up to that point.`),
        h('p', null, 'Keep the evidence: together the two checkpoints show that the log operator showed different histories of one log. ', save)));
    }
  }

}

const BARS = [
  { cat: 'detected_only', label: 'Knowing what went wrong', desc: 'Detected (a signed fault or failed attest), but nobody took responsibility.' },
  { cat: 'responsibility_only', label: 'Someone taking responsibility', desc: 'Someone stepped forward without a signed detection.' },
  { cat: 'both', label: 'Both are essential', desc: 'Detected, and someone took responsibility.' },
  { cat: 'silent', label: 'Neither', desc: 'Anomalies the verifier found itself that nobody signed.' },
];

function renderAccountability(r) {
  const counts = BARS.map((b) => r.accountability[b.cat] ?? 0);
  const pcts = percentages(counts);
  const total = counts.reduce((a, b) => a + b, 0);
  const max = Math.max(...counts);
  const poll = clear($('poll'));
  BARS.forEach((b, k) => {
    const leading = max > 0 && counts[k] === max;
    const btn = h('button', {
      type: 'button', class: `pbar${leading ? ' leading' : ''}`, 'aria-pressed': 'false', 'data-cat': b.cat,
      'aria-label': `${b.label}: ${pcts[k]} percent, ${counts[k]} ${counts[k] === 1 ? 'incident' : 'incidents'}${leading ? ', the most' : ''}. Show them.`,
      onclick: () => toggleBar(b, btn),
    },
    h('span', { class: 'pbar-fill', style: { width: `${pcts[k]}%` } }),
    h('span', { class: 'pbar-label' }, b.label, leading ? h('span', { class: 'lead-mark', 'aria-hidden': 'true' }, ' ✓') : null),
    h('span', { class: 'pbar-value' }, h('span', { class: 'pbar-pct' }, `${pcts[k]}%`), h('span', { class: 'pbar-count' }, ` · ${fmtInt(counts[k])}`)));
    poll.append(btn);
  });
  $('poll-meta').textContent = `${fmtInt(total)} ${total === 1 ? 'incident' : 'incidents'} · ${r.status}`;
  $('poll-note').hidden = r.status !== 'failed';
  $('poll-meta').className = `poll-meta ${r.status}`;
  $('accountability').hidden = false;
}

function toggleBar(bar, btn) {
  const list = clear($('incidents'));
  for (const b of $('poll').querySelectorAll('.pbar')) b.setAttribute('aria-pressed', 'false');
  if (state.openBar === bar.cat) { state.openBar = null; return; }
  state.openBar = bar.cat;
  btn.setAttribute('aria-pressed', 'true');
  const items = state.report.incidents.filter((i) => i.category === bar.cat);
  list.append(h('h3', { class: 'incidents-title', tabindex: '-1' }, `${bar.label}: ${fmtInt(items.length)} ${items.length === 1 ? 'incident' : 'incidents'}`),
    h('p', { class: 'sub' }, bar.desc));
  if (!items.length) { list.append(h('p', { class: 'muted' }, 'None in this trace.')); return; }
  const ul = h('ul', { class: 'incident-list' });
  list.append(ul);
  let shown = 0;
  const more = h('button', { type: 'button', class: 'button subtle' });
  const showMore = () => {
    const next = items.slice(shown, shown + 50);
    next.forEach((inc) => ul.append(incidentCard(inc)));
    shown += next.length;
    if (shown < items.length) { more.textContent = `Show ${fmtInt(Math.min(50, items.length - shown))} more of ${fmtInt(items.length - shown)}`; } else more.remove();
  };
  more.addEventListener('click', showMore);
  list.append(more);
  showMore();
  list.querySelector('.incidents-title').focus({ preventScroll: true });
}

function incidentState(inc) {
  if (inc.category === 'silent') return { cls: 'silent', text: 'Nobody signed' };
  if (inc.resolved) return { cls: 'resolved', text: 'Resolved' };
  if (inc.disputed) return { cls: 'disputed', text: 'Disputed' };
  if (inc.stepped_forward) return { cls: 'accepted', text: 'Accepted, not resolved' };
  return { cls: 'open', text: 'Open' };
}

function incidentCard(inc) {
  const st = incidentState(inc);
  const first = inc.statements[0];
  const what = inc.what.replace(/-/g, ' ').replace(/^./, (c) => c.toUpperCase());
  const body = h('div', { class: 'incident-body', hidden: true });
  const head = h('button', { type: 'button', class: 'incident-head', 'aria-expanded': 'false' },
    h('span', { class: 'incident-what' }, what),
    h('span', { class: 'incident-who' }, inc.blame ? `blamed: ${who(inc.blame)}` : 'no one blamed',
      inc.stepped_forward ? ` · stepped forward: ${who(inc.stepped_forward)}${inc.stepped_forward_role === 'party_at_fault' ? ' (the party at fault)' : ''}` : ''),
    h('span', { class: `pill ${st.cls}` }, st.text));
  let loaded = false;
  head.addEventListener('click', async () => {
    const open = head.getAttribute('aria-expanded') !== 'true';
    head.setAttribute('aria-expanded', String(open));
    body.hidden = !open;
    if (open && !loaded) { loaded = true; await fillIncident(inc, body); }
  });
  return h('li', { class: 'incident', 'data-first': String(first) }, head, body);
}

const STEP = { request: 'Request', model: 'Model', compute: 'Compute', attest: 'Attest', fault: 'Fault', accept: 'Accept', resolve: 'Resolve', roster: 'Roster', log: 'Log', poll: 'Poll', vote: 'Vote' };

/** A few words from a statement's body, for the timeline (display only). */
function stepDetail(kind, pretty) {
  let body;
  try { body = JSON.parse(pretty).body; } catch { return ''; }
  if (!body || typeof body !== 'object') return '';
  const s = (x) => (typeof x === 'string' ? x : '');
  switch (kind) {
    case 'request': return s(body.model) ? `model ${s(body.model)}` : '';
    case 'compute': return s(body.output) ? `output ${shortHash(s(body.output), 10)}` : '';
    case 'attest': return [s(body.method), s(body.verdict) && `verdict: ${s(body.verdict)}`].filter(Boolean).join(', ');
    case 'fault': return [s(body.what), body.blame && `blames ${who(s(body.blame))}`].filter(Boolean).join(', ');
    case 'accept': return [s(body.remedy), s(body.amount)].filter(Boolean).join(' · ');
    case 'resolve': return s(body.outcome) ? `outcome: ${s(body.outcome)}` : '';
    default: return '';
  }
}

async function fillIncident(inc, body) {
  const summary = h('dl', { class: 'facts compact incident-facts' });
  const fact = (k, ...v) => summary.append(h('dt', null, k), h('dd', null, ...v));
  fact('What went wrong', inc.what);
  fact('Blamed', inc.blame ? h('span', null, h('strong', null, who(inc.blame)), roleText(inc.blame)) : h('span', { class: 'muted' }, 'nobody'));
  if (inc.stepped_forward) {
    fact('Stepped forward', h('strong', null, who(inc.stepped_forward)), roleText(inc.stepped_forward), ' — ',
      inc.stepped_forward_role === 'party_at_fault' ? 'the party at fault' : 'someone else, not the party at fault');
  } else {
    fact('Stepped forward', h('span', { class: 'muted' }, 'nobody yet'));
  }
  if (inc.remedy) fact('Remedy', inc.remedy, inc.amount ? ` · ${inc.amount}` : '');
  fact('Status', inc.resolved ? 'resolved: the harmed party confirmed it is done' : inc.disputed ? 'disputed: the remedy was contested' : inc.stepped_forward ? 'accepted, not yet resolved' : inc.category === 'silent' ? 'found by the verifier; nobody signed anything about it' : 'open: nobody has taken responsibility');
  body.append(summary);
  const ol = h('ol', { class: 'timeline', 'aria-label': 'What happened, in log order' });
  body.append(ol);
  let views;
  try {
    views = await ask('views', { indexes: inc.statements });
  } catch (err) {
    ol.append(h('li', { class: 'muted' }, `The statements cannot be shown: ${err.message}`));
    return;
  }
  inc.statements.forEach((i, k) => {
    const v = views[k];
    const kind = v?.view?.kind ?? v?.row?.kind ?? '?';
    ol.append(h('li', { class: `step step-${kind}` },
      h('span', { class: 'step-dot', 'aria-hidden': 'true' }),
      h('span', { class: 'step-kind' }, STEP[kind] ?? kind),
      h('span', { class: 'step-who' }, v?.view?.actor ? who(v.view.actor) : ''),
      h('span', { class: 'step-detail' }, v?.view?.pretty ? stepDetail(kind, v.view.pretty) : ''),
      h('span', { class: 'step-time' }, v?.view?.time ? v.view.time.replace('T', ' ').replace('Z', ' UTC') : ''),
      h('button', { type: 'button', class: 'link', onclick: () => openStatement(i), 'aria-label': `Open statement ${i} in the explorer` }, `#${i}`)));
  });
}

function roleText(key) {
  const m = state.roster.get(key);
  return m ? ` (${m.role})` : '';
}

function renderVotes(r) {
  const list = clear($('votes-list'));
  if (!r.polls.length) { $('votes').hidden = true; return; }
  for (const p of r.polls) {
    const pcts = percentages(p.counts);
    const max = Math.max(...p.counts);
    const ul = h('ul', { class: 'vote-bars' });
    p.options.forEach((o, k) => ul.append(h('li', { class: `vbar${max > 0 && p.counts[k] === max ? ' leading' : ''}` },
      h('span', { class: 'pbar-fill', style: { width: `${pcts[k]}%` } }),
      h('span', { class: 'pbar-label' }, o),
      h('span', { class: 'pbar-value' }, `${pcts[k]}% · ${fmtInt(p.counts[k])}`))));
    const notes = [`${fmtInt(p.voters)} ${p.voters === 1 ? 'voter' : 'voters'}`, `closes ${p.closes.replace('T', ' ').replace('Z', ' UTC')}`];
    if (p.superseded) notes.push(`${fmtInt(p.superseded)} earlier ${p.superseded === 1 ? 'vote' : 'votes'} replaced by a later one`);
    if (p.late) notes.push(`${fmtInt(p.late)} late ${p.late === 1 ? 'vote' : 'votes'} not counted`);
    list.append(h('div', { class: 'vote' }, h('h3', null, p.question), ul,
      h('p', { class: 'poll-meta' }, notes.join(' · '), ' · ', h('button', { type: 'button', class: 'link', onclick: () => openStatement(p.index) }, `poll #${p.index}`))));
  }
  $('votes').hidden = false;
}

const SEVERITIES = [
  { sev: 'error', title: 'Errors', blurb: 'Each one makes the trace fail.' },
  { sev: 'warning', title: 'Warnings', blurb: 'The trace still holds, but these deserve a look.' },
  { sev: 'info', title: 'Information', blurb: '' },
];

function renderFindings(r) {
  const box = clear($('findings-list'));
  if (!r.findings.length) {
    box.append(h('p', { class: 'muted' }, 'Nothing to report: no errors, warnings or notes.'));
  }
  for (const s of SEVERITIES) {
    const items = r.findings.filter((f) => f.severity === s.sev);
    if (!items.length) continue;
    const ul = h('ul', { class: 'finding-list' });
    const det = h('details', { class: `group sev-${s.sev}`, open: items.length <= 20 ? true : null, 'data-severity': s.sev },
      h('summary', null, h('span', { class: 'sev-dot', 'aria-hidden': 'true' }), `${s.title} (${fmtInt(r.counts[s.sev] ?? items.length)})`, s.blurb ? h('span', { class: 'muted' }, ` — ${s.blurb}`) : null),
      ul);
    // The core lists the first findings of each code and counts the rest.
    const omitted = (r.findings_omitted || []).filter((o) => o.severity === s.sev);
    if (omitted.length) {
      det.append(h('p', { class: 'muted omitted' }, omitted.map((o) => `${fmtInt(o.count)} more ${o.code} not listed`).join(' · '),
        ' (the report lists the first findings of each kind and counts the rest).'));
    }
    let shown = 0;
    const more = h('button', { type: 'button', class: 'button subtle more' });
    const showMore = () => {
      const next = items.slice(shown, shown + 100);
      for (const f of next) ul.append(findingItem(f));
      shown += next.length;
      if (shown < items.length) more.textContent = `Show ${fmtInt(Math.min(100, items.length - shown))} more (${fmtInt(items.length - shown)} left)`;
      else more.remove();
    };
    more.addEventListener('click', showMore);
    det.append(more);
    showMore();
    box.append(det);
  }
  $('findings').hidden = false;
}

function findingItem(f) {
  const where = [];
  if (f.line) where.push(`line ${fmtInt(f.line)}`);
  if (f.index != null) where.push(`statement #${fmtInt(f.index)}`);
  return h('li', { class: `finding sev-${f.severity}`, 'data-code': f.code },
    h('div', { class: 'finding-head' }, h('code', { class: 'code' }, f.code),
      where.length ? h('span', { class: 'where' }, where.join(' · ')) : null,
      f.index != null && f.index < (state.report?.statements ?? 0)
        ? h('button', { type: 'button', class: 'link', onclick: () => openStatement(f.index), 'aria-label': `Open statement ${f.index} in the explorer` }, 'Open statement')
        : null),
    h('p', { class: 'finding-message' }, f.message));
}

function openStatement(i) {
  $('explorer').scrollIntoView({ behavior: 'smooth', block: 'start' });
  explorer.select(i, { focus: true });
}

function finished({ report, info }) {
  const { src, known } = run;
  run = null;
  $('progress').hidden = true;
  state.report = report;
  state.info = info;
  state.roster = new Map(report.roster.map((m) => [m.key, m]));
  state.findingsByIndex = new Map();
  for (const f of report.findings) {
    if (f.index == null) continue;
    if (!state.findingsByIndex.has(f.index)) state.findingsByIndex.set(f.index, []);
    state.findingsByIndex.get(f.index).push(f);
  }
  const trust = updateTrust(src, report, known);
  state.trust = trust;
  renderVerdict(report, info, src, trust);
  renderBanners(report, trust, src);
  // Not a log at all (a web page, no valid first statement): no accountability to show.
  if (report.origin != null && !info.html) renderAccountability(report);
  renderVotes(report);
  renderFindings(report);
  $('explorer').hidden = report.statements === 0;
  explorer.load(report.statements);
  $('download').hidden = false;
  window.onusReport = report;
  setStatus(report.status);
}

// ---------------------------------------------------------------- tools
async function checkArtifact({ file, hash }) {
  const out = clear($('artifact-result'));
  const bar = h('div', { class: 'bar small', role: 'progressbar', 'aria-label': 'Hashing progress', 'aria-valuemin': '0', 'aria-valuemax': '100' }, h('div', { class: 'bar-fill' }));
  const text = h('p', { class: 'muted' }, file ? `Hashing ${file.name}…` : 'Looking…');
  if (file) out.append(bar);
  out.append(text);
  let res;
  try {
    res = await ask('committingTo', file ? { file } : { hash }, (p) => {
      const pct = p.total ? (p.bytes / p.total) * 100 : 0;
      bar.firstChild.style.width = `${pct}%`;
      bar.setAttribute('aria-valuenow', String(Math.round(pct)));
      text.textContent = `Hashing ${file.name}: ${fmtBytes(p.bytes)} of ${fmtBytes(p.total)}`;
    });
  } catch (err) {
    clear(out).append(h('p', { class: 'bad-text' }, `That did not work: ${err.message}.`));
    return;
  }
  clear(out);
  out.append(h('p', null, file ? `${file.name} (${fmtBytes(file.size)}) has BLAKE3 hash ` : 'BLAKE3 hash ', h('code', { class: 'hex', id: 'artifact-hash' }, res.hash)));
  if (res.indexes == null) {
    out.append(h('p', { class: 'muted' }, 'Check a trace to see which of its statements commit to it.'));
    return;
  }
  if (!res.indexes.length) {
    out.append(h('p', { class: 'result-line none' }, 'No statement in this trace commits to this file.'));
    return;
  }
  const n = res.indexes.length;
  out.append(h('p', { class: 'result-line found' }, `${fmtInt(n)} ${n === 1 ? 'statement commits' : 'statements commit'} to it:`));
  const ul = h('ul', { class: 'commit-list' });
  res.rows.forEach((r) => ul.append(h('li', null, h('button', { type: 'button', class: 'link', onclick: () => openStatement(r.index) }, `#${r.index}`),
    ` ${r.kind} by ${r.actor ? who(r.actor) : '?'}`)));
  if (n > res.rows.length) ul.append(h('li', { class: 'muted' }, `and ${fmtInt(n - res.rows.length)} more`));
  out.append(ul);
}

async function checkReceipt({ text, file }) {
  const out = clear($('receipt-result'));
  out.append(h('p', { class: 'muted' }, 'Checking…'));
  let res;
  try {
    res = await ask('receipt', { text, file, pinned: state.pinned || undefined, keys: store.keys() });
  } catch (err) {
    clear(out).append(h('p', { class: 'bad-text' }, `The receipt could not be checked: ${err.message}.`));
    return;
  }
  const r = res.result;
  clear(out);
  const what = r.index != null ? `Statement #${fmtInt(r.index)}${r.kind ? ` (${r.kind}${r.actor ? ` by ${nameOf(r.actor) ?? shortKey(r.actor)}` : ''})` : ''}` : 'The statement';
  let word, sentence;
  if (r.status === 'verified') {
    word = 'Receipt verified';
    sentence = `${what} is in the log “${r.origin}”: it is entry ${fmtInt(r.index)} of the ${fmtInt(r.size)} statements of a checkpoint signed by the log key ${state.pinned ? 'you pinned' : 'remembered on this device'}.`;
  } else if (r.status === 'unanchored') {
    word = 'Proof holds, signer unknown';
    sentence = `${what} is in a tree of ${fmtInt(r.size)} statements under a checkpoint for “${r.origin}”, but no key is known here for that log, so nothing shows who signed the checkpoint. Check a trace of that log once (its key is then remembered), or open this page with &key=VKEY.`;
  } else {
    word = 'Receipt failed';
    sentence = 'This receipt does not prove anything: see why below.';
  }
  out.append(h('div', { class: `receipt-verdict ${r.status}`, 'data-status': r.status }, h('p', { class: 'receipt-word' }, word), h('p', null, sentence)));
  if (r.findings.length) {
    const ul = h('ul', { class: 'finding-list' });
    for (const f of r.findings) ul.append(h('li', { class: `finding sev-${f.severity}` }, h('code', { class: 'code' }, f.code), ' ', h('span', null, f.message)));
    out.append(ul);
  }
}

// ---------------------------------------------------------------- wiring
const explorer = new Explorer({
  list: $('vlist'), detail: $('detail'), searchForm: $('search-form'), searchInput: $('search-input'),
  searchStatus: $('search-status'), searchResults: $('search-results'),
}, {
  rows: (start, count) => ask('rows', { start, count }),
  rowsAt: (indexes) => ask('rowsAt', { indexes }),
  views: (indexes) => ask('views', { indexes }),
  search: (query, limit) => ask('search', { query, limit }),
  nameOf,
  roleOf: (key) => state.roster.get(key)?.role ?? null,
  findingsAt: (i) => state.findingsByIndex.get(i) ?? [],
});

function downloadReport() {
  if (!state.report) return;
  downloadJson(`onus-report-${(state.report.origin || 'trace').replace(/[^a-zA-Z0-9.-]+/g, '_')}.json`, state.report);
}

/** A receipt is one JSON object with a "receipt" member (its keys may come in any order). */
function looksLikeReceipt(t) {
  if (t.length > (1 << 20) || !/^\s*\{/.test(t) || !t.includes('"receipt"')) return false;
  try {
    const o = JSON.parse(t);
    return !!o && typeof o === 'object' && !Array.isArray(o) && 'receipt' in o;
  } catch {
    return false; // several lines of JSON: a trace
  }
}
const looksLikeUrl = (t) => /^\s*https?:\/\/\S+\s*$/i.test(t);

function handleText(text) {
  if (!text || !text.trim()) return;
  if (looksLikeReceipt(text)) {
    $('receipt-input').value = text;
    $('receipt').scrollIntoView({ block: 'nearest' });
    checkReceipt({ text });
  } else if (looksLikeUrl(text)) {
    startVerify(urlSource(text.trim()));
  } else {
    startVerify(textSource(text));
  }
}

function isEditable(el) {
  return el && (el.tagName === 'INPUT' || el.tagName === 'TEXTAREA' || el.isContentEditable);
}

function wire() {
  spawn();
  $('file-input').addEventListener('change', (e) => {
    const f = e.target.files[0];
    if (f) startVerify(fileSource(f));
    e.target.value = '';
  });
  $('url-form').addEventListener('submit', (e) => {
    e.preventDefault();
    const v = $('url-input').value.trim();
    if (v) startVerify(urlSource(v));
  });
  $('paste-go').addEventListener('click', () => {
    const t = $('paste-input').value;
    if (t.trim()) startVerify(textSource(t));
  });
  $('cancel').addEventListener('click', cancel);
  $('download').addEventListener('click', downloadReport);
  $('another').addEventListener('click', () => ($('load').hidden ? showLoad() : ($('load').hidden = true)));

  // Paste anywhere (outside text fields): a trace, a link, or a receipt.
  document.addEventListener('paste', (e) => {
    if (isEditable(e.target)) return;
    const dt = e.clipboardData;
    if (!dt) return;
    const file = dt.files && dt.files[0];
    e.preventDefault();
    if (file) startVerify(fileSource(file));
    else handleText(dt.getData('text/plain'));
  });

  // Drop anywhere: a trace (the artifact and receipt areas take their own drops).
  const overlay = $('drop-overlay');
  let depth = 0;
  const hasFiles = (e) => [...(e.dataTransfer?.types || [])].some((t) => t === 'Files' || t === 'text/plain' || t === 'text/uri-list');
  document.addEventListener('dragenter', (e) => { if (hasFiles(e)) { depth++; if (!e.target.closest?.('.tool')) overlay.hidden = false; } });
  document.addEventListener('dragleave', () => { depth = Math.max(0, depth - 1); if (!depth) overlay.hidden = true; });
  document.addEventListener('dragover', (e) => { if (hasFiles(e)) { e.preventDefault(); overlay.hidden = !!e.target.closest?.('.tool'); } });
  document.addEventListener('drop', (e) => {
    depth = 0;
    overlay.hidden = true;
    if (e.defaultPrevented) return;
    e.preventDefault();
    const dt = e.dataTransfer;
    const file = dt?.files?.[0];
    if (file) startVerify(fileSource(file));
    else handleText(dt?.getData('text/uri-list') || dt?.getData('text/plain'));
  });

  // Artifacts.
  const zone = $('artifact-drop');
  const pick = $('artifact-input');
  zone.addEventListener('click', () => pick.click());
  zone.addEventListener('keydown', (e) => { if (e.key === 'Enter' || e.key === ' ') { e.preventDefault(); pick.click(); } });
  pick.addEventListener('change', () => { if (pick.files[0]) checkArtifact({ file: pick.files[0] }); pick.value = ''; });
  zone.addEventListener('dragover', (e) => { e.preventDefault(); zone.classList.add('over'); });
  zone.addEventListener('dragleave', () => zone.classList.remove('over'));
  zone.addEventListener('drop', (e) => {
    e.preventDefault();
    zone.classList.remove('over');
    const f = e.dataTransfer?.files?.[0];
    if (f) checkArtifact({ file: f });
  });
  $('hash-form').addEventListener('submit', (e) => {
    e.preventDefault();
    const v = $('hash-input').value.trim().toLowerCase();
    if (!/^[0-9a-f]{64}$/.test(v)) {
      clear($('artifact-result')).append(h('p', { class: 'bad-text' }, 'A BLAKE3 hash is 64 hexadecimal digits, as b3sum prints it.'));
      return;
    }
    checkArtifact({ hash: v });
  });

  // Receipts.
  const rin = $('receipt-input');
  $('receipt-go').addEventListener('click', () => { if (rin.value.trim()) checkReceipt({ text: rin.value }); });
  $('receipt-file').addEventListener('change', (e) => { const f = e.target.files[0]; if (f) checkReceipt({ file: f }); e.target.value = ''; });
  const rbox = $('receipt');
  rbox.addEventListener('dragover', (e) => { e.preventDefault(); rbox.classList.add('over'); });
  rbox.addEventListener('dragleave', () => rbox.classList.remove('over'));
  rbox.addEventListener('drop', (e) => {
    e.preventDefault();
    rbox.classList.remove('over');
    const f = e.dataTransfer?.files?.[0];
    if (f) checkReceipt({ file: f });
    else { const t = e.dataTransfer?.getData('text/plain'); if (t) { rin.value = t; checkReceipt({ text: t }); } }
  });

  if (state.pinned) {
    const note = $('pin-note');
    note.hidden = false;
    note.append('Pinned log key: ', h('code', { class: 'hex' }, state.pinned), ' — a trace signed by any other key fails.');
  }

  ask('version').then((v) => { $('version').textContent = `Verifier version ${v}.`; }).catch(() => {});

  const trace = params.get('trace');
  if (trace) {
    startVerify(urlSource(trace));
  }
  // Before any verification, data-onus-status is absent (the contract's values only).
}

wire();
