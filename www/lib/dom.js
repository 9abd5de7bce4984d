// Small DOM helpers. Trace text only ever reaches the page through
// textContent / text nodes, never as markup: these helpers have no other way in.

/** `h('p', {class: 'x', onclick: f, 'aria-label': 'y'}, 'text', child)` */
export function h(tag, props, ...children) {
  const el = document.createElement(tag);
  if (props) {
    for (const [k, v] of Object.entries(props)) {
      if (v == null || v === false) continue;
      if (k === 'class') el.className = v;
      else if (k === 'text') el.textContent = visible(String(v));
      else if (k === 'hidden') el.hidden = true;
      else if (k === 'style') Object.assign(el.style, v); // CSSOM: allowed by style-src 'self'
      else if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
      else el.setAttribute(k, v === true ? '' : String(v));
    }
  }
  for (const c of children.flat(Infinity)) {
    if (c == null || c === false) continue;
    el.append(c instanceof Node ? c : textNode(String(c)));
  }
  return el;
}

// Control characters and bidirectional marks, overrides and isolates: shown as
// visible escapes, never applied (a U+202E in a poll option would reverse the
// text around it). Text with right-to-left letters is isolated in a <bdi> so it
// cannot reorder what stands next to it.
const INVISIBLE = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;
const RTL = /[\u0590-\u08ff\ufb1d-\ufdff\ufe70-\ufeff]/;

/** Untrusted text made safe to show: every invisible control becomes ⟨U+XXXX⟩. */
export function visible(text) {
  return text.replace(INVISIBLE, (c) => `⟨U+${c.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}⟩`);
}

function textNode(text) {
  const node = document.createTextNode(visible(text));
  if (!RTL.test(text)) return node;
  const bdi = document.createElement('bdi');
  bdi.append(node);
  return bdi;
}

export function clear(el) {
  while (el.firstChild) el.removeChild(el.firstChild);
  return el;
}

export const fmtInt = (n) => (n == null ? '?' : Number(n).toLocaleString('en-US'));

export function fmtBytes(n) {
  if (n == null) return '?';
  if (n < 1024) return `${n} B`;
  const units = ['KB', 'MB', 'GB', 'TB'];
  let v = n / 1024, u = 0;
  while (v >= 1024 && u < units.length - 1) { v /= 1024; u++; }
  return `${v < 10 ? v.toFixed(1) : Math.round(v)} ${units[u]}`;
}

export function fmtDuration(ms) {
  if (ms == null || !isFinite(ms)) return '?';
  if (ms < 1000) return `${(ms / 1000).toFixed(2)} s`;
  const s = ms / 1000;
  if (s < 60) return `${s < 10 ? s.toFixed(1) : Math.round(s)} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ${Math.round(s % 60)} s`;
  return `${Math.floor(m / 60)} h ${m % 60} min`;
}

export function shortKey(k) {
  return k ? `${k.slice(0, 8)}…` : '?';
}

export function shortHash(x, n = 12) {
  return x ? `${x.slice(0, n)}…` : '';
}

/** Percentages that add up to 100 (largest remainder), all 0 when the total is 0. */
export function percentages(counts) {
  const total = counts.reduce((a, b) => a + b, 0);
  if (!total) return counts.map(() => 0);
  const raw = counts.map((c) => (c * 100) / total);
  const out = raw.map(Math.floor);
  let left = 100 - out.reduce((a, b) => a + b, 0);
  const order = raw.map((r, i) => [r - Math.floor(r), i]).sort((a, b) => b[0] - a[0]);
  for (let j = 0; left > 0 && j < order.length; j++, left--) out[order[j][1]]++;
  return out;
}
