// Incidents along the log: a small hand-drawn SVG. Incidents have no time of
// their own, so an incident sits at its first statement's index; the log is cut
// into equal stretches of statements (at most MAX_BINS) and each stretch's
// column stacks its incidents by category, in the bars' order and colours
// (CSS classes cat-<category>). The axis gives statement numbers and, when the
// statements are in the page (ctx.views; a tiled log's are not), the times of
// the tick statements. For assistive technology: role="img" with a summary in
// its aria-label, and a visually hidden table of the same numbers.
import { h, clear, fmtInt } from '../../lib/dom.js';
import { CATEGORIES, plural } from './incident-categories.js';

const SVG = 'http://www.w3.org/2000/svg';
const MAX_BINS = 30;
const HEIGHT = 176;
const PAD = { top: 12, right: 12, bottom: 44, left: 36 };

function s(tag, attrs, ...children) {
  const el = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs ?? {})) if (v != null) el.setAttribute(k, String(v));
  for (const c of children) el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  return el;
}

/** The stretches: {size, count, bins: [{from, to, counts: {cat: n}, total}]} for a log of `n` statements. */
export function binIncidents(incidents, n) {
  const last = Math.max(n, ...incidents.map((i) => (i.statements[0] ?? 0) + 1));
  const size = Math.max(1, Math.ceil(last / MAX_BINS));
  const count = Math.max(1, Math.ceil(last / size));
  const bins = Array.from({ length: count }, (_, b) => ({
    from: b * size, to: Math.min(last, (b + 1) * size) - 1, counts: Object.fromEntries(CATEGORIES.map((c) => [c.cat, 0])), total: 0,
  }));
  for (const inc of incidents) {
    const bin = bins[Math.min(count - 1, Math.floor((inc.statements[0] ?? 0) / size))];
    bin.counts[inc.category] = (bin.counts[inc.category] ?? 0) + 1;
    bin.total++;
  }
  return { size, count, last, bins };
}

/** 1, 2 or 5 times a power of ten, at least `x`. */
function niceStep(x) {
  const p = 10 ** Math.floor(Math.log10(Math.max(1, x)));
  return [1, 2, 5, 10].map((m) => m * p).find((v) => v >= x);
}

/**
 * Draws the chart into `box` (emptied). `n`: the report's statement count;
 * `views(indexes)`: resolves to statement views with `view.time`, or rejects.
 * Returns {destroy()} (stops following the box's width).
 */
export function incidentChart(box, incidents, n, { views }) {
  clear(box);
  const { size, count, last, bins } = binIncidents(incidents, n);
  const total = incidents.length;
  const byCat = CATEGORIES.map((c) => ({ ...c, n: incidents.filter((i) => i.category === c.cat).length }));
  const busiest = bins.reduce((a, b) => (b.total > a.total ? b : a), bins[0]);
  const nonempty = bins.filter((b) => b.total > 0);
  const range = (b) => (b.from === b.to ? `#${fmtInt(b.from)}` : `#${fmtInt(b.from)}–#${fmtInt(b.to)}`);
  const summary = `${fmtInt(total)} ${plural(total, 'incident')} along the log (statements #0–#${fmtInt(last - 1)}), `
    + `in ${fmtInt(nonempty.length)} of ${fmtInt(count)} stretches of ${fmtInt(size)} ${plural(size, 'statement')}: `
    + `${byCat.map((c) => `${fmtInt(c.n)} ${c.label.toLowerCase()}`).join('; ')}. `
    + `The most in one stretch: ${fmtInt(busiest.total)}, statements ${range(busiest)}.`;

  const svg = s('svg', { class: 'chart-svg', role: 'img', 'aria-label': summary, 'data-bin-size': size, 'data-bins': count, height: HEIGHT });
  const legend = h('ul', { class: 'chart-legend' }, byCat.map((c) => h('li', null,
    h('span', { class: `swatch cat-${c.cat}`, 'aria-hidden': 'true' }), `${c.label}: ${fmtInt(c.n)}`)));
  const table = h('table', null,
    h('caption', null, `Incidents per stretch of ${fmtInt(size)} ${plural(size, 'statement')} (stretches with none are left out)`),
    h('thead', null, h('tr', null, h('th', { scope: 'col' }, 'Statements'), byCat.map((c) => h('th', { scope: 'col' }, c.label)), h('th', { scope: 'col' }, 'Total'))),
    h('tbody', null, nonempty.map((b) => h('tr', null, h('th', { scope: 'row' }, range(b)),
      CATEGORIES.map((c) => h('td', null, fmtInt(b.counts[c.cat]))), h('td', null, fmtInt(b.total))))));
  const note = h('p', { class: 'chart-note' });
  box.append(
    h('h3', { class: 'chart-title' }, 'Where the incidents are in the log'),
    h('p', { class: 'sub' }, `Each column counts the incidents that begin in a stretch of ${fmtInt(size)} ${plural(size, 'statement')}; incidents have no time of their own.`),
    h('div', { class: 'chart-frame' }, svg), legend, note,
    h('div', { class: 'visually-hidden' }, table)); // a table ignores the class's width: its box holds it

  const times = new Map(); // statement index -> time, once asked
  let asked = false, width = 0;
  const ticksFor = (k) => { // k intervals at most, each a round number of statements
    const step = niceStep((last - 1) / k);
    const out = [];
    for (let i = 0; i <= last - 1; i += step) out.push(i);
    return out;
  };
  const tickIndexes = (plotW) => ticksFor(Math.max(1, Math.min(6, Math.floor(plotW / 100))));
  const shortTime = (t, sameDay) => {
    const m = /^(\d{4}-\d\d-\d\d)T(\d\d:\d\d)/.exec(t ?? '');
    return m ? (sameDay ? m[2] : `${m[1].slice(5)} ${m[2]}`) : '';
  };
  const draw = () => {
    clear(svg);
    const plotW = Math.max(60, width - PAD.left - PAD.right);
    const plotH = HEIGHT - PAD.top - PAD.bottom;
    svg.setAttribute('width', width);
    svg.setAttribute('viewBox', `0 0 ${width} ${HEIGHT}`);
    const max = Math.max(1, busiest.total);
    const x = (i) => PAD.left + (i / last) * plotW;
    const y = (v) => PAD.top + plotH - (v / max) * plotH;
    // axes: the top count and 0; a base line
    svg.append(
      s('line', { class: 'chart-grid', x1: PAD.left, x2: PAD.left + plotW, y1: y(max), y2: y(max) }),
      s('text', { class: 'chart-label', x: PAD.left - 6, y: y(max) + 4, 'text-anchor': 'end' }, fmtInt(max)),
      s('text', { class: 'chart-label', x: PAD.left - 6, y: y(0) + 4, 'text-anchor': 'end' }, '0'));
    const colW = plotW / count;
    const barW = Math.max(1, colW * 0.78);
    for (const b of nonempty) {
      const g = s('g', { class: 'chart-bin', 'data-from': b.from, 'data-to': b.to, 'data-total': b.total });
      g.append(s('title', null, `Statements ${range(b)}: ${CATEGORIES.filter((c) => b.counts[c.cat]).map((c) => `${b.counts[c.cat]} ${c.short}`).join(', ')}`));
      let v = 0;
      for (const c of CATEGORIES) {
        const k = b.counts[c.cat];
        if (!k) continue;
        g.append(s('rect', { class: `cat-${c.cat}`, x: (x(b.from) + (colW - barW) / 2).toFixed(1), width: barW.toFixed(1), y: y(v + k).toFixed(1), height: Math.max(1, y(v) - y(v + k) - 1).toFixed(1) }));
        v += k;
      }
      svg.append(g);
    }
    svg.append(s('line', { class: 'chart-axis', x1: PAD.left, x2: PAD.left + plotW, y1: y(0) + 0.5, y2: y(0) + 0.5 }));
    const ticks = tickIndexes(plotW);
    const known = ticks.map((i) => times.get(i)).filter(Boolean);
    const sameDay = known.length > 0 && known.every((t) => t.slice(0, 10) === known[0].slice(0, 10));
    ticks.forEach((i, k) => {
      const tx = x(i + 0.5);
      const anchor = k === 0 ? 'start' : tx > PAD.left + plotW - 30 ? 'end' : 'middle';
      const ax = k === 0 ? PAD.left : anchor === 'end' ? PAD.left + plotW : tx;
      svg.append(s('line', { class: 'chart-axis', x1: tx, x2: tx, y1: y(0), y2: y(0) + 5 }),
        s('text', { class: 'chart-label', x: ax, y: y(0) + 18, 'text-anchor': anchor }, `#${fmtInt(i)}`));
      const t = shortTime(times.get(i), sameDay);
      if (t) svg.append(s('text', { class: 'chart-label chart-time', x: ax, y: y(0) + 34, 'text-anchor': anchor }, t));
    });
    note.textContent = known.length
      ? `Under each statement number, the time it states (UTC${sameDay ? `, ${known[0].slice(0, 10)}` : ''}).`
      : '';
    if (!asked) {
      asked = true;
      const want = [...new Set([1, 2, 3, 4, 5, 6].flatMap(ticksFor))]; // every width's ticks, asked once
      Promise.resolve().then(() => views(want)).then((vs) => {
        want.forEach((i, k) => { const t = vs?.[k]?.view?.time; if (typeof t === 'string') times.set(i, t); });
        if (times.size) draw();
      }, () => {}); // a tiled log: statement numbers only
    }
  };
  const follow = () => {
    const w = Math.floor(box.clientWidth);
    if (w > 0 && w !== width) { width = w; draw(); }
  };
  const ro = new ResizeObserver(follow);
  ro.observe(box);
  follow();
  return { destroy: () => ro.disconnect() };
}
