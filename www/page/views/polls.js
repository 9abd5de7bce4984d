// Polls recorded in the trace, recounted by the core from the signed votes:
// one bar per option, voters, closing time, replaced and late votes.
import { h, clear, fmtInt, percentages } from '../../lib/dom.js';

/** `section` is #votes (hidden when the trace has no poll). */
export function renderPolls(section, r, { openStatement }) {
  const list = clear(section.querySelector('#votes-list'));
  if (!r.polls.length) { section.hidden = true; return; }
  // A failed trace's tallies are shown, with a caution: counted from the votes whose signatures verify, in a log that cannot be trusted.
  if (r.status === 'failed') {
    list.append(h('p', { class: 'caution', role: 'note' }, h('strong', null, 'Caution: this trace failed. '),
      'These tallies count only the votes whose signatures verify, but the log as a whole cannot be trusted: votes may be missing or planted.'));
  }
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
  section.hidden = false;
}
