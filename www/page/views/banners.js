// Loud warnings above the verdict: the log's key changed since the last visit;
// the log forked or was rolled back (with its evidence to keep); the verifier
// broke while answering a question.
import { h, fmtInt, shortHash } from '../../lib/dom.js';
import { describeError } from '../errors.js';

/**
 * `shown`: {report, trust} (trust from page/trust.js); `trustNewKey()` makes
 * the new key the expected one; `saveEvidence()` downloads both checkpoints.
 */
export function renderBanners(box, { report: r, trust, policy }, { trustNewKey, saveEvidence, pinNewPolicy }) {
  if (policy?.change === 'changed') {
    const weaker = r.policy?.requires_witnesses === false;
    const b = h('div', { class: 'banner danger', role: 'alert', id: 'policy-warning' },
      h('strong', { class: 'banner-title' }, weaker ? '⚠ This link brings a weaker trust policy' : '⚠ This link brings a different trust policy'),
      h('p', null, `On this device, “${r.origin}” was checked under a policy whose quorum is “${policy.pinned.quorum ?? 'unknown'}”${policy.pinned.url ? ` (from ${policy.pinned.url})` : ''}.`),
      h('p', null, `This check used the policy from ${policy.given.url}, whose quorum is “${r.policy?.quorum ?? 'unknown'}”.`),
      h('p', null, 'A link that lowers what you require of witnesses lets a log show you a history others do not see. Keep your pinned policy unless you know why it changed.'));
    b.append(h('p', null, h('button', {
      type: 'button', class: 'button subtle', onclick: () => {
        pinNewPolicy();
        b.replaceWith(h('div', { class: 'banner info', role: 'status' }, `From now on, “${r.origin}” is checked under the new policy.`));
      },
    }, 'Use the new policy from now on')));
    box.append(b);
  }
  if (trust.key === 'changed') {
    const b = h('div', { class: 'banner danger', role: 'alert', id: 'key-warning' },
      h('strong', { class: 'banner-title' }, '⚠ This log’s key has changed'),
      h('p', null, `Before, the log “${r.origin}” was signed by `, h('code', { class: 'hex' }, trust.storedKey), '.'),
      h('p', null, 'This trace is signed by ', h('code', { class: 'hex' }, r.vkey), '.'),
      h('p', null, 'Either the operator changed its key (ask them, through a channel you trust) or someone is publishing a different log under the same name. Everything below is checked against the new key, so it cannot tell you which.'));
    b.append(h('p', null, h('button', {
      type: 'button', class: 'button subtle', onclick: () => {
        trustNewKey();
        b.replaceWith(h('div', { class: 'banner info', role: 'status' }, `From now on, “${r.origin}” is expected to be signed by the new key.`));
      },
    }, 'I trust the new key')));
    box.append(b);
  }
  if (trust.inconsistent && trust.held) {
    const held = trust.held;
    const when = held.seen ? ` on ${new Date(held.seen).toLocaleString()}` : '';
    const from = held.url ? ` at ${held.url}` : '';
    const save = h('button', { type: 'button', class: 'button', id: 'evidence-download', onclick: saveEvidence }, 'Download the evidence (both checkpoints)');
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
        h('p', null, r.fork
          ? 'Keep the evidence: both checkpoints, each signed by the log key, and the proof that this copy’s history differs from the one you saw. It is a proof anyone can check again, without trusting this page or you (publishers: `onus verify-fork` reads the file). '
          : 'Keep the evidence: together the two checkpoints show that the log operator showed different histories of one log. ', save)));
    }
  }
}

/** The verifier broke while answering a question (not while checking the trace). */
export function panicBanner(err) {
  const { title, text, hint } = describeError(err);
  return h('div', { class: 'banner danger', role: 'alert' }, h('strong', null, title), h('p', null, text), h('p', null, hint));
}
