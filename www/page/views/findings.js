// The findings, in the core's words: grouped by severity, then by code (the
// code's summary and what to do, once), then each finding's message and where
// it is, with a way into the explorer.
import { h, clear, fmtInt } from '../../lib/dom.js';

const SEVERITIES = [
  { sev: 'error', title: 'Errors', blurb: 'Each one makes the trace fail.' },
  { sev: 'warning', title: 'Warnings', blurb: 'The trace still holds, but these deserve a look.' },
  { sev: 'info', title: 'Information', blurb: '' },
];
const PAGE = 100; // findings shown at once per code; "Show more" for the rest

/** `section` is #findings; `vocabulary`: code -> {summary, advice, publisher} from the core. */
export function renderFindings(section, r, { vocabulary, openStatement }) {
  const box = clear(section.querySelector('#findings-list'));
  if (!r.findings.length) {
    box.append(h('p', { class: 'muted' }, 'Nothing to report: no errors, warnings or notes.'));
  }
  for (const s of SEVERITIES) {
    const items = r.findings.filter((f) => f.severity === s.sev);
    if (!items.length) continue;
    const det = h('details', { class: `group sev-${s.sev}`, open: items.length <= 20 ? true : null, 'data-severity': s.sev },
      h('summary', null, h('span', { class: 'sev-dot', 'aria-hidden': 'true' }), `${s.title} (${fmtInt(r.counts[s.sev] ?? items.length)})`, s.blurb ? h('span', { class: 'muted' }, ` — ${s.blurb}`) : null));
    // The core lists the first findings of each code and counts the rest.
    const omitted = new Map((r.findings_omitted || []).filter((o) => o.severity === s.sev).map((o) => [o.code, o.count]));
    const byCode = new Map(); // in the core's order: a code's first finding places its group
    for (const f of items) {
      if (!byCode.has(f.code)) byCode.set(f.code, []);
      byCode.get(f.code).push(f);
    }
    for (const [code, list] of byCode) {
      det.append(codeGroup(code, list, omitted.get(code) ?? 0, { vocabulary, openStatement, statements: r.statements }));
    }
    box.append(det);
  }
  section.hidden = false;
}

function codeGroup(code, items, omitted, { vocabulary, openStatement, statements }) {
  const words = vocabulary.get(code);
  const advice = words?.advice ?? items[0].advice;
  const group = h('div', { class: 'code-group', 'data-code': code },
    h('p', { class: 'code-head' }, h('code', { class: 'code' }, code), ` (${fmtInt(items.length + omitted)})`, words?.summary ? `: ${words.summary}` : ''),
    advice ? h('p', { class: 'advice' }, h('strong', null, 'What to do: '), advice) : null,
    words?.publisher ? h('details', { class: 'for-publishers' }, h('summary', null, 'For publishers'), h('p', null, words.publisher)) : null);
  const ul = h('ul', { class: 'finding-list' });
  group.append(ul);
  let shown = 0;
  const more = h('button', { type: 'button', class: 'button subtle more' });
  const showMore = () => {
    const next = items.slice(shown, shown + PAGE);
    for (const f of next) ul.append(findingItem(f, { openStatement, statements }));
    shown += next.length;
    if (shown < items.length) more.textContent = `Show ${fmtInt(Math.min(PAGE, items.length - shown))} more (${fmtInt(items.length - shown)} left)`;
    else more.remove();
  };
  more.addEventListener('click', showMore);
  group.append(more);
  showMore();
  if (omitted) {
    group.append(h('p', { class: 'muted omitted' }, `${fmtInt(omitted)} more ${code} not listed`,
      ' (the report lists the first findings of each kind and counts the rest).'));
  }
  return group;
}

function findingItem(f, { openStatement, statements }) {
  const where = [];
  if (f.line) where.push(`line ${fmtInt(f.line)}`);
  if (f.index != null) where.push(`statement #${fmtInt(f.index)}`);
  if (f.path) where.push(f.path);
  return h('li', { class: `finding sev-${f.severity}`, 'data-code': f.code },
    h('div', { class: 'finding-head' },
      where.length ? h('span', { class: 'where' }, where.join(' · ')) : null,
      f.index != null && f.index < statements
        ? h('button', { type: 'button', class: 'link', onclick: () => openStatement(f.index), 'aria-label': `Open statement ${f.index} in the explorer` }, 'Open statement')
        : null),
    h('p', { class: 'finding-message' }, f.message));
}
