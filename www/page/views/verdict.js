// The verdict, first and in words: Verified, Unsealed or Failed, one sentence,
// the reasons a trace failed (the core's summary of each error code), the
// first statements that failed with a link to each, what the reader can do
// (the core's advice; the publisher's part behind a detail), and the facts
// (log, key, statements, checkpoints, history, time taken). A file that is
// not a trace at all gets one sentence instead.
import { h, clear, fmtInt, fmtBytes, fmtDuration } from '../../lib/dom.js';
import { term } from '../glossary.js';

/** How many failed statements the verdict links to; the findings list has them all. */
const FIRST_BAD = 3;

/** What a file that is not a trace looks like, by its first bytes (engine/worker.js contentKind). */
const CONTENT = {
  html: 'a web page (HTML)', png: 'a PNG image', jpeg: 'a JPEG image', gif: 'a GIF image', webp: 'a WebP image',
  pdf: 'a PDF document', zip: 'a ZIP archive', gzip: 'a gzip-compressed file', binary: 'a binary file',
  json: 'a single JSON document spread over several lines',
};

const VERDICT = {
  verified: { word: 'Verified', icon: '✓' },
  unsealed: { word: 'Unsealed', icon: '!' },
  failed: { word: 'Failed', icon: '✗' },
};

/**
 * `shown`: {report, info, src, trust, notATrace} (page/main.js); `pinned`: the key in the
 * address, if any; `vocabulary`: code -> {summary, advice, publisher} from the core;
 * `openStatement(i)` shows a statement; `statementHref(i)` is its link.
 */
export function renderVerdict(place, { report: r, info, src, trust, policy, notATrace }, { pinned, vocabulary, openStatement, statementHref }) {
  const v = VERDICT[r.status];
  const box = h('div', { class: `verdict ${r.status}` });
  const head = (word) => h('div', { class: 'verdict-head' },
    h('span', { class: 'verdict-icon', 'aria-hidden': 'true' }, v.icon),
    h('h2', { class: 'verdict-word', id: 'verdict-word', tabindex: '-1' }, word));
  if (notATrace || (info.html && r.status === 'failed')) {
    box.append(head('Not a trace'), h('p', { class: 'verdict-sentence not-a-trace' }, notATraceSentence(src, info)));
    box.dataset.notATrace = 'true';
    clear(place).append(box);
    return;
  }
  box.append(head(v.word));
  if (info.empty) {
    box.append(h('p', { class: 'not-a-trace', role: 'note' }, h('strong', null, 'This is empty: '), `${src.label} has no content at all.`));
  }
  box.append(h('p', { class: 'verdict-sentence' }, ...verdictSentence(r)));
  if (r.status === 'failed') {
    box.append(h('ul', { class: 'fail-reasons' }, failReasons(r, vocabulary).map((t) => h('li', null, t))));
    const bad = firstBadStatements(r);
    if (bad.length) box.append(badStatements(bad, r, { openStatement, statementHref }));
    box.append(whatToDo(r, vocabulary));
  }
  const dl = h('dl', { class: 'facts' });
  const fact = (k, ...vals) => dl.append(h('div', { class: `fact${k.textContent === 'Log key' ? ' wide' : ''}` }, h('dt', null, k), h('dd', null, ...vals)));
  fact(term('Log', 'log'), r.origin ? h('span', { class: 'origin' }, r.origin) : h('span', { class: 'muted' }, 'unknown (no valid first statement)'));
  if (r.vkey) {
    const keyNote = pinned && !r.findings.some((f) => f.code === 'log.key.mismatch') ? 'matches the key you pinned'
      : trust.key === 'same' ? 'same key as on your earlier visits'
        : trust.key === 'new' ? 'first time seen here: remembered on this device'
          : trust.key === 'changed' ? 'DIFFERENT from the key you saw before' : null;
    fact(term('Log key', 'log-key'), h('code', { class: 'hex' }, r.vkey), keyNote ? h('span', { class: `key-note ${trust.key === 'changed' ? 'bad-text' : 'muted'}` }, keyNote) : null);
  }
  fact(term('Statements', 'statement'), fmtInt(r.statements));
  const unwitnessed = r.policy && r.findings.some((f) => f.code === 'checkpoint.quorum.unmet');
  const noneSeals = unwitnessed ? ' · none cosigned as your trust policy requires' : ' · none valid';
  fact(term('Checkpoints', 'checkpoint'), `${fmtInt(r.checkpoints)}${r.sealed ? ` · the latest valid one covers ${fmtInt(r.sealed.size)}` : noneSeals}`);
  if (trust.compared && !trust.inconsistent && r.sealed) {
    const same = r.sealed?.size === trust.compared.size;
    fact(h('span', null, 'History'), `${same ? 'the same as' : 'extends'} the copy you saw before (${fmtInt(trust.compared.size)} statements)`);
  }
  if (r.origin) fact(term('Witnesses', 'witness'), ...witnessFact(r, policy));
  const secs = info.elapsed / 1000;
  const showRate = secs > 0 && (r.statements >= 1000 || secs >= 0.5);
  fact(h('span', null, 'Checked'), `${fmtBytes(info.bytes)} in ${fmtDuration(info.elapsed)}${showRate ? ` (${fmtInt(Math.round(r.statements / secs))} statements/s)` : ''}`);
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
    h('h2', { class: 'verdict-word', id: 'verdict-word', tabindex: '-1' }, 'Cancelled'),
    h('p', { class: 'verdict-sentence' }, `You stopped checking ${src.label}. Nothing was concluded about it.`),
    h('p', null, h('button', { type: 'button', class: 'button', onclick: onRetry }, 'Check it again'))));
}

/** The verdict in one sentence, as text and glossary links (page/report-html.js takes their text). */
export function verdictSentence(r) {
  const n = fmtInt(r.statements);
  if (r.status === 'verified') {
    const extra = r.counts.warning ? ` ${fmtInt(r.counts.warning)} ${r.counts.warning === 1 ? 'warning' : 'warnings'} below ${r.counts.warning === 1 ? 'is' : 'are'} worth a look.` : '';
    return ['Every statement is signed by its actor, nothing was changed, and the log operator signed ', term('checkpoints', 'checkpoint'), ` covering all ${n} statements.${extra}`];
  }
  if (r.status === 'unsealed') {
    const sealed = r.sealed ? r.sealed.size : 0;
    const open = r.statements - sealed;
    const which = sealed ? `(from #${fmtInt(sealed)} on) ` : '';
    if (r.policy && r.findings.some((f) => f.code === 'checkpoint.quorum.unmet')) {
      return [`Every statement is signed by its actor and nothing was found changed, but ${fmtInt(open)} of ${n} statements ${which}are not covered by a `, term('checkpoint', 'checkpoint'), ' the ', term('witnesses', 'witness'), ' of your trust policy cosigned: the log operator signed them, the witnesses did not, so this may be a history others are not shown. Treat them as provisional.'];
    }
    return [`Every statement is signed by its actor and nothing was found changed, but ${fmtInt(open)} of ${n} statements ${which}are not yet covered by a `, term('checkpoint', 'checkpoint'), ' signed by the log operator (they are ', term('unsealed', 'unsealed'), '), so they could still be rewritten without a trace. Treat them as provisional.'];
  }
  const e = r.counts.error;
  return [`Do not rely on this trace. ${fmtInt(e)} ${e === 1 ? 'error is' : 'errors are'} listed below, with where ${e === 1 ? 'it was' : 'they were'} found.`];
}

/** "This is not a trace", in one sentence, with what the file looks like when its first bytes tell. */
function notATraceSentence(src, info) {
  const what = CONTENT[info.content];
  const is = what ? `${src.label} is ${what}, not a trace.` : `${src.label} is not a trace: none of its lines is a signed statement.`;
  const hint = info.content === 'html'
    ? ' The link probably points at a page about the trace; look for its “raw” or download link (usually ending in .jsonl).'
    : ' A trace is a JSON Lines file (usually .jsonl): one signed statement per line, starting with the log’s own statement.';
  return is + hint;
}

/** Statements with an error, in log order, each with the core's message (the first of its errors). */
function firstBadStatements(r) {
  const seen = new Map();
  for (const f of r.findings) {
    if (f.severity !== 'error' || f.index == null || f.index >= r.statements || seen.has(f.index)) continue;
    seen.set(f.index, f);
  }
  return [...seen.values()].sort((a, b) => a.index - b.index).slice(0, FIRST_BAD);
}

function badStatements(bad, r, { openStatement, statementHref }) {
  const more = r.counts.error - bad.length;
  return h('div', { class: 'first-bad' },
    h('p', { class: 'first-bad-title' }, bad.length === 1 ? 'Where it fails:' : `The first ${bad.length} statements that fail:`),
    h('ul', null, bad.map((f) => h('li', { 'data-index': String(f.index) },
      h('a', { href: statementHref(f.index), class: 'first-bad-link', onclick: (e) => { if (openStatement) { e.preventDefault(); openStatement(f.index); } } }, `Statement #${fmtInt(f.index)}`),
      f.line ? h('span', { class: 'muted' }, ` (line ${fmtInt(f.line)})`) : null, ': ', f.message))),
    more > 0 ? h('p', { class: 'muted' }, `All ${fmtInt(r.counts.error)} errors are in the findings below.`) : null);
}

/** What the reader can do, per error code, in the core's words; the publisher's part behind a detail. */
function whatToDo(r, vocabulary) {
  const codes = [...new Set(r.findings.filter((f) => f.severity === 'error').map((f) => f.code))];
  const words = codes.map((c) => vocabulary.get(c)).filter(Boolean);
  const forPublishers = words.filter((w) => w.publisher);
  return h('div', { class: 'what-to-do' },
    h('p', { class: 'first-bad-title' }, 'What you can do:'),
    h('ul', null, words.map((w) => h('li', null, w.advice))),
    forPublishers.length ? h('details', { class: 'for-publishers' }, h('summary', null, 'For publishers: how to fix the trace'),
      h('ul', null, forPublishers.map((w) => h('li', null, h('code', { class: 'code' }, w.code), ' ', w.publisher)))) : null);
}

/** The distinct reasons a trace failed, in the core's words (most important first, as the findings come). */
function failReasons(r, vocabulary) {
  const codes = [...new Set(r.findings.filter((f) => f.severity === 'error').map((f) => f.code))];
  return codes.map((c) => {
    const text = vocabulary.get(c)?.summary || c;
    return `${text[0].toUpperCase()}${text.slice(1)}.`;
  });
}
