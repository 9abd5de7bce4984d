// The four ways in (?trace=URL, file picker, drag and drop, paste), the page
// served from a sub-path, Cancel, and loads that fail: 404, network, HTML.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { launch, serveStatic, onus, WWW, openPage, waitForResult, cliReport, screenshotTop } from './harness.mjs';

let browser, srv, dir, d300;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'onus-page-load-'));
  for (const [n, name] of [[300, 'd300.jsonl'], [2000, 'd2000.jsonl']]) {
    const r = onus(['demo', '--statements', String(n), '--out', join(dir, name)]);
    assert.equal(r.status, 0, r.stderr);
  }
  d300 = readFileSync(join(dir, 'd300.jsonl'), 'utf8');
  // The page under a sub-path: /app/ is www/.
  symlinkSync(WWW, join(dir, 'app'));
  writeFileSync(join(dir, 'page.html'), '<!doctype html>\n<html><head><title>A page about a trace</title></head><body><p>Download the trace below.</p></body></html>\n');
  const big = readFileSync(join(dir, 'd2000.jsonl'));
  srv = await serveStatic([WWW, dir], {
    // A slow trace (about 8 s): Cancel always finds it running.
    '/slow.jsonl': (req, res) => {
      res.writeHead(200, { 'content-type': 'application/jsonl', 'content-length': big.length });
      let at = 0;
      const timer = setInterval(() => {
        if (at >= big.length || res.destroyed) { clearInterval(timer); res.end(); return; }
        res.write(big.subarray(at, at + 10_000));
        at += 10_000;
      }, 100);
      req.on('close', () => clearInterval(timer));
    },
    '/boom.jsonl': (req, res) => { res.writeHead(500, { 'content-type': 'text/plain' }); res.end('oops'); },
  });
  browser = await launch();
});

after(async () => {
  await browser?.close();
  await srv?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const expected = () => cliReport(join(dir, 'd300.jsonl'));

test('?trace=URL, also from a sub-path with a relative URL', async () => {
  const { page, errors, context } = await openPage(browser);
  await page.goto(`${srv.url}/?trace=d300.jsonl`);
  assert.equal(await waitForResult(page), 'verified');
  assert.deepEqual(await page.evaluate(() => window.onusReport), expected());
  // Relative URLs resolve against the page: /app/?trace=../d300.jsonl
  await page.goto(`${srv.url}/app/?trace=../d300.jsonl`);
  assert.equal(await waitForResult(page), 'verified');
  assert.deepEqual(await page.evaluate(() => window.onusReport), expected());
  // The link form.
  await page.goto(`${srv.url}/app/`);
  assert.equal(await page.evaluate(() => document.documentElement.dataset.onusStatus), undefined);
  await page.fill('#url-input', `${srv.url}/d300.jsonl`);
  await page.press('#url-input', 'Enter');
  assert.equal(await waitForResult(page), 'verified');
  assert.deepEqual(errors, []);
  await context.close();
});

test('file picker', async () => {
  const { page, errors, context } = await openPage(browser);
  await page.goto(`${srv.url}/`);
  await page.setInputFiles('#file-input', join(dir, 'd300.jsonl'));
  assert.equal(await waitForResult(page), 'verified');
  assert.deepEqual(await page.evaluate(() => window.onusReport), expected());
  assert.equal(await page.locator('#src-name').textContent(), 'd300.jsonl');
  // The explorer slices lines out of the File itself.
  await page.fill('#search-input', '#7');
  await page.press('#search-input', 'Enter');
  await page.locator('#detail .detail-title', { hasText: 'Statement #7' }).waitFor();
  assert.deepEqual(errors, []);
  await context.close();
});

test('drag and drop anywhere on the page', async () => {
  const { page, errors, context } = await openPage(browser);
  await page.goto(`${srv.url}/`);
  await page.evaluate(async (text) => {
    const dt = new DataTransfer();
    dt.items.add(new File([text], 'dropped.jsonl', { type: 'application/jsonl' }));
    const target = document.querySelector('.tagline');
    target.dispatchEvent(new DragEvent('dragenter', { dataTransfer: dt, bubbles: true, cancelable: true }));
    target.dispatchEvent(new DragEvent('dragover', { dataTransfer: dt, bubbles: true, cancelable: true }));
    target.dispatchEvent(new DragEvent('drop', { dataTransfer: dt, bubbles: true, cancelable: true }));
  }, d300);
  assert.equal(await waitForResult(page), 'verified');
  assert.deepEqual(await page.evaluate(() => window.onusReport), expected());
  assert.equal(await page.locator('#src-name').textContent(), 'dropped.jsonl');
  assert.equal(await page.locator('#drop-overlay').isHidden(), true);
  assert.deepEqual(errors, []);
  await context.close();
});

test('paste: into the page, and into the text box', async () => {
  const { page, errors, context } = await openPage(browser);
  await page.goto(`${srv.url}/`);
  await page.evaluate((text) => {
    const dt = new DataTransfer();
    dt.setData('text/plain', text);
    document.body.dispatchEvent(new ClipboardEvent('paste', { clipboardData: dt, bubbles: true, cancelable: true }));
  }, d300);
  assert.equal(await waitForResult(page), 'verified');
  assert.deepEqual(await page.evaluate(() => window.onusReport), expected());

  // The first 100 statements: this device saw the log at 300, so less is not the whole log.
  const pasteFirst100 = async () => {
    await page.goto(`${srv.url}/`);
    await page.click('#paste-box summary');
    await page.fill('#paste-input', d300.split('\n').slice(0, 100).join('\n'));
    await page.click('#paste-go');
    return waitForResult(page);
  };
  assert.equal(await pasteFirst100(), 'failed');
  assert.ok((await page.evaluate(() => window.onusReport)).findings.some((f) => f.code === 'checkpoint.inconsistent'));
  await page.locator('#rollback-warning', { hasText: 'Statements are missing from this copy' }).waitFor();
  // On a device that saw nothing before, the same text is merely unsealed.
  await page.evaluate(() => localStorage.clear());
  assert.equal(await pasteFirst100(), 'unsealed');
  assert.match(await page.locator('.verdict-sentence').textContent(), /100 of 100 statements are not yet covered/);
  assert.deepEqual(errors, []);
  await context.close();
});

test('Cancel stops a running verification; the next one works', async () => {
  const { page, errors, context } = await openPage(browser);
  await page.goto(`${srv.url}/?trace=slow.jsonl`);
  await page.waitForFunction(() => Number(document.getElementById('progress-bar').dataset.bytes) > 100_000, null, { polling: 50 });
  assert.equal(await page.evaluate(() => document.documentElement.dataset.onusStatus), 'running');
  await page.waitForFunction(() => /left/.test(document.getElementById('progress-text').textContent), null, { polling: 50 });
  assert.match(await page.locator('#progress-text').textContent(), /^\d+ KB of 740 KB · [\d,]+ statements( · [\d,]+ statements\/s)? · about .* left$/);
  assert.ok(Number(await page.locator('#progress-bar').getAttribute('aria-valuenow')) > 0);
  await page.click('#cancel');
  assert.equal(await page.evaluate(() => document.documentElement.dataset.onusStatus), 'cancelled');
  assert.equal(await page.locator('.verdict-word').textContent(), 'Cancelled');
  assert.equal(await page.locator('#progress').isHidden(), true);
  assert.equal(await page.evaluate(() => window.onusReport), undefined);
  // A fresh worker takes the next trace.
  await page.setInputFiles('#file-input', join(dir, 'd300.jsonl'));
  assert.equal(await waitForResult(page), 'verified');
  assert.deepEqual(errors, []);
  await context.close();
});

test('a 404 says so and what to do', async () => {
  const { page, context } = await openPage(browser);
  await page.goto(`${srv.url}/?trace=missing.jsonl`);
  assert.equal(await waitForResult(page), 'error');
  const box = page.locator('#error');
  assert.equal(await box.getAttribute('data-kind'), 'http-404');
  const text = await box.textContent();
  assert.match(text, /Trace not found \(HTTP 404/);
  assert.match(text, /missing\.jsonl/);
  assert.match(text, /Check the link/);
  await screenshotTop(page, 'error-404');
  // A server error too.
  await page.goto(`${srv.url}/?trace=boom.jsonl`);
  assert.equal(await waitForResult(page), 'error');
  assert.match(await box.textContent(), /The server failed \(HTTP 500/);
  await context.close();
});

test('a network or CORS failure says which and what to do', async () => {
  const { page, context } = await openPage(browser);
  // Nothing listens on port 9 of 127.0.0.1: the fetch throws a TypeError.
  await page.goto(`${srv.url}/?trace=${encodeURIComponent('http://127.0.0.1:9/trace.jsonl')}`);
  assert.equal(await waitForResult(page), 'error');
  assert.equal(await page.locator('#error').getAttribute('data-kind'), 'network');
  assert.match(await page.locator('#error').textContent(), /CORS[\s\S]*Access-Control-Allow-Origin/);
  // Not a web address at all.
  await page.goto(`${srv.url}/?trace=${encodeURIComponent('javascript:alert(1)')}`);
  assert.equal(await waitForResult(page), 'error');
  assert.equal(await page.locator('#error').getAttribute('data-kind'), 'badurl');
  await context.close();
});

test('an HTML page instead of a trace: failed, with a "not a trace" hint', async () => {
  const { page, errors, context } = await openPage(browser);
  await page.goto(`${srv.url}/?trace=page.html`);
  assert.equal(await waitForResult(page), 'failed');
  const report = await page.evaluate(() => window.onusReport);
  assert.deepEqual(report, cliReport(join(dir, 'page.html')));
  assert.ok(report.findings.some((f) => f.code === 'statement.malformed'));
  assert.equal(await page.locator('#verdict-word').textContent(), 'Not a trace');
  const hint = page.locator('.not-a-trace');
  assert.match(await hint.textContent(), /^page\.html is a web page \(HTML\), not a trace\. The link probably points at a page about the trace/);
  await screenshotTop(page, 'not-a-trace');
  assert.deepEqual(errors, []);
  await context.close();
});

test('a Rust panic is shown as a readable error, not a blank page', async () => {
  // Serve the page with a stand-in for pkg/onus.js whose finish() traps the way a
  // Rust panic does (RuntimeError: unreachable) and whose lastPanic() has a message.
  const wrapper = `export * from '/pkg-real/onus.js';
import init, { TraceVerifier } from '/pkg-real/onus.js';
export default init;
TraceVerifier.prototype.finish = function () { throw new WebAssembly.RuntimeError('unreachable'); };
export function lastPanic() { return 'panicked at src/verify.rs:1:1: a test panic'; }
`;
  const pdir = mkdtempSync(join(tmpdir(), 'onus-page-panic-'));
  symlinkSync(join(WWW, 'pkg'), join(pdir, 'pkg-real'));
  const psrv = await serveStatic([WWW, pdir, dir], {
    '/pkg/onus.js': (req, res) => { res.writeHead(200, { 'content-type': 'text/javascript' }); res.end(wrapper); },
  });
  const { page, errors, context } = await openPage(browser);
  try {
    await page.goto(`${psrv.url}/?trace=d300.jsonl`);
    assert.equal(await waitForResult(page), 'error');
    const box = page.locator('#error');
    assert.equal(await box.getAttribute('data-kind'), 'panic');
    assert.match(await box.textContent(), /The verifier stopped on an internal error[\s\S]*a test panic[\s\S]*says nothing about whether the trace is good/);
    assert.equal(await page.evaluate(() => window.onusReport), undefined);
    assert.deepEqual(errors, []);
  } finally {
    await context.close();
    await psrv.close();
    rmSync(pdir, { recursive: true, force: true });
  }
});
