// The poll widget (docs/SERVE.md). The page never trusts a number from the
// collector: a worker reads the log and the Rust core (wasm) verifies it and
// recounts the poll. It reads the log as tiles (`/logs/NAME/`), going on from
// the core's state kept in IndexedDB, so a returning visitor fetches only the
// ballots added since; whenever that quick path cannot tell the whole story
// (the core finds a fault, an older or disagreeing checkpoint, a ballot not
// sealed yet) it recounts the whole trace.jsonl, as a first visit did before. Ballots are `vote` statements signed with an
// Ed25519 key this browser keeps (WebCrypto, non-extractable, in IndexedDB),
// one key per poll. Each ballot's receipt is kept and checked on later visits,
// with the log key and the last checkpoint seen pinned, so that a rewritten
// log (checkpoint.inconsistent: forked or rolled back) or a dropped ballot is
// caught and shown loudly, with the evidence to download.
// All text from the log goes into the page with textContent only.

import { visible } from '../lib/dom.js';
import { downloadJson } from '../lib/download.js';
import { connect } from '../engine/rpc.js';

const $ = (id) => document.getElementById(id);
const params = new URLSearchParams(location.search);
const HEX64 = /^[0-9a-f]{64}$/;
const frame = params.get('embed');
// In an iframe (embed.js's, or a plain one) the page stays transparent, so the host shows around the card.
const inFrame = window.parent !== window;
document.documentElement.classList.add(inFrame ? 'embedded' : 'standalone');
// The theme (?theme=, from embed.js's data-theme): light, dark, or auto (the
// OS's). In a frame it is light unless told, as embed.js's default, so that it
// matches a host page that says nothing; a page of its own follows the OS.
const THEMES = ['light', 'dark', 'auto'];
const theme = THEMES.includes(params.get('theme')) ? params.get('theme') : inFrame ? 'light' : 'auto';
document.documentElement.dataset.theme = theme;

const engine = connect(new Worker(new URL('./poll-worker.js', import.meta.url), { type: 'module' }));
/** Asks the poll worker (recount, draft, sign, receipt); a broken verifier says so in its message. */
async function call(op, args, transfer = []) {
  try {
    return await engine[op](args, { transfer });
  } catch (e) {
    if (e.kind === 'panic' || e.kind === 'memory') e.message = `the verifier stopped: ${e.message}`;
    throw e;
  }
}

// ---------- where the log is ----------

function logBaseFrom(param) {
  const url = new URL(param || 'logs/polls', location.href);
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new Error(`the log address must be http(s), not ${url.protocol}`);
  url.search = '';
  url.hash = '';
  return url.href.replace(/\/+$/, '');
}

let logBase;
let setupError = null;
try {
  logBase = logBaseFrom(params.get('log'));
} catch (e) {
  setupError = e.message;
}
const wantedPoll = params.get('poll');
if (wantedPoll !== null && !HEX64.test(wantedPoll)) setupError = 'the poll id in the address must be 64 lowercase hex characters';

// ---------- storage: IndexedDB, one key-value store ----------

let db = null;
function openDb() {
  return new Promise((resolve, reject) => {
    if (!self.indexedDB) return reject(new Error('no IndexedDB'));
    let r;
    try {
      r = indexedDB.open('onus-poll', 1);
    } catch (e) {
      return reject(e);
    }
    r.onupgradeneeded = () => r.result.createObjectStore('kv');
    r.onsuccess = () => resolve(r.result);
    r.onerror = () => reject(r.error || new Error('IndexedDB refused'));
    r.onblocked = () => reject(new Error('IndexedDB is blocked by another tab'));
  });
}
function kv(mode, fn) {
  return new Promise((resolve, reject) => {
    const tx = db.transaction('kv', mode);
    const req = fn(tx.objectStore('kv'));
    tx.oncomplete = () => resolve(req?.result);
    tx.onerror = () => reject(tx.error);
    tx.onabort = () => reject(tx.error || new Error('storage transaction aborted'));
  });
}
const kvGet = (key) => (db ? kv('readonly', (s) => s.get(key)) : Promise.resolve(undefined));
const kvPut = (key, value) => (db ? kv('readwrite', (s) => s.put(value, key)) : Promise.resolve());
const kvDelete = (key) => (db ? kv('readwrite', (s) => s.delete(key)) : Promise.resolve());

const logKey = () => `log:${logBase}`;
const ballotsKey = () => `ballots:${logBase}`;
const voterKey = (poll) => `voter:${logBase}#${poll}`;
/** The tiled log's URL: the key of the core's state kept for it ({state, origin, size, root, when}). */
const tiledUrl = () => `${logBase}/`;

/** Why this browser cannot vote, or null. */
async function votingBlocker() {
  if (!self.isSecureContext || !crypto?.subtle) return 'insecure';
  try {
    await crypto.subtle.generateKey({ name: 'Ed25519' }, false, ['sign', 'verify']);
  } catch {
    return 'no-ed25519';
  }
  try {
    db = await openDb();
    await kvGet('probe');
  } catch {
    db = null;
    return 'no-storage';
  }
  return null;
}

const BLOCKER_TEXT = {
  insecure: "Voting isn't possible on this page: it is not served over HTTPS, so your browser offers no signing keys. The results are still counted here, in your browser.",
  'no-ed25519': "Voting isn't possible in this browser: it cannot make the Ed25519 signing key a ballot needs (Chrome 137, Firefox 129 and Safari 17 can). The results are still counted here, in your browser.",
  'no-storage': "Voting isn't possible in this window: the browser won't keep a signing key here (private windows and blocked site data do that). The results are still counted here, in your browser.",
};

// ---------- bytes ----------

function b64url(bytes) {
  let s = '';
  for (const b of bytes) s += String.fromCharCode(b);
  return btoa(s).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}
function hexToBytes(hex) {
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return out;
}
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const nowRfc3339 = () => new Date().toISOString().replace(/\.\d+Z$/, 'Z');

/** The voter's key for a poll: made on first vote, never extractable, kept in IndexedDB. */
async function voter(poll) {
  const saved = await kvGet(voterKey(poll));
  if (saved?.pair && saved.actor) return saved;
  const pair = await crypto.subtle.generateKey({ name: 'Ed25519' }, false, ['sign', 'verify']);
  const actor = b64url(new Uint8Array(await crypto.subtle.exportKey('raw', pair.publicKey)));
  const v = { pair, actor, created: nowRfc3339() };
  await kvPut(voterKey(poll), v);
  return v;
}

// ---------- state ----------

const ui = {
  blocker: null,
  result: null, // the last recount
  poll: null,
  logState: {},
  ballots: {}, // poll id -> [{id, index, choice, time, receipt?}]
  problems: [],
  changing: false,
  busy: false,
  mine: '',
  policy: undefined, // the collector's trust policy (text; null: it asks no witness), asked once
  pending: null, // the signed ballot the collector has not acknowledged: {poll, choice, id, time, line}
  voteFailed: null, // why the last vote did not get through: {text, retry}
  retrying: false, // Retry of a log that could not be read is under way
};

async function loadSaved() {
  ui.logState = (await kvGet(logKey())) || {};
  ui.ballots = (await kvGet(ballotsKey())) || {};
}
async function saveBallots() {
  await kvPut(ballotsKey(), ui.ballots);
}

function myBallots() {
  return ui.poll ? ui.ballots[ui.poll.poll] || [] : [];
}

/** Reads the log as tiles from the kept state; null when the whole trace must be recounted. */
async function resume(all, policy) {
  if (!db) return null; // nothing could be kept for next time: the plain recount is as cheap
  const kept = await kvGet(tiledUrl());
  const r = await call('resume', {
    base: tiledUrl(),
    key: ui.logState.vkey,
    state: kept?.state ?? null,
    confirmed: kept?.confirmed ?? [],
    ballots: all.map(({ id, index }) => ({ id, index })),
    shows: ui.logState.shows ?? {},
    policy,
  });
  if (r.stateRefused) await kvDelete(tiledUrl()); // the core says why; the log was read from the start
  ui.fallback = r.fallback ?? null;
  return r.fallback ? null : r;
}

/**
 * The collector's trust policy for this log (GET /logs/NAME/policy: the
 * witnesses it asks), as text, or null when it asks none; asked once.
 */
async function logPolicy() {
  if (ui.policy !== undefined) return ui.policy;
  try {
    const res = await fetch(`${logBase}/policy`, { cache: 'no-store', credentials: 'omit' });
    // The body is read either way: a 404's unread body would keep its connection busy.
    const text = await res.text();
    ui.policy = res.ok ? text : null;
  } catch {
    return null; // unreachable: asked again on the next load (Retry), not taken as "no policy"
  }
  return ui.policy;
}

/** Fetches and recounts the log; checks saved ballots and receipts against it. */
async function refresh() {
  await loadSaved();
  const all = Object.values(ui.ballots).flat();
  const known = ui.logState.known;
  const policy = (await logPolicy()) ?? undefined;
  const r = (await resume(all, policy)) ?? await call('recount', { url: `${logBase}/trace.jsonl`, key: ui.logState.vkey, known, ballots: all.map((b) => b.id), policy });
  ui.result = r;
  ui.problems = [];
  if (r.fetchError) {
    ui.poll = null;
    return;
  }
  ui.poll = wantedPoll ? r.polls.find((p) => p.poll === wantedPoll) ?? null : r.polls[0] ?? null;
  const failed = r.status === 'failed';
  // Ballots this browser cast: still in the log, where they were?
  for (const b of myBallots()) {
    const at = r.ballotIndex[b.id];
    if (at === null || at === undefined) {
      ui.problems.push(`Your ballot ${b.id.slice(0, 12)}… (“${optionName(b.choice)}”, log index ${b.index}) is missing from the log: the collector dropped it after accepting it.`);
    } else if (at !== b.index) {
      ui.problems.push(`Your ballot ${b.id.slice(0, 12)}… was accepted at log index ${b.index} but now stands at ${at}: the log was reordered.`);
    }
  }
  // Saved receipts must still verify under the pinned log key.
  const vkey = ui.logState.vkey || r.vkey;
  for (const b of myBallots().filter((x) => x.receipt)) {
    try {
      const rr = await call('receipt', { text: b.receipt, key: vkey });
      if (rr.status !== 'verified' || rr.id !== b.id || rr.index !== b.index) {
        ui.problems.push(`The saved receipt of your ballot ${b.id.slice(0, 12)}… does not verify under the log key (${rr.findings.map((f) => f.code).join(', ') || rr.status}).`);
      }
    } catch (e) {
      ui.problems.push(`The saved receipt of your ballot could not be checked: ${e.message}`);
    }
  }
  // Remember the log key (first use) and the newest checkpoint, never from a failed log.
  if (!failed && db) {
    const next = { ...ui.logState };
    if (!next.vkey && r.vkey) next.vkey = r.vkey;
    if (r.sealed && (!known || r.sealed.size >= known.size)) next.known = { origin: r.origin, size: r.sealed.size, root: r.sealed.root, note: r.sealed.note, seen: new Date().toISOString() };
    if (r.shows) next.shows = r.shows;
    ui.logState = next;
    await kvPut(logKey(), next);
    // null: keep the state kept before (the core had nothing newer to give).
    if (r.mode === 'tiles' && r.state) {
      // `confirmed`: this browser's ballots found in the log under this state.
      const confirmed = all.filter((b) => r.ballotIndex[b.id] === b.index).map((b) => b.id);
      await kvPut(tiledUrl(), { state: r.state, origin: r.origin, size: r.sealed?.size ?? 0, root: r.sealed?.root ?? null, when: new Date().toISOString(), confirmed });
    }
  }
}

function optionName(i) {
  return ui.poll?.options?.[i] ?? `option ${i}`;
}

// ---------- rendering ----------

function closesAt() {
  return ui.poll ? Date.parse(ui.poll.closes) : NaN;
}
function isClosed() {
  return Date.now() > closesAt();
}
function closesText() {
  const d = closesAt() - Date.now();
  if (!(d > 0)) return 'voting closed';
  const m = Math.round(d / 60000);
  if (m < 1) return 'closes in less than a minute';
  if (m < 60) return `closes in ${m} min`;
  const h = Math.round(d / 3600000);
  if (h < 48) return `closes in ${h} h`;
  return `closes in ${Math.round(d / 86400000)} days`;
}
const plural = (n, one, many) => `${n.toLocaleString('en')} ${n === 1 ? one : many}`;

/** The voter's counted choice: its last ballot (by log index) present in the log. */
function myChoice() {
  const r = ui.result;
  let best = null;
  for (const b of myBallots()) {
    const at = r?.ballotIndex?.[b.id];
    if (at !== null && at !== undefined && (!best || at > best.at)) best = { at, choice: b.choice, ballot: b };
  }
  return best;
}

/** What this browser held and what the collector serves now: two signed checkpoints. */
function evidence(rolledBack) {
  const r = ui.result;
  return {
    onus_evidence: 1,
    kind: rolledBack ? 'rollback' : 'fork',
    origin: r.origin,
    log_key: ui.logState.vkey ?? r.vkey,
    finding: r.errors.find((e) => e.code === 'checkpoint.inconsistent') ?? null,
    held: { ...ui.logState.known, source: `${logBase}/trace.jsonl` },
    this_copy: { statements: r.statements, sealed: r.sealed ?? null, source: `${logBase}/trace.jsonl`, checked: new Date().toISOString() },
  };
}

function setAlarm(title, text, items, proof = null) {
  const a = $('alarm');
  const save = $('alarm-evidence');
  save.hidden = !proof;
  save.onclick = proof ? () => downloadJson('onus-poll-evidence.json', proof) : null;
  if (!title) {
    a.hidden = true;
    return;
  }
  $('alarm-title').textContent = title;
  $('alarm-text').textContent = visible(text);
  const list = $('alarm-list');
  list.replaceChildren(...items.map((t) => {
    const li = document.createElement('li');
    li.textContent = visible(t);
    return li;
  }));
  $('alarm-details').hidden = items.length === 0;
  $('alarm-summary').textContent = `What your browser found (${items.length})`;
  a.hidden = false;
}

function status(text) {
  $('status').textContent = text;
  postHeight();
}

/** The collector's host, to name it in messages. */
const collectorHost = () => new URL(logBase).host;

/** What the fallback says when the log could not be read: [heading (one sentence), what to do]. */
function unreachableText(r) {
  const host = collectorHost();
  if (r.unreachable) return ['This poll’s collector cannot be reached right now', `Your browser could not connect to ${host}, where the poll’s votes are kept: it may be down, or this device offline. Try again in a moment.`];
  if (r.httpStatus === 404) return ['This poll’s log was not found', `${host} has no log at ${logBase}: the address in the embed code may be wrong, or the log was removed.`];
  if (r.httpStatus) return ['This poll’s collector is not answering right now', `${host} answered ${r.httpStatus}${r.statusText ? ` ${r.statusText}` : ''} when asked for the poll’s votes. Try again in a moment.`];
  const why = String(r.fetchError);
  return ['This poll could not be checked', `${why.charAt(0).toUpperCase()}${why.slice(1)}.`];
}

/** The poll as a page of its own (for the fallback's link): no embed, the visitor's own theme. */
function pageHref() {
  const url = new URL(location.href);
  url.searchParams.delete('embed');
  url.searchParams.delete('theme');
  return url.href;
}

/** Only what says why the poll is not shown: the heading, the fallback or the alarm, the status line. */
function renderNothingButWhy() {
  for (const id of ['ballot', 'results', 'rule', 'change', 'check', 'mine', 'novote', 'foot']) $(id).hidden = true;
  $('meta').textContent = '';
  $('proof').textContent = '';
}

function render() {
  const r = ui.result;
  const main = $('poll');
  main.setAttribute('aria-busy', 'false');
  if (setupError) {
    $('question').textContent = 'This poll could not be loaded';
    setAlarm('The poll could not be loaded', `The widget's address is wrong: ${setupError}.`, []);
    $('alarm').classList.add('soft');
    $('alarm-details').hidden = true;
    renderNothingButWhy();
    postHeight();
    return;
  }
  if (r?.fetchError) {
    // Compact: in an embed this replaces the whole poll on someone else's page.
    const [title, text] = unreachableText(r);
    $('question').textContent = title;
    $('offline-text').textContent = visible(text);
    const retry = $('retry');
    retry.textContent = ui.retrying ? 'Retrying…' : 'Retry';
    retry.setAttribute('aria-disabled', String(!!ui.retrying)); // not `disabled`: the button keeps focus
    const open = $('open-page');
    open.hidden = !inFrame;
    open.href = pageHref();
    $('offline').hidden = false;
    setAlarm(null);
    renderNothingButWhy();
    postHeight();
    return;
  }
  $('offline').hidden = true;
  $('foot').hidden = false;
  $('alarm').classList.remove('soft');
  const failed = r.status === 'failed';
  const poll = ui.poll;
  if (!poll) {
    $('question').textContent = failed ? 'This poll cannot be shown' : 'No such poll in this log';
    if (!failed) setAlarm('No such poll', wantedPoll ? `The log at ${logBase} has no valid poll with id ${wantedPoll}.` : `The log at ${logBase} has no poll.`, []);
  } else {
    $('question').textContent = visible(poll.question);
    $('legend').textContent = visible(poll.question);
    document.title = `${visible(poll.question)} · Poll`;
  }

  // Loud problems first.
  const codes = r.errorCodes || [];
  if (failed) {
    const held = ui.logState.known;
    const rolledBack = codes.includes('checkpoint.inconsistent') && held && r.statements < held.size;
    const [title, text] = rolledBack
      ? ['This poll’s log was rolled back', `You saw this log with ${held.size.toLocaleString('en')} statements, under a checkpoint the collector signed; it now serves only ${r.statements.toLocaleString('en')}. ${(held.size - r.statements).toLocaleString('en')} statements it had committed to (ballots among them) are gone (checkpoint.inconsistent). No counts are shown: they could not be trusted. Keep the evidence below.`]
      : codes.includes('checkpoint.inconsistent')
      ? ['This log was rewritten', `You saw this log before at size ${held?.size}; the copy served now does not contain it (checkpoint.inconsistent). The collector showed two different histories. No counts are shown: they could not be trusted. Keep the evidence below.`]
      : codes.includes('log.key.mismatch')
        ? ['This is not the log you voted in', 'The log is now signed by a different key than the one this browser saw before (log.key.mismatch). No counts are shown: they could not be trusted.']
        : ["This poll's log fails verification", 'Your browser checked every signature and hash of the log, and it does not check out. No counts are shown: they could not be trusted.'];
    setAlarm(title, text, [...r.errors.map((e) => `${e.code}: ${e.message}${e.advice ? ` ${e.advice}` : ''}`), ...ui.problems], codes.includes('checkpoint.inconsistent') ? evidence(rolledBack) : null);
  } else if (ui.problems.length) {
    setAlarm('Your ballot is not where the collector put it', 'The log verifies, but it does not hold what this browser was given when it voted.', ui.problems);
  } else if (poll || !wantedPoll) {
    setAlarm(null);
  }

  const closed = poll ? isClosed() : false;
  const mine = myChoice();
  const voted = !!mine;
  const canVote = poll && !failed && !closed && !ui.blocker;
  const showResults = poll && !failed && (voted || closed || poll.show_results === 'always' || !!ui.blocker);
  const showForm = canVote && (!voted || ui.changing);

  // The ballot form.
  const form = $('ballot');
  form.hidden = !showForm;
  if (showForm) {
    const wanted = ui.changing && mine ? mine.choice : null;
    const choices = $('choices');
    const current = choices.querySelector('input:checked')?.value;
    if (choices.dataset.poll !== poll.poll) {
      choices.replaceChildren(...poll.options.map((o, i) => {
        const label = document.createElement('label');
        label.className = 'choice';
        const input = document.createElement('input');
        input.type = 'radio';
        input.name = 'choice';
        input.value = String(i);
        const span = document.createElement('span');
        span.textContent = visible(o);
        label.append(input, span);
        return label;
      }));
      choices.dataset.poll = poll.poll;
    }
    for (const input of choices.querySelectorAll('input')) {
      input.disabled = ui.busy;
      if (current === undefined && wanted !== null) input.checked = Number(input.value) === wanted;
    }
    $('vote').disabled = ui.busy;
    $('vote').textContent = ui.changing ? 'Change my vote' : 'Vote';
    $('cancel').hidden = !ui.changing;
  }
  const failedVote = showForm && !ui.busy ? ui.voteFailed : null;
  $('vote-failed').hidden = !failedVote;
  $('vote-failed-text').textContent = failedVote ? visible(failedVote.text) : '';
  $('retry-vote').hidden = !failedVote?.retry;

  // The results.
  const results = $('results');
  results.hidden = !(showResults && !showForm);
  if (showResults && !showForm) {
    const total = poll.counts.reduce((a, b) => a + b, 0);
    const max = Math.max(...poll.counts);
    $('bars').replaceChildren(...poll.options.map((o, i) => {
      const c = poll.counts[i];
      const pct = total ? Math.round((c * 100) / total) : 0;
      const li = document.createElement('li');
      li.className = 'bar';
      if (c === max && c > 0) li.classList.add('leader');
      const fill = document.createElement('span');
      fill.className = 'fill';
      fill.setAttribute('aria-hidden', 'true');
      fill.style.width = `${total ? (c * 100) / total : 0}%`;
      const label = document.createElement('span');
      label.className = 'label';
      label.textContent = visible(o);
      if (mine && mine.choice === i) {
        li.classList.add('voted');
        const you = document.createElement('span');
        you.className = 'you';
        you.textContent = 'Your vote';
        label.append(' ', you);
      }
      const pctEl = document.createElement('span');
      pctEl.className = 'pct';
      pctEl.textContent = `${pct}%`;
      const count = document.createElement('span');
      count.className = 'count';
      count.textContent = plural(c, 'vote', 'votes');
      li.append(fill, label, pctEl, count);
      return li;
    }));
  }

  // Meta line: votes and closing.
  const meta = $('meta');
  if (!poll) meta.textContent = '';
  else if (failed) meta.textContent = `Counts hidden · ${closesText()}`;
  else {
    meta.replaceChildren();
    const total = poll.counts.reduce((a, b) => a + b, 0);
    const t = document.createElement('time');
    t.dateTime = poll.closes;
    t.title = new Date(closesAt()).toLocaleString();
    t.textContent = closesText();
    meta.append(`${plural(total, 'vote', 'votes')} · `, t);
  }
  $('rule').hidden = !poll || failed || closed;
  $('change').hidden = !(canVote && voted && !ui.changing && !ui.busy);
  const nv = $('novote');
  nv.hidden = !(ui.blocker && poll && !failed && !closed);
  nv.textContent = ui.blocker ? BLOCKER_TEXT[ui.blocker] : '';

  // The voter's ballot and receipt.
  const mineEl = $('mine');
  mineEl.hidden = !ui.mine || failed;
  mineEl.textContent = ui.mine;

  // How the numbers were obtained.
  const proof = $('proof');
  if (failed) proof.textContent = `✗ Recounted in your browser: the log fails verification (${codes.join(', ')}).`;
  else if (r.status === 'unsealed') proof.textContent = `✓ Counted in your browser from ${plural(r.statements, 'signed statement', 'signed statements')}; every signature checks, and the log's signed checkpoint covered ${(r.sealed?.size ?? 0).toLocaleString('en')} of them at the time.`;
  else proof.textContent = `✓ Counted in your browser from ${plural(r.statements, 'signed statement', 'signed statements')}; every signature and checkpoint checks.`;
  if (!failed && r.policy?.requires_witnesses) {
    const names = (r.cosigners || []).map((c) => c.key_name);
    proof.textContent += names.length ? ` Witnessed by ${names.join(', ')}.` : ' Not yet witnessed: the latest checkpoint lacks the cosignatures the collector asks for.';
  }
  proof.className = `proof ${failed ? 'bad' : 'good'}`;
  const check = $('check');
  const pageUrl = new URL('./', location.href);
  pageUrl.searchParams.set('trace', `${logBase}/trace.jsonl`);
  if (ui.logState.vkey) pageUrl.searchParams.set('key', ui.logState.vkey);
  if (ui.policy) pageUrl.searchParams.set('policy', `${logBase}/policy`);
  check.href = pageUrl.href;
  check.hidden = false;
  fillEmbed();
  postHeight();
}

// ---------- voting ----------

/**
 * Posts a signed ballot. Answers {ok: true, index} once the collector holds
 * it, or {ok: false, text, retry}: `retry` when sending the same bytes again
 * may work (unreachable, a cut-off answer, 408, 429, 5xx). The same bytes,
 * not a new signature: a ballot that did arrive (only its answer was lost)
 * comes back as 409 statement.duplicate with its index, so the log holds it
 * once; a new one would add a second ballot of this key (still counted once,
 * FORMAT.md section 6, but the log would hold both).
 */
async function send(p) {
  const choice = `“${visible(optionName(p.choice))}”`;
  const kept = 'Your choice is kept: Retry sends the same signed ballot, which counts once even if the first one arrived.';
  let res;
  try {
    res = await fetch(`${logBase}/statements`, { method: 'POST', body: p.line, headers: { 'content-type': 'text/plain' }, credentials: 'omit', cache: 'no-store' });
  } catch {
    return { ok: false, retry: true, text: `Your vote for ${choice} did not get through: the poll’s collector (${collectorHost()}) cannot be reached right now. ${kept}` };
  }
  const body = await res.json().catch(() => ({}));
  const index = Number.isInteger(body?.index) ? body.index : null;
  if (index !== null && (res.status === 201 || (res.status === 409 && body.code === 'statement.duplicate'))) return { ok: true, index };
  const code = typeof body?.code === 'string' ? body.code : '';
  const message = typeof body?.message === 'string' ? body.message : '';
  if (res.status === 201 || res.status === 408 || res.status === 429 || res.status >= 500) {
    const after = Number(res.headers.get('retry-after'));
    const answer = res.status === 201 ? 'the collector’s answer was cut off' : `the collector answered ${res.status}${code ? ` ${code}` : ''}${message ? ` (${message})` : ''}`;
    return { ok: false, retry: true, text: `Your vote for ${choice} did not get through: ${answer}.${after > 0 && after < 3600 ? ` Wait ${after} s.` : ''} ${kept}` };
  }
  return { ok: false, retry: false, text: `The collector refused your vote for ${choice} (${code || res.status}): ${message || res.statusText || 'it gave no reason'}` };
}

async function vote(choice) {
  const poll = ui.poll;
  ui.busy = true;
  ui.voteFailed = null;
  render();
  try {
    let p = ui.pending;
    if (!p || p.poll !== poll.poll || p.choice !== choice) {
      status('Signing your ballot with this browser’s key…');
      const v = await voter(poll.poll);
      const time = nowRfc3339();
      const draft = await call('draft', { actor: v.actor, time, poll: poll.poll, choice });
      const sig = new Uint8Array(await crypto.subtle.sign({ name: 'Ed25519' }, v.pair.privateKey, hexToBytes(draft.id)));
      const line = await call('sign', { unsigned: draft.unsigned, sig }, [sig.buffer]);
      p = ui.pending = { poll: poll.poll, choice, id: draft.id, time, line };
    }
    status('Sending your ballot…');
    const sent = await send(p);
    if (!sent.ok) {
      if (!sent.retry) ui.pending = null; // refused for good: another vote signs a new ballot
      ui.voteFailed = sent;
      status('');
      return;
    }
    ui.pending = null;
    const ballot = { id: p.id, index: sent.index, choice, time: p.time };
    (ui.ballots[poll.poll] ||= []).push(ballot);
    await saveBallots();
    ui.changing = false;
    ui.mine = `Your ballot is in the log at index ${sent.index}; waiting for the log to seal it…`;
    status('Your vote is in. Waiting for the log to seal it…');
    await sealedPast(sent.index);
    status('Your vote is in. Recounting the log in your browser…');
    await load();
    if (ui.result?.fetchError) {
      status(`Your vote is in the log (index ${sent.index}), but the log could not be read back to recount it. Retry shows the count.`);
      return;
    }
    status(`Recounted: your vote for “${visible(optionName(choice))}” counts.`);
    sealReceipt(poll.poll, ballot);
  } catch (e) {
    ui.voteFailed = { retry: true, text: `Your vote could not be cast: ${e.message}. Your choice is kept; Retry tries again.` };
    status('');
  } finally {
    ui.busy = false;
    render();
    if (ui.voteFailed) ($('retry-vote').hidden ? $('choices').querySelector('input:checked') : $('retry-vote'))?.focus();
    else if (!$('results').hidden) $('results').focus({ preventScroll: true });
  }
}

/**
 * Waits (a few seconds at most) until the collector says a checkpoint covers
 * `index`, so the recount from tiles includes the new ballot. Only a hint of
 * when to look: if it never comes, the recount reads the whole trace.
 */
async function sealedPast(index) {
  for (let i = 0; i < 20; i++) {
    try {
      const info = await (await fetch(logBase, { cache: 'no-store', credentials: 'omit' })).json();
      if (info?.sealed?.size > index) return;
    } catch { /* ask again */ }
    await sleep(400);
  }
}

/** Fetches the ballot's receipt once a checkpoint covers it, checks it, keeps it. */
const asking = new Set(); // ballot ids whose receipt is being asked for
async function sealReceipt(pollId, ballot) {
  if (asking.has(ballot.id)) return;
  asking.add(ballot.id);
  try {
    await askReceipt(pollId, ballot);
  } finally {
    asking.delete(ballot.id);
  }
}
async function askReceipt(pollId, ballot) {
  const vkey = ui.logState.vkey || ui.result?.vkey;
  await sleep(1500); // the collector seals every few seconds; do not ask at once
  for (let attempt = 0; attempt < 40; attempt++) {
    let res = null;
    try {
      res = await fetch(`${logBase}/receipt/${ballot.id}`, { cache: 'no-store', credentials: 'omit' });
    } catch { /* retry */ }
    if (res?.ok) {
      const text = await res.text();
      const rr = await call('receipt', { text, key: vkey });
      if (rr.status === 'verified' && rr.id === ballot.id && rr.index === ballot.index) {
        const saved = (ui.ballots[pollId] || []).find((b) => b.id === ballot.id);
        if (saved) saved.receipt = text;
        await saveBallots();
        ui.mine = `Your ballot is sealed in the log at index ${ballot.index}: its receipt verifies, and this browser keeps it.`;
      } else {
        ui.problems.push(`The receipt the collector gave for your ballot does not verify (${rr.findings.map((f) => f.code).join(', ') || rr.status}).`);
        ui.mine = '';
      }
      render();
      return;
    }
    if (res && res.status !== 404 && res.status !== 429 && res.status < 500) break;
    const wait = Number(res?.headers.get('retry-after')) || 2;
    await sleep(Math.min(wait, 10) * 1000);
  }
  ui.mine = `Your ballot is in the log at index ${ballot.index}, but no receipt came yet; this page will ask again on your next visit.`;
  render();
}

// ---------- embedding ----------

function embedSnippets() {
  const script = new URL('embed.js', location.href).href;
  const attrs = [`src="${script}"`, `data-log="${logBase}"`];
  if (ui.poll) attrs.push(`data-poll="${ui.poll.poll}"`);
  const iframeUrl = new URL('poll.html', location.href);
  iframeUrl.searchParams.set('log', logBase);
  if (ui.poll) iframeUrl.searchParams.set('poll', ui.poll.poll);
  iframeUrl.searchParams.set('theme', 'light'); // light, dark or auto, as embed.js's data-theme
  const title = (ui.poll?.question || 'Poll').replace(/[&"<>]/g, (c) => ({ '&': '&amp;', '"': '&quot;', '<': '&lt;', '>': '&gt;' })[c]);
  return {
    script: `<script ${attrs.join(' ')} async></script>`,
    iframe: `<iframe src="${iframeUrl.href.replace(/&/g, '&amp;')}" title="Poll: ${title}" width="100%" height="460" style="max-width:560px;border:0" loading="lazy" allow="clipboard-write"></iframe>`,
  };
}

function fillEmbed() {
  const s = embedSnippets();
  $('embed-script').value = s.script;
  $('embed-iframe').value = s.iframe;
}

async function copy(text, what) {
  try {
    await navigator.clipboard.writeText(text);
    status(`Copied the ${what} to the clipboard.`);
  } catch {
    status(`Select the ${what} below and copy it.`);
  }
}

let lastHeight = 0;
function postHeight() {
  if (!frame || parent === window) return;
  const h = Math.ceil(document.documentElement.getBoundingClientRect().height);
  if (h === lastHeight) return;
  lastHeight = h;
  parent.postMessage({ type: 'onus-poll:height', frame, height: h, title: ui.poll?.question || '' }, '*');
}
if (frame && parent !== window) new ResizeObserver(postHeight).observe(document.documentElement);

// ---------- events ----------

function submit() {
  if (ui.busy) return;
  const picked = $('choices').querySelector('input:checked');
  if (!picked) {
    status('Pick an answer first.');
    $('choices').querySelector('input')?.focus();
    return;
  }
  vote(Number(picked.value));
}
$('ballot').addEventListener('submit', (e) => {
  e.preventDefault();
  submit();
});
// The choice stays checked: Retry sends the ballot signed for it (another choice: a new ballot).
$('retry-vote').addEventListener('click', submit);
$('change').addEventListener('click', () => {
  ui.changing = true;
  render();
  ($('choices').querySelector('input:checked') || $('choices').querySelector('input'))?.focus();
});
$('cancel').addEventListener('click', () => {
  ui.changing = false;
  ui.voteFailed = null;
  render();
  $('change').focus();
});
$('embed').addEventListener('click', () => {
  const panel = $('embed-panel');
  const open = panel.hidden;
  panel.hidden = !open;
  $('embed').setAttribute('aria-expanded', String(open));
  if (open) {
    fillEmbed();
    copy($('embed-script').value, 'embed code');
    $('embed-script').select();
  }
  postHeight();
});
$('copy-iframe').addEventListener('click', () => {
  $('embed-iframe').select();
  copy($('embed-iframe').value, 'iframe code');
});

// ---------- start ----------

/** Reads and recounts the log; whatever goes wrong ends as a fetchError the fallback explains. */
async function load() {
  try {
    await refresh();
  } catch (e) {
    ui.result = { fetchError: `the log could not be checked: ${e.message}` };
    ui.poll = null;
  }
}

let watching = false;
/** Once the poll is shown: receipts still to fetch, the saved receipt's line, timers. */
function afterLoad() {
  if (!ui.poll || ui.result?.status === 'failed') return;
  // Ballots cast earlier whose receipt never came: ask again.
  for (const b of myBallots().filter((x) => !x.receipt && ui.result.ballotIndex[x.id] === x.index)) sealReceipt(ui.poll.poll, b);
  const mine = myChoice();
  if (mine?.ballot.receipt && !ui.problems.length) {
    ui.mine = `Your vote (log index ${mine.at}) is still in the log and its saved receipt verifies.`;
    render();
  }
  if (watching) return;
  watching = true;
  // Re-render when the poll closes, and keep "closes in" fresh.
  const left = closesAt() - Date.now();
  if (left > 0 && left < 2 ** 31 - 1) setTimeout(render, left + 500);
  setInterval(() => ui.busy || ui.result?.fetchError || render(), 60_000);
}

// The log could not be read: read it again, in place.
$('retry').addEventListener('click', async () => {
  if (ui.retrying) return;
  ui.retrying = true;
  render();
  $('poll').setAttribute('aria-busy', 'true');
  status('Trying again…');
  await load();
  ui.retrying = false;
  render();
  if (ui.result?.fetchError) {
    status(`Tried again at ${new Date().toLocaleTimeString()}: the poll still cannot be shown.`);
    return;
  }
  status('');
  afterLoad();
  // The Retry button is gone: focus goes to the poll's question.
  $('question').tabIndex = -1;
  $('question').focus();
});

async function start() {
  if (setupError) {
    render();
    return;
  }
  ui.blocker = await votingBlocker();
  await load();
  render();
  afterLoad();
  window.onusPoll = ui; // for tests and the curious
}

start();
