// The page's report is the CLI's report: the demo and tampered variants give
// window.onusReport deep-equal to `onus verify --json`, with the expected
// verdict and finding codes. Also: the poll view, incidents, findings, the
// explorer (mouse and keyboard), the phone layout, and their screenshots.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { launch, serveStatic, onus, WWW, openPage, waitForResult, cliReport, screenshot, screenshotTop, screenshotOf } from './harness.mjs';

let browser, srv, dir;

const lines = (text) => text.split('\n').slice(0, -1); // the file ends with \n
const unlines = (ls) => `${ls.join('\n')}\n`;
const lineOfKind = (ls, kind, from = 1) => ls.findIndex((l, i) => i >= from && l.includes(`"kind":"${kind}"`));

function flipChar(s, at) {
  const c = s[at];
  return s.slice(0, at) + (c === 'A' ? 'B' : 'A') + s.slice(at + 1);
}

/** name -> {text, status, codes}: tampered copies of a 300-statement demo. */
function variants(d300, d3000) {
  const base = lines(d300);
  const v = {};
  {
    const ls = [...base];
    const k = 10;
    const at = ls[k].indexOf('"sig":"') + 7 + 20;
    ls[k] = flipChar(ls[k], at);
    v['sig-flip'] = { ls, status: 'failed', codes: ['statement.signature.invalid', 'checkpoint.root.mismatch'] };
  }
  {
    // Statement 1 is a model that later computes refer to.
    const ls = base.filter((_, i) => i !== 1);
    v['delete-line'] = { ls, status: 'failed', codes: ['ref.dangling', 'checkpoint.size.ahead'] };
  }
  {
    const ls = [...base];
    const k = lineOfKind(ls, 'compute');
    const at = ls[k].indexOf('"output":"') + 10;
    ls[k] = ls[k].slice(0, at) + (ls[k][at] === '0' ? '1' : '0') + ls[k].slice(at + 1);
    v['body-change'] = { ls, status: 'failed', codes: ['statement.signature.invalid', 'checkpoint.root.mismatch'] };
  }
  {
    const ls = [...base];
    const k = ls.length - 1; // the checkpoint line
    assert.match(ls[k], /^\{"checkpoint":/);
    const at = ls[k].indexOf('\\n300\\n') + 7;
    ls[k] = flipChar(ls[k], at);
    v['checkpoint-root-edited'] = { ls, status: 'failed', codes: ['checkpoint.signature.invalid', 'trace.unsealed'] };
  }
  {
    // Two models that refer to nothing: same statements, another order.
    const ls = [...base];
    [ls[1], ls[2]] = [ls[2], ls[1]];
    v['reordered'] = { ls, status: 'failed', codes: ['checkpoint.root.mismatch'] };
  }
  {
    // The 3000-statement demo has a checkpoint after 2500: cut 100 statements after it.
    const big = lines(d3000);
    const cp = big.findIndex((l) => l.startsWith('{"checkpoint":'));
    assert.equal(cp, 2500);
    v['truncated-after-checkpoint'] = { ls: big.slice(0, cp + 101), status: 'unsealed', codes: ['trace.unsealed'] };
  }
  {
    const ls = base.slice(0, -1);
    v['no-checkpoint'] = { ls, status: 'unsealed', codes: ['trace.unsealed'] };
  }
  {
    const ls = [...base];
    ls.splice(50, 0, 'this is not JSON {');
    v['not-json-line'] = { ls, status: 'failed', codes: ['statement.malformed', 'checkpoint.uncheckable'] };
  }
  {
    const ls = [...base];
    ls.splice(31, 0, ls[30]);
    v['duplicate-line'] = { ls, status: 'failed', codes: ['statement.duplicate'] };
  }
  {
    const ls = base.map((l) => `${l}\r`);
    v['crlf'] = { ls, status: 'verified', codes: [] };
  }
  v['empty'] = { text: '', status: 'failed', codes: ['trace.empty'] };
  for (const x of Object.values(v)) if (x.ls) x.text = unlines(x.ls);
  return v;
}

let VARIANTS;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'onus-page-report-'));
  for (const [n, name] of [[300, 'd300.jsonl'], [2000, 'd2000.jsonl'], [3000, 'd3000.jsonl']]) {
    const r = onus(['demo', '--statements', String(n), '--out', join(dir, name)]);
    assert.equal(r.status, 0, r.stderr);
  }
  VARIANTS = variants(readFileSync(join(dir, 'd300.jsonl'), 'utf8'), readFileSync(join(dir, 'd3000.jsonl'), 'utf8'));
  for (const [name, x] of Object.entries(VARIANTS)) writeFileSync(join(dir, `${name}.jsonl`), x.text);
  srv = await serveStatic([WWW, dir]);
  browser = await launch();
});

after(async () => {
  await browser?.close();
  await srv?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

test('the demo: verdict, report equal to the CLI, poll view, incidents, explorer, screenshots', async (t) => {
  const { page, errors, context } = await openPage(browser);
  const t0 = Date.now();
  await page.goto(`${srv.url}/?trace=d2000.jsonl`);
  assert.equal(await waitForResult(page), 'verified');
  const ms = Date.now() - t0;
  t.diagnostic(`2000-statement demo: verdict ${ms} ms after navigation (in-page verification ${await page.locator('.verdict').getAttribute('data-elapsed')} ms)`);

  const report = await page.evaluate(() => window.onusReport);
  assert.deepEqual(report, cliReport(join(dir, 'd2000.jsonl')));

  // The verdict in words, first.
  await assert.doesNotReject(page.locator('#verdict-word', { hasText: 'Verified' }).waitFor());
  const sentence = await page.locator('.verdict-sentence').textContent();
  assert.match(sentence, /Every statement is signed by its actor, nothing was changed, and the log operator signed checkpoints covering all 2,000 statements/);
  const facts = await page.locator('.verdict .facts').textContent();
  assert.ok(facts.includes(report.origin) && facts.includes(report.vkey) && facts.includes('2,000'));
  await screenshotTop(page, 'demo-verdict');

  // The poll-style view: four bars in order, each labelled by what it counts, with percentages and counts.
  const bars = page.locator('#poll .pbar');
  assert.equal(await bars.count(), 4);
  const labels = await bars.locator('.pbar-label').allTextContents();
  assert.deepEqual(labels, ['Detected, nobody took responsibility', 'Responsibility taken, nothing signed detected it', 'Both: detected and responsibility taken', 'Nobody signed anything']);
  const acc = report.accountability;
  const counts = [acc.detected_only, acc.responsibility_only, acc.both, acc.silent];
  const total = counts.reduce((a, b) => a + b, 0);
  const pcts = (await bars.locator('.pbar-pct').allTextContents()).map((p) => Number(p.replace('%', '')));
  assert.equal(pcts.reduce((a, b) => a + b, 0), 100);
  counts.forEach((c, k) => assert.ok(Math.abs(pcts[k] - (100 * c) / total) <= 1, `bar ${k}: ${pcts[k]}% for ${c}/${total}`));
  // It counts incidents, nobody's vote: no bar is marked as the winner.
  assert.equal(await page.locator('#poll .leading, #poll .lead-mark').count(), 0);
  assert.equal(await page.locator('#poll-meta').textContent(), `${total} incidents · verified`);
  await screenshotOf(page.locator('#accountability'), 'poll-view');

  // Keyboard: Tab to the "Both" bar, Enter lists its incidents.
  await bars.nth(2).focus();
  await page.keyboard.press('Enter');
  assert.equal(await bars.nth(2).getAttribute('aria-pressed'), 'true');
  const items = page.locator('#incidents .incident');
  assert.equal(await items.count(), acc.both);
  // Open the first incident with a resolution: its timeline shows kinds and names.
  const both = report.incidents.filter((i) => i.category === 'both');
  const k = Math.max(0, both.findIndex((i) => i.resolved));
  const inc = both[k];
  await items.nth(k).locator('.incident-head').click();
  const steps = items.nth(k).locator('.timeline .step');
  await steps.first().waitFor();
  assert.equal(await steps.count(), inc.statements.length);
  const kinds = await steps.locator('.step-kind').allTextContents();
  assert.ok(kinds.includes('Fault') || kinds.includes('Attest'), kinds.join());
  assert.ok(kinds.includes('Accept'), kinds.join());
  const body = await items.nth(k).locator('.incident-body').textContent();
  const nameOf = (key) => report.roster.find((m) => m.key === key)?.name;
  assert.ok(body.includes(nameOf(inc.blame)), 'names the party blamed');
  assert.ok(body.includes(nameOf(inc.stepped_forward)), 'names who stepped forward');
  assert.ok(body.includes(inc.stepped_forward_role === 'party_at_fault' ? 'the party at fault' : 'someone else'));
  if (inc.remedy) assert.ok(body.includes(inc.remedy));
  await screenshotOf(page.locator('#accountability'), 'incident-timeline');
  // Space toggles a bar too.
  await bars.nth(3).focus();
  await page.keyboard.press('Space');
  assert.equal(await items.count(), acc.silent);

  // Findings: grouped by severity; "Open statement" jumps into the explorer.
  const warnings = report.findings.filter((f) => f.severity === 'warning');
  assert.equal(await page.locator('#findings details[data-severity="warning"] .finding').count(), warnings.length);
  await page.locator('#findings .finding').first().getByRole('button', { name: /Open statement/ }).click();
  await page.locator('#detail .detail-title', { hasText: `Statement #${warnings[0].index}` }).waitFor();

  // Explorer: search by kind, select a fault; refs are links that jump.
  await page.fill('#search-input', 'fault');
  await page.press('#search-input', 'Enter');
  await page.locator('#search-results .hit').first().waitFor();
  const firstFault = Number((await page.locator('#search-results .hit .c-idx').first().textContent()).slice(1));
  await page.locator('#search-results .hit').first().click();
  await page.locator('#detail .detail-title', { hasText: `Statement #${firstFault}` }).waitFor();
  const pretty = JSON.parse(await page.locator('#detail pre.json').textContent());
  assert.equal(pretty.kind, 'fault');
  assert.equal(await page.locator(`#stmt-row-${firstFault}`).getAttribute('aria-selected'), 'true');
  await screenshotOf(page.locator('#explorer'), 'explorer-selected');
  const ref = page.locator('#detail .refs button').first();
  const target = Number((await ref.textContent()).match(/#(\d+)/)[1]);
  await ref.click();
  await page.locator('#detail .detail-title', { hasText: `Statement #${target}` }).waitFor();

  // Search by roster name and by index.
  await page.fill('#search-input', 'node-3');
  await page.press('#search-input', 'Enter');
  // Wait for this search's own results (the "fault" hits are replaced, not appended to).
  await page.locator('#search-results .hit .c-actor', { hasText: 'node-3' }).first().waitFor();
  await page.locator('#search-status', { hasText: /match/ }).waitFor();
  const actors = await page.locator('#search-results .hit .c-actor').allTextContents();
  assert.ok(actors.length > 0 && actors.every((a) => a === 'node-3'), actors.join());
  await page.fill('#search-input', '#1234');
  await page.press('#search-input', 'Enter');
  await page.locator('#detail .detail-title', { hasText: 'Statement #1234' }).waitFor();

  // Keyboard in the list: Home, ArrowDown, End.
  await page.locator('#vlist').focus();
  await page.keyboard.press('Home');
  await page.locator('#detail .detail-title', { hasText: 'Statement #0' }).waitFor();
  await page.keyboard.press('ArrowDown');
  await page.locator('#detail .detail-title', { hasText: 'Statement #1 ' }).waitFor();
  await page.keyboard.press('End');
  await page.locator('#detail .detail-title', { hasText: 'Statement #1999' }).waitFor();
  assert.equal(await page.locator('#stmt-row-1999 .c-idx').textContent(), '#1999');
  // Only the visible rows are in the DOM.
  assert.ok(await page.locator('#vlist .vrow').count() < 40);

  // Download the report as JSON.
  const [dl] = await Promise.all([page.waitForEvent('download'), page.click('#download')]);
  const saved = JSON.parse(readFileSync(await dl.path(), 'utf8'));
  assert.deepEqual(saved, report);

  await screenshot(page, 'demo-full');
  assert.deepEqual(errors, []);
  await context.close();
});

test('tampered variants: the page agrees with the CLI on every one', async (t) => {
  const { page, errors, context } = await openPage(browser);
  for (const [name, x] of Object.entries(VARIANTS)) {
    // Each variant is a first visit: nothing remembered from the one before
    // (a shorter copy of a log seen before is checkpoint.inconsistent).
    await page.goto(`${srv.url}/`);
    await page.evaluate(() => localStorage.clear());
    await page.goto(`${srv.url}/?trace=${name}.jsonl`);
    const status = await waitForResult(page);
    const report = await page.evaluate(() => window.onusReport);
    const cli = cliReport(join(dir, `${name}.jsonl`));
    assert.deepEqual(report, cli, `${name}: page and CLI reports differ`);
    assert.equal(status, x.status, `${name}: status`);
    const codes = new Set(report.findings.map((f) => f.code));
    for (const c of x.codes) assert.ok(codes.has(c), `${name}: expected ${c}, got ${[...codes].join(', ')}`);
    const word = { verified: 'Verified', unsealed: 'Unsealed', failed: 'Failed' }[x.status];
    assert.equal(await page.locator('#verdict-word').textContent(), word, name);
    // Every error is listed, in its group.
    assert.equal(await page.locator('#findings details[data-severity="error"] .finding').count(), report.counts.error, name);
    t.diagnostic(`${name}: ${status} (${[...codes].join(', ') || 'no findings'})`);
    if (name === 'sig-flip') {
      assert.match(await page.locator('.verdict-sentence').textContent(), /Do not rely on this trace/);
      await screenshotTop(page, 'failed-trace');
      // The broken statement is marked in the explorer.
      await page.locator('#findings .finding[data-code="statement.signature.invalid"] button').click();
      await page.locator('#detail .detail-title', { hasText: 'Statement #10' }).waitFor();
      assert.match(await page.locator('#detail').textContent(), /does not verify/);
      assert.match(await page.locator('#stmt-row-10').getAttribute('class'), /\bbad\b/);
    }
    if (name === 'truncated-after-checkpoint') {
      assert.match(await page.locator('.verdict-sentence').textContent(), /100 of 2,600 statements \(from #2,500 on\)/);
    }
    if (name === 'not-json-line') {
      await page.locator('#findings .finding[data-code="statement.malformed"] button').click();
      await page.locator('#detail .kind-badge', { hasText: 'malformed' }).waitFor();
      assert.match(await page.locator('#detail pre.json').textContent(), /this is not JSON \{/);
    }
  }
  assert.deepEqual(errors, []);
  await context.close();
});

test('phone width (375px): everything fits, nothing scrolls sideways', async () => {
  const { page, errors, context } = await openPage(browser, { viewport: { width: 375, height: 812 }, isMobile: true, hasTouch: true });
  await page.goto(`${srv.url}/?trace=d2000.jsonl`);
  assert.equal(await waitForResult(page), 'verified');
  await screenshotTop(page, 'phone-top');
  await page.locator('#poll .pbar').nth(2).click();
  await page.locator('#incidents .incident-head').first().click();
  await page.locator('#incidents .timeline .step').first().waitFor();
  await page.fill('#search-input', '#5');
  await page.press('#search-input', 'Enter');
  await page.locator('#detail .detail-title', { hasText: 'Statement #5' }).waitFor();
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  assert.ok(overflow <= 0, `the page is ${overflow}px wider than the phone`);
  await screenshot(page, 'phone');
  assert.deepEqual(errors, []);
  await context.close();
});
