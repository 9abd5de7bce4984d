// The page on a tiled log (?log=URL/, FORMAT.md section 8): the same report
// as `onus verify --json DIR/`, a return visit that fetches only what is new
// (state in IndexedDB), a stale cache, and a tampered tile.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { launch, serveStatic, onus, WWW, openPage, authoredTrace, waitForResult, waitForSaved, cliReport, screenshot, screenshotTop } from './harness.mjs';

let browser, srv, dir;
const fetchedPaths = [];

function demo(n) {
  const file = join(dir, `d${n}.jsonl`);
  const r = onus(['demo', '--statements', String(n), '--seed', '5', '--out', file]);
  assert.equal(r.status, 0, r.stderr);
  return file;
}
function publish(file, folder) {
  const r = onus(['publish', file, join(dir, folder)]);
  assert.equal(r.status, 0, r.stderr + r.stdout);
}
const same = (page, cli) => {
  for (const k of ['status', 'origin', 'statements', 'lines', 'bytes', 'sealed', 'accountability', 'incidents', 'polls', 'counts']) {
    assert.deepEqual(page[k], cli[k], k);
  }
  assert.deepEqual(page.findings.map((f) => [f.code, f.line, f.index, f.path ?? null]), cli.findings.map((f) => [f.code, f.line, f.index, f.path ?? null]));
};

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'onus-page-tiled-'));
  publish(demo(3000), 'log');
  publish(demo(3000), 'bad');
  publish(demo(5000), 'gap'); // 20 bundles: analysed as two groups (16 + 4)
  cpSync(join(dir, 'gap'), join(dir, 'hole'), { recursive: true });
  srv = await serveStatic([WWW, dir]);
  srv.server.on('request', (req) => fetchedPaths.push(decodeURIComponent(new URL(req.url, 'http://x').pathname)));
  browser = await launch();
});

after(async () => {
  await browser?.close();
  await srv?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

test('a tiled log verifies with the CLI report, and a return visit fetches only what is new', async () => {
  const { context, page, errors } = await openPage(browser);
  await page.goto(`${srv.url}/?log=/log/`);
  assert.equal(await waitForResult(page), 'verified');
  same(await page.evaluate(() => window.onusReport), cliReport(join(dir, 'log') + '/'));
  assert.equal((await page.evaluate(() => window.onusSince)).kind, 'fresh');
  assert.match(await page.locator('#since').innerText(), /Verified from the first statement/);
  assert.equal(await page.locator('#explorer').isHidden(), true);
  // The verdict is shown first; the state is stored after it.
  assert.equal(await waitForSaved(page), 'saved');
  await screenshot(page, 'tiled-first-visit');

  // The log grows by 500 statements; the next visit reads only bundles from the old size's last one on.
  publish(demo(3500), 'log');
  fetchedPaths.length = 0;
  await page.goto(`${srv.url}/?log=/log/`);
  assert.equal(await waitForResult(page), 'verified');
  same(await page.evaluate(() => window.onusReport), cliReport(join(dir, 'log') + '/'));
  assert.deepEqual(await page.evaluate(() => window.onusSince), { kind: 'extended', held: 3000, served: null });
  assert.match(await page.locator('#since').innerText(), /500 new statements since your last visit on .*, consistent with what you saw/);
  const bundles = fetchedPaths.filter((p) => p.startsWith('/log/tile/entries/')).sort();
  // 3000 = 11 full bundles + 184: bundle 011 (now full) and 012, 013.p/172 are new.
  assert.deepEqual(bundles, ['/log/tile/entries/011', '/log/tile/entries/012', '/log/tile/entries/013.p/172']);
  assert.equal(await waitForSaved(page), 'saved');
  await screenshotTop(page, 'tiled-return-visit');

  // A cache still shows the checkpoint of size 3000: stale, not failed.
  const now = readFileSync(join(dir, 'log', 'checkpoint'));
  publish(demo(3000), 'old');
  cpSync(join(dir, 'old', 'checkpoint'), join(dir, 'log', 'checkpoint'));
  await page.goto(`${srv.url}/?log=/log/`);
  assert.equal(await waitForResult(page), 'verified');
  assert.deepEqual(await page.evaluate(() => window.onusSince), { kind: 'stale', held: 3500, served: 3000 });
  assert.match(await page.locator('#since').innerText(), /a cache served an old copy/);
  assert.ok((await page.evaluate(() => window.onusReport.findings.map((f) => f.code))).includes('checkpoint.stale'));
  writeFileSync(join(dir, 'log', 'checkpoint'), now);

  // At 375 px wide the line wraps and nothing overflows.
  await page.setViewportSize({ width: 375, height: 800 });
  await page.goto(`${srv.url}/?log=/log/`);
  assert.equal(await waitForResult(page), 'verified');
  assert.match(await page.locator('#since').innerText(), /No new statements since your last visit/);
  // Nothing new: the history fact says the same, not "extends".
  assert.match(await page.locator('.verdict .facts').innerText(), /the same as the copy you saw before \(3,500 statements\)/);
  await screenshot(page, 'tiled-375px');

  // One statement alone: its bundle, the tiles its proof needs and the checkpoint, nothing else.
  await page.setViewportSize({ width: 1200, height: 900 });
  fetchedPaths.length = 0;
  await page.goto(`${srv.url}/?log=/log/&index=700`);
  assert.equal(await waitForResult(page), 'verified');
  const receipt = await page.evaluate(() => window.onusReceipt);
  assert.equal(receipt.index, 700);
  const logFiles = fetchedPaths.filter((p) => p.startsWith('/log/')).sort();
  assert.ok(logFiles.includes('/log/tile/entries/002') && logFiles.includes('/log/checkpoint'), logFiles.join(' '));
  assert.ok(logFiles.every((p) => p === '/log/checkpoint' || p === '/log/tile/entries/002' || /^\/log\/tile\/[0-9]/.test(p)), logFiles.join(' '));
  assert.ok(logFiles.length <= 6, logFiles.join(' '));
  // Not its own level-0 tile: the bundle gives those hashes.
  assert.ok(!logFiles.some((p) => p.startsWith('/log/tile/0/002')), logFiles.join(' '));
  assert.match(await page.locator('#receipt-result').innerText(), /Receipt verified/);
  await screenshotTop(page, 'tiled-one-statement');

  // A number past the log's end is said plainly.
  await page.goto(`${srv.url}/?log=/log/&index=99999`);
  assert.equal(await waitForResult(page), 'error');
  assert.match(await page.locator('#error').innerText(), /No such statement in this log/);
  assert.deepEqual(errors.filter((e) => !/404|Failed to load resource/.test(e)), []);
  await context.close();
});

test('a tampered tile fails with tile.mismatch and its path', async () => {
  const tile = join(dir, 'bad', 'tile', '0', '001');
  const b = readFileSync(tile);
  b[40] ^= 1;
  writeFileSync(tile, b);
  const { context, page } = await openPage(browser);
  await page.goto(`${srv.url}/?log=/bad/`);
  assert.equal(await waitForResult(page), 'failed');
  const r = await page.evaluate(() => window.onusReport);
  same(r, cliReport(join(dir, 'bad') + '/'));
  assert.deepEqual(r.findings.filter((f) => f.severity === 'error').map((f) => [f.code, f.path]), [['tile.mismatch', 'tile/0/001']]);
  assert.match(await page.locator('#findings').innerText(), /tile\/0\/001/);
  await screenshot(page, 'tiled-tampered');
  await context.close();
});

test('a bundle with a line missing, and a bundle that is gone, fail as the CLI says (bundles analysed in groups)', async () => {
  // In the first group: bundle 5 loses its fourth line (it still ends in a newline, so it is analysed with the others).
  const b5 = join(dir, 'gap', 'tile', 'entries', '005');
  const lines = readFileSync(b5, 'utf8').split('\n');
  lines.splice(3, 1);
  writeFileSync(b5, lines.join('\n'));
  // In the second group: bundle 17 cannot be fetched (the group's others are analysed alone).
  rmSync(join(dir, 'hole', 'tile', 'entries', '017'));
  const { context, page } = await openPage(browser);
  for (const [folder, code, path] of [['gap', 'tile.bundle.invalid', 'tile/entries/005'], ['hole', 'tile.missing', 'tile/entries/017']]) {
    await page.goto(`${srv.url}/?log=/${folder}/`);
    assert.equal(await waitForResult(page), 'failed', folder);
    const r = await page.evaluate(() => window.onusReport);
    same(r, cliReport(join(dir, folder) + '/'));
    assert.deepEqual(r.findings.filter((f) => f.severity === 'error').map((f) => [f.code, f.path]), [[code, path]], folder);
  }
  await context.close();
});

// A split view (FORMAT.md section 9): the same address later serves another
// history of the log. The page says fork, and the evidence it hands over is a
// proof that `onus verify-fork` accepts, made by the core from the two signed
// checkpoints and the tiles.
test('a tiled log that forks from what you saw: the fork banner and evidence that verify-fork proves', async () => {
  const { context, page, errors } = await openPage(browser);
  publish(authoredTrace(dir, 'example.org/forked', 'fork-a', ['2026-12-01T00:00:01Z', '2026-12-01T00:00:02Z']), 'forked');
  await page.goto(`${srv.url}/?log=/forked/`);
  assert.equal(await waitForResult(page), 'verified');
  assert.equal(await waitForSaved(page), 'saved');

  publish(authoredTrace(dir, 'example.org/forked', 'fork-b', ['2026-12-01T00:00:01Z', '2026-12-01T00:00:03Z', '2026-12-01T00:00:04Z']), 'forked-b');
  rmSync(join(dir, 'forked'), { recursive: true });
  cpSync(join(dir, 'forked-b'), join(dir, 'forked'), { recursive: true });
  await page.goto(`${srv.url}/?log=/forked/`);
  assert.equal(await waitForResult(page), 'failed');
  const report = await page.evaluate(() => window.onusReport);
  assert.ok(report.findings.some((f) => f.code === 'checkpoint.inconsistent'), JSON.stringify(report.findings.slice(0, 3)));
  assert.equal(report.fork?.onus_fork, 1, 'the core made fork evidence');
  await page.locator('#fork-warning').waitFor();
  assert.match(await page.locator('#fork-warning').innerText(), /a proof anyone can check again/);
  await screenshotTop(page, 'tiled-fork');
  const [download] = await Promise.all([page.waitForEvent('download'), page.click('#evidence-download')]);
  const file = await download.path();
  const proof = JSON.parse(readFileSync(file, 'utf8'));
  assert.equal(proof.kind, 'fork');
  const checked = onus(['verify-fork', '--json', file]);
  assert.equal(checked.status, 0, checked.stdout + checked.stderr);
  const v = JSON.parse(checked.stdout);
  assert.deepEqual([v.fork, v.smaller.size, v.larger.size], [true, 3, 4]);
  assert.deepEqual(errors.filter((e) => !/404|Failed to load resource/.test(e)), []);
  await context.close();
});
