// The OpenGradient way in: a receipt body, an SSE capture or a batch dump,
// with an optional registry export, key, request and on-chain root, from the
// tool card's fields, a drop or paste anywhere, or the address
// (?og=URL&registry=URL&key=URL&request=URL&root=0x…). The check runs in its
// own worker and wasm module (engine/og-worker.js), started only when needed.
//
// Testing contract: when a check ends, <html data-onus-status> is
// verified | incomplete | failed (or 'error'), data-onus-kind is 'og', and
// window.onusOgReport is the report exactly as `onus og verify --json` prints it.
import { h, clear, visible } from '../lib/dom.js';
import { downloadJson } from '../lib/download.js';
import { connect, withKind } from '../engine/rpc.js';
import { renderOgReport } from './views/og-report.js';

const WORKER_URL = new URL('../engine/og-worker.js', import.meta.url);
/** The most a fetched option file (registry, key, request) may be. */
const MAX_OPTION = 16 << 20;

/** Does this text (or its first bytes) look like OpenGradient's, not a trace? */
export function looksLikeOg(text) {
  if (/^data:/m.test(text.slice(0, 65536))) return true;
  if (!/^\s*\{/.test(text)) return false;
  // A trace's first line is one statement ({"v":1,"kind":…}); a receipt or dump is one object.
  const first = text.slice(0, text.indexOf('\n') + 1 || undefined);
  if (/^\s*\{"v":/.test(first)) return false;
  return /"(tee_signature|tee_output_hash|system_fingerprint|standard-v1|leafEncoding)"/.test(text.slice(0, 1 << 20));
}

/** `hooks`: {beginRun() -> hides the trace views, setStatus(s), onAnother()}. */
export function createOg(hooks) {
  const $ = (id) => document.getElementById(id);
  let remote = null;
  let shown = null;
  let runId = 0;

  const worker = () => (remote ??= connect(new Worker(WORKER_URL, { type: 'module' }), { onError: () => { remote = null; } }));

  /** The option fields of the tool card, read as bytes (empty fields are absent). */
  async function fieldOptions() {
    const file = async (id) => { const f = $(id).files?.[0]; return f ? await f.arrayBuffer() : undefined; };
    return { registry: await file('og-registry'), key: await file('og-key'), request: await file('og-request'), root: $('og-root').value.trim() || undefined };
  }

  /** Checks `file` (ArrayBuffer) with `options`; `label` names it on screen. */
  async function check(file, options, label) {
    const mine = ++runId;
    hooks.beginRun();
    document.documentElement.dataset.onusKind = 'og';
    hooks.setStatus('running');
    window.onusOgReport = undefined;
    const section = $('og');
    clear(section).append(h('p', { class: 'progress-text', role: 'status' }, `Checking ${visible(label)}…`));
    section.hidden = false;
    const transfer = [file, options.registry, options.key, options.request].filter(Boolean);
    try {
      const { report, ms, rsa } = await worker().verify({ file, ...options }, { transfer });
      if (mine !== runId) return;
      shown = report;
      window.onusOgReport = report;
      window.onusOgTiming = { ...ms, rsa };
      renderOgReport(section, report, { label });
      section.prepend(h('div', { class: 'og-actions' },
        h('button', { type: 'button', class: 'button small', onclick: () => downloadJson('onus-og-report.json', shown) }, 'Download report (JSON)'), ' ',
        h('button', { type: 'button', class: 'button small subtle', onclick: hooks.onAnother }, 'Check another file')));
      hooks.setStatus(report.status);
      section.querySelector('#og-verdict h2')?.setAttribute('tabindex', '-1');
      section.querySelector('#og-verdict h2')?.focus();
    } catch (err) {
      if (mine !== runId) return;
      failed(err, label);
    }
  }

  function failed(err, label) {
    const section = $('og');
    const input = err.kind === 'og-input';
    clear(section).append(h('div', { class: 'card error', role: 'alert', 'data-kind': err.kind || 'error' },
      h('h2', null, input ? 'This cannot be checked as given' : 'The OpenGradient file could not be checked'),
      h('p', null, `${visible(label)}: ${err.message}`),
      h('p', { class: 'hint' }, input
        ? 'Give a receipt body, an SSE capture or a standard-v1 batch dump; the root only with a batch, the request only with a current receipt.'
        : 'Nothing was concluded about the file. Check the link, or download the file and open it here.'),
      h('p', null, h('button', { type: 'button', class: 'button', onclick: hooks.onAnother }, 'Check another file'))));
    section.hidden = false;
    hooks.setStatus('error');
  }

  async function fetchBytes(raw, what, limit) {
    let url;
    try { url = new URL(raw, location.href).href; } catch { throw withKind(new Error(`the ${what} link “${raw}” is not an address`), 'og-fetch'); }
    let res;
    try { res = await fetch(url, { credentials: 'omit' }); } catch (e) { throw withKind(new Error(`your browser could not read the ${what} at ${url} (${e.message}); the server may not allow other sites to read it (CORS)`), 'og-fetch'); }
    if (!res.ok) throw withKind(new Error(`the ${what} at ${url} answered HTTP ${res.status}`), 'og-fetch');
    const buf = await res.arrayBuffer();
    if (limit && buf.byteLength > limit) throw withKind(new Error(`the ${what} at ${url} is ${buf.byteLength} bytes, more than ${limit}`), 'og-fetch');
    return buf;
  }

  /** `?og=URL` and its companions. */
  async function checkAddress(params) {
    const raw = params.get('og');
    hooks.beginRun();
    hooks.setStatus('running');
    document.documentElement.dataset.onusKind = 'og';
    try {
      const opt = async (k, what) => (params.get(k) ? fetchBytes(params.get(k), what, MAX_OPTION) : undefined);
      const [file, registry, key, request] = await Promise.all([fetchBytes(raw, 'file'), opt('registry', 'registry export'), opt('key', 'key'), opt('request', 'request')]);
      const root = (params.get('root') || '').trim() || undefined;
      await check(file, { registry, key, request, root }, raw);
    } catch (err) {
      failed(err, raw);
    }
  }

  function wire() {
    const go = async () => {
      const f = $('og-file').files?.[0];
      const text = $('og-paste').value;
      if (!f && !text.trim()) { $('og-file-label').focus(); return; }
      const bytes = f ? await f.arrayBuffer() : new TextEncoder().encode(text).buffer;
      await check(bytes, await fieldOptions(), f ? f.name : 'the pasted text');
    };
    $('og-go').addEventListener('click', go);
    $('og-file').addEventListener('change', () => { $('og-file-name').textContent = $('og-file').files?.[0]?.name ?? ''; });
    const card = $('og-tool');
    card.addEventListener('dragover', (e) => { e.preventDefault(); });
    card.addEventListener('drop', async (e) => {
      const f = e.dataTransfer?.files?.[0];
      if (!f) return;
      e.preventDefault();
      await check(await f.arrayBuffer(), await fieldOptions(), f.name);
    });
  }

  /** A file or text that came in another way (drop, pick, paste) and looks like OpenGradient's. */
  async function checkBlob(blob, label) {
    await check(await blob.arrayBuffer(), await fieldOptions(), label);
  }

  return { wire, checkAddress, checkBlob };
}
