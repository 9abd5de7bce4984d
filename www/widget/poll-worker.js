// The poll widget's only wasm user (widget/poll.js calls it through
// engine/rpc.js). It recounts a poll from the log itself (TraceVerifier fed
// the trace.jsonl stream), builds ballots for the browser's key to sign
// (draftStatement / signedStatement) and checks receipts (verifyReceipt).
// Every verdict and every count comes from the Rust core.
import init, { TraceVerifier, draftStatement, signedStatement, verifyReceipt } from '../pkg/onus.js';
import { guard } from '../engine/guard.js';
import { expose } from '../engine/rpc.js';

const ready = init({ module_or_path: new URL('../pkg/onus_bg.wasm', import.meta.url) });

const ERRORS_KEPT = 5;

/**
 * Fetches and verifies the whole log. `key` pins the log key seen before,
 * `known` is the last checkpoint seen ({origin, size, root}); `ballots` are
 * ids whose index in the log the page wants to know.
 */
async function recount({ url, key, known, ballots }) {
  const opts = { keepRows: true };
  if (key) opts.key = key;
  if (known) opts.known = known;
  const v = guard(() => new TraceVerifier(opts));
  try {
    let res;
    try {
      res = await fetch(url, { cache: 'no-store', credentials: 'omit' });
    } catch (e) {
      return { fetchError: `cannot reach ${url} (${e.message})` };
    }
    if (!res.ok) return { fetchError: `${url} answered ${res.status} ${res.statusText}` };
    const parts = [];
    const reader = res.body.getReader();
    for (;;) {
      const { done, value } = await reader.read();
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
      polls,
      ballotIndex,
    };
  } finally {
    v.free();
  }
}

/** Each call waits for wasm to start. */
const started = (fn) => async (arg) => { await ready; return fn(arg); };

expose({
  recount: started(recount),
  draft: started(({ actor, time, poll, choice }) => guard(() => draftStatement('vote', actor, time, [poll], JSON.stringify({ choice })))),
  sign: started(({ unsigned, sig }) => guard(() => signedStatement(unsigned, new Uint8Array(sig)))),
  receipt: started(({ text, key }) => guard(() => verifyReceipt(new TextEncoder().encode(text), key || undefined))),
});
