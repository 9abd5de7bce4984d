// The statement explorer: a virtualised list (fixed row height, one tall
// spacer, only the visible rows in the DOM) that stays fast at a million rows,
// plus search and the selected statement's detail. Rows, search hits and
// statement views all come from the engine worker (wasm) through `api`; this
// file only renders.
import { h, clear, fmtInt, shortKey, shortHash, visible } from '../../lib/dom.js';
import { copyLinkButton } from '../../lib/copy-link.js';

/** How many "Referenced by" statements are listed at once. */
const REFERRERS_SHOWN = 50;

const ROW_H = 34;
/** Browsers cap element heights (~17M px in Firefox); past this the scroll position is scaled. */
const MAX_SPACER = 8_000_000;
const PREFETCH = 60;
const CACHE_LIMIT = 20_000;

export class Explorer {
  /**
   * @param els {list, detail, searchForm, searchInput, searchStatus, searchResults}
   * @param api {rows(start,count), rowsAt(indexes), views(indexes), search(q,limit), referencedBy(index, limit),
   *   nameOf(key), roleOf(key), findingsAt(index), onSelect(index | null)}: onSelect is told which statement is shown, for the address.
   */
  constructor(els, api) {
    this.els = els;
    this.api = api;
    this.n = 0;
    this.cache = new Map();
    this.selected = null;
    this.inflight = null;
    this.generation = 0;
    this.searchSeq = 0; // the latest search: an older one that finishes late shows nothing
    this.pool = [];
    this.spacer = h('div', { class: 'vspacer' });
    this.window = h('div', { class: 'vwindow' });
    els.list.append(this.spacer, this.window);
    els.list.addEventListener('scroll', () => this.schedule(), { passive: true });
    els.list.addEventListener('keydown', (e) => this.onKey(e));
    els.list.addEventListener('click', (e) => {
      const row = e.target.closest('.vrow');
      if (row && row.dataset.index) this.select(Number(row.dataset.index), { scroll: false });
    });
    els.list.addEventListener('focus', () => {
      if (this.selected == null && this.n) this.select(this.first ?? 0, { scroll: false });
    });
    els.searchForm.addEventListener('submit', (e) => {
      e.preventDefault();
      this.search(els.searchInput.value);
    });
    new ResizeObserver(() => this.schedule()).observe(els.list);
    this.showEmptyDetail();
  }

  load(n) {
    this.generation++;
    this.searchSeq++; // a search still running was about the old trace
    this.n = n;
    this.cache.clear();
    this.selected = null;
    this.inflight = null;
    this.total = n * ROW_H;
    this.scaled = this.total > MAX_SPACER;
    this.spacer.style.height = `${this.scaled ? MAX_SPACER : this.total}px`;
    this.els.list.scrollTop = 0;
    this.els.list.removeAttribute('aria-activedescendant');
    clear(this.els.searchResults);
    this.els.searchStatus.textContent = '';
    this.showEmptyDetail();
    this.render();
  }

  get viewHeight() {
    return this.els.list.clientHeight || 480;
  }

  get visibleCount() {
    return Math.ceil(this.viewHeight / ROW_H) + 1;
  }

  /** First visible index and the pixel offset of the row window. */
  layout() {
    const st = this.els.list.scrollTop;
    if (!this.scaled) {
      const first = Math.min(Math.floor(st / ROW_H), Math.max(0, this.n - 1));
      return { first, top: first * ROW_H };
    }
    const max = MAX_SPACER - this.viewHeight;
    const frac = max > 0 ? Math.min(1, st / max) : 0;
    const first = Math.round(frac * Math.max(0, this.n - this.visibleCount + 1));
    return { first, top: st };
  }

  schedule() {
    if (this.raf) return;
    this.raf = requestAnimationFrame(() => {
      this.raf = null;
      this.render();
    });
  }

  render() {
    const { first, top } = this.layout();
    this.first = first;
    const count = Math.min(this.visibleCount, Math.max(0, this.n - first));
    this.window.style.transform = `translateY(${top}px)`;
    while (this.pool.length < count) {
      // The option's name is its visible text (no aria-label that could differ
      // from it): spaces between the cells, and the sign's meaning in words.
      const r = h('div', { class: 'vrow', role: 'option' },
        h('span', { class: 'c-idx' }), ' ', h('span', { class: 'c-kind' }), ' ', h('span', { class: 'c-actor' }), ' ',
        h('span', { class: 'c-id' }), ' ', h('span', { class: 'c-sig' }, h('span', { 'aria-hidden': 'true' }), h('span', { class: 'visually-hidden' })));
      this.pool.push(r);
      this.window.append(r);
    }
    let missing = false;
    for (let k = 0; k < this.pool.length; k++) {
      const el = this.pool[k];
      if (k >= count) { el.hidden = true; el.removeAttribute('id'); continue; }
      el.hidden = false;
      const i = first + k;
      const row = this.cache.get(i);
      el.dataset.index = String(i);
      el.id = `stmt-row-${i}`;
      el.setAttribute('aria-selected', String(i === this.selected));
      el.classList.toggle('selected', i === this.selected);
      const [ci, ck, ca, cid, cs] = el.children;
      const [sign, signWords] = cs.children;
      ci.textContent = `#${i}`;
      if (!row) {
        missing = true;
        ck.textContent = 'loading…'; ca.textContent = ''; cid.textContent = ''; sign.textContent = ''; signWords.textContent = '';
        el.classList.remove('bad', 'malformed');
        continue;
      }
      const malformed = !row.id;
      ck.textContent = malformed ? 'malformed' : row.kind;
      ca.textContent = row.actor ? visible(row.name || this.api.nameOf(row.actor) || shortKey(row.actor)) : '—';
      cid.textContent = row.id ? row.id.slice(0, 12) : '';
      sign.textContent = malformed || !row.signature_ok ? '✗' : '✓';
      signWords.textContent = malformed ? 'not a valid statement' : row.signature_ok ? 'signature valid' : 'signature does not verify';
      cs.title = signWords.textContent;
      el.classList.toggle('bad', !malformed && !row.signature_ok);
      el.classList.toggle('malformed', malformed);
    }
    if (this.selected != null && this.selected >= first && this.selected < first + count) {
      this.els.list.setAttribute('aria-activedescendant', `stmt-row-${this.selected}`);
    } else {
      this.els.list.removeAttribute('aria-activedescendant');
    }
    if (missing) this.fetch(first, count);
  }

  async fetch(first, count) {
    const start = Math.max(0, first - PREFETCH);
    const end = Math.min(this.n, first + count + PREFETCH);
    const key = `${this.generation}:${start}:${end}`;
    if (this.inflight === key) return;
    this.inflight = key;
    const gen = this.generation;
    let rows;
    try {
      rows = await this.api.rows(start, end - start);
    } catch {
      return;
    } finally {
      if (this.inflight === key) this.inflight = null;
    }
    if (gen !== this.generation) return;
    if (this.cache.size > CACHE_LIMIT) this.cache.clear();
    for (const r of rows) this.cache.set(r.index, r);
    this.render();
  }

  scrollToIndex(i) {
    const list = this.els.list;
    const vh = this.viewHeight;
    if (!this.scaled) {
      const y = i * ROW_H;
      if (y < list.scrollTop || y + ROW_H > list.scrollTop + vh) list.scrollTop = Math.max(0, y - vh / 2 + ROW_H / 2);
    } else {
      const { first } = this.layout();
      if (i < first || i >= first + this.visibleCount - 1) {
        const span = Math.max(1, this.n - this.visibleCount + 1);
        const target = Math.max(0, i - Math.floor(this.visibleCount / 2));
        list.scrollTop = (target / span) * (MAX_SPACER - vh);
      }
    }
    this.render();
  }

  onKey(e) {
    if (!this.n) return;
    const cur = this.selected ?? this.first ?? 0;
    const page = Math.max(1, this.visibleCount - 2);
    const moves = { ArrowDown: 1, ArrowUp: -1, PageDown: page, PageUp: -page };
    let next = null;
    if (e.key in moves) next = cur + moves[e.key];
    else if (e.key === 'Home') next = 0;
    else if (e.key === 'End') next = this.n - 1;
    else return;
    e.preventDefault();
    this.select(Math.max(0, Math.min(this.n - 1, next)));
  }

  /** Selects statement `i`, scrolls to it and shows its detail. */
  async select(i, { scroll = true, focus = false } = {}) {
    if (!(i >= 0 && i < this.n)) return;
    this.selected = i;
    this.api.onSelect?.(i);
    if (scroll) this.scrollToIndex(i); else this.render();
    if (focus) this.els.list.focus({ preventScroll: true });
    const gen = this.generation;
    clear(this.els.detail).append(h('p', { class: 'muted' }, `Loading statement #${i}…`));
    let views;
    try {
      views = await this.api.views([i]);
    } catch (err) {
      clear(this.els.detail).append(h('p', { class: 'muted' }, `Statement #${i} cannot be shown: ${err.message}`));
      return;
    }
    if (gen !== this.generation || this.selected !== i) return;
    this.showDetail(views[0]);
  }

  showEmptyDetail() {
    clear(this.els.detail).append(
      h('p', { class: 'muted' }, this.n ? 'Choose a statement to see it in full: its id, who signed it, what it refers to.' : 'No trace yet.'));
  }

  showDetail(v) {
    const d = clear(this.els.detail);
    if (!v) { d.append(h('p', { class: 'muted' }, 'This statement is not in the trace.')); return; }
    const { row, view } = v;
    const malformed = !!view.error;
    d.append(h('h3', { class: 'detail-title' }, `Statement #${row.index} `,
      h('span', { class: `kind-badge${malformed ? ' bad' : ''}` }, malformed ? 'malformed' : view.kind)),
    copyLinkButton(`statement=${row.index}`, 'Copy link to this statement'));
    const dl = h('dl', { class: 'facts compact' });
    const fact = (k, ...v) => dl.append(h('dt', null, k), h('dd', null, ...v));
    if (malformed) {
      fact('Problem', h('span', { class: 'bad-text' }, view.error));
    } else {
      fact('Id', h('code', { class: 'hex' }, view.id));
      const name = this.api.nameOf(view.actor);
      const role = this.api.roleOf(view.actor);
      fact('Signed by', name ? h('strong', null, name) : 'a key not in the roster', role ? ` (${role})` : '', h('br'), h('code', { class: 'hex' }, view.actor));
      fact('Time', view.time, h('span', { class: 'muted' }, ' (as claimed by the signer)'));
      fact('Signature', row.signature_ok ? h('span', { class: 'ok-text' }, '✓ valid') : h('span', { class: 'bad-text' }, '✗ does not verify'));
    }
    fact('Line', fmtInt(row.line));
    if (!malformed) {
      if (view.refs.length) {
        const ul = h('ul', { class: 'refs' });
        for (const r of view.refs) {
          ul.append(h('li', null, r.index != null
            ? h('button', { type: 'button', class: 'link', onclick: () => this.select(r.index, { focus: false }), 'aria-label': `Go to statement ${r.index}` }, `#${r.index}`, ' ', h('code', null, shortHash(r.id)))
            : h('span', { class: 'bad-text' }, h('code', null, shortHash(r.id)), ' not in this log')));
        }
        fact('Refers to', ul);
      } else {
        fact('Refers to', h('span', { class: 'muted' }, 'nothing'));
      }
      const referrers = h('dd', null, h('span', { class: 'muted' }, 'looking…'));
      dl.append(h('dt', null, 'Referenced by'), referrers);
      this.fillReferrers(referrers, row.index);
    }
    d.append(dl);
    const fs = this.api.findingsAt(row.index);
    if (fs.length) {
      const ul = h('ul', { class: 'detail-findings' });
      for (const f of fs) ul.append(h('li', { class: `sev-${f.severity}` }, h('code', null, f.code), ' ', f.message, f.advice ? ` ${f.advice}` : ''));
      d.append(h('h4', null, 'Findings about this statement'), ul);
    }
    d.append(h('h4', null, malformed ? 'The line as it is in the file' : 'The statement'),
      h('pre', { class: 'json', tabindex: '0', 'aria-label': 'Statement JSON' }, view.pretty));
  }

  /** The statements that answer this one (their refs name it), as links. */
  async fillReferrers(dd, index) {
    const gen = this.generation;
    let got;
    try {
      got = await this.api.referencedBy(index, REFERRERS_SHOWN);
    } catch (err) {
      clear(dd).append(h('span', { class: 'muted' }, `cannot be listed: ${err.message}`));
      return;
    }
    if (gen !== this.generation || this.selected !== index) return;
    clear(dd);
    if (!got.count) { dd.append(h('span', { class: 'muted' }, 'nothing refers to it')); return; }
    const ul = h('ul', { class: 'refs' });
    for (const r of got.rows) {
      if (!r) continue;
      const who = r.actor ? (r.name || this.api.nameOf(r.actor) || shortKey(r.actor)) : '';
      ul.append(h('li', null, h('button', { type: 'button', class: 'link', onclick: () => this.select(r.index, { focus: false }) },
        `#${r.index}`, ' ', r.id ? r.kind : 'malformed', who ? ` by ${visible(who)}` : '')));
    }
    dd.append(ul);
    if (got.count > got.rows.length) dd.append(h('p', { class: 'muted' }, `and ${fmtInt(got.count - got.rows.length)} more`));
  }

  async search(q) {
    const raw = q.trim();
    // "#12" means the statement at index 12 only; a bare number also matches ids starting with it.
    const byIndex = /^#\d+$/.test(raw);
    const query = byIndex ? raw.slice(1) : raw;
    const status = this.els.searchStatus;
    const out = clear(this.els.searchResults);
    if (!query) { status.textContent = ''; return; }
    if (!this.n) { status.textContent = 'Check a trace first.'; return; }
    status.textContent = 'Searching…';
    // A newer search supersedes this one: its results must not mix with ours.
    const seq = ++this.searchSeq;
    const limit = 500;
    let hits;
    try {
      hits = byIndex ? [Number(query)].filter((i) => i < this.n) : await this.api.search(query, limit);
    } catch (err) {
      if (seq === this.searchSeq) status.textContent = `Search failed: ${err.message}`;
      return;
    }
    if (seq !== this.searchSeq) return;
    if (!hits.length) {
      status.textContent = `No statement matches “${query}”. Search by the start of an id or actor key, an exact kind (compute, fault…), a roster name (node-3), or a number.`;
      return;
    }
    const shown = hits.slice(0, 100);
    const rows = await this.api.rowsAt(shown);
    if (seq !== this.searchSeq) return;
    // The count is shown with its results, not before them: "3 matches:" over an empty list is wrong.
    status.textContent = hits.length >= limit ? `The first ${limit} matches:` : `${fmtInt(hits.length)} ${hits.length === 1 ? 'match' : 'matches'}:`;
    for (let k = 0; k < shown.length; k++) {
      const r = rows[k];
      const i = shown[k];
      out.append(h('button', { type: 'button', class: 'hit', onclick: () => this.select(i) },
        h('span', { class: 'c-idx' }, `#${i}`), ' ',
        h('span', { class: 'c-kind' }, r && r.id ? r.kind : 'malformed'), ' ',
        h('span', { class: 'c-actor' }, r && r.actor ? (r.name || this.api.nameOf(r.actor) || shortKey(r.actor)) : '')));
    }
    if (hits.length > shown.length) out.append(h('span', { class: 'muted' }, ` and ${fmtInt(hits.length - shown.length)} more: refine the search.`));
    if (hits.length === 1) this.select(hits[0]);
  }
}
