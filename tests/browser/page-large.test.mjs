// A 100k-statement trace (~40 MB): the progress bar moves, the tab stays
// responsive, the verdict is verified and equal to the CLI's, and the
// virtualised explorer reaches the last statement.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { launch, serveStatic, onus, WWW, openPage, cliReport, screenshotTop } from './harness.mjs';

const N = 100_000;
let browser, srv, dir;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'onus-page-large-'));
  const r = onus(['demo', '--statements', String(N), '--out', join(dir, 'big.jsonl')]);
  assert.equal(r.status, 0, r.stderr);
  srv = await serveStatic([WWW, dir]);
  browser = await launch();
});

after(async () => {
  await browser?.close();
  await srv?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

test(`${N} statements: progress moves, the page stays responsive, verified`, { timeout: 150_000 }, async (t) => {
  const { page, errors, context } = await openPage(browser);
  const size = statSync(join(dir, 'big.jsonl')).size;
  await page.goto(`${srv.url}/?trace=big.jsonl`);
  // Watch the progress bar from the page itself, and how late the main thread's timers fire.
  const watch = await page.evaluate(() => new Promise((resolve) => {
    const seen = [];
    let worstLag = 0;
    let last = performance.now();
    const timer = setInterval(() => {
      const now = performance.now();
      worstLag = Math.max(worstLag, now - last - 20);
      last = now;
      const s = document.documentElement.dataset.onusStatus;
      const bar = document.getElementById('progress-bar');
      if (s === 'running' && bar.dataset.bytes) {
        const v = `${bar.dataset.bytes}/${bar.dataset.statements}`;
        if (seen.at(-1)?.v !== v) seen.push({ v, text: document.getElementById('progress-text').textContent, now });
      }
      if (s && s !== 'running') {
        clearInterval(timer);
        resolve({ seen, worstLag, status: s });
      }
    }, 20);
  }));
  assert.equal(watch.status, 'verified');
  t.diagnostic(`progress values seen: ${watch.seen.length}; e.g. “${watch.seen[Math.floor(watch.seen.length / 2)]?.text}”`);
  t.diagnostic(`worst main-thread timer lag while verifying: ${Math.round(watch.worstLag)} ms`);
  assert.ok(watch.seen.length >= 2, `saw ${watch.seen.length} progress values`);
  const values = watch.seen.map((s) => Number(s.v.split('/')[0]));
  assert.ok(values.some((b) => b > 0 && b < size), 'a value strictly between 0 and the size');
  assert.ok(values.every((b, i) => i === 0 || b >= values[i - 1]), 'progress never goes back');
  assert.ok(watch.worstLag < 500, `the main thread stalled ${watch.worstLag} ms`);

  const { elapsed, report } = await page.evaluate(() => ({ elapsed: Number(document.querySelector('.verdict').dataset.elapsed), report: window.onusReport }));
  t.diagnostic(`${N} statements (${(size / 1e6).toFixed(1)} MB) verified in the page in ${(elapsed / 1000).toFixed(2)} s: ${Math.round(N / (elapsed / 1000))} statements/s`);
  assert.equal(report.statements, N);
  const t0 = Date.now();
  assert.deepEqual(report, cliReport(join(dir, 'big.jsonl')));
  t.diagnostic(`CLI verify --json of the same file: ${Date.now() - t0} ms`);
  await screenshotTop(page, 'large-verdict');

  // The explorer: only visible rows in the DOM; End reaches the last statement.
  await page.locator('#vlist').focus();
  await page.keyboard.press('End');
  await page.locator('#detail .detail-title', { hasText: `Statement #${N - 1}` }).waitFor();
  assert.equal(await page.locator(`#stmt-row-${N - 1} .c-idx`).textContent(), `#${N - 1}`);
  assert.ok(await page.locator('#vlist .vrow').count() < 40);
  // Jump to the middle by search.
  await page.fill('#search-input', '#54321');
  await page.press('#search-input', 'Enter');
  await page.locator('#detail .detail-title', { hasText: 'Statement #54321' }).waitFor();
  await page.locator('#stmt-row-54321').waitFor();
  // Scroll by wheel: rows keep up.
  await page.locator('#vlist').hover();
  await page.mouse.wheel(0, 3000);
  await page.waitForFunction(() => [...document.querySelectorAll('#vlist .vrow:not([hidden]) .c-kind')].every((e) => e.textContent !== '…'), null, { timeout: 5000 });
  assert.deepEqual(errors, []);
  await context.close();
});
