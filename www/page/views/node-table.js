// Incidents by node: for each key blamed or stepping forward in the report's
// incidents, how many incidents blame it, how many it took responsibility for
// (it is their stepped_forward), and how many of those are resolved. A node's
// name is a button that lists its incidents (blamed or stepped forward).
import { h, fmtInt } from '../../lib/dom.js';

/** key -> {key, blamed, stepped, resolved} from the report's incidents. */
export function nodeCounts(incidents) {
  const rows = new Map();
  const row = (key) => {
    if (!rows.has(key)) rows.set(key, { key, blamed: 0, stepped: 0, resolved: 0 });
    return rows.get(key);
  };
  for (const inc of incidents) {
    if (inc.blame) row(inc.blame).blamed++;
    if (inc.stepped_forward) {
      const r = row(inc.stepped_forward);
      r.stepped++;
      if (inc.resolved) r.resolved++;
    }
  }
  return rows;
}

/** The table; `who(key)`, `roleText(key)` (' (role)' or ''); `onNode(key)` when a node is chosen. */
export function nodeTable(incidents, { who, roleText }, onNode) {
  const rows = [...nodeCounts(incidents).values()]
    .map((r) => ({ ...r, name: who(r.key) }))
    .sort((a, b) => b.blamed - a.blamed || b.stepped - a.stepped || a.name.localeCompare(b.name, 'en', { numeric: true }));
  const num = (n) => h('td', { class: 'num' }, fmtInt(n));
  const table = h('table', { class: 'node-table' },
    h('caption', null, 'Incidents by node', h('span', { class: 'caption-note' }, ' — choose a node to list its incidents')),
    h('thead', null, h('tr', null,
      h('th', { scope: 'col' }, 'Node'),
      h('th', { scope: 'col', class: 'num' }, 'Blamed'),
      h('th', { scope: 'col', class: 'num' }, 'Took respon\u00ADsibility'), // a soft hyphen: the column fits a phone
      h('th', { scope: 'col', class: 'num' }, 'Of those, resolved'))),
    h('tbody', null, rows.map((r) => {
      const role = roleText?.(r.key);
      return h('tr', { 'data-key': r.key },
        h('th', { scope: 'row' },
          h('button', { type: 'button', class: 'link node-pick', onclick: () => onNode(r.key) }, r.name),
          role ? h('span', { class: 'muted' }, role) : null),
        num(r.blamed), num(r.stepped), num(r.resolved));
    })));
  // On a narrow screen the table may scroll sideways inside its box, not the page: a focusable region.
  return h('div', { class: 'table-scroll node-table-scroll', role: 'region', 'aria-label': 'Incidents by node (table)', tabindex: '0' }, table);
}
