// Hostile input on the page (hardening issue): a million junk lines stay
// bounded, a trace that outgrows the browser's wasm memory is named as such,
// and bidirectional overrides in trace text never reorder the page.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { launch, serveStatic, onus, WWW, openPage, waitForResult, cliReport, CHROMIUM_ARGS, screenshotTop } from './harness.mjs';

let browser, srv, dir;

function run(args) {
  const r = onus(args);
  assert.equal(r.status, 0, `onus ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'onus-page-hostile-'));
  writeFileSync(join(dir, 'junk1m.txt'), 'x\n'.repeat(1_000_000));
  writeFileSync(join(dir, 'junk4m.txt'), 'x\n'.repeat(4_000_000));
  run(['keygen', 'test.example/bidi', '--out', join(dir, 'log.key')]);
  const file = join(dir, 'bidi.jsonl');
  const key = join(dir, 'log.key');
  run(['append', '--key', key, '--kind', 'log', '--time', '2026-11-23T10:00:00Z', '--body', JSON.stringify({ origin: 'test.example/bidi', roster: [] }), file]);
  run(['append', '--key', key, '--kind', 'poll', '--time', '2026-11-23T10:00:01Z', '--body', JSON.stringify({
    question: 'Safe? \u202Eexe.tab\u202C and שלום 1', options: ['yes \u2066x\u2069', 'no\u200F'], closes: '2030-01-01T00:00:00Z',
  }), file]);
  run(['seal', '--key', key, file]);
  srv = await serveStatic([WWW, dir]);
  browser = await launch();
});

after(async () => {
  await browser?.close();
  await srv?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

// Regression (item 5): 1M one-byte lines took 3 GB and froze the tab; the
// report now lists 1,000 findings per code and counts the rest.
test('a million junk lines: a bounded report, counted findings, the same as the CLI', { timeout: 120_000 }, async () => {
  const { page, errors, context } = await openPage(browser);
  await page.goto(`${srv.url}/?trace=junk1m.txt`);
  assert.equal(await waitForResult(page, 100_000), 'failed');
  const report = await page.evaluate(() => window.onusReport);
  assert.deepEqual(report, cliReport(join(dir, 'junk1m.txt')));
  assert.equal(report.findings.filter((f) => f.code === 'statement.malformed').length, 1000);
  assert.deepEqual(report.findings_omitted.map((o) => [o.code, o.count]), [['statement.malformed', 999_000]]);
  assert.equal(report.counts.error, 1_000_001); // every line, and the missing genesis
  // No line is a statement: the page says "not a trace" in one sentence, without a million findings.
  assert.equal(await page.locator('#verdict-word').textContent(), 'Not a trace');
  assert.match(await page.locator('.verdict-sentence').textContent(), /^junk1m\.txt is not a trace: none of its lines is a signed statement\./);
  assert.equal(await page.locator('#findings').isHidden(), true);
  assert.deepEqual(errors, []);
  await context.close();
});

// Regression (item 5): running out of wasm memory ended in "Onus hit a bug …
// unreachable"; now the reader is told the trace is too large for the browser
// and what to do. The memory is capped with a V8 flag to make it happen.
test('a trace larger than the browser gives wasm: named, with what to do', { timeout: 120_000 }, async () => {
  const small = await chromium.launch({ executablePath: '/usr/bin/chromium', args: [...CHROMIUM_ARGS, '--js-flags=--wasm-max-mem-pages=1600'] });
  try {
    const { page, context } = await openPage(small);
    await page.goto(`${srv.url}/?trace=junk4m.txt`);
    assert.equal(await waitForResult(page, 100_000), 'error');
    const box = page.locator('#error');
    assert.equal(await box.getAttribute('data-kind'), 'memory');
    assert.match(await box.textContent(), /This trace is too large for this browser/);
    assert.match(await box.textContent(), /onus verify/);
    assert.doesNotMatch(await box.textContent(), /hit a bug/);
    await screenshotTop(page, 'error-too-large');
    // The page recovers: the next trace is checked by a fresh verifier.
    await page.goto(`${srv.url}/?trace=bidi.jsonl`);
    assert.equal(await waitForResult(page), 'verified');
    await context.close();
  } finally {
    await small.close();
  }
});

// Regression (item 9): bidi overrides in trace text reversed the text next to them.
test('bidirectional overrides in trace text are shown, not applied', async () => {
  const { page, errors, context } = await openPage(browser);
  await page.goto(`${srv.url}/?trace=bidi.jsonl`);
  assert.equal(await waitForResult(page), 'verified');
  const text = await page.locator('#votes').textContent();
  for (const c of ['\u202E', '\u202C', '\u2066', '\u2069', '\u200F']) assert.ok(!text.includes(c), `raw U+${c.charCodeAt(0).toString(16)}`);
  assert.match(text, /Safe\? ⟨U\+202E⟩exe\.tab⟨U\+202C⟩ and/);
  // Right-to-left words are isolated, so they cannot reorder their neighbours.
  assert.ok(await page.locator('#votes bdi', { hasText: 'שלום' }).count() >= 1);
  assert.deepEqual(errors, []);
  await context.close();
});
