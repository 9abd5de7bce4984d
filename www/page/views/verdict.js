// The verdict, first and in words: Verified, Unsealed or Failed, one sentence,
// the reasons a trace failed (the core's summary of each error code), and the
// facts (log, key, statements, checkpoints, history, time taken).
import { h, clear, fmtInt, fmtBytes, fmtDuration } from '../../lib/dom.js';

const VERDICT = {
  verified: { word: 'Verified', icon: '✓' },
  unsealed: { word: 'Unsealed', icon: '!' },
  failed: { word: 'Failed', icon: '✗' },
};

/**
 * `shown`: {report, info, src, trust} (page/main.js); `pinned`: the key in the
 * address, if any; `vocabulary`: code -> {summary, advice} from the core.
 */
export function renderVerdict(place, { report: r, info, src, trust, policy }, { pinned, vocabulary }) {
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
    box.append(h('ul', { class: 'fail-reasons' }, failReasons(r, vocabulary).map((t) => h('li', null, t))));
  }
  const dl = h('dl', { class: 'facts' });
  const fact = (k, ...vals) => dl.append(h('div', { class: `fact${k === 'Log key' ? ' wide' : ''}` }, h('dt', null, k), h('dd', null, ...vals)));
  fact('Log', r.origin ? h('span', { class: 'origin' }, r.origin) : h('span', { class: 'muted' }, 'unknown (no valid first statement)'));
  if (r.vkey) {
    const keyNote = pinned && !r.findings.some((f) => f.code === 'log.key.mismatch') ? 'matches the key you pinned'
      : trust.key === 'same' ? 'same key as on your earlier visits'
        : trust.key === 'new' ? 'first time seen here: remembered on this device'
          : trust.key === 'changed' ? 'DIFFERENT from the key you saw before' : null;
    fact('Log key', h('code', { class: 'hex' }, r.vkey), keyNote ? h('span', { class: `key-note ${trust.key === 'changed' ? 'bad-text' : 'muted'}` }, keyNote) : null);
  }
  fact('Statements', fmtInt(r.statements));
  const unwitnessed = r.policy && r.findings.some((f) => f.code === 'checkpoint.quorum.unmet');
  const noneSeals = unwitnessed ? ' · none cosigned as your trust policy requires' : ' · none valid';
  fact('Checkpoints', `${fmtInt(r.checkpoints)}${r.sealed ? ` · the latest valid one covers ${fmtInt(r.sealed.size)}` : noneSeals}`);
  if (trust.compared && !trust.inconsistent && r.sealed) {
    const same = r.sealed?.size === trust.compared.size;
    fact('History', `${same ? 'the same as' : 'extends'} the copy you saw before (${fmtInt(trust.compared.size)} statements)`);
  }
  if (r.origin) fact('Witnesses', ...witnessFact(r, policy));
  const secs = info.elapsed / 1000;
  const showRate = secs > 0 && (r.statements >= 1000 || secs >= 0.5);
  fact('Checked', `${fmtBytes(info.bytes)} in ${fmtDuration(info.elapsed)}${showRate ? ` (${fmtInt(Math.round(r.statements / secs))} statements/s)` : ''}`);
  box.append(dl);
  box.dataset.elapsed = String(Math.round(info.elapsed));
  clear(place).append(box);
}

/** Who vouched for the sealing checkpoint: the log alone, or the witnesses a trust policy requires. */
function witnessFact(r, policy) {
  const from = policy?.given ? `the policy from ${policy.given.url}` : 'the policy pinned on this device for this log';
  if (!r.policy) {
    return [h('span', { id: 'witness-fact' }, 'Only the log vouches for this checkpoint: no trust policy names witnesses for it. '),
      h('span', { class: 'muted' }, 'A link with &policy=URL requires them.')];
  }
  if (!r.policy.requires_witnesses) {
    return [h('span', { id: 'witness-fact' }, `Only the log vouches for this checkpoint: ${from} requires no witness (quorum: none).`)];
  }
  const cosigners = r.sealed?.cosigners ?? [];
  const of = r.policy.witnesses.length;
  if (!cosigners.length) {
    return [h('span', { id: 'witness-fact', class: 'bad-text' }, `No checkpoint is cosigned as ${from} requires (quorum: ${r.policy.quorum}).`)];
  }
  const when = (t) => t.replace('T', ' ').replace('Z', ' UTC');
  return [h('span', { id: 'witness-fact' }, `Cosigned by ${cosigners.length} of ${of} ${of === 1 ? 'witness' : 'witnesses'}: `,
    cosigners.map((c, i) => [i ? ', ' : '', h('strong', null, c.witness), ` (${when(c.time)})`]).flat(), '.'),
  h('span', { class: 'muted' }, ` Quorum met: ${r.policy.quorum}, as ${from} requires.`)];
}

/** In place of a verdict after Cancel. */
export function renderCancelled(place, src, { onRetry }) {
  clear(place).append(h('div', { class: 'verdict cancelled' },
    h('p', { class: 'verdict-word' }, 'Cancelled'),
    h('p', { class: 'verdict-sentence' }, `You stopped checking ${src.label}. Nothing was concluded about it.`),
    h('p', null, h('button', { type: 'button', class: 'button', onclick: onRetry }, 'Check it again'))));
}

function verdictSentence(r) {
  const n = fmtInt(r.statements);
  if (r.status === 'verified') {
    const extra = r.counts.warning ? ` ${fmtInt(r.counts.warning)} ${r.counts.warning === 1 ? 'warning' : 'warnings'} below ${r.counts.warning === 1 ? 'is' : 'are'} worth a look.` : '';
    return `Every statement is signed by its actor, nothing was changed, and the log operator signed checkpoints covering all ${n} statements.${extra}`;
  }
  if (r.status === 'unsealed') {
    const sealed = r.sealed ? r.sealed.size : 0;
    const open = r.statements - sealed;
    const which = sealed ? `(from #${fmtInt(sealed)} on) ` : '';
    if (r.policy && r.findings.some((f) => f.code === 'checkpoint.quorum.unmet')) {
      return `Every statement is signed by its actor and nothing was found changed, but ${fmtInt(open)} of ${n} statements ${which}are not covered by a checkpoint the witnesses of your trust policy cosigned: the log operator signed them, the witnesses did not, so this may be a history others are not shown. Treat them as provisional.`;
    }
    return `Every statement is signed by its actor and nothing was found changed, but ${fmtInt(open)} of ${n} statements ${which}are not yet covered by a checkpoint signed by the log operator, so they could still be rewritten without a trace. Treat them as provisional.`;
  }
  const e = r.counts.error;
  return `Do not rely on this trace. ${fmtInt(e)} ${e === 1 ? 'error is' : 'errors are'} listed below, with where ${e === 1 ? 'it was' : 'they were'} found.`;
}

/** The distinct reasons a trace failed, in the core's words (most important first, as the findings come). */
function failReasons(r, vocabulary) {
  const codes = [...new Set(r.findings.filter((f) => f.severity === 'error').map((f) => f.code))];
  return codes.map((c) => {
    const text = vocabulary.get(c)?.summary || c;
    return `${text[0].toUpperCase()}${text.slice(1)}.`;
  });
}
