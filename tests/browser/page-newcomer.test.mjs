// The page as a newcomer meets it (issue 10): axe-core finds nothing in any
// state (empty, verified, failed, not a trace, an incident opened, the
// explorer; light and dark), the main tasks by keyboard alone, 200% zoom,
// files that are not traces said so in one sentence, a link typed without
// https://, a failed verdict that links to what failed with advice that fits
// it, the address in step with what is shown (Back, #statement=N, copy
// link), "Referenced by", the tab title, and what a screen reader is told.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { launch, serveStatic, onus, WWW, openPage, waitForResult, cliReport, screenshot, screenshotTop, axe } from './harness.mjs';

let browser, srv, dir, demo;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'onus-newcomer-'));
  demo = join(dir, 'd.jsonl');
  assert.equal(onus(['demo', '--statements', '600', '--out', demo]).status, 0);
  const text = readFileSync(demo, 'utf8');
  const ls = text.split('\n');
  // Statement 5 changed after signing: its signature fails, the root no longer matches.
  const at = ls[5].indexOf('"time":"') + 10;
  ls[5] = ls[5].slice(0, at) + (ls[5][at] === '1' ? '2' : '1') + ls[5].slice(at + 1);
  writeFileSync(join(dir, 'tampered.jsonl'), ls.join('\n'));
  // Not traces: an image (the PNG signature and some bytes), a pretty-printed JSON document, prose.
  writeFileSync(join(dir, 'picture.png'), Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.alloc(3000, 7), Buffer.from('\n\n\nIEND')]));
  writeFileSync(join(dir, 'config.json'), JSON.stringify({ model: 'llama', layers: [1, 2, 3], nested: { a: 'b' } }, null, 2));
  writeFileSync(join(dir, 'notes.txt'), 'Meeting notes\nThe trace is somewhere else.\nAsk the operator.\n');
  browser = await launch();
  srv = await serveStatic([WWW, dir]);
});

after(async () => {
  await browser?.close();
  await srv?.close();
  rmSync(dir, { recursive: true, force: true });
});

const open = async (query, opts) => {
  const o = await openPage(browser, opts);
  await o.page.goto(`${srv.url}/${query}`);
  return o;
};

test('axe-core finds no violation in any state of the page, light or dark', async () => {
  for (const scheme of ['light', 'dark']) {
    const { page, context, errors } = await openPage(browser, { colorScheme: scheme });
    await page.goto(`${srv.url}/`);
    await page.waitForSelector('#try-demo');
    assert.deepEqual(await axe(page), [], `empty page (${scheme})`);

    await page.goto(`${srv.url}/?trace=d.jsonl`);
    assert.equal(await waitForResult(page), 'verified');
    assert.deepEqual(await axe(page), [], `verified (${scheme})`);

    // An incident opened from its bar, with its timeline.
    await page.locator('#poll button[data-cat="both"]').click();
    await page.locator('#incidents .incident-head').first().click();
    await page.waitForSelector('#incidents .incident-body:not([hidden]) .timeline, #incidents .incident-body:not([hidden]) ol');
    assert.deepEqual(await axe(page), [], `an incident opened (${scheme})`);

    // The explorer with a statement shown.
    await page.locator('#vlist').focus();
    await page.keyboard.press('ArrowDown');
    await page.waitForSelector('#detail .detail-title');
    assert.deepEqual(await axe(page), [], `the explorer (${scheme})`);

    await page.goto(`${srv.url}/?trace=tampered.jsonl`);
    assert.equal(await waitForResult(page), 'failed');
    assert.deepEqual(await axe(page), [], `failed (${scheme})`);

    await page.goto(`${srv.url}/?trace=picture.png`);
    assert.equal(await waitForResult(page), 'failed');
    assert.deepEqual(await axe(page), [], `not a trace (${scheme})`);
    assert.deepEqual(errors, []);
    await context.close();
  }
});

test('a file that is not a trace is said so in one sentence, with no statement counts', async () => {
  const { page, context } = await openPage(browser);
  const cases = [['picture.png', /picture\.png is a PNG image, not a trace\./], ['config.json', /config\.json is a single JSON document spread over several lines, not a trace\./],
    ['notes.txt', /notes\.txt is not a trace: none of its lines is a signed statement\./]];
  for (const [file, sentence] of cases) {
    await page.goto(`${srv.url}/?trace=${file}`);
    assert.equal(await waitForResult(page), 'failed', file);
    assert.equal(await page.locator('#verdict-word').textContent(), 'Not a trace');
    assert.match(await page.locator('.verdict-sentence').textContent(), sentence);
    const verdict = await page.locator('#verdict').innerText();
    assert.doesNotMatch(verdict, /statements?\b.*\d|\d+ errors?/i, `${file}: no counts in "${verdict}"`);
    for (const id of ['findings', 'explorer', 'accountability', 'votes']) assert.equal(await page.locator(`#${id}`).isHidden(), true, `${file}: #${id} hidden`);
    assert.match(await page.title(), new RegExp(`^Not a trace: ${file.replace('.', '\\.')}`));
  }
  // The core's report is still the CLI's, for whoever downloads it.
  assert.deepEqual(await page.evaluate(() => window.onusReport), cliReport(join(dir, 'notes.txt')));
  await context.close();
});

test('a failed verdict links to the statements that failed, with advice that fits (no onus seal)', async () => {
  const { page, context } = await open('?trace=tampered.jsonl');
  assert.equal(await waitForResult(page), 'failed');
  const first = page.locator('.first-bad li').first();
  assert.equal(await first.getAttribute('data-index'), '5');
  assert.match(await first.textContent(), /Statement #5 \(line 6\): Statement 5 \(request by .*\): its signature does not verify/);
  // What the reader can do: the core's advice for each error, no command line outside "For publishers".
  const advice = await page.locator('.what-to-do > ul').innerText();
  assert.match(advice, /Compare it with the publisher's copy/);
  const readable = await page.evaluate(() => {
    const clone = document.querySelector('main').cloneNode(true);
    for (const d of clone.querySelectorAll('details.for-publishers')) d.remove();
    return clone.innerText;
  });
  assert.doesNotMatch(readable, /onus seal|`onus|--key/);
  const publishers = page.locator('.what-to-do details.for-publishers');
  await publishers.locator('summary').click();
  assert.match(await publishers.innerText(), /checkpoint\.root\.mismatch .*`onus seal`|never rewrite a statement after sealing/);
  // The link opens the statement in the explorer and the address names it.
  await first.locator('a').click();
  await page.waitForFunction(() => document.querySelector('#detail .detail-title')?.textContent.startsWith('Statement #5'));
  assert.match(page.url(), /\?trace=tampered\.jsonl#statement=5$/);
  await screenshotTop(page, 'newcomer-failed-1280');
  await context.close();
});

test('the address follows what is shown: a new check, Back, #statement=N, copy link', async () => {
  const parsed = readFileSync(demo, 'utf8').split('\n').filter((l) => l.startsWith('{"actor"')).map((l) => JSON.parse(l));
  const referrersOf = (id) => parsed.map((st, j) => (st.refs.includes(id) ? j : -1)).filter((j) => j >= 0);
  const { page, context, errors } = await open('?trace=d.jsonl#statement=40');
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: srv.url });
  assert.equal(await waitForResult(page), 'verified');
  await page.waitForFunction(() => document.querySelector('#detail .detail-title')?.textContent.startsWith('Statement #40'));
  // Referenced by: the statements whose refs name this one (the trace's own refs say which),
  // for a model many computes answer, a request, and a statement nothing answers.
  const counts = [];
  for (const n of [1, 50, 51, parsed.length - 1]) {
    await page.evaluate((n) => { location.hash = `#statement=${n}`; }, n);
    await page.waitForFunction((n) => document.querySelector('#detail .detail-title')?.textContent.startsWith(`Statement #${n} `) &&
      !document.querySelector('#detail')?.textContent.includes('looking…'), n);
    const id = await page.locator('#detail dt:text-is("Id") + dd code').textContent();
    const want = referrersOf(id);
    const listed = await page.locator('#detail dt:text-is("Referenced by") + dd button').allTextContents();
    assert.deepEqual(listed.map((t) => Number(/^#(\d+)/.exec(t)[1])), want.slice(0, 50), `statement ${n}`);
    if (want.length > 50) assert.match(await page.locator('#detail dt:text-is("Referenced by") + dd').textContent(), new RegExp(`and ${want.length - 50} more`));
    if (!want.length) assert.match(await page.locator('#detail dt:text-is("Referenced by") + dd').textContent(), /nothing refers to it/);
    counts.push(want.length);
  }
  assert.ok(counts[0] > 50 && counts[1] > 0 && counts[3] === 0, `referrer counts ${counts}`);
  await page.evaluate(() => { location.hash = '#statement=40'; });
  await page.waitForFunction(() => document.querySelector('#detail .detail-title')?.textContent.startsWith('Statement #40 '));
  // Copy link copies this address with the statement's hash.
  await page.locator('#detail .copy-link-button').click();
  await page.waitForFunction(() => document.querySelector('#detail .copy-link-status')?.textContent.length > 0);
  assert.equal(await page.evaluate(() => navigator.clipboard.readText()), `${srv.url}/?trace=d.jsonl#statement=40`);
  // Choosing another statement keeps the hash in step without a new history entry.
  await page.locator('#vlist').focus();
  await page.keyboard.press('ArrowDown');
  await page.waitForFunction(() => location.hash === '#statement=41');

  // Check another trace by its link: the address names it; Back returns to the first check.
  await page.locator('#another').click();
  await page.fill('#url-input', `${srv.url}/tampered.jsonl`);
  await page.press('#url-input', 'Enter');
  assert.equal(await waitForResult(page), 'failed');
  assert.equal(page.url(), `${srv.url}/?trace=tampered.jsonl`);
  // A file (which no link can name): the address holds no trace; Back still returns to it.
  await page.locator('#another').click();
  await page.setInputFiles('#file-input', join(dir, 'd.jsonl'));
  assert.equal(await waitForResult(page), 'verified');
  assert.equal(page.url(), `${srv.url}/`);
  await page.goBack();
  assert.equal(await waitForResult(page), 'failed');
  assert.equal(await page.evaluate(() => window.onusReport.status), 'failed');
  assert.equal(page.url(), `${srv.url}/?trace=tampered.jsonl`);
  await page.goBack();
  await page.waitForFunction(() => window.onusReport?.status === 'verified');
  assert.match(page.url(), /\?trace=d\.jsonl#statement=41$/);
  await page.goForward();
  await page.goForward();
  await page.waitForFunction(() => window.onusReport?.status === 'verified' && location.search === '');
  // A glossary link is not a new check.
  await page.locator('a.term[href="#g-checkpoint"]').first().click();
  await page.waitForFunction(() => location.hash === '#g-checkpoint');
  await page.waitForTimeout(300);
  assert.equal(await page.evaluate(() => document.documentElement.dataset.onusStatus), 'verified');
  assert.deepEqual(errors, []);
  await context.close();
});

test('a link typed without https:// is read as one, not as a path on this server', async () => {
  const { page, context } = await open('');
  const hostPort = new URL(srv.url).host; // 127.0.0.1:PORT: this machine, so plain http
  await page.fill('#url-input', `${hostPort}/d.jsonl`);
  await page.press('#url-input', 'Enter');
  assert.equal(await waitForResult(page), 'verified');
  await page.locator('#another').click();
  await page.fill('#url-input', 'example.invalid/trace.jsonl');
  await page.press('#url-input', 'Enter');
  assert.equal(await waitForResult(page), 'error');
  assert.equal(new URL(page.url()).searchParams.get('trace'), 'https://example.invalid/trace.jsonl');
  assert.equal(await page.locator('#error').getAttribute('data-kind'), 'network');
  await context.close();
});

test('keyboard only: try the demo, read the verdict, walk the statements, check a link, cancel', async () => {
  const { page, context, errors } = await open('');
  await page.waitForSelector('#try-demo');
  // The first Tab reaches the skip link, then the page's controls in order; the demo button is among the first.
  let reached = null;
  for (let k = 0; k < 12 && reached !== 'try-demo'; k++) {
    await page.keyboard.press('Tab');
    reached = await page.evaluate(() => document.activeElement.id);
  }
  assert.equal(reached, 'try-demo');
  await page.keyboard.press('Enter');
  assert.equal(await waitForResult(page), 'verified');
  // Focus followed the check to its verdict, which the status region said too.
  assert.equal(await page.evaluate(() => document.activeElement.id), 'verdict-word');
  await page.waitForFunction(() => /^Verified\. Every statement is signed/.test(document.getElementById('announce').textContent));
  assert.match(await page.title(), /^Verified: demo\.jsonl · Onus$/);
  // Tab on to the explorer's list, then arrows walk it.
  for (let k = 0; k < 200 && (await page.evaluate(() => document.activeElement.id)) !== 'vlist'; k++) await page.keyboard.press('Tab');
  assert.equal(await page.evaluate(() => document.activeElement.id), 'vlist');
  // Focus shows the first statement; two arrows down, the third.
  await page.keyboard.press('ArrowDown');
  await page.keyboard.press('ArrowDown');
  await page.waitForFunction(() => document.querySelector('#detail .detail-title')?.textContent.startsWith('Statement #2 '));
  // The detail is not a live region: arrows do not make a screen reader re-read a statement's JSON.
  assert.equal(await page.locator('#detail').getAttribute('aria-live'), null);
  // Check a link from the keyboard; focus goes to the progress card, then to the verdict.
  await page.locator('#another').focus();
  await page.keyboard.press('Enter');
  assert.equal(await page.evaluate(() => document.activeElement.id), 'url-input');
  await page.keyboard.type(`${srv.url}/tampered.jsonl`);
  await page.keyboard.press('Enter');
  assert.equal(await waitForResult(page), 'failed');
  assert.equal(await page.evaluate(() => document.activeElement.id), 'verdict-word');
  // Cancel by keyboard: a slow trace, then Enter on Cancel; focus lands on the cancelled verdict.
  const slow = await serveStatic([WWW], {
    '/slow.jsonl': (req, res) => { res.writeHead(200, { 'content-type': 'application/jsonl' }); res.write(readFileSync(demo).subarray(0, 2000)); },
  });
  await page.goto(`${slow.url}/`);
  await page.locator('#url-input').focus();
  await page.keyboard.type(`${slow.url}/slow.jsonl`);
  await page.keyboard.press('Enter');
  await page.waitForFunction(() => document.activeElement.id === 'progress-title');
  await page.keyboard.press('Tab');
  assert.equal(await page.evaluate(() => document.activeElement.id), 'cancel');
  await page.keyboard.press('Enter');
  assert.equal(await waitForResult(page), 'cancelled');
  assert.equal(await page.evaluate(() => document.activeElement.id), 'verdict-word');
  assert.match(await page.title(), /^Cancelled: slow\.jsonl/);
  await slow.close();
  assert.deepEqual(errors, []);
  await context.close();
});

test('200% zoom at 1280 px and a 375 px phone: nothing overflows sideways', async () => {
  for (const [name, opts] of [['zoom200-1280', { viewport: { width: 640, height: 450 }, deviceScaleFactor: 2 }], ['phone-375', { viewport: { width: 375, height: 800 }, deviceScaleFactor: 2, isMobile: true }]]) {
    const { page, context } = await open('?trace=tampered.jsonl', opts);
    assert.equal(await waitForResult(page), 'failed');
    await page.locator('#poll button[data-cat="both"]').click();
    await page.locator('#incidents .incident-head').first().click();
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    assert.ok(overflow <= 0, `${name}: the page is ${overflow}px wider than the screen`);
    await screenshot(page, `newcomer-${name}`);
    await context.close();
  }
});
