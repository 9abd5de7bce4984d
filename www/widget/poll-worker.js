// The poll widget's only wasm user (widget/poll.js calls it through
// engine/rpc.js). It recounts a poll from the log itself: from its tiles,
// going on from the state this browser kept (TiledLog, `resume`), or from the
// whole trace.jsonl stream (TraceVerifier, `recount`); builds ballots for the
// browser's key to sign (draftStatement / signedStatement) and checks
// receipts (verifyReceipt, checkOneStatement).
// Every verdict and every count comes from the Rust core.
import init, { TraceVerifier, draftStatement, signedStatement, verifyReceipt } from '../pkg/onus.js';
import { guard } from '../engine/guard.js';
import { expose, transfer } from '../engine/rpc.js';
import { verifyTiled, receiptFromTiles } from '../engine/tiled.js';

const ready = init({ module_or_path: new URL('../pkg/onus_bg.wasm', import.meta.url) });

const ERRORS_KEPT = 5;

/**
 * Fetches and verifies the whole log. `key` pins the log key seen before,
 * `known` is the last checkpoint seen ({origin, size, root}); `ballots` are
 * ids whose index in the log the page wants to know.
 */
async function recount({ url, key, known, ballots, policy }) {
  const opts = { keepRows: true };
  if (key) opts.key = key;
  if (known) opts.known = known;
  if (policy) opts.policy = policy;
  const v = guard(() => new TraceVerifier(opts));
  try {
    let res;
    // `unreachable` (no answer, or the answer broke off) and `status` let the widget say which.
    try {
      res = await fetch(url, { cache: 'no-store', credentials: 'omit' });
    } catch (e) {
      return { fetchError: `cannot reach ${url} (${e.message})`, unreachable: true };
    }
    if (!res.ok) {
      await res.body?.cancel().catch(() => {});
      return { fetchError: `${url} answered ${res.status} ${res.statusText}`, httpStatus: res.status, statusText: res.statusText };
    }
    const parts = [];
    const reader = res.body.getReader();
    for (;;) {
      let chunk;
      try {
        chunk = await reader.read();
      } catch (e) {
        return { fetchError: `the log stopped arriving from ${url} (${e.message})`, unreachable: true };
      }
      const { done, value } = chunk;
      if (done) break;
      parts.push(value);
      guard(() => v.push(value));
    }
    const report = guard(() => v.finish());
    const source = new Blob(parts);
    // Poll bodies may carry display options the core does not interpret
    // (show_results); read them from the poll statement the core located.
    const polls = [];
    for (const p of report.polls) {
      let show = null;
      try {
        const [row] = guard(() => v.rows(p.index, 1));
        const bytes = new Uint8Array(await source.slice(row.offset, row.offset + row.length).arrayBuffer());
        const { body } = guard(() => v.viewStatement(bytes));
        if (body && typeof body.show_results === 'string') show = body.show_results;
      } catch { /* display option only; the tally does not depend on it */ }
      polls.push({ ...p, show_results: show });
    }
    const ballotIndex = {};
    for (const id of ballots || []) ballotIndex[id] = guard(() => v.indexOf(id)) ?? null;
    return { ...summary(report, polls, ballotIndex), mode: 'trace' };
  } finally {
    v.free();
  }
}

/** What the widget needs of a report (the same for both ways of reading the log). */
function summary(report, polls, ballotIndex) {
  const errors = report.findings.filter((f) => f.severity === 'error');
  return {
    status: report.status,
    origin: report.origin,
    logKey: report.log_key,
    vkey: report.vkey,
    statements: report.statements,
    checkpoints: report.checkpoints,
    sealed: report.sealed,
    counts: report.counts,
    errorCodes: [...new Set(errors.map((f) => f.code))],
    errors: errors.slice(0, ERRORS_KEPT).map((f) => ({ code: f.code, message: f.message, advice: f.advice, index: f.index, line: f.line })),
    unsealed: report.findings.find((f) => f.code === 'trace.unsealed')?.message ?? null,
    // Under the collector's policy (GET /logs/NAME/policy): who cosigned the sealing checkpoint.
    policy: report.policy ?? null,
    cosigners: report.sealed?.cosigners ?? [],
    polls,
    ballotIndex,
  };
}

/**
 * Reads the log as tiles (`base` ends in `/`), from `state` (what an earlier
 * visit kept, or null), so a returning visitor fetches only what was added.
 * `ballots` ([{id, index}]) are this browser's ballots: each is checked alone
 * (checkOneStatement) at the index the collector gave it, unless `confirmed`
 * names it: found by an earlier visit under the kept state, which the served
 * checkpoint extends (the core checked that), so it is still there. `shows` (poll id ->
 * show_results) are display options known already. Answers a recount like
 * `recount`'s plus {state, since, fetched}, or {fallback: why} when only the
 * whole trace can tell (nothing kept of the log is thrown away here):
 * the core found something wrong, the served checkpoint is older than or
 * disagrees with the one kept, or a ballot is not under the checkpoint yet.
 */
async function resume({ base, key, state, confirmed, ballots, shows, policy }) {
  const options = key ? { key } : {};
  if (policy) options.policy = policy;
  let out;
  try {
    out = await verifyTiled({ base, options, state: state ? new Uint8Array(state) : null, progress: () => {} });
  } catch (e) {
    if (e?.kind === 'panic' || e?.kind === 'memory') throw e;
    // Kept state stays kept (a state of another log is evidence): the whole trace tells what happened.
    return { fallback: `the log could not be read as tiles: ${e?.message ?? e}`, stateRefused: null };
  }
  const { report, since, fetched, stateRefused } = out;
  const fallback = (why) => ({ fallback: why, stateRefused });
  if (report.status === 'failed') return fallback('the tiles fail verification');
  if (since.kind === 'stale' || since.kind === 'inconsistent') return fallback(`the served checkpoint is ${since.kind}`);
  const size = report.sealed?.size ?? 0;
  /** Statement `index` checked alone (its bundle and proof tiles only), under the pinned key: the receipt's report and text. */
  const one = async (index) => {
    const r = await receiptFromTiles({ base, index });
    fetched.files += r.fetched.files;
    fetched.bytes += r.fetched.bytes;
    return [guard(() => verifyReceipt(new TextEncoder().encode(r.receipt), key || undefined)), r.receipt];
  };
  const ballotIndex = {};
  try {
    const still = since.kind === 'extended' ? new Set(confirmed || []) : new Set();
    for (const b of ballots || []) {
      if (still.has(b.id)) { ballotIndex[b.id] = b.index; continue; }
      if (!(b.index < size)) return fallback('a ballot is not under the checkpoint yet');
      const [r] = await one(b.index);
      if (r.status !== 'verified' || r.id !== b.id) return fallback(`ballot ${b.id} is not where the collector put it`);
      ballotIndex[b.id] = b.index;
    }
  } catch (e) {
    if (e?.kind === 'panic' || e?.kind === 'memory') throw e;
    return fallback(`a ballot could not be checked: ${e?.message ?? e}`);
  }
  const polls = [];
  const known = { ...shows };
  for (const p of report.polls) {
    if (!Object.hasOwn(known, p.poll)) {
      // Poll bodies may carry display options the core does not interpret
      // (show_results); read them once from the poll statement, checked alone.
      let show = null;
      try {
        const [r, text] = await one(p.index);
        const body = r.status === 'verified' && r.id === p.poll ? JSON.parse(text).statement?.body : null;
        if (body && typeof body.show_results === 'string') show = body.show_results;
      } catch { /* display option only; the tally does not depend on it */ }
      known[p.poll] = show;
    }
    polls.push({ ...p, show_results: known[p.poll] });
  }
  const result = { ...summary(report, polls, ballotIndex), mode: 'tiles', since, fetched, shows: known, stateRefused, state: out.state };
  return out.state ? transfer(result, [out.state.buffer]) : result;
}

/** Each call waits for wasm to start. */
const started = (fn) => async (arg) => { await ready; return fn(arg); };

expose({
  recount: started(recount),
  resume: started(resume),
  draft: started(({ actor, time, poll, choice }) => guard(() => draftStatement('vote', actor, time, [poll], JSON.stringify({ choice })))),
  sign: started(({ unsigned, sig }) => guard(() => signedStatement(unsigned, new Uint8Array(sig)))),
  receipt: started(({ text, key }) => guard(() => verifyReceipt(new TextEncoder().encode(text), key || undefined))),
});
