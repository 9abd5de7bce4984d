// Trust: a pinned key (?key=), the key and checkpoint remembered per origin
// (a changed key and a fork are loud), receipts, artifacts, and safety
// (hostile trace text stays text; no CSP violations).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, sep } from 'node:path';
import { launch, serveStatic, onus, WWW, openPage, waitForResult, cliReport, screenshotTop } from './harness.mjs';

let browser, srv, dir;
const served = {}; // path -> file name in dir, switchable during a test
const DEMO_ORIGIN = 'demo.onus.dev/inference-2026-11';

function run(args) {
  const r = onus(args);
  assert.equal(r.status, 0, `onus ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

/** A small log of our own: genesis (with a roster), a model, optionally more, sealed. */
function makeLog(name, { key, extra = [], roster = [] }) {
  const file = join(dir, name);
  const origin = 'test.example/log';
  run(['append', '--key', key, '--kind', 'log', '--time', '2026-11-23T10:00:00Z', '--body', JSON.stringify({ origin, roster }), file]);
  for (const [kind, body] of extra) run(['append', '--key', key, '--kind', kind, '--time', '2026-11-23T10:00:01Z', '--body', JSON.stringify(body), file]);
  run(['seal', '--key', key, file]);
  return file;
}

const vkeyOf = (file) => cliReport(file).vkey;
const ABC_BLAKE3 = '6437b3ac38465133ffb63b75273a8db548c558465d79db03fd359c6cd5bd9d85';
const EMPTY_BLAKE3 = 'af1349b9f5f9a1a6a0404dea36dcc9499bcb25c9adc112b7cc9a93cae41f3262';

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'onus-page-trust-'));
  run(['demo', '--statements', '300', '--out', join(dir, 'd300.jsonl')]);
  run(['demo', '--statements', '400', '--out', join(dir, 'd400.jsonl')]);
  run(['demo', '--statements', '300', '--seed', '2', '--out', join(dir, 'seed2.jsonl')]);
  writeFileSync(join(dir, 'receipt5.json'), run(['prove', '5', join(dir, 'd300.jsonl')]));
  run(['demo', '--statements', '500', '--seed', '2', '--out', join(dir, 'seed2-500.jsonl')]);
  const logKey = run(['keygen', 'test.example/log', '--out', join(dir, 'log.key')]).match(/public key:\s*(\S+)/)[1];
  makeLog('mine-a.jsonl', { key: join(dir, 'log.key'), extra: [['model', { name: 'm', weights: ABC_BLAKE3 }]] });
  makeLog('mine-b.jsonl', { key: join(dir, 'log.key'), extra: [['model', { name: 'other', weights: EMPTY_BLAKE3 }]] });
  const hostile = '<img src=x onerror="window.__pwned=1">';
  makeLog('hostile.jsonl', {
    key: join(dir, 'log.key'),
    roster: [{ key: logKey, name: hostile, role: 'operator' }],
    extra: [['model', { name: '<script>window.__pwned=2</script>', weights: ABC_BLAKE3 }]],
  });
  writeFileSync(join(dir, 'abc.bin'), 'abc');
  writeFileSync(join(dir, 'empty.bin'), '');
  const sendFile = (name) => (req, res) => {
    const body = readFileSync(join(dir, served[name]));
    res.writeHead(200, { 'content-type': 'application/jsonl', 'content-length': body.length, 'cache-control': 'no-store' });
    res.end(body);
  };
  srv = await serveStatic([WWW, dir], { '/t/trace.jsonl': sendFile('t'), '/u/trace.jsonl': sendFile('u'), '/r/trace.jsonl': sendFile('r') });
  browser = await launch();
});

after(async () => {
  await browser?.close();
  await srv?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

test('a pinned key (?key=): the right one verifies, another fails with log.key.mismatch, garbage says so', async () => {
  const { page, errors, context } = await openPage(browser);
  const right = vkeyOf(join(dir, 'd300.jsonl'));
  const wrong = vkeyOf(join(dir, 'seed2.jsonl'));
  assert.notEqual(right, wrong);
  await page.goto(`${srv.url}/?trace=d300.jsonl&key=${encodeURIComponent(right)}`);
  assert.equal(await waitForResult(page), 'verified');
  assert.match(await page.locator('.verdict .facts').textContent(), /matches the key you pinned/);

  await page.goto(`${srv.url}/?trace=d300.jsonl&key=${encodeURIComponent(wrong)}`);
  assert.equal(await waitForResult(page), 'failed');
  const report = await page.evaluate(() => window.onusReport);
  assert.deepEqual(report, cliReport(join(dir, 'd300.jsonl'), ['--key', wrong]));
  assert.ok(report.findings.some((f) => f.code === 'log.key.mismatch'));
  assert.match(await page.locator('.fail-reasons').textContent(), /different log key than the one you pinned/);
  assert.match(await page.locator('#pin-note').textContent(), /Pinned log key/);
  assert.deepEqual(errors, []);

  await page.goto(`${srv.url}/?trace=d300.jsonl&key=not-a-key`);
  assert.equal(await waitForResult(page), 'error');
  assert.equal(await page.locator('#error').getAttribute('data-kind'), 'options');
  assert.match(await page.locator('#error').textContent(), /pinned log key cannot be used/);
  await context.close();
});

test('remembered per origin: extension, then another key and a fork at the same URL', async () => {
  const { page, errors, context } = await openPage(browser);
  const url = `${srv.url}/?trace=t/trace.jsonl`;
  const ls = () => page.evaluate(() => Object.fromEntries(Object.entries(localStorage).filter(([k]) => k.startsWith('onus:'))));

  served.t = 'd300.jsonl';
  await page.goto(url);
  assert.equal(await waitForResult(page), 'verified');
  const first = await page.evaluate(() => window.onusReport);
  let store = await ls();
  assert.equal(store[`onus:key:${DEMO_ORIGIN}`], first.vkey);
  const held = (s) => { const { size, root, note, url } = JSON.parse(s[`onus:checkpoint:${DEMO_ORIGIN}`]); return { size, root, note, url }; };
  assert.deepEqual(held(store), { size: 300, root: first.sealed.root, note: first.sealed.note, url: `${srv.url}/t/trace.jsonl` });
  assert.match(await page.locator('.verdict .facts').textContent(), /first time seen here/);

  // The log grew: same key, an extension of what was seen.
  served.t = 'd400.jsonl';
  await page.goto(url);
  assert.equal(await waitForResult(page), 'verified');
  const grown = await page.evaluate(() => window.onusReport);
  assert.deepEqual(grown, cliReport(join(dir, 'd400.jsonl'), ['--known', `300:${first.sealed.root}`]));
  const facts = await page.locator('.verdict .facts').textContent();
  assert.match(facts, /same key as on your earlier visits/);
  assert.match(facts, /extends the copy you saw before \(300 statements\)/);
  assert.equal(await page.locator('#banners .banner').count(), 0);
  store = await ls();
  assert.deepEqual(held(store), { size: 400, root: grown.sealed.root, note: grown.sealed.note, url: `${srv.url}/t/trace.jsonl` });

  // Another log under the same origin: another key, and a different history.
  served.t = 'seed2-500.jsonl';
  await page.goto(url);
  assert.equal(await waitForResult(page), 'failed');
  const other = await page.evaluate(() => window.onusReport);
  assert.deepEqual(other, cliReport(join(dir, 'seed2-500.jsonl'), ['--known', `400:${grown.sealed.root}`]));
  assert.ok(other.findings.some((f) => f.code === 'checkpoint.inconsistent'));
  await page.locator('#fork-warning').waitFor();
  await page.locator('#key-warning').waitFor();
  assert.match(await page.locator('#key-warning').textContent(), /This log’s key has changed/);
  assert.match(await page.locator('#key-warning').textContent(), new RegExp(grown.vkey.replace(/[+/]/g, '\\$&')));
  assert.equal(await page.locator('.verdict-word').textContent(), 'Failed');
  await screenshotTop(page, 'trust-key-changed');
  // The stored key is not replaced silently; the reader can accept the new one.
  assert.equal((await ls())[`onus:key:${DEMO_ORIGIN}`], grown.vkey);
  await page.click('#key-warning button');
  assert.equal((await ls())[`onus:key:${DEMO_ORIGIN}`], other.vkey);
  assert.deepEqual(errors, []);
  await context.close();
});

test('a fork under the same key is an error, wherever the copy is opened from', async () => {
  const { page, errors, context } = await openPage(browser);
  served.u = 'mine-a.jsonl';
  await page.goto(`${srv.url}/?trace=u/trace.jsonl`);
  assert.equal(await waitForResult(page), 'verified');
  const a = await page.evaluate(() => window.onusReport);

  // Same origin and key, another history, at the same URL: known is passed, the core says fork.
  served.u = 'mine-b.jsonl';
  await page.goto(`${srv.url}/?trace=u/trace.jsonl`);
  assert.equal(await waitForResult(page), 'failed');
  const b = await page.evaluate(() => window.onusReport);
  assert.deepEqual(b, cliReport(join(dir, 'mine-b.jsonl'), ['--known', `${a.sealed.size}:${a.sealed.root}`]));
  assert.ok(b.findings.some((f) => f.code === 'checkpoint.inconsistent'));
  await page.locator('#fork-warning').waitFor();
  assert.match(await page.locator('#fork-warning').textContent(), /Fork: two different histories of the same log/);
  assert.equal(await page.locator('#key-warning').count(), 0);
  await screenshotTop(page, 'trust-fork');

  // The same other history from another URL: every remembered checkpoint is passed,
  // so the core compares it with the one of its origin and the fork is caught there too.
  await page.goto(`${srv.url}/?trace=mine-b.jsonl`);
  assert.equal(await waitForResult(page), 'failed');
  assert.deepEqual(await page.evaluate(() => window.onusReport), cliReport(join(dir, 'mine-b.jsonl'), ['--known', `${a.sealed.size}:${a.sealed.root}`]));
  await page.locator('#fork-warning').waitFor();
  assert.deepEqual(errors, []);
  await context.close();
});

// Regression (hardening issue, item 1): a log that shrank at the same address
// was shown as verified with a mild note; now it fails, says it was rolled back,
// and hands over the evidence.
test('a rolled-back log is loud and its evidence can be downloaded', async () => {
  const { page, errors, context } = await openPage(browser);
  served.r = 'd400.jsonl';
  await page.goto(`${srv.url}/?trace=r/trace.jsonl`);
  assert.equal(await waitForResult(page), 'verified');
  const long = await page.evaluate(() => window.onusReport);

  // The same address now serves the first 300 statements, sealed at 300.
  served.r = 'd300.jsonl';
  await page.goto(`${srv.url}/?trace=r/trace.jsonl`);
  assert.equal(await waitForResult(page), 'failed');
  const short = await page.evaluate(() => window.onusReport);
  assert.deepEqual(short, cliReport(join(dir, 'd300.jsonl'), ['--known', `400:${long.sealed.root}`]));
  const f = short.findings.find((x) => x.code === 'checkpoint.inconsistent');
  assert.ok(f, JSON.stringify(short.findings.slice(0, 3)));
  assert.match(f.message, /only 300 statements: 100 statement\(s\) the log had committed to are missing/);
  const banner = page.locator('#rollback-warning');
  await banner.waitFor();
  assert.match(await banner.textContent(), /This log was rolled back/);
  assert.match(await banner.textContent(), /with 400 statements.*only 300: 100 statements the log had committed to are gone/s);
  assert.match(await page.locator('.fail-reasons').textContent(), /statements it had committed to are missing/);
  await screenshotTop(page, 'trust-rollback');
  const [download] = await Promise.all([page.waitForEvent('download'), page.click('#evidence-download')]);
  const proof = JSON.parse(readFileSync(await download.path(), 'utf8'));
  assert.equal(proof.kind, 'rollback');
  assert.equal(proof.held.size, 400);
  assert.equal(proof.held.note, long.sealed.note, 'the signed checkpoint that was held');
  assert.equal(proof.this_copy.statements, 300);
  assert.equal(proof.this_copy.sealed.note, short.sealed.note);
  // The device keeps what it held: the longer checkpoint is not replaced by the shorter.
  const kept = await page.evaluate((o) => JSON.parse(localStorage.getItem(`onus:checkpoint:${o}`)), DEMO_ORIGIN);
  assert.equal(kept.size, 400);
  assert.deepEqual(errors, []);
  await context.close();
});

test('receipts: unanchored without a key, verified with the remembered key, failed when altered', async () => {
  const { page, errors, context } = await openPage(browser);
  const receipt = readFileSync(join(dir, 'receipt5.json'), 'utf8');
  await page.goto(`${srv.url}/`);
  await page.fill('#receipt-input', receipt);
  await page.click('#receipt-go');
  const verdict = page.locator('#receipt-result .receipt-verdict');
  await verdict.waitFor();
  assert.equal(await verdict.getAttribute('data-status'), 'unanchored');
  assert.match(await verdict.textContent(), /no key is known here/);

  // Verify the log once: its key is remembered and used for its receipts.
  await page.goto(`${srv.url}/?trace=d300.jsonl`);
  assert.equal(await waitForResult(page), 'verified');
  await page.evaluate((text) => {
    const dt = new DataTransfer();
    dt.setData('text/plain', text);
    document.body.dispatchEvent(new ClipboardEvent('paste', { clipboardData: dt, bubbles: true, cancelable: true }));
  }, receipt);
  await page.locator('#receipt-result .receipt-verdict[data-status="verified"]').waitFor();
  assert.match(await page.locator('#receipt-result').textContent(), /Statement #5 \(request by client-\d+\) is in the log “demo\.onus\.dev\/inference-2026-11”/);
  // The page's trace verdict is untouched by the receipt.
  assert.equal(await page.evaluate(() => document.documentElement.dataset.onusStatus), 'verified');

  // Altered: another index.
  const altered = receipt.replace('"index":5', '"index":6');
  assert.notEqual(altered, receipt);
  await page.fill('#receipt-input', altered);
  await page.click('#receipt-go');
  await page.locator('#receipt-result .receipt-verdict[data-status="failed"]').waitFor();
  assert.match(await page.locator('#receipt-result').textContent(), /receipt\.proof\.invalid/);
  // Not JSON at all.
  await page.setInputFiles('#receipt-file', join(dir, 'abc.bin'));
  await page.locator('#receipt-result .receipt-verdict[data-status="failed"]').waitFor();
  assert.match(await page.locator('#receipt-result').textContent(), /receipt\.malformed/);
  assert.deepEqual(errors, []);
  await context.close();
});

test('artifacts: BLAKE3 in the worker, and the statements that commit to it', async () => {
  const { page, errors, context } = await openPage(browser);
  await page.goto(`${srv.url}/`);
  // Before a trace: just the hash.
  await page.setInputFiles('#artifact-input', join(dir, 'empty.bin'));
  await page.locator('#artifact-hash').waitFor();
  assert.equal(await page.locator('#artifact-hash').textContent(), EMPTY_BLAKE3);

  await page.goto(`${srv.url}/?trace=mine-a.jsonl`);
  assert.equal(await waitForResult(page), 'verified');
  await page.setInputFiles('#artifact-input', join(dir, 'abc.bin'));
  await page.locator('#artifact-result .result-line').waitFor();
  assert.equal(await page.locator('#artifact-hash').textContent(), ABC_BLAKE3);
  assert.match(await page.locator('#artifact-result').textContent(), /1 statement commits to it/);
  await page.locator('#artifact-result .commit-list button', { hasText: '#1' }).click();
  await page.locator('#detail .detail-title', { hasText: 'Statement #1' }).waitFor();
  // A dropped file, and a pasted hash that nothing commits to.
  await page.evaluate(() => {
    const dt = new DataTransfer();
    dt.items.add(new File([''], 'nothing.bin'));
    document.getElementById('artifact-drop').dispatchEvent(new DragEvent('drop', { dataTransfer: dt, bubbles: true, cancelable: true }));
  });
  await page.locator('#artifact-result .result-line.none').waitFor();
  assert.equal(await page.locator('#artifact-hash').textContent(), EMPTY_BLAKE3);
  // The drop on the artifact area did not start a new trace verification.
  assert.equal(await page.evaluate(() => window.onusReport.origin), 'test.example/log');
  await page.fill('#hash-input', ABC_BLAKE3.toUpperCase());
  await page.press('#hash-input', 'Enter');
  await page.locator('#artifact-result .result-line.found').waitFor();
  assert.deepEqual(errors, []);
  await context.close();
});

test('safety: hostile trace text stays text; a strict CSP with no violations; no innerHTML', async () => {
  const { page, errors, context } = await openPage(browser);
  await page.addInitScript(() => {
    window.__csp = [];
    document.addEventListener('securitypolicyviolation', (e) => window.__csp.push(`${e.violatedDirective} ${e.blockedURI}`));
  });
  await page.goto(`${srv.url}/?trace=hostile.jsonl`);
  assert.equal(await waitForResult(page), 'verified');
  await page.fill('#search-input', '#1');
  await page.press('#search-input', 'Enter');
  await page.locator('#detail .detail-title', { hasText: 'Statement #1' }).waitFor();
  assert.match(await page.locator('#detail pre.json').textContent(), /<script>window\.__pwned=2<\/script>/);
  // The roster name with markup shows as text, wherever names are shown.
  await page.fill('#search-input', '#0');
  await page.press('#search-input', 'Enter');
  await page.locator('#detail .detail-title', { hasText: 'Statement #0' }).waitFor();
  assert.match(await page.locator('#detail').textContent(), /<img src=x onerror="window\.__pwned=1">/);
  assert.equal(await page.locator('#detail img, #vlist img, #detail script').count(), 0);
  assert.equal(await page.evaluate(() => window.__pwned), undefined);

  const csp = await page.locator('meta[http-equiv="Content-Security-Policy"]').getAttribute('content');
  for (const d of ["default-src 'self'", "script-src 'self' 'wasm-unsafe-eval'", "worker-src 'self'", 'connect-src *', "img-src 'self' data: blob:", "style-src 'self'", "object-src 'none'", "base-uri 'none'"]) {
    assert.ok(csp.includes(d), `CSP lacks ${d}`);
  }
  assert.deepEqual(await page.evaluate(() => window.__csp), []);
  // Every script of ours, in every folder (pkg/ is wasm-bindgen's output).
  const scripts = readdirSync(WWW, { recursive: true }).map((n) => n.split(sep).join('/'))
    .filter((n) => n.endsWith('.js') && !n.startsWith('pkg/') && !['widget/poll.js', 'embed.js'].includes(n));
  assert.ok(scripts.includes('page/main.js') && scripts.includes('engine/worker.js'), scripts.join()); // the walk reaches the subfolders
  for (const f of scripts) {
    const src = readFileSync(join(WWW, f), 'utf8');
    assert.ok(!/innerHTML|outerHTML|insertAdjacentHTML|document\.write/.test(src), `${f} writes HTML`);
  }
  assert.deepEqual(errors, []);
  await context.close();
});
