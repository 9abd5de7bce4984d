// The trace's incidents (docs/FORMAT.md section 5): four poll-style bars that
// count them by category (this trace's incidents, nobody's vote), a chart of
// where they are in the log (incident-chart.js), the incidents themselves with
// filters, 50 at a time (incident-filters.js; each opens onto its timeline,
// timeline.js), and a table of incidents by node (node-table.js). The
// categories and counts are the core's (report.accountability,
// report.incidents); a failed trace's are shown under a caution.
//
// API for main.js:
//
//   const acc = renderAccountability(section, report, ctx);
//
// `section` is #accountability. `ctx`:
//   who(key)            a name, or a short key
//   roleText(key)       ' (role)' or ''
//   openStatement(i)    shows statement i (the explorer, or a tiled log's &index=)
//   views(indexes)      resolves to statement views (view.time, .actor, .body); may reject
//   onIncident(first)   optional: called with an incident's id when the reader
//                       opens its card, and with null when the reader closes it,
//                       so the address can say #incident=<id>
//
// An incident's id is its first statement's index (inc.statements[0]); its
// link is #incident=<id> (the copy-link button on each opened card).
//
// `acc.openIncident(id)` shows incident `id` (a number or a numeric string):
// clears the filters if they hide it, shows its page of the list, opens its
// card and focuses it; it returns false when the report has no such incident.
// It does not call ctx.onIncident (the caller already knows). `acc.incidentIds`
// lists every id.
//
// Testing hook: window.onusAccountability is the object the last render returned.
import { h, clear, fmtInt, percentages } from '../../lib/dom.js';
import { copyLinkButton } from '../../lib/copy-link.js';
import { fillIncident } from './timeline.js';
import { CATEGORIES, categoryOf, whatText, plural } from './incident-categories.js';
import { NO_FILTER, matches, isFiltered, filterForm } from './incident-filters.js';
import { nodeTable } from './node-table.js';
import { incidentChart } from './incident-chart.js';

const PAGE = 50;
/** section -> what the last render left running (the chart's resize observer). */
const running = new WeakMap();

export function renderAccountability(section, r, ctx) {
  const $ = (id) => section.querySelector(`#${id}`);
  running.get(section)?.destroy();
  running.delete(section);
  const incidents = r.incidents ?? [];
  const counts = CATEGORIES.map((c) => r.accountability?.[c.cat] ?? 0);
  const total = counts.reduce((a, b) => a + b, 0);
  const poll = clear($('poll'));
  const list = clear($('incidents'));
  const chartBox = clear($('incident-chart'));
  const nodesBox = clear($('node-table'));

  // A failed trace: the counts, with a caution first (text, not only colour).
  $('poll-note').hidden = r.status !== 'failed';
  $('poll-meta').textContent = `${fmtInt(total)} ${plural(total, 'incident')} · ${r.status}`;
  $('poll-meta').className = `poll-meta ${r.status}`;
  const empty = total === 0 && incidents.length === 0;
  $('poll-empty').hidden = !empty;
  for (const el of [poll, $('poll-meta'), chartBox, nodesBox, list]) el.hidden = empty;
  section.hidden = false;
  const api = { openIncident: () => false, incidentIds: incidents.map((i) => i.statements[0]) };
  window.onusAccountability = api;
  if (empty) return api;

  // ---- the bars: each counts a category; pressing one filters the list by it
  const pcts = percentages(counts);
  const bars = CATEGORIES.map((c, k) => {
    const descId = `pbar-desc-${c.cat}`;
    const btn = h('button', {
      type: 'button', class: 'pbar', 'aria-pressed': 'false', 'data-cat': c.cat, 'aria-describedby': descId,
      onclick: () => {
        const f = filters.get();
        filters.set({ category: f.category === c.cat ? '' : c.cat });
        update();
      },
    },
    h('span', { class: 'pbar-fill', style: { width: `${pcts[k]}%` } }),
    h('span', { class: 'pbar-label' }, h('span', { class: `swatch cat-${c.cat}`, 'aria-hidden': 'true' }), c.label),
    h('span', { class: 'pbar-value' }, h('span', { class: 'pbar-pct' }, `${pcts[k]}%`), ' ',
      h('span', { class: 'pbar-count' }, `${fmtInt(counts[k])} ${plural(counts[k], 'incident')}`)));
    poll.append(btn, h('span', { id: descId, hidden: true }, `${c.desc} Lists them below.`));
    return btn;
  });

  // ---- the list, with its filters
  const byId = new Map(incidents.map((inc) => [inc.statements[0], inc]));
  const filters = filterForm(incidents, ctx.who, () => update());
  const title = h('h3', { class: 'incidents-title', id: 'incidents-title', tabindex: '-1' }, 'Incidents');
  const status = h('p', { class: 'incidents-count', role: 'status', 'aria-live': 'polite' });
  const desc = h('p', { class: 'sub incidents-desc' });
  const ul = h('ul', { class: 'incident-list', 'aria-labelledby': 'incidents-title' });
  const more = h('button', { type: 'button', class: 'button subtle incidents-more' });
  list.append(title, filters.el, status, desc, ul, more);
  let items = [], shown = 0;
  const opened = []; // ids of the open cards, the last opened last: the address names the last
  const showMore = () => {
    const next = items.slice(shown, shown + PAGE);
    for (const inc of next) ul.append(incidentCard(inc, ctx, (id, open) => {
      if (opened.includes(id)) opened.splice(opened.indexOf(id), 1);
      if (open) opened.push(id);
      ctx.onIncident?.(opened.at(-1) ?? null);
    }));
    shown += next.length;
    more.hidden = shown >= items.length;
    more.textContent = `Show ${fmtInt(Math.min(PAGE, items.length - shown))} more (${fmtInt(items.length - shown)} not shown yet)`;
  };
  more.addEventListener('click', () => {
    const first = ul.children.length;
    showMore();
    ul.children[first]?.querySelector('.incident-head')?.focus();
  });
  const update = (byReader = true) => {
    const f = filters.get();
    for (const b of bars) b.setAttribute('aria-pressed', String(b.dataset.cat === f.category));
    items = incidents.filter((inc) => matches(inc, f));
    clear(ul);
    shown = 0;
    showMore();
    const cat = f.category ? categoryOf(f.category) : null;
    title.textContent = cat ? `Incidents · ${cat.label}` : 'Incidents';
    desc.textContent = cat ? cat.desc : '';
    desc.hidden = !cat;
    status.textContent = isFiltered(f)
      ? (items.length ? `${fmtInt(items.length)} of ${fmtInt(incidents.length)} ${plural(incidents.length, 'incident')} match.` : `No incident matches these filters (of ${fmtInt(incidents.length)}).`)
      : `All ${fmtInt(incidents.length)} ${plural(incidents.length, 'incident')}, in log order.`;
    // The list is drawn again, every card closed: so says the address, unless openIncident is at work.
    if (opened.length && byReader) ctx.onIncident?.(null);
    opened.length = 0;
  };
  update();

  // ---- incidents by node; choosing one lists its incidents
  nodesBox.append(nodeTable(incidents, ctx, (key) => {
    filters.set({ ...NO_FILTER, node: key, role: 'either' });
    update();
    title.scrollIntoView({ block: 'start', behavior: 'smooth' });
    title.focus({ preventScroll: true });
  }));

  // ---- where they are in the log
  running.set(section, incidentChart(chartBox, incidents, r.statements ?? 0, { views: ctx.views }));

  api.openIncident = (id) => {
    const first = Number(id);
    const inc = byId.get(first);
    if (!inc) return false;
    if (!matches(inc, filters.get())) { filters.set(NO_FILTER); update(false); }
    const pos = items.indexOf(inc);
    while (shown <= pos) showMore();
    const li = ul.querySelector(`li[data-first="${first}"]`);
    const head = li.querySelector('.incident-head');
    if (head.getAttribute('aria-expanded') !== 'true') li.openCard();
    if (opened.includes(first)) opened.splice(opened.indexOf(first), 1);
    opened.push(first);
    head.focus({ preventScroll: true });
    li.scrollIntoView({ block: 'start' });
    return true;
  };
  return api;
}

function incidentState(inc) {
  if (inc.category === 'silent') return { cls: 'silent', text: 'Nobody signed' };
  if (inc.resolved) return { cls: 'resolved', text: 'Resolved' };
  if (inc.disputed) return { cls: 'disputed', text: 'Disputed' };
  if (inc.stepped_forward) return { cls: 'accepted', text: 'Accepted, not resolved' };
  return { cls: 'open', text: 'Open' };
}

/** One incident, closed; `onToggle(id, open)` when the reader opens or closes it. */
function incidentCard(inc, ctx, onToggle) {
  const { who } = ctx;
  const st = incidentState(inc);
  const first = inc.statements[0];
  const bodyId = `incident-${first}-body`;
  const body = h('div', { class: 'incident-body', id: bodyId, hidden: true });
  const head = h('button', { type: 'button', class: 'incident-head', 'aria-expanded': 'false', 'aria-controls': bodyId },
    h('span', { class: 'incident-what' }, whatText(inc.what)),
    h('span', { class: 'incident-who' }, `from #${fmtInt(first)} · `, inc.blame ? `blamed: ${who(inc.blame)}` : 'no one blamed',
      inc.stepped_forward ? ` · stepped forward: ${who(inc.stepped_forward)}${inc.stepped_forward_role === 'party_at_fault' ? ' (the party at fault)' : ''}` : ''),
    h('span', { class: `pill ${st.cls}` }, st.text));
  let loaded = false;
  const setOpen = (open) => {
    head.setAttribute('aria-expanded', String(open));
    body.hidden = !open;
    if (open && !loaded) {
      loaded = true;
      body.append(h('div', { class: 'incident-actions' }, copyLinkButton(`incident=${first}`, 'Copy link to this incident')));
      fillIncident(body, inc, ctx);
    }
  };
  head.addEventListener('click', () => {
    const open = head.getAttribute('aria-expanded') !== 'true';
    setOpen(open);
    onToggle(first, open);
  });
  const li = h('li', { class: 'incident', 'data-first': String(first), 'data-category': inc.category }, head, body);
  li.openCard = () => setOpen(true);
  return li;
}
