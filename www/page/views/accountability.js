// The trace's incidents as a poll of four bars (knowing what went wrong /
// someone taking responsibility / both / neither); a bar lists its incidents,
// an incident opens onto its timeline (views/timeline.js). The categories and
// counts are the core's (report.accountability, report.incidents).
import { h, clear, fmtInt, percentages } from '../../lib/dom.js';
import { fillIncident } from './timeline.js';

const BARS = [
  { cat: 'detected_only', label: 'Knowing what went wrong', desc: 'Detected (a signed fault or failed attest), but nobody took responsibility.' },
  { cat: 'responsibility_only', label: 'Someone taking responsibility', desc: 'Someone stepped forward without a signed detection.' },
  { cat: 'both', label: 'Both are essential', desc: 'Detected, and someone took responsibility.' },
  { cat: 'silent', label: 'Neither', desc: 'Anomalies the verifier found itself that nobody signed.' },
];

/**
 * `section` is #accountability; `ctx`: {who(key), roleText(key),
 * openStatement(index), views(indexes)} for the incidents' timelines.
 */
export function renderAccountability(section, r, ctx) {
  const $ = (id) => section.querySelector(`#${id}`);
  const counts = BARS.map((b) => r.accountability[b.cat] ?? 0);
  const pcts = percentages(counts);
  const total = counts.reduce((a, b) => a + b, 0);
  const max = Math.max(...counts);
  const poll = clear($('poll'));
  let open = null; // the category whose incidents are listed
  const toggle = (bar, btn) => {
    const list = clear($('incidents'));
    for (const b of poll.querySelectorAll('.pbar')) b.setAttribute('aria-pressed', 'false');
    if (open === bar.cat) { open = null; return; }
    open = bar.cat;
    btn.setAttribute('aria-pressed', 'true');
    listIncidents(list, bar, r.incidents.filter((i) => i.category === bar.cat), ctx);
  };
  BARS.forEach((b, k) => {
    const leading = max > 0 && counts[k] === max;
    const btn = h('button', {
      type: 'button', class: `pbar${leading ? ' leading' : ''}`, 'aria-pressed': 'false', 'data-cat': b.cat,
      'aria-label': `${b.label}: ${pcts[k]} percent, ${counts[k]} ${counts[k] === 1 ? 'incident' : 'incidents'}${leading ? ', the most' : ''}. Show them.`,
      onclick: () => toggle(b, btn),
    },
    h('span', { class: 'pbar-fill', style: { width: `${pcts[k]}%` } }),
    h('span', { class: 'pbar-label' }, b.label, leading ? h('span', { class: 'lead-mark', 'aria-hidden': 'true' }, ' ✓') : null),
    h('span', { class: 'pbar-value' }, h('span', { class: 'pbar-pct' }, `${pcts[k]}%`), h('span', { class: 'pbar-count' }, ` · ${fmtInt(counts[k])}`)));
    poll.append(btn);
  });
  $('poll-meta').textContent = `${fmtInt(total)} ${total === 1 ? 'incident' : 'incidents'} · ${r.status}`;
  $('poll-note').hidden = r.status !== 'failed';
  $('poll-meta').className = `poll-meta ${r.status}`;
  section.hidden = false;
}

function listIncidents(list, bar, items, ctx) {
  list.append(h('h3', { class: 'incidents-title', tabindex: '-1' }, `${bar.label}: ${fmtInt(items.length)} ${items.length === 1 ? 'incident' : 'incidents'}`),
    h('p', { class: 'sub' }, bar.desc));
  if (!items.length) { list.append(h('p', { class: 'muted' }, 'None in this trace.')); return; }
  const ul = h('ul', { class: 'incident-list' });
  list.append(ul);
  let shown = 0;
  const more = h('button', { type: 'button', class: 'button subtle' });
  const showMore = () => {
    const next = items.slice(shown, shown + 50);
    next.forEach((inc) => ul.append(incidentCard(inc, ctx)));
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

function incidentCard(inc, ctx) {
  const { who } = ctx;
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
    if (open && !loaded) { loaded = true; await fillIncident(body, inc, ctx); }
  });
  return h('li', { class: 'incident', 'data-first': String(first) }, head, body);
}
