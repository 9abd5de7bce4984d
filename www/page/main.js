// The verifier page's main thread: it only renders. Reading and verifying the
// trace, hashing artifacts and checking receipts all happen in the engine
// worker (engine/worker.js, wasm), through page/verifier.js. This file wires
// the page together: where a trace comes in, one verification at a time, and
// which view renders what.
//
// Testing contract: when a verification ends, <html data-onus-status> is
// verified | unsealed | failed and window.onusReport is the report exactly
// as the wasm finish() returned it (the same fields as `onus verify --json`).
// While running: 'running'; after Cancel: 'cancelled'; when loading failed: 'error'.
// Before any verification, data-onus-status is absent (the contract's values only).
// For a tiled log (?log=URL/) also window.onusSince ({kind, held, served}: what
// became of the checkpoint this browser kept) and window.onusFetched ({files, bytes}).
import { h, clear, visible, fmtBytes } from '../lib/dom.js';
import { downloadJson, downloadText } from '../lib/download.js';
import { reportHtml, incidentTimelines } from './report-html.js';
import './print.js';
import { createVerifier } from './verifier.js';
import { urlSource, logSource, engineSource } from './sources.js';
import { loadLogState, saveLogState, dropLogState } from './log-state.js';
import { renderSince } from './views/since.js';
import { knownAll, updateTrust, rememberKey, rememberedKeys, evidence, pinnedPolicies, updatePolicy, pinPolicy } from './trust.js';
import { withKind } from '../engine/rpc.js';
import { reportContext } from './context.js';
import { wireIntake } from './intake.js';
import { progressStarted, progressShown } from './views/progress.js';
import { renderVerdict, renderCancelled } from './views/verdict.js';
import { renderBanners, panicBanner } from './views/banners.js';
import { renderLoadError } from './views/load-error.js';
import { renderAccountability } from './views/accountability.js';
import { renderPolls } from './views/polls.js';
import { renderFindings } from './views/findings.js';
import { Explorer } from './views/explorer.js';
import { wireArtifactTool } from './tools/artifact.js';
import { wireReceiptTool } from './tools/receipt.js';
import { createOg, looksLikeOg } from './og.js';
import { announce, announceStart, announceProgress } from './announce.js';
import { pushCheck, heldSource, shownInAddress, showInAddress, movedToAnotherCheck } from './address.js';

const $ = (id) => document.getElementById(id);
const params = new URLSearchParams(location.search);
/** The log key given in the address (&key=): a trace signed by another fails. */
const pinned = (params.get('key') || '').trim();
/** A trust policy given in the address (&policy=URL): {text, url} once fetched. */
let givenPolicy = null;
/** The most a policy file may be: a policy is a few lines. */
const MAX_POLICY = 64 * 1024;
/** The demo trace beside the page (`npm run build` writes it). */
const DEMO = 'demo.jsonl';
/** What the tab is called with nothing checked. */
const TITLE = document.title;

const verifier = createVerifier({ onQueryCrash: (err) => $('banners').append(panicBanner(err)) });
/** code -> {code, severity, summary, advice}: the core's words for its findings. */
let vocabulary = new Map();
/** The verification under way: {src, known, ctrl}. */
let run = null;
/** The receipt tool (also checks one statement of a tiled log, &index=N). */
let receipts = null;
/** The report on screen and what the views look up in it (page/context.js). */
let shown = { report: null, ...reportContext(null) };
/** OpenGradient receipts and batches (page/og.js): their own worker, started when one is opened. */
const og = createOg({
  beginRun: () => { run?.ctrl.abort(); run = null; resetResults(); $('load').hidden = true; $('sourcebar').hidden = true; },
  setStatus: (s) => setStatus(s),
  onAnother: () => showLoad(),
});

const explorer = new Explorer({
  list: $('vlist'), detail: $('detail'), searchForm: $('search-form'), searchInput: $('search-input'),
  searchStatus: $('search-status'), searchResults: $('search-results'),
}, {
  rows: verifier.rows,
  rowsAt: verifier.rowsAt,
  views: verifier.views,
  search: verifier.search,
  nameOf: (key) => shown.nameOf(key),
  roleOf: (key) => shown.roleOf(key),
  findingsAt: (i) => shown.findingsAt(i),
  referencedBy: verifier.referencedBy,
  onSelect: (i) => showInAddress('statement', i),
});
/** The incident view's handle ({openIncident}) for the report on screen. */
let incidentsView = null;
/** Focus moves with the check under way (see checkStarted). */
let focusFollows = false;

/** Fetches &policy=URL (plain text; the core parses it). Throws kind 'policy'. */
async function loadPolicy(raw) {
  let url;
  try {
    url = new URL(raw, location.href).href;
  } catch {
    throw withKind(new Error(`“${raw}” is not an address.`), 'policy');
  }
  let res;
  try {
    res = await fetch(url, { credentials: 'omit' });
  } catch (e) {
    throw withKind(new Error(`Your browser could not read ${url} (${e.message}).`), 'policy');
  }
  if (!res.ok) throw withKind(new Error(`${url} answered HTTP ${res.status}.`), 'policy');
  const text = await res.text();
  if (text.length > MAX_POLICY) throw withKind(new Error(`${url} is ${text.length} bytes; a policy is at most ${MAX_POLICY}.`), 'policy');
  return { text, url };
}

/** What the engine needs of the policies: the one given, or every pinned one. */
function policyArgs() {
  return givenPolicy ? { policy: givenPolicy.text } : { pinnedPolicies: pinnedPolicies() };
}

async function main() {
  askAbout();
  wireSourceBar();
  wireArtifactTool($('artifact'), { committingTo: verifier.committingTo, who: (key) => shown.who(key), openStatement });
  receipts = wireReceiptTool($('receipt'), { receipt: verifier.receipt, pinned, keys: rememberedKeys, nameOf: (key) => shown.nameOf(key) });
  og.wire();
  wireIntake({ onTrace: routeSource, onReceipt: receipts.checkText });
  $('try-demo').addEventListener('click', () => routeSource(urlSource(DEMO)));
  window.addEventListener('popstate', (e) => { if (movedToAnotherCheck(e.state)) fromAddress(e.state); });
  // A link to a statement or incident of the report on screen (#statement=N) opens it without checking again.
  window.addEventListener('hashchange', () => { if (shown.report) showFromAddress(); });
  showPinnedKey();
  const policy = (params.get('policy') || '').trim();
  if (policy) {
    try {
      givenPolicy = await loadPolicy(policy);
    } catch (err) {
      // Nothing is read without the policy asked for; Try again fetches it again.
      $('sourcebar').hidden = false;
      $('load').hidden = true;
      downloadsShown(false);
      $('src-name').textContent = visible(params.get('trace') || params.get('log') || policy);
      renderLoadError($('error'), err, { label: policy, url: policy }, { onRetry: () => location.reload(), onAnother: showLoad });
      setStatus('error');
      return;
    }
  }
  fromAddress(history.state);
}

/** Checks what the address names (on load, and after Back or Forward); nothing named: the load card. */
function fromAddress(state) {
  const held = heldSource(state);
  if (held) { startVerify(held); return; }
  const params = new URLSearchParams(location.search);
  if (params.get('og')) { og.checkAddress(params); return; }
  const trace = params.get('trace');
  const log = params.get('log');
  const index = params.get('index');
  if (log && index != null) checkOneStatement(logSource(log), index, receipts);
  else if (log) startVerifyLog(logSource(log));
  else if (trace) startVerify(urlSource(trace));
  else if (state?.onus) {
    // A file or pasted text checked earlier in a visit this page no longer holds.
    run?.ctrl.abort();
    run = null;
    resetResults();
    showLoad();
  }
}

function setStatus(s) {
  document.documentElement.dataset.onusStatus = s;
}

/** The core's version (in the footer) and its vocabulary, asked once. */
function askAbout() {
  verifier.about().then((about) => {
    vocabulary = new Map(about.codes.map((c) => [c.code, c]));
    $('version').textContent = `Verifier version ${about.version}.`;
  }).catch(() => {});
}

function wireSourceBar() {
  $('cancel').addEventListener('click', cancel);
  $('download').addEventListener('click', downloadReport);
  $('download-html').addEventListener('click', downloadReportHtml);
  $('another').addEventListener('click', () => ($('load').hidden ? showLoad() : ($('load').hidden = true)));
}

function showPinnedKey() {
  if (!pinned) return;
  const note = $('pin-note');
  note.hidden = false;
  note.append('Pinned log key: ', h('code', { class: 'hex' }, pinned), ' — a trace signed by any other key fails.');
}

// ---------------------------------------------------------------- one verification

/** A file or pasted text is recognised by content: OpenGradient's go to page/og.js, the rest are traces. */
async function routeSource(src) {
  // The status says "running" from the moment a source is given, before the sniff reads its start.
  setStatus('running');
  if (src.kind === 'blob' && looksLikeOg(await src.blob.slice(0, 1 << 20).text())) {
    pushCheck({ kind: 'og' });
    og.checkBlob(src.blob, src.label);
    return;
  }
  // A new check the reader asked for: a new history entry (Back returns to the last one).
  if (!src.error) pushCheck(src);
  startVerify(src);
}

/** Checks `src` (page/sources.js), replacing any verification under way. */
function startVerify(src, { known } = {}) {
  run?.ctrl.abort();
  run = null;
  resetResults();
  if (src.error) { loadFailed(src.error, src); return; }
  known = known ?? knownAll();
  const mine = { src, known, ctrl: new AbortController() };
  run = mine;
  setStatus('running');
  $('load').hidden = true;
  $('sourcebar').hidden = false;
  $('src-name').textContent = visible(src.label);
  downloadsShown(false);
  checkStarted(src);
  verifier.verify({ src: engineSource(src), key: pinned || undefined, known: known || undefined, ...policyArgs() }, {
    signal: mine.ctrl.signal,
    onProgress: (p) => { if (run === mine) { progressShown($('progress'), p); announceProgress(p); } },
  }).then(
    (res) => { if (run === mine) finished(res); },
    (err) => { if (run === mine) loadFailed(err, src); },
  );
}

/**
 * Checks a tiled log (`?log=`), going on from what this browser kept of it
 * (IndexedDB) and keeping what the next visit needs.
 */
async function startVerifyLog(src) {
  run?.ctrl.abort();
  run = null;
  resetResults();
  delete document.documentElement.dataset.onusState;
  if (src.error) { loadFailed(src.error, src); return; }
  const known = knownAll();
  const mine = { src, known, ctrl: new AbortController() };
  run = mine;
  setStatus('running');
  $('load').hidden = true;
  $('sourcebar').hidden = false;
  $('src-name').textContent = visible(src.label);
  downloadsShown(false);
  checkStarted(src);
  const kept = await loadLogState(src.url);
  if (run !== mine) return;
  verifier.verifyLog({ url: src.url, key: pinned || undefined, known: known || undefined, state: kept?.state, ...policyArgs() }, {
    signal: mine.ctrl.signal,
    onProgress: (p) => { if (run === mine) { progressShown($('progress'), p); announceProgress(p); } },
  }).then(
    async (res) => {
      if (run !== mine) return;
      if (res.stateRefused) await dropLogState(src.url);
      if (run !== mine) return;
      const keep = Boolean(res.state && res.report.status === 'verified');
      window.onusSince = res.since;
      window.onusFetched = { files: res.info.files, bytes: res.info.bytes };
      finished(res);
      const since = { report: res.report, since: res.since, kept: res.stateRefused ? null : kept, saved: keep, stateRefused: res.stateRefused, info: res.info };
      renderSince($('banners'), since);
      // Kept after the verdict is shown: storing tens of MB must not delay it. Tests wait for 'saved'.
      if (!keep) return;
      document.documentElement.dataset.onusState = 'saving';
      const { size, root } = res.report.sealed;
      const saved = await saveLogState(src.url, { state: res.state, size, root, origin: res.report.origin, when: new Date().toISOString() });
      document.documentElement.dataset.onusState = saved ? 'saved' : 'unsaved';
      if (!saved && run === mine) {
        document.getElementById('since')?.remove();
        renderSince($('banners'), { ...since, saved: false, stateRefused: null });
      }
    },
    (err) => { if (run === mine) loadFailed(err, src); },
  );
}

/**
 * `?log=URL&index=N`: one statement alone, from its entry bundle and the tiles
 * its proof needs; the receipt they make is checked by the receipt tool.
 * Ends with data-onus-status = the receipt's status and window.onusReceipt.
 */
async function checkOneStatement(src, raw, receipts) {
  resetResults();
  if (src.error) { loadFailed(src.error, src); return; }
  const index = Number(raw);
  if (!/^\d+$/.test(raw) || !Number.isSafeInteger(index)) {
    loadFailed(Object.assign(new Error(`“${raw}” is not a statement number.`), { kind: 'index' }), src);
    return;
  }
  setStatus('running');
  $('load').hidden = true;
  $('sourcebar').hidden = false;
  $('src-name').textContent = visible(`${src.label} · statement ${index}`);
  downloadsShown(false);
  let got;
  try {
    got = await verifier.receiptFromLog({ url: src.url, index });
  } catch (err) {
    loadFailed(err, src);
    return;
  }
  window.onusFetched = got.fetched;
  $('banners').append(h('div', { class: 'banner info', role: 'status', id: 'one-statement' },
    `Statement ${index} alone: its entry bundle and the tiles its inclusion proof needs (${got.fetched.files} files, ${fmtBytes(got.fetched.bytes)} fetched). `,
    h('a', { href: `?log=${encodeURIComponent(src.url)}` }, 'Verify the whole log')));
  const r = await receipts.checkText(got.receipt);
  window.onusReceipt = r;
  setStatus(r ? r.status : 'error');
}

/** The progress card, the tab's title and what a screen reader hears as a check starts. */
function checkStarted(src) {
  // The reader was on a control (the link field, a button) that the check now hides: focus
  // follows the check, to the progress card and then to the verdict. A check the address
  // started takes no focus: the reader has not moved yet.
  const a = document.activeElement;
  focusFollows = !!a && a !== document.body && !!a.closest('[hidden]');
  progressStarted($('progress'), src.label);
  document.title = `Checking ${visible(src.label)} · Onus`;
  announceStart(visible(src.label));
  if (focusFollows) $('progress-title').focus({ preventScroll: true });
}

/** After a check ends, focus goes to what replaced the card it was in (the verdict, or `el`). */
function focusResult(el = $('verdict-word')) {
  const a = document.activeElement;
  const lost = a && a !== document.body && (a.closest('[hidden]') || a.closest('#progress'));
  if ((focusFollows || lost) && el) el.focus({ preventScroll: true });
  focusFollows = false;
}

function cancel() {
  if (!run) return;
  const { src, ctrl } = run;
  run = null;
  ctrl.abort();
  $('progress').hidden = true;
  renderCancelled($('verdict'), src, { onRetry: () => startVerify(src) });
  document.title = `Cancelled: ${visible(src.label)} · Onus`;
  announce(`Cancelled. Nothing was concluded about ${visible(src.label)}.`);
  focusFollows = true; // the Cancel button is gone with its card
  focusResult();
  setStatus('cancelled');
}

function resetResults() {
  shown = { report: null, ...reportContext(null) };
  incidentsView = null;
  document.title = TITLE;
  window.onusReport = undefined;
  window.onusSince = undefined;
  window.onusOgReport = undefined;
  delete document.documentElement.dataset.onusKind;
  for (const id of ['og', 'error', 'accountability', 'votes', 'findings', 'explorer', 'progress']) $(id).hidden = true;
  clear($('verdict'));
  clear($('banners'));
  clear($('error'));
  clear($('incidents'));
  clear($('artifact-result'));
  explorer.load(0);
}

function loadFailed(err, src) {
  run = null;
  $('progress').hidden = true;
  renderLoadError($('error'), err, src, { onRetry: startVerify, onAnother: showLoad });
  const title = $('error').querySelector('h2')?.textContent || 'The trace could not be checked';
  document.title = `${title} · Onus`;
  announce(title);
  $('error').setAttribute('tabindex', '-1');
  focusResult($('error'));
  setStatus('error');
}

function showLoad() {
  $('load').hidden = false;
  $('url-input').focus();
}

/** The report is in: remember what is new, then every view renders its part of it. */
function finished({ report, info }) {
  const { src, known } = run;
  run = null;
  $('progress').hidden = true;
  const trust = updateTrust(src, report, known);
  const policy = { ...updatePolicy(report, givenPolicy), given: givenPolicy };
  shown = { report, info, src, trust, policy, ...reportContext(report) };
  // A tiled log's statements are not held here: each opens alone (&index=N), checked from its tiles.
  const open = info.tiled ? (i) => { location.href = statementHref(i); } : openStatement;
  const statementHref = (i) => (info.tiled ? `?log=${encodeURIComponent(info.tiled)}&index=${i}` : `#statement=${i}`);
  renderVerdict($('verdict'), shown, { pinned, vocabulary, openStatement: open, statementHref });
  renderBanners($('banners'), shown, {
    trustNewKey: () => rememberKey(report.origin, report.vkey),
    pinNewPolicy: () => pinPolicy(report.origin, givenPolicy, report.policy?.quorum ?? null),
    saveEvidence: () => downloadJson(`onus-evidence-${fileName(report.origin || 'log')}.json`, evidence(report, trust, src)),
  });
  // Not a log at all (a web page, an image, no valid first statement): no accountability to show.
  const views = info.tiled ? () => Promise.reject(new Error('a tiled log’s statements are not kept in the page; open one by its number')) : verifier.views;
  if (report.origin != null && !info.html) {
    incidentsView = renderAccountability($('accountability'), report, { who: shown.who, roleText: shown.roleText, openStatement: open, views, onIncident: (first) => showInAddress('incident', first) });
  }
  const notATrace = shown.notATrace || (info.html && report.status === 'failed');
  if (!notATrace) {
    renderPolls($('votes'), report, { openStatement: open });
    renderFindings($('findings'), report, { vocabulary, openStatement: open });
  }
  // A tiled log's statements are not held in the page, so it has no explorer; a file that is not a trace neither.
  $('explorer').hidden = report.statements === 0 || !!info.tiled || notATrace;
  if (!info.tiled) explorer.load(report.statements);
  downloadsShown(true);
  checkedAt = new Date();
  window.onusReport = report;
  const word = notATrace ? 'Not a trace' : $('verdict-word')?.textContent;
  document.title = `${word}: ${visible(src.label)} · Onus`;
  announce(`${word}. ${$('verdict').querySelector('.verdict-sentence')?.textContent ?? ''}`);
  focusResult();
  showFromAddress();
  setStatus(report.status);
}

/** `#statement=N` or `#incident=N` in the address opens that statement or incident once the report is in. */
function showFromAddress() {
  const want = shownInAddress();
  if (want.statement != null && want.statement < (shown.report?.statements ?? 0) && !shown.info?.tiled) openStatement(want.statement);
  else if (want.incident != null && incidentsView?.openIncident) incidentsView.openIncident(want.incident);
}

function openStatement(i) {
  $('explorer').scrollIntoView({ behavior: 'smooth', block: 'start' });
  explorer.select(i, { focus: true });
}

/** The report's downloads (JSON and HTML) are offered only while a report is on screen. */
function downloadsShown(on) {
  $('download').hidden = !on;
  $('download-html').hidden = !on;
}

function downloadReport() {
  if (!shown.report) return;
  downloadJson(`onus-report-${fileName(shown.report.origin || 'trace')}.json`, shown.report);
}

/** When the report on screen was made (the HTML report says when it was checked). */
let checkedAt = null;

/** The HTML report (page/report-html.js), with the first incidents' timelines asked of the verifier first. */
async function downloadReportHtml() {
  const at = shown;
  if (!at.report) return;
  const button = $('download-html');
  button.disabled = true;
  try {
    const timelines = await incidentTimelines(at.report, at.info?.tiled ? null : verifier.views);
    if (shown !== at) return; // another check replaced it meanwhile
    const html = reportHtml(at, { vocabulary, timelines, checkedAt, page: `${location.origin}${location.pathname}`, pinned });
    downloadText(`onus-report-${fileName(at.report.origin || 'trace')}.html`, html, 'text/html;charset=utf-8');
  } finally {
    button.disabled = false;
  }
}

const fileName = (s) => s.replace(/[^a-zA-Z0-9.-]+/g, '_');

main();
