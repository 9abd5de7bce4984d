// OpenGradient receipts and batches in the page (docs/OPENGRADIENT.md): every
// public vector through ?og= gives window.onusOgReport deep-equal to
// `onus og verify --json`; the tool card's fields and a plain drop on the
// trace picker are recognised by content; usage errors are said in words; the
// OpenGradient module is fetched only when such a file is opened; WebCrypto
// answers every RSA-PSS check the core asks for.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { launch, serveStatic, onus, WWW, ROOT, openPage, waitForResult, screenshot } from './harness.mjs';

const VECTORS = [join(ROOT, '..', 'shared', 'vectors', 'opengradient'), join(ROOT, 'shared', 'vectors', 'opengradient')].find(existsSync);
let browser, srv;

before(async () => {
  browser = await launch();
  // The vectors beside the page, at /NAME (one origin: a static server sends no CORS headers).
  srv = await serveStatic([WWW, VECTORS]);
  srv.vectors = { url: srv.url };
});
after(async () => {
  await browser?.close();
  await srv?.close();
});

const cases = () => readdirSync(VECTORS).filter((f) => f.endsWith('.expect.json')).map((f) => f.replace('.expect.json', '')).sort();
const input = (c) => (existsSync(join(VECTORS, `${c}.json`)) ? `${c}.json` : `${c}.sse`);
const PARAM = { '--registry': 'registry', '--key': 'key', '--request': 'request', '--root': 'root' };

function linkFor(c) {
  const args = JSON.parse(readFileSync(join(VECTORS, `${c}.args.json`), 'utf8'));
  const q = new URLSearchParams({ og: `${srv.vectors.url}/${input(c)}` });
  for (let i = 0; i < args.length; i += 2) q.set(PARAM[args[i]], args[i] === '--root' ? args[i + 1] : `${srv.vectors.url}/${args[i + 1]}`);
  return { url: `${srv.url}/?${q}`, args };
}

test('every public vector: the page report is the CLI report', async () => {
  assert.ok(cases().length >= 8);
  const { context, page, errors } = await openPage(browser);
  for (const c of cases()) {
    const expect = JSON.parse(readFileSync(join(VECTORS, `${c}.expect.json`), 'utf8'));
    const { url, args } = linkFor(c);
    const cli = onus(['og', 'verify', '--json', ...args, input(c)], { cwd: VECTORS });
    assert.equal(cli.status, expect.exit, `${c}: CLI exit`);
    await page.goto(url);
    const status = await waitForResult(page);
    assert.equal(status, expect.status, `${c}: page status`);
    const report = await page.evaluate(() => window.onusOgReport);
    assert.deepEqual(report, JSON.parse(cli.stdout), `${c}: the page's report is the CLI's`);
    // WebCrypto did every RSA-PSS check the core asked for (src/og/pss.rs); the rsa crate in wasm none.
    const { rsa } = await page.evaluate(() => window.onusOgTiming);
    assert.equal(rsa.webcrypto, rsa.requests, `${c}: every RSA-PSS request answered by WebCrypto`);
    if (report.items.some((i) => i.signature === 'valid' || i.signature === 'legacy-valid')) assert.ok(rsa.requests > 0, `${c}: RSA-PSS requests`);
    assert.equal(await page.evaluate(() => document.documentElement.dataset.onusKind), 'og');
    // The verdict in words, and the core's summary under it.
    const title = await page.locator('#og-verdict h2').innerText();
    assert.match(title, new RegExp({ verified: 'Verified', incomplete: 'Incomplete', failed: 'Failed' }[expect.status]));
    assert.equal(await page.locator('#og-verdict .verdict-summary').innerText(), report.summary);
    if (c === 'batch-six') {
      assert.equal(await page.locator('table.og-items tbody tr').count(), 6);
      assert.match(await page.locator('.og-checks').innerText(), /matches/);
      assert.match(await page.locator('#og-accountability').innerText(), /No incidents/);
      await screenshot(page, 'og-batch-verified');
    }
    if (c === 'batch-notes-dump') {
      // One placeholder: one silent incident, blamed on its TEE; two unchecked items.
      assert.match(await page.locator('#og-accountability').innerText(), /Neither: found by Onus[\s\S]*1 incident/);
      assert.equal(await page.locator('tr.og-unknown-key').count(), 2);
      await screenshot(page, 'og-batch-incomplete');
    }
    if (c === 'receipt-tampered-output') {
      assert.match(await page.locator('.og-checks').innerText(), /not the signed hash: it was edited after signing/);
      assert.equal(await page.locator('#og-findings [data-code="og.output.hash-mismatch"]').count(), 1);
      await screenshot(page, 'og-receipt-failed');
    }
  }
  assert.deepEqual(errors, []);
  await context.close();
});

test('the tool card, a drop on the trace picker, and usage errors', async () => {
  const { context, page, errors } = await openPage(browser);
  const ogRequests = [];
  page.on('request', (r) => { if (r.url().includes('onus_og')) ogRequests.push(r.url()); });
  await page.goto(`${srv.url}/`);
  await page.waitForLoadState('networkidle');
  assert.deepEqual(ogRequests, [], 'the OpenGradient module is not fetched until such a file is opened');

  // The card's fields: a dump, the registry, the root.
  await page.locator('#og-file').setInputFiles(join(VECTORS, 'batch-six.json'));
  await page.locator('.og-options summary').click();
  await page.locator('#og-registry').setInputFiles(join(VECTORS, 'registry.json'));
  await page.locator('#og-root').fill('0x48c6931d9c84416c8bc9a43796539ca7261d90fdb2fba36129756a8d561eb0d5');
  await page.locator('#og-go').click();
  assert.equal(await waitForResult(page), 'verified');
  assert.ok(ogRequests.some((u) => u.endsWith('onus_og_bg.wasm')), `${ogRequests}`);
  const r = await page.evaluate(() => window.onusOgReport);
  assert.equal(r.batch.root_matches, true);

  // A receipt picked with the trace picker is recognised by content (the registry field still holds its file;
  // the root is for batches, so it is cleared).
  await page.locator('#og-root').fill('');
  await page.evaluate(() => { document.getElementById('load').hidden = false; delete document.documentElement.dataset.onusStatus; });
  await page.locator('#file-input').setInputFiles(join(VECTORS, 'receipt-basic.json'));
  assert.equal(await waitForResult(page), 'verified');
  assert.equal((await page.evaluate(() => window.onusOgReport)).kind, 'receipt');

  // --root with a receipt: the CLI's exit-2 message, in the page.
  await page.goto(`${srv.url}/?og=${encodeURIComponent(`${srv.vectors.url}/receipt-basic.json`)}&root=${'ab'.repeat(32)}`);
  assert.equal(await waitForResult(page), 'error');
  assert.match(await page.locator('#og [role=alert]').innerText(), /--root is for batch dumps/);
  // A file that is not there.
  await page.goto(`${srv.url}/?og=${encodeURIComponent(`${srv.vectors.url}/nothing.json`)}`);
  assert.equal(await waitForResult(page), 'error');
  assert.match(await page.locator('#og [role=alert]').innerText(), /HTTP 404/);
  assert.deepEqual(errors.filter((e) => !e.includes('404')), []);
  await context.close();
});
