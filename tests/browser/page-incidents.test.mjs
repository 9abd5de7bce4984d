// The incident view (www/page/views/accountability.js and its parts): bars
// that count this trace's incidents, labelled by what they count (not a poll),
// a trace with none, a failed trace's caution, the filters, the table by node,
// the chart along the log, opening and linking an incident, copy-link, axe in
// light and dark, and the timeline at 640 px, 200% zoom and on a phone.
// Every expected number is computed here from the CLI's report.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { launch, serveStatic, onus, WWW, openPage, waitForResult, cliReport, screenshot, screenshotOf, axe } from './harness.mjs';

let browser, srv, dir;
const R = {}; // name -> the CLI's report

const LABELS = {
  detected_only: 'Detected, nobody took responsibility',
  responsibility_only: 'Responsibility taken, nothing signed detected it',
  both: 'Both: detected and responsibility taken',
  silent: 'Nobody signed anything',
};
const CATS = Object.keys(LABELS);

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'onus-page-incidents-'));
  for (const n of [50, 300, 2000, 5000]) {
    const r = onus(['demo', '--statements', String(n), '--out', join(dir, `d${n}.jsonl`)]);
    assert.equal(r.status, 0, r.stderr);
  }
  // A failed trace: one byte of statement 10's signature changed.
  const ls = readFileSync(join(dir, 'd300.jsonl'), 'utf8').split('\n');
  const at = ls[10].indexOf('"sig":"') + 7 + 20;
  ls[10] = ls[10].slice(0, at) + (ls[10][at] === 'A' ? 'B' : 'A') + ls[10].slice(at + 1);
  writeFileSync(join(dir, 'failed.jsonl'), ls.join('\n'));
  for (const name of ['d50', 'd300', 'd2000', 'd5000', 'failed']) R[name] = cliReport(join(dir, `${name}.jsonl`));
  assert.equal(R.d50.incidents.length, 0, 'the 50-statement demo has no incident');
  assert.equal(R.failed.status, 'failed');
  assert.ok(R.failed.incidents.length > 0, 'the failed trace still has incidents');
  assert.ok(R.d5000.incidents.length > 50, 'the 5000-statement demo pages its incidents');
  srv = await serveStatic([WWW, dir]);
  browser = await launch();
});

after(async () => {
  await browser?.close();
  await srv?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

async function load(opts, name, hash = '') {
  const { page, errors, context } = await openPage(browser, opts);
  await page.goto(`${srv.url}/?trace=/${name}.jsonl${hash}`);
  await waitForResult(page);
  await page.locator('#accountability').waitFor();
  return { page, errors, context };
}

/** Every listed incident's id (its first statement), pressing "Show more" until all are shown. */
async function listed(page) {
  const more = page.locator('#incidents .incidents-more');
  for (let k = 0; k < 100 && await more.isVisible(); k++) await more.click();
  return (await page.locator('#incidents .incident').evaluateAll((els) => els.map((e) => Number(e.dataset.first))));
}

/** The filter rules, written again here from the brief (not imported from the page). */
function expected(report, { category = '', node = '', role = 'either', what = '', resolved = '' }) {
  return report.incidents.filter((i) => (!category || i.category === category)
    && (!node || (role === 'blamed' ? i.blame === node : role === 'stepped' ? i.stepped_forward === node : i.blame === node || i.stepped_forward === node))
    && (!what || i.what === what)
    && (!resolved || (resolved === 'yes') === Boolean(i.resolved)))
    .map((i) => i.statements[0]);
}

async function setFilters(page, f) {
  for (const k of ['category', 'node', 'what', 'resolved']) await page.selectOption(`#filter-${k}`, f[k] ?? '');
  if (f.node) await page.selectOption('#filter-role', f.role ?? 'either');
}

test('the bars count this trace’s incidents and say what each counts; no tick; pressing one filters', async () => {
  const { page, errors, context } = await load({ viewport: { width: 1280, height: 900 } }, 'd2000');
  const r = R.d2000;
  assert.equal(await page.locator('#poll-title').textContent(), 'Detection versus responsibility in this trace');
  assert.match(await page.locator('#poll-explain').innerText(), /counts this trace’s incidents .*nobody voted/);
  assert.match(await page.locator('.poll-origin').innerText(), /What matters more in decentralized AI\?/);
  assert.ok(await page.locator('#poll-explain').isVisible());
  assert.ok(await page.locator('#poll-note').isHidden(), 'no caution on a verified trace');

  const bars = page.locator('#poll .pbar');
  assert.equal(await bars.count(), 4);
  assert.deepEqual(await bars.locator('.pbar-label').allInnerTexts(), CATS.map((c) => LABELS[c]));
  assert.deepEqual(await bars.evaluateAll((bs) => bs.map((b) => b.dataset.cat)), CATS);
  const counts = (await bars.locator('.pbar-count').allInnerTexts()).map((t) => Number(t.replace(/[^\d]/g, '')));
  assert.deepEqual(counts, CATS.map((c) => r.accountability[c]));
  const total = counts.reduce((a, b) => a + b, 0);
  assert.equal(await page.locator('#poll-meta').textContent(), `${total} incidents · verified`);
  // Nothing marks the largest bar as a winner.
  assert.equal(await page.locator('#poll .lead-mark, #poll .leading').count(), 0);
  assert.doesNotMatch(await page.locator('#poll').innerText(), /✓/);
  // Each bar's accessible name is its visible text (no aria-label), plus a description.
  for (const [k, c] of CATS.entries()) {
    assert.equal(await bars.nth(k).getAttribute('aria-label'), null);
    await page.getByRole('button', { name: new RegExp(`^${LABELS[c].replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`) }).waitFor({ state: 'attached' });
  }
  // Pressing a bar sets the category filter; pressing it again clears it.
  await bars.nth(2).click();
  assert.equal(await bars.nth(2).getAttribute('aria-pressed'), 'true');
  assert.equal(await page.locator('#filter-category').inputValue(), 'both');
  assert.deepEqual(await listed(page), expected(r, { category: 'both' }));
  assert.match(await page.locator('#incidents .incidents-count').innerText(), new RegExp(`^${r.accountability.both} of ${total} incidents match`));
  await bars.nth(2).click();
  assert.equal(await bars.nth(2).getAttribute('aria-pressed'), 'false');
  assert.deepEqual(await listed(page), expected(r, {}));
  // …and choosing a category in the form presses its bar.
  await page.selectOption('#filter-category', 'silent');
  assert.equal(await bars.nth(3).getAttribute('aria-pressed'), 'true');
  assert.deepEqual(await listed(page), expected(r, { category: 'silent' }));
  assert.deepEqual(errors, []);
  await context.close();
});

test('a trace with no incidents says so, with no bars', async () => {
  const { page, errors, context } = await load({}, 'd50');
  assert.equal(await waitForResult(page), 'verified');
  assert.ok(await page.locator('#poll-empty').isVisible());
  assert.match(await page.locator('#poll-empty').innerText(), /^No incidents in this trace/);
  assert.equal(await page.locator('#poll .pbar').count(), 0);
  for (const id of ['poll', 'incident-chart', 'incidents', 'node-table']) assert.ok(await page.locator(`#${id}`).isHidden(), `#${id} hidden`);
  assert.equal(await page.evaluate(() => window.onusAccountability.openIncident(0)), false);
  assert.deepEqual(errors, []);
  await context.close();
});

test('a failed trace: its counts under a visible caution', async () => {
  const { page, errors, context } = await load({}, 'failed');
  assert.equal(await waitForResult(page), 'failed');
  const note = page.locator('#accountability [role="note"]');
  assert.ok(await note.isVisible());
  assert.equal(await note.getAttribute('id'), 'poll-note');
  assert.match(await note.innerText(), /^⚠ Caution: this trace failed verification\./);
  assert.match(await note.innerText(), /only from the statements whose signatures verify.*incomplete.*planted/s);
  // The caution comes first in the view, before the bars.
  assert.ok(await page.evaluate(() => document.getElementById('poll-note').compareDocumentPosition(document.getElementById('poll')) & Node.DOCUMENT_POSITION_FOLLOWING));
  const counts = (await page.locator('#poll .pbar-count').allInnerTexts()).map((t) => Number(t.replace(/[^\d]/g, '')));
  assert.deepEqual(counts, CATS.map((c) => R.failed.accountability[c]));
  assert.match(await page.locator('#poll-meta').textContent(), /· failed$/);
  assert.deepEqual(errors, []);
  await context.close();
});

test('filters list exactly the CLI report’s incidents filtered the same way, 50 at a time', async () => {
  const { page, errors, context } = await load({ viewport: { width: 1280, height: 900 } }, 'd5000');
  const r = R.d5000;
  // Unfiltered: the first 50, then the rest.
  assert.equal(await page.locator('#incidents .incident').count(), 50);
  assert.match(await page.locator('#incidents .incidents-more').innerText(), new RegExp(`Show ${Math.min(50, r.incidents.length - 50)} more`));
  assert.deepEqual(await listed(page), expected(r, {}));
  const keyed = r.incidents.find((i) => i.blame && i.stepped_forward && i.blame !== i.stepped_forward) ?? r.incidents.find((i) => i.stepped_forward);
  const cases = [
    ...CATS.map((category) => ({ category })),
    ...[...new Set(r.incidents.map((i) => i.what))].map((what) => ({ what })),
    { resolved: 'yes' }, { resolved: 'no' },
    { node: keyed.stepped_forward }, { node: keyed.stepped_forward, role: 'blamed' }, { node: keyed.stepped_forward, role: 'stepped' },
    { node: keyed.blame, role: 'blamed' },
    { category: 'both', resolved: 'yes' },
    { category: 'detected_only', resolved: 'yes' }, // none: nobody accepted, so nothing resolved
  ];
  for (const f of cases) {
    await setFilters(page, f);
    const want = expected(r, f);
    assert.deepEqual(await listed(page), want, JSON.stringify(f));
    const count = await page.locator('#incidents .incidents-count').innerText();
    if (want.length) assert.match(count, new RegExp(`^${want.length.toLocaleString('en-US')} of ${r.incidents.length} incidents match`), JSON.stringify(f));
    else assert.match(count, /^No incident matches/, JSON.stringify(f));
  }
  // Clear filters lists everything again.
  await page.locator('#incidents .filter-clear').click();
  assert.deepEqual(await listed(page), expected(r, {}));
  assert.deepEqual(errors, []);
  await context.close();
});

test('incidents by node: the CLI report’s numbers; choosing a node lists its incidents', async () => {
  const { page, errors, context } = await load({ viewport: { width: 1280, height: 900 } }, 'd5000');
  const r = R.d5000;
  const want = new Map();
  const row = (k) => { if (!want.has(k)) want.set(k, [0, 0, 0]); return want.get(k); };
  for (const i of r.incidents) {
    if (i.blame) row(i.blame)[0]++;
    if (i.stepped_forward) { row(i.stepped_forward)[1]++; if (i.resolved) row(i.stepped_forward)[2]++; }
  }
  const table = page.locator('#node-table table');
  assert.match(await table.locator('caption').innerText(), /^Incidents by node/);
  assert.deepEqual(await table.locator('thead th').evaluateAll((ths) => ths.map((t) => [t.textContent.replace(/\u00ad/g, ''), t.getAttribute('scope')])),
    [['Node', 'col'], ['Blamed', 'col'], ['Took responsibility', 'col'], ['Of those, resolved', 'col']]);
  const got = await table.locator('tbody tr').evaluateAll((trs) => trs.map((tr) => [tr.dataset.key, tr.querySelector('th').getAttribute('scope'),
    [...tr.querySelectorAll('td')].map((td) => Number(td.textContent.replace(/,/g, '')))]));
  assert.equal(got.length, want.size);
  for (const [key, scope, nums] of got) {
    assert.equal(scope, 'row');
    assert.deepEqual(nums, want.get(key), key);
  }
  // The names are the roster's.
  const nameOf = (k) => r.roster.find((m) => m.key === k)?.name;
  assert.equal(await table.locator('tbody tr').first().locator('th button').innerText(), nameOf(got[0][0]));
  // Choosing a node: its incidents, blamed or stepped forward.
  const [key] = got.find(([, , n]) => n[0] && n[1]) ?? got[0];
  await table.locator(`tbody tr[data-key="${key}"] button`).click();
  assert.equal(await page.locator('#filter-node').inputValue(), key);
  assert.equal(await page.locator('#filter-role').inputValue(), 'either');
  assert.deepEqual(await listed(page), expected(r, { node: key }));
  assert.deepEqual(errors, []);
  await context.close();
});

test('the chart: one mark group per stretch with incidents, a summary that adds up, times under the numbers', async () => {
  const { page, errors, context } = await load({ viewport: { width: 1280, height: 900 } }, 'd5000');
  const r = R.d5000;
  const svg = page.locator('#incident-chart svg');
  assert.equal(await svg.getAttribute('role'), 'img');
  const size = Number(await svg.getAttribute('data-bin-size'));
  assert.ok(size >= 1);
  const bins = new Map();
  for (const i of r.incidents) {
    const b = Math.floor(i.statements[0] / size);
    bins.set(b, (bins.get(b) ?? 0) + 1);
  }
  const groups = await svg.locator('g.chart-bin').evaluateAll((gs) => gs.map((g) => [Number(g.dataset.from), Number(g.dataset.total), g.querySelectorAll('rect').length]));
  assert.equal(groups.length, bins.size, 'one group per nonempty stretch');
  for (const [from, n, rects] of groups) {
    assert.equal(n, bins.get(from / size), `stretch from #${from}`);
    const cats = new Set(r.incidents.filter((i) => Math.floor(i.statements[0] / size) === from / size).map((i) => i.category));
    assert.equal(rects, cats.size, `one mark per category in the stretch from #${from}`);
  }
  // The summary's counts, per category, add up to the total.
  const label = await svg.getAttribute('aria-label');
  let sum = 0;
  for (const c of CATS) {
    const m = new RegExp(`([\\d,]+) ${LABELS[c].toLowerCase()}`).exec(label);
    assert.ok(m, `${c} in “${label}”`);
    assert.equal(Number(m[1].replace(/,/g, '')), r.accountability[c]);
    sum += Number(m[1].replace(/,/g, ''));
  }
  assert.equal(sum, r.incidents.length);
  assert.ok(label.startsWith(`${r.incidents.length} incidents`));
  // The text alternative: one row per nonempty stretch; a legend in words.
  assert.equal(await page.locator('#incident-chart table tbody tr').count(), bins.size);
  assert.deepEqual(await page.locator('#incident-chart .chart-legend li').allInnerTexts(), CATS.map((c) => `${LABELS[c]}: ${r.accountability[c]}`));
  // Statement numbers on the axis, and their times (the trace is in the page).
  await page.locator('#incident-chart .chart-time').first().waitFor();
  assert.match(await page.locator('#incident-chart .chart-time').first().textContent(), /^\d\d:\d\d$|^\d\d-\d\d \d\d:\d\d$/);
  assert.match(await svg.locator('text.chart-label').allTextContents().then((t) => t.join(' ')), /#0 .*#1,000/);
  assert.deepEqual(errors, []);
  await context.close();
});

test('the chart of a tiled log (views reject): statement numbers only, no times, no error', async () => {
  const { page, errors, context } = await load({ viewport: { width: 900, height: 700 } }, 'd300');
  const got = await page.evaluate(async (incidents) => {
    const { incidentChart } = await import('/page/views/incident-chart.js');
    const box = document.createElement('div');
    document.getElementById('accountability').append(box);
    incidentChart(box, incidents, 300, { views: () => Promise.reject(new Error('a tiled log’s statements are not kept in the page')) });
    await new Promise((r) => setTimeout(r, 300));
    return { times: box.querySelectorAll('.chart-time').length, labels: [...box.querySelectorAll('text.chart-label')].map((t) => t.textContent), note: box.querySelector('.chart-note').textContent, groups: box.querySelectorAll('g.chart-bin').length };
  }, R.d300.incidents);
  assert.equal(got.times, 0);
  assert.ok(got.labels.includes('#0') && got.labels.includes('#100'), got.labels.join());
  assert.equal(got.note, '');
  assert.ok(got.groups > 0);
  assert.deepEqual(errors, []);
  await context.close();
});

test('opening an incident: the API opens it past filters and pages; its copy-link button copies its address', async (t) => {
  const { page, errors, context } = await load({ viewport: { width: 1280, height: 900 } }, 'd5000');
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: srv.url });
  const r = R.d5000;
  // An incident beyond the first page, hidden by a category filter.
  const inc = r.incidents[70];
  const other = CATS.find((c) => c !== inc.category);
  await page.selectOption('#filter-category', other);
  assert.equal(await page.evaluate(() => window.onusAccountability.openIncident(999999)), false);
  assert.equal(await page.evaluate((id) => window.onusAccountability.openIncident(String(id)), inc.statements[0]), true);
  assert.equal(await page.locator('#filter-category').inputValue(), '', 'filters cleared');
  const card = page.locator(`#incidents .incident[data-first="${inc.statements[0]}"]`);
  assert.equal(await card.locator('.incident-head').getAttribute('aria-expanded'), 'true');
  assert.equal(await page.evaluate(() => document.activeElement.closest('.incident')?.dataset.first), String(inc.statements[0]));
  await card.locator('.timeline .step').first().waitFor();
  assert.equal(await card.locator('.timeline .step').count(), inc.statements.length);

  // Through the UI: open another incident, copy its link.
  const first = r.incidents[1].statements[0];
  const head = page.locator(`#incidents .incident[data-first="${first}"] .incident-head`);
  await head.click();
  assert.equal(await head.getAttribute('aria-expanded'), 'true');
  const body = page.locator(`#incidents .incident[data-first="${first}"] .incident-body`);
  await body.getByRole('button', { name: 'Copy link to this incident' }).click();
  await body.locator('.copy-link-status', { hasText: 'Link copied' }).waitFor();
  assert.equal(await body.locator('.copy-link-status').getAttribute('role'), 'status');
  const want = `${srv.url}/?trace=/d5000.jsonl#incident=${first}`;
  assert.equal(await page.evaluate(() => navigator.clipboard.readText()), want);
  // If main.js keeps the address in step (ctx.onIncident), the hash says so too.
  const hash = await page.evaluate(() => location.hash);
  if (hash) assert.equal(hash, `#incident=${first}`);
  else t.diagnostic('main.js does not pass ctx.onIncident yet: the address keeps its hash');

  // Clipboard refused: the link is shown, selected, in a read-only field.
  await page.evaluate(() => { navigator.clipboard.writeText = () => Promise.reject(new DOMException('denied', 'NotAllowedError')); });
  await body.getByRole('button', { name: 'Copy link to this incident' }).click();
  const field = body.locator('input.copy-link-field');
  await field.waitFor();
  assert.equal(await field.inputValue(), want);
  assert.equal(await field.getAttribute('readonly'), '');
  assert.ok(await field.evaluate((f) => document.activeElement === f && f.selectionStart === 0 && f.selectionEnd === f.value.length));
  assert.match(await body.locator('.copy-link-status').innerText(), /Ctrl\+C/);
  // Closing the card.
  await head.click();
  assert.equal(await head.getAttribute('aria-expanded'), 'false');
  assert.ok(await body.isHidden());
  if (hash) {
    // The address names the incident still open, then none.
    assert.equal(await page.evaluate(() => location.hash), `#incident=${inc.statements[0]}`);
    await card.locator('.incident-head').click();
    assert.equal(await page.evaluate(() => location.hash), '');
  }
  assert.deepEqual(errors, []);
  await context.close();
});

test('#incident=N in the address on load opens that incident (main.js, through openIncident)', async () => {
  const inc = R.d2000.incidents[3];
  const { page, errors, context } = await load({}, 'd2000', `#incident=${inc.statements[0]}`);
  const head = page.locator(`#incidents .incident[data-first="${inc.statements[0]}"] .incident-head`);
  await page.waitForFunction((id) => document.querySelector(`#incidents .incident[data-first="${id}"] .incident-head`)?.getAttribute('aria-expanded') === 'true', inc.statements[0], { timeout: 5000 });
  assert.equal(await page.evaluate(() => document.activeElement.closest('.incident')?.dataset.first), String(inc.statements[0]));
  assert.equal(await page.evaluate(() => location.hash), `#incident=${inc.statements[0]}`);
  await page.locator(`#incidents .incident[data-first="${inc.statements[0]}"] .timeline .step`).first().waitFor();
  // An id that is no incident opens nothing.
  await page.goto(`${srv.url}/?trace=d2000.jsonl#incident=1`); // another query: a new page, not a hash change
  assert.equal(await waitForResult(page), 'verified');
  await page.locator('#incidents .incident').first().waitFor();
  assert.equal(await page.locator('#incidents .incident-head[aria-expanded="true"]').count(), 0);
  assert.equal(await head.count(), 1);
  assert.deepEqual(errors, []);
  await context.close();
});

for (const scheme of ['light', 'dark']) {
  test(`axe: the incident view in ${scheme} mode, a bar pressed and an incident open, and a failed trace's caution`, async () => {
    const { page, errors, context } = await load({ viewport: { width: 1280, height: 900 }, colorScheme: scheme }, 'd2000');
    await page.emulateMedia({ colorScheme: scheme });
    assert.equal(await page.evaluate(() => matchMedia('(prefers-color-scheme: dark)').matches), scheme === 'dark');
    await page.locator('#poll .pbar').nth(2).click();
    const head = page.locator('#incidents .incident-head').first();
    await head.click();
    await page.locator('#incidents .timeline .step').first().waitFor();
    // a resolved one, for its tag
    await page.selectOption('#filter-resolved', 'yes');
    await page.locator('#incidents .incident-head').first().click();
    await page.locator('#incidents .pill.resolved').first().waitFor();
    assert.deepEqual(await axe(page, { include: '#accountability' }), []);
    await screenshotOf(page.locator('#accountability'), `incidents-axe-${scheme}`);
    await page.goto(`${srv.url}/?trace=/failed.jsonl`);
    assert.equal(await waitForResult(page), 'failed');
    await page.locator('#poll-note').waitFor();
    assert.deepEqual(await axe(page, { include: '#accountability' }), []);
    assert.deepEqual(errors, []);
    await context.close();
  });
}

const LAYOUTS = [
  { name: '1280', viewport: { width: 1280, height: 900 } },
  { name: '640', viewport: { width: 640, height: 900 } },
  { name: '200pct', viewport: { width: 640, height: 450 }, deviceScaleFactor: 2 }, // a 1280 px screen at 200% zoom
  { name: '375', viewport: { width: 375, height: 812 }, isMobile: true, hasTouch: true },
];
for (const l of LAYOUTS) {
  test(`the timeline at ${l.name}: no line of one letter, nothing wider than the page; screenshot`, async () => {
    const { name, ...opts } = l;
    const { page, errors, context } = await load(opts, 'd2000');
    const r = R.d2000;
    const k = r.incidents.findIndex((i) => i.statements.length >= 4);
    const inc = r.incidents[k];
    const card = page.locator(`#incidents .incident[data-first="${inc.statements[0]}"]`);
    await card.locator('.incident-head').click();
    await card.locator('.timeline .step').nth(inc.statements.length - 1).waitFor();
    await page.waitForTimeout(200); // the chart's redraw and the step times
    const boxes = await card.locator('.timeline .step').evaluateAll((steps) => steps.map((s) => {
      const w = (sel) => { const e = s.querySelector(sel); return e && e.textContent ? e.getBoundingClientRect().width : null; };
      return { who: w('.step-who'), detail: w('.step-detail'), time: w('.step-time'), kind: w('.step-kind') };
    }));
    assert.equal(boxes.length, inc.statements.length);
    for (const b of boxes) {
      for (const part of ['detail', 'time']) if (b[part] != null) assert.ok(b[part] > 120, `${part} is ${b[part]} px wide at ${name}: ${JSON.stringify(b)}`);
      assert.ok(b.who > (name === '375' ? 90 : 120), `who is ${b.who} px wide at ${name}: ${JSON.stringify(b)}`);
      assert.ok(b.kind > 30, `kind ${b.kind} px`);
    }
    // Text lines of the timeline: none holds a single letter.
    const narrow = await card.locator('.timeline').evaluate((ol) => {
      const out = [];
      for (const el of ol.querySelectorAll('.step > *')) {
        if (!el.textContent) continue;
        const range = document.createRange();
        range.selectNodeContents(el);
        for (const rect of range.getClientRects()) if (rect.width > 0 && rect.width < 14) out.push(`${el.className}: ${el.textContent}`);
      }
      return out;
    });
    assert.deepEqual(narrow, []);
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    assert.ok(overflow <= 0, `${overflow} px wider than the window at ${name}`);
    await screenshotOf(page.locator('#accountability'), `incidents-${name}`);
    if (name === '375') await screenshot(page, 'incidents-375-page');
    assert.deepEqual(errors, []);
    await context.close();
  });
}
