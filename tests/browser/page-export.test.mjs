// The printable summary (issue 10, item 6): "Download report (HTML)" gives one
// self-contained document (its own CSP, no script, nothing fetched) that says
// what the CLI's report says, renders without JavaScript and passes axe, and
// shows hostile trace text as text; the page itself prints the verdict, the
// incident view (open incidents with their timelines) and the findings, with
// no buttons or forms.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { launch, serveStatic, onus, WWW, openPage, waitForResult, cliReport, screenshot, axe } from './harness.mjs';

let browser, srv, dir;

const HOSTILE_NODE = '<img src=x onerror=alert(1)>';
const HOSTILE_AUDITOR = '</style><script>alert(2)</script>';
const HOSTILE_WHAT = '</style><script>alert(3)</script>';
const HOSTILE_MODEL = '<img src=x onerror=alert(4)>';
const esc = (s) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');

function run(args) {
  const r = onus(args);
  assert.equal(r.status, 0, `onus ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

/** A sealed trace whose roster names, a fault's `what` and a request's model are markup. */
function hostileTrace() {
  const k = (n) => join(dir, `${n}.key`);
  run(['keygen', 'hostile.test', '--out', k('log')]);
  const pub = (n) => run(['keygen', n, '--out', k(n)]).match(/public key: (\S+)/)[1];
  const node = pub('node'), auditor = pub('auditor'), client = pub('client');
  const file = join(dir, 'hostile.jsonl');
  const append = (key, kind, time, body, ref) => run(['append', '--key', k(key), '--kind', kind, '--time', time, ...(ref ? ['--ref', ref] : []), '--body', JSON.stringify(body), file]).trim();
  append('log', 'log', '2026-12-01T00:00:00Z', { origin: 'hostile.test', roster: [
    { key: node, name: HOSTILE_NODE, role: 'compute' },
    { key: auditor, name: HOSTILE_AUDITOR, role: 'auditor' },
    { key: client, name: 'client-1', role: 'client' },
  ] });
  const req = append('client', 'request', '2026-12-01T00:00:01Z', { model: HOSTILE_MODEL, input: '1'.repeat(64) });
  const comp = append('node', 'compute', '2026-12-01T00:00:02Z', { output: '2'.repeat(64) }, req);
  append('auditor', 'fault', '2026-12-01T00:00:03Z', { what: HOSTILE_WHAT, blame: node, evidence: '3'.repeat(64) }, comp);
  run(['seal', '--key', k('log'), file]);
  return file;
}

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'onus-page-export-'));
  run(['demo', '--statements', '300', '--out', join(dir, 'd300.jsonl')]);
  // A failed copy: one character of statement 10's signature changed.
  const ls = readFileSync(join(dir, 'd300.jsonl'), 'utf8').split('\n');
  const at = ls[10].indexOf('"sig":"') + 7 + 20;
  ls[10] = ls[10].slice(0, at) + (ls[10][at] === 'A' ? 'B' : 'A') + ls[10].slice(at + 1);
  writeFileSync(join(dir, 'sigflip.jsonl'), ls.join('\n'));
  hostileTrace();
  srv = await serveStatic([WWW, dir]);
  browser = await launch();
});

after(async () => {
  await browser?.close();
  await srv?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** Checks `name` on the page and downloads its HTML report: {html, filename, report, page, context, errors}. */
async function reportOf(name, status) {
  const { page, context, errors } = await openPage(browser, { acceptDownloads: true });
  await page.goto(`${srv.url}/?trace=/${name}`);
  assert.equal(await waitForResult(page), status);
  const report = await page.evaluate(() => window.onusReport);
  assert.ok(await page.locator('#download-html').isVisible(), 'the button is shown with a report');
  const [dl] = await Promise.all([page.waitForEvent('download'), page.click('#download-html')]);
  const html = readFileSync(await dl.path(), 'utf8');
  return { html, filename: dl.suggestedFilename(), report, page, context, errors };
}

/**
 * The report opened as a file would be, with JavaScript off ({javaScript:
 * true} for axe, which runs in the page and waits on timers that a page
 * without JavaScript never fires): {page, context, requests}.
 */
async function rendered(html, { width = 1280, javaScript = false } = {}) {
  const context = await browser.newContext({ javaScriptEnabled: javaScript, viewport: { width, height: 900 } });
  const page = await context.newPage();
  const requests = [];
  page.on('request', (r) => { if (!r.url().startsWith('data:') && r.url() !== 'about:blank') requests.push(r.url()); });
  await page.setContent(html, { waitUntil: 'load' });
  return { page, context, requests };
}

const countOf = (s, sub) => s.split(sub).length - 1;

test('the HTML report says what the CLI report says, stands alone, renders without JavaScript and passes axe', async (t) => {
  const { html, filename, report, context, errors } = await reportOf('d300.jsonl', 'verified');
  const cli = cliReport(join(dir, 'd300.jsonl'));
  assert.deepEqual(report, cli);
  assert.equal(filename, `onus-report-${cli.origin.replace(/[^a-zA-Z0-9.-]+/g, '_')}.html`);

  assert.match(html, /^<!doctype html>/);
  assert.ok(html.includes(`<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">`));
  assert.ok(!/<script/i.test(html), 'no script');
  assert.ok(!/<link|\bsrc=|url\(/i.test(html), 'no external resource');
  assert.ok(html.includes(`<title>Onus report: ${cli.origin}</title>`));
  assert.ok(html.includes('>Verified</strong>'), 'the verdict word');
  assert.ok(html.includes(`covering all ${cli.statements} statements`), 'the verdict sentence, with the statement count');
  assert.ok(html.includes(`<dt>Statements</dt><dd>${cli.statements}</dd>`));
  assert.ok(html.includes(cli.vkey), 'the log key');
  assert.ok(html.includes(`?trace=${encodeURIComponent(`${srv.url}/d300.jsonl`)}`), 'how to check it again in a browser');
  assert.ok(html.includes(`onus verify --json ${srv.url}/d300.jsonl`), 'and with the CLI');
  for (const [cat, n] of Object.entries(cli.accountability)) {
    assert.ok(html.includes(`data-count="${cat}">${n}</td>`), `${cat}: ${n}`);
  }
  const first = cli.incidents[0];
  const blamed = cli.roster.find((m) => m.key === first.blame).name;
  const start = html.indexOf(`<li class="incident cat-${first.category}" data-first="${first.statements[0]}">`);
  assert.ok(start > 0, 'the first incident');
  const next = html.indexOf('<li class="incident', start + 1);
  const firstItem = html.slice(start, next > 0 ? next : undefined);
  assert.ok(firstItem.includes(`<strong>${blamed}</strong>`), `the first incident blames ${blamed}`);
  // Its timeline, from the verifier's views: every statement, in order, a fault among them.
  const nums = [...firstItem.matchAll(/<span class="step-num">#(\d+)<\/span>/g)].map((m) => Number(m[1]));
  assert.deepEqual(nums, first.statements);
  assert.ok(firstItem.includes('<span class="step-kind">Fault</span>'));

  const r = await rendered(html);
  assert.deepEqual(r.requests, [], 'nothing fetched');
  assert.ok(await r.page.locator('#verdict-word').isVisible());
  assert.equal(await r.page.locator('#verdict-word').textContent(), 'Verified');
  const counts = await r.page.$$eval('[data-count]', (els) => Object.fromEntries(els.map((e) => [e.dataset.count, Number(e.textContent)])));
  assert.deepEqual(counts, { ...cli.accountability, total: Object.values(cli.accountability).reduce((a, b) => a + b, 0) });
  assert.equal(await r.page.locator('li.incident').count(), cli.incidents.length);
  await screenshot(r.page, 'export-html-1280');
  await r.page.setViewportSize({ width: 375, height: 800 });
  const overflow = await r.page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 0, `no sideways scrolling at 375 px (${overflow} px)`);
  await screenshot(r.page, 'export-html-375');
  await r.context.close();
  for (const width of [1280, 375]) {
    const a = await rendered(html, { width, javaScript: true });
    assert.deepEqual(await axe(a.page), [], `axe at ${width} px`);
    await a.context.close();
  }
  t.diagnostic(`HTML report of the 300-statement demo: ${html.length} characters`);
  assert.deepEqual(errors, []);
  await context.close();
});

test('the HTML report of a failed trace names every error code, and the button follows the report', async () => {
  const { html, report, page, context, errors } = await reportOf('sigflip.jsonl', 'failed');
  assert.deepEqual(report, cliReport(join(dir, 'sigflip.jsonl')));
  const codes = [...new Set(report.findings.filter((f) => f.severity === 'error').map((f) => f.code))];
  assert.ok(codes.includes('statement.signature.invalid'), codes.join());
  assert.ok(html.includes('>Failed</strong>'));
  for (const c of codes) assert.ok(html.includes(`<code>${c}</code>`), c);
  for (const f of report.findings) assert.ok(html.includes(esc(f.message)), `the message of ${f.code}`);
  assert.ok(html.includes('Caution: this trace failed verification.'));
  assert.ok(!/<script/i.test(html));
  const r = await rendered(html);
  assert.equal(await r.page.locator('#verdict-word').textContent(), 'Failed');
  await screenshot(r.page, 'export-html-failed');
  await r.context.close();
  const a = await rendered(html, { javaScript: true });
  assert.deepEqual(await axe(a.page), []);
  await a.context.close();
  // Like #download: gone while another trace is checked or when none is shown.
  await page.click('#another');
  await page.fill('#url-input', `${srv.url}/missing.jsonl`);
  await page.click('#url-form button[type="submit"]');
  assert.equal(await waitForResult(page), 'error');
  assert.equal(await page.locator('#download-html').isVisible(), false);
  assert.equal(await page.locator('#download').isVisible(), false);
  assert.ok(errors.every((e) => /404|Failed to load resource/.test(e)), errors.join('\n'));
  await context.close();
});

test('hostile trace text is escaped in the HTML report and never becomes markup', async () => {
  const { html, page, context, errors } = await reportOf('hostile.jsonl', 'verified');
  for (const s of [HOSTILE_NODE, HOSTILE_WHAT.replace(/-/g, ' '), HOSTILE_MODEL]) assert.ok(html.includes(esc(s)), `escaped: ${esc(s)}`);
  assert.ok(!/<img/i.test(html), 'no <img');
  assert.ok(!/<script/i.test(html), 'no <script');
  assert.equal(countOf(html.toLowerCase(), '<style'), 1, 'one <style>');
  assert.equal(countOf(html.toLowerCase(), '</style'), 1, 'one </style>');

  let dialogs = 0;
  for (const js of [false, true]) {
    const ctx = await browser.newContext({ javaScriptEnabled: js });
    const p = await ctx.newPage();
    p.on('dialog', (d) => { dialogs++; d.dismiss(); });
    await p.setContent(html, { waitUntil: 'load' });
    assert.equal(await p.locator('img').count(), 0, 'no live <img>');
    assert.equal(await p.locator('script').count(), 0, 'no <script> element');
    const text = await p.locator('body').innerText();
    for (const s of [HOSTILE_NODE, HOSTILE_MODEL]) assert.ok(text.includes(s), `shown as text: ${s}`);
    assert.equal(await p.locator('.incident-what').first().textContent(), '</style><script>alert(3)</script>'.replace(/^./, (c) => c.toUpperCase()));
    if (!js) await screenshot(p, 'export-html-hostile');
    await ctx.close();
  }
  assert.equal(dialogs, 0, 'nothing ran');

  // Every field the module writes, hostile at once (the module itself, in the page).
  const out = await page.evaluate(async (bad) => {
    const { reportHtml, escapeHtml } = await import('/page/report-html.js');
    const { reportContext } = await import('/page/context.js');
    const key = 'K'.repeat(43);
    const report = {
      status: 'failed', origin: bad, vkey: bad, log_key: key, statements: 3, checkpoints: 1,
      sealed: { size: 3, root: bad, cosigners: [{ witness: bad, time: '2026-01-01T00:00:00Z' }] },
      policy: { requires_witnesses: true, witnesses: [bad], quorum: bad },
      findings: [{ code: bad, severity: 'error', line: 2, index: 1, message: bad, path: bad }, { code: 'x', severity: 'warning', line: 1, index: 0, message: bad, advice: bad }],
      findings_omitted: [{ code: bad, severity: 'error', count: 1000 }],
      counts: { error: 1, warning: 1, info: 0 }, accountability: { detected_only: 1, responsibility_only: 0, both: 0, silent: 0 },
      incidents: [{ category: bad, blame: key, stepped_forward: bad, stepped_forward_role: bad, resolved: false, disputed: false, what: bad, remedy: bad, amount: bad, statements: [0, 1, 2] }],
      polls: [], roster: [{ key, name: bad, role: bad, removed: false }],
    };
    const shown = {
      report, info: { bytes: 1, elapsed: 1, version: bad }, src: { kind: 'url', url: `javascript:${bad}`, label: bad },
      trust: { key: 'changed', storedKey: bad, inconsistent: true, held: { size: 9, root: bad } }, policy: { change: 'changed', pinned: { quorum: bad }, given: { url: bad } },
      ...reportContext(report),
    };
    const views = new Map([0, 1, 2].map((i) => [i, { kind: ['request', 'fault', 'accept'][i], actor: key, time: '2026-01-01T00:00:00Z', body: { model: bad, what: bad, blame: key, remedy: bad, amount: bad } }]));
    return { html: reportHtml(shown, { vocabulary: new Map([[bad, { summary: bad, advice: bad }]]), timelines: views, checkedAt: new Date(0), page: bad }), escaped: escapeHtml(bad) };
  }, `"'&<img src=x onerror=alert(9)></style><script>alert(9)</script><a href="javascript:alert(9)">\u202e`);
  assert.equal(out.escaped, '&quot;&#39;&amp;&lt;img src=x onerror=alert(9)&gt;&lt;/style&gt;&lt;script&gt;alert(9)&lt;/script&gt;&lt;a href=&quot;javascript:alert(9)&quot;&gt;\u202e');
  assert.ok(!/<img|<script|<a href="javascript/i.test(out.html), 'nothing hostile as markup');
  assert.equal(countOf(out.html.toLowerCase(), '</style'), 1);
  assert.ok(!out.html.includes('\u202e'), 'a bidi override is shown, not applied');
  assert.ok(out.html.includes('⟨U+202E⟩'));
  assert.ok(out.html.includes('&lt;img src=x onerror=alert(9)&gt;'));
  const hrefs = [...out.html.matchAll(/href="([^"]*)"/g)].map((m) => m[1]);
  assert.ok(hrefs.every((h) => /^https?:/.test(h)), hrefs.join());
  const r = await rendered(out.html);
  assert.equal(await r.page.locator('img, script, a[href^="javascript"]').count(), 0);
  assert.ok((await r.page.title()).startsWith('Onus report: "\'&<img'));
  await r.context.close();
  assert.deepEqual(errors, []);
  await context.close();
});

test('print: the verdict, the incident view with an open timeline and the findings; no buttons or forms; a PDF', async (t) => {
  const { page, errors, context } = await openPage(browser);
  await page.goto(`${srv.url}/?trace=/sigflip.jsonl`);
  assert.equal(await waitForResult(page), 'failed');
  // An incident opened, another left closed; the load card shown; a findings group closed.
  const heads = page.locator('#incidents .incident-head');
  assert.ok(await heads.count() >= 2);
  await heads.first().click();
  await page.locator('#incidents .incident').first().locator('.timeline .step').first().waitFor();
  await page.click('#another');
  assert.ok(await page.locator('#load').isVisible());
  await page.evaluate(() => { document.querySelector('#findings details').open = false; });

  const shown = (sel) => page.evaluate((s) => [...document.querySelectorAll(s)].map((e) => e.checkVisibility()), sel);
  const gone = ['#download', '#download-html', '#another', '#load', '#url-form', '#vlist', '#search-form', '#tools', '.incident-filters', '.copy-link'];
  for (const sel of gone) assert.ok((await shown(sel)).includes(true), `${sel} is on the screen`);

  await page.emulateMedia({ media: 'print' });
  const display = (sel) => page.$eval(sel, (e) => getComputedStyle(e).display);
  for (const sel of gone) assert.equal(await display(sel), 'none', `${sel} is not printed`);
  assert.equal(await display('.skip'), 'none');
  assert.equal(await display('#explorer'), 'none', 'no statement open: no explorer');
  for (const sel of ['#verdict', '#accountability', '#findings', '#poll', '#incidents']) {
    assert.notEqual(await display(sel), 'none', `${sel} is printed`);
    assert.deepEqual(await shown(sel), [true], `${sel} is printed`);
  }
  // Nothing to press: the only buttons printed carry content (an incident's heading, a bar, #12 or a name).
  const pressable = await page.evaluate(() => [...document.querySelectorAll('button, input, select, textarea, label.button')]
    .filter((e) => e.checkVisibility() && !e.matches('.incident-head, .pbar, button.link'))
    .map((e) => `${e.tagName}#${e.id}.${e.className}: ${e.textContent.trim().slice(0, 30)}`));
  assert.deepEqual(pressable, []);
  // The open incident prints its facts and timeline; a closed one its heading line only.
  const [open, closed] = [page.locator('#incidents .incident').nth(0), page.locator('#incidents .incident').nth(1)];
  assert.ok(await open.locator('.incident-facts').isVisible());
  const steps = await open.locator('.timeline .step').count();
  assert.ok(steps >= 2);
  assert.deepEqual(await open.locator('.timeline .step').evaluateAll((els) => els.map((e) => e.checkVisibility())), Array(steps).fill(true));
  assert.ok(await closed.locator('.incident-head').isVisible());
  assert.equal(await closed.locator('.incident-body').isVisible(), false);
  assert.equal(await open.evaluate((e) => getComputedStyle(e).breakInside), 'avoid');
  // Ink: white cards; the four categories' colours distinct, printed as they are.
  assert.equal(await page.$eval('#accountability', (e) => getComputedStyle(e).backgroundColor), 'rgb(255, 255, 255)');
  const fills = await page.$$eval('#poll .pbar-fill', (els) => els.map((e) => [getComputedStyle(e).backgroundColor, getComputedStyle(e).printColorAdjust]));
  assert.equal(fills.length, 4);
  assert.equal(new Set(fills.map((f) => f[0])).size, 4, JSON.stringify(fills));
  assert.ok(fills.every((f) => f[1] === 'exact'));
  assert.ok((await page.locator('#poll .pbar').first().innerText()).match(/\d+%/), 'each bar has its words and numbers');

  // Closed <details> open for printing and close again after (page/print.js).
  const isOpen = () => page.$$eval('#findings details', (ds) => ds.map((d) => d.open));
  assert.ok((await isOpen()).includes(false));
  await page.evaluate(() => window.dispatchEvent(new Event('beforeprint')));
  assert.ok((await isOpen()).every(Boolean), 'every group printed open');
  await screenshot(page, 'export-print');
  const pdf = join(dir, 'export-print.pdf');
  await page.pdf({ path: pdf, format: 'A4', printBackground: false });
  await page.evaluate(() => window.dispatchEvent(new Event('afterprint')));
  assert.ok((await isOpen()).includes(false), 'the closed group is closed again');
  const bytes = readFileSync(pdf);
  assert.equal(bytes.subarray(0, 5).toString(), '%PDF-');
  const pages = [...bytes.toString('latin1').matchAll(/\/Type\s*\/Page(?!s)/g)].length;
  t.diagnostic(`print PDF: ${statSync(pdf).size} bytes, about ${pages} pages`);
  assert.ok(statSync(pdf).size > 30_000, `a PDF with content (${statSync(pdf).size} bytes)`);

  await page.emulateMedia({ media: 'screen' });
  assert.ok(await page.locator('#download-html').isVisible(), 'back on the screen');
  assert.deepEqual(errors, []);
  await context.close();
});
