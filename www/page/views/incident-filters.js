// The filters above the incident list: category, a node (blamed, stepped
// forward, or either), the kind of fault (`what`), resolved or not. Choices
// are built from the report's own incidents, and shown as text only.
import { h, fmtInt } from '../../lib/dom.js';
import { CATEGORIES, whatText } from './incident-categories.js';

/** No filter: every incident. `role` is how `node` takes part: either | blamed | stepped. */
export const NO_FILTER = Object.freeze({ category: '', node: '', role: 'either', what: '', resolved: '' });

/** Whether incident `inc` passes filter `f` (the same rules the tests apply to the CLI's report). */
export function matches(inc, f) {
  if (f.category && inc.category !== f.category) return false;
  if (f.node) {
    const blamed = inc.blame === f.node, stepped = inc.stepped_forward === f.node;
    if (f.role === 'blamed' ? !blamed : f.role === 'stepped' ? !stepped : !(blamed || stepped)) return false;
  }
  if (f.what && inc.what !== f.what) return false;
  if (f.resolved === 'yes' && !inc.resolved) return false;
  if (f.resolved === 'no' && inc.resolved) return false;
  return true;
}

export const isFiltered = (f) => Boolean(f.category || f.node || f.what || f.resolved);

/**
 * The form. `incidents`: the report's; `who(key)`: a name or short key;
 * `onChange(filter)` after each change the reader makes. Returns
 * {el, get(), set(partial)}; set() does not call onChange.
 */
export function filterForm(incidents, who, onChange) {
  const count = (pred) => fmtInt(incidents.filter(pred).length);
  const nodes = [...new Set(incidents.flatMap((i) => [i.blame, i.stepped_forward]).filter(Boolean))]
    .map((key) => ({ key, name: who(key) }))
    .sort((a, b) => a.name.localeCompare(b.name, 'en', { numeric: true }));
  const whats = [...new Set(incidents.map((i) => i.what))]
    .map((what) => ({ what, n: incidents.filter((i) => i.what === what).length }))
    .sort((a, b) => b.n - a.n || String(a.what).localeCompare(String(b.what)));

  const opt = (value, text) => h('option', { value }, text);
  const field = (id, label, select) => h('div', { class: 'filter-field' }, h('label', { for: id }, label), select);
  const category = h('select', { id: 'filter-category', name: 'category' }, opt('', `Any (${fmtInt(incidents.length)})`),
    CATEGORIES.map((c) => opt(c.cat, `${c.label} (${count((i) => i.category === c.cat)})`)));
  const node = h('select', { id: 'filter-node', name: 'node' }, opt('', 'Any node'),
    nodes.map((n) => opt(n.key, n.name)));
  const role = h('select', { id: 'filter-role', name: 'role' }, opt('either', 'blamed or stepped forward'), opt('blamed', 'blamed'), opt('stepped', 'stepped forward'));
  const what = h('select', { id: 'filter-what', name: 'what' }, opt('', 'Any kind'),
    whats.map((w) => opt(w.what, `${whatText(w.what)} (${fmtInt(w.n)})`)));
  const resolved = h('select', { id: 'filter-resolved', name: 'resolved' }, opt('', 'Resolved or not'), opt('yes', 'Resolved'), opt('no', 'Not resolved'));
  const clearBtn = h('button', { type: 'button', class: 'button small subtle filter-clear' }, 'Clear filters');

  const get = () => ({ category: category.value, node: node.value, role: role.value, what: what.value, resolved: resolved.value });
  const sync = () => {
    role.disabled = !node.value;
    clearBtn.disabled = !isFiltered(get());
  };
  const set = (partial) => {
    const f = { ...get(), ...partial };
    category.value = f.category; node.value = f.node; role.value = f.role; what.value = f.what; resolved.value = f.resolved;
    sync();
  };
  const el = h('form', { class: 'incident-filters', 'aria-label': 'Filter the incidents', onsubmit: (e) => e.preventDefault() },
    field('filter-category', 'Category', category),
    h('div', { class: 'filter-field filter-node' }, h('label', { for: 'filter-node' }, 'Node'), node,
      h('label', { for: 'filter-role', class: 'visually-hidden' }, 'How the node takes part'), role),
    field('filter-what', 'Kind of fault', what),
    field('filter-resolved', 'Resolved', resolved),
    h('div', { class: 'filter-field filter-actions' }, clearBtn));
  for (const s of [category, node, role, what, resolved]) s.addEventListener('change', () => { sync(); onChange(get()); });
  clearBtn.addEventListener('click', () => { set(NO_FILTER); onChange(get()); category.focus(); });
  sync();
  return { el, get, set };
}
