// The poll widget against the real collector: `onus serve` on 127.0.0.1 with
// the built page, driven in headless Chromium. Voting, reloading, changing a
// vote, a closed poll, a forged log, the embed script on another origin, a
// browser that cannot vote, and phone width with the keyboard.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, existsSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { launch, serveStatic, onus, screenshot, startCollector, WWW } from './harness.mjs';

const SEAL_MS = '400';
let browser;

before(async () => {
  assert.ok(existsSync(join(WWW, 'pkg', 'onus_bg.wasm')), 'www/pkg is missing: run npm run build first');
  browser = await launch();
});
after(async () => {
  await browser?.close();
});

/** `onus serve` on a data folder; resolves once it prints its URL. */
const collector = (data, port = 0) => startCollector(data, { port, sealMs: SEAL_MS });

const tmp = (name) => mkdtempSync(join(tmpdir(), `onus-poll-${name}-`));
const widgetUrl = (url, poll) => `${url}/poll.html?log=/logs/polls${poll ? `&poll=${poll}` : ''}`;
const rfc3339 = (ms) => new Date(ms).toISOString().replace(/\.\d+Z$/, 'Z');

/** Waits until the collector serves poll `id` (it reads polls added by `onus poll create` when it next seals). */
async function listed(url, id) {
  for (let i = 0; i < 100; i++) {
    const info = await (await fetch(`${url}/logs/polls`)).json();
    if (info.polls.some((p) => p.id === id)) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`the collector never listed poll ${id}`);
}

async function firstPoll(url) {
  const info = await (await fetch(`${url}/logs/polls`)).json();
  return info.polls[0].id;
}

/** Opens the widget and waits until the recount is shown. */
async function open(context, url, poll) {
  const page = await context.newPage();
  page.errors = [];
  page.on('pageerror', (e) => page.errors.push(e.message));
  await page.goto(widgetUrl(url, poll));
  await ready(page);
  return page;
}
async function ready(page) {
  await page.waitForFunction(() => document.getElementById('poll').getAttribute('aria-busy') === 'false', null, { timeout: 30_000 });
}

/** Votes through the form and waits until the results mark the choice. */
async function vote(page, choice) {
  await page.locator(`#choices input[value="${choice}"]`).check();
  await page.click('#vote');
  await page.waitForFunction(
    (c) => !document.getElementById('results').hidden && document.querySelectorAll('#bars .bar')[c]?.classList.contains('voted'),
    choice,
    { timeout: 30_000 },
  );
}

/** What the widget shows, and what its wasm recount says. */
function shown(page) {
  return page.evaluate(() => {
    const bars = [...document.querySelectorAll('#bars .bar')];
    return {
      results: !document.getElementById('results').hidden,
      form: !document.getElementById('ballot').hidden,
      counts: bars.map((b) => parseInt(b.querySelector('.count').textContent, 10)),
      pcts: bars.map((b) => b.querySelector('.pct').textContent),
      voted: bars.findIndex((b) => b.classList.contains('voted')),
      meta: document.getElementById('meta').textContent,
      alarm: document.getElementById('alarm').hidden ? null : document.getElementById('alarm-title').textContent,
      alarmText: document.getElementById('alarm').textContent,
      mine: document.getElementById('mine').textContent,
      novote: document.getElementById('novote').hidden ? null : document.getElementById('novote').textContent,
      recount: window.onusPoll?.poll?.counts ?? null,
      codes: window.onusPoll?.result?.errorCodes ?? [],
    };
  });
}

async function voteInFreshContext(url, poll, choice) {
  const ctx = await browser.newContext();
  const page = await open(ctx, url, poll);
  await vote(page, choice);
  await ctx.close();
}

test('vote, reload, change the vote: every number comes from the recount', async () => {
  const data = tmp('vote');
  const s = await collector(data);
  try {
    const poll = await firstPoll(s.url);
    const ctx = await browser.newContext({ viewport: { width: 640, height: 640 } });
    let page = await open(ctx, s.url, null); // no &poll=: the log's first poll
    let v = await shown(page);
    assert.equal(v.form, true);
    assert.equal(v.results, false, 'results stay hidden before voting');
    assert.match(v.meta, /^0 votes · closes in 30 days$/);
    assert.match(await page.textContent('#rule'), /One vote per browser; you can change it until the poll closes — the last one counts\./);
    assert.equal(await page.getByRole('radio', { name: 'someone taking responsibility' }).count(), 1, 'radios have their option as label');
    await screenshot(page, 'poll-before-vote');

    for (const c of [2, 2, 1]) await voteInFreshContext(s.url, poll, c);
    await vote(page, 0);
    v = await shown(page);
    assert.deepEqual(v.counts, [1, 1, 2, 0]);
    assert.deepEqual(v.counts, v.recount, 'the numbers shown are the wasm recount');
    assert.deepEqual(v.pcts, ['25%', '25%', '50%', '0%']);
    assert.equal(v.voted, 0);
    assert.match(v.meta, /^4 votes · closes in 30 days$/);
    await page.waitForFunction(() => document.getElementById('mine').textContent.includes('receipt verifies'), null, { timeout: 30_000 });
    const saved = await page.evaluate((p) => window.onusPoll.ballots[p], poll);
    assert.equal(saved.length, 1);
    assert.match(saved[0].receipt, /^\{"checkpoint":/, 'the receipt is kept');
    await screenshot(page, 'poll-after-vote');

    // Reload: the choice is remembered, the ballot found in the log, the receipt re-checked.
    await page.reload();
    await ready(page);
    await page.waitForFunction(() => document.getElementById('mine').textContent.includes('still in the log'), null, { timeout: 30_000 });
    v = await shown(page);
    assert.equal(v.results, true);
    assert.equal(v.form, false);
    assert.equal(v.voted, 0);
    assert.deepEqual(v.counts, [1, 1, 2, 0]);
    assert.equal(v.alarm, null);

    // Change the vote: the count moves, the total stays.
    await page.click('#change');
    assert.equal(await page.locator('#choices input[value="0"]').isChecked(), true, 'the current choice is preselected');
    assert.equal(await page.textContent('#vote'), 'Change my vote');
    await vote(page, 2);
    v = await shown(page);
    assert.deepEqual(v.counts, [0, 1, 3, 0]);
    assert.deepEqual(v.counts, v.recount);
    assert.match(v.meta, /^4 votes · /);
    assert.deepEqual(page.errors, []);

    // The CLI recounts the same log to the same numbers.
    await new Promise((r) => setTimeout(r, 1000));
    const r = onus(['verify', `${s.url}/logs/polls/trace.jsonl`, '--json']);
    const report = JSON.parse(r.stdout);
    assert.equal(report.status, 'verified');
    assert.deepEqual(report.polls[0].counts, [0, 1, 3, 0]);
    assert.equal(report.polls[0].superseded, 1);
    await ctx.close();
  } finally {
    await s.stop();
  }
});

test('a closed poll shows its result and takes no votes', async () => {
  const data = tmp('closed');
  const s = await collector(data);
  try {
    // Created while the server runs: one long closed, one closing in a few seconds.
    const past = onus(['poll', 'create', '--data', data, '--question', 'Was this poll ever open?', '--option', 'yes', '--option', 'no', '--closes', '2020-01-01T00:00:00Z']);
    assert.equal(past.status, 0, past.stderr);
    const pastId = past.stdout.trim();
    const closes = Date.now() + 15_000;
    const soon = onus(['poll', 'create', '--data', data, '--question', 'Ship the release on Friday?', '--option', 'yes', '--option', 'no', '--option', 'only with a rollback plan', '--closes', rfc3339(closes)]);
    assert.equal(soon.status, 0, soon.stderr);
    const soonId = soon.stdout.trim();
    await listed(s.url, pastId);
    await listed(s.url, soonId);

    const ctx = await browser.newContext({ viewport: { width: 640, height: 560 } });
    let page = await open(ctx, s.url, pastId);
    let v = await shown(page);
    assert.equal(v.form, false, 'no voting on a closed poll');
    assert.equal(v.results, true, 'a closed poll shows its result');
    assert.equal(v.meta, '0 votes · voting closed');
    assert.equal(await page.isHidden('#rule'), true);

    for (const c of [2, 2, 0]) await voteInFreshContext(s.url, soonId, c);
    const wait = closes + 1500 - Date.now();
    assert.ok(wait > 0, 'the votes took longer than the poll was open');
    await new Promise((r) => setTimeout(r, wait));
    page = await open(ctx, s.url, soonId);
    v = await shown(page);
    assert.equal(v.form, false);
    assert.equal(v.results, true);
    assert.deepEqual(v.counts, [1, 0, 2]);
    assert.equal(v.meta, '3 votes · voting closed');
    assert.equal(await page.isHidden('#change'), true);
    await screenshot(page, 'poll-closed');
    // The collector refuses late ballots too (the widget cannot even make one).
    const late = await page.evaluate(async (u) => (await fetch(`${u}/logs/polls/statements`, { method: 'POST', body: 'x' })).status, s.url);
    assert.equal(late, 400);
    await ctx.close();
  } finally {
    await s.stop();
  }
});

test('a forged count is caught: the log fails verification and no counts are shown', async () => {
  const data = tmp('forged');
  let s = await collector(data);
  const port = s.port;
  const ctxA = await browser.newContext({ viewport: { width: 640, height: 640 } });
  try {
    const poll = await firstPoll(s.url);
    const a = await open(ctxA, s.url, poll);
    await vote(a, 1);
    await a.waitForFunction(() => document.getElementById('mine').textContent.includes('receipt verifies'), null, { timeout: 30_000 });
    for (const c of [2, 2]) await voteInFreshContext(s.url, poll, c);
    await new Promise((r) => setTimeout(r, 1200)); // sealed
    await a.reload(); // the voter sees the whole log, sealed: it remembers that checkpoint
    await ready(a);
    assert.equal((await a.evaluate(() => window.onusPoll.logState.known)).size, 5);
    await s.stop();

    // Turn one "both are essential" ballot into "knowing what went wrong", on disk.
    const sql = `UPDATE lines SET line = replace(line, '"choice":2', '"choice":0') WHERE idx = (SELECT max(idx) FROM lines WHERE line LIKE '%"choice":2%');`;
    execFileSync('sqlite3', [join(data, 'onus.db'), sql]);
    s = await collector(data, port);
    assert.match(s.stderr(), /the database was altered/);

    // A newcomer: the recount fails, no counts.
    const ctxB = await browser.newContext({ viewport: { width: 640, height: 640 } });
    const b = await open(ctxB, s.url, poll);
    const v = await shown(b);
    assert.equal(v.alarm, "This poll's log fails verification");
    assert.ok(v.codes.includes('statement.signature.invalid'), v.codes.join());
    assert.match(v.alarmText, /statement\.signature\.invalid/);
    assert.equal(v.results, false);
    assert.equal(v.form, false);
    assert.deepEqual(v.counts, []);
    assert.match(v.meta, /^Counts hidden/);
    assert.match(await b.textContent('#proof'), /fails verification/);
    await screenshot(b, 'poll-forged');
    await ctxB.close();

    // The voter who saw the log before reads it as tiles from the state it
    // kept: the checkpoint did not change, so no old bundle is read again and
    // it still shows the log as it verified it (the counts before the forgery).
    await a.reload();
    await ready(a);
    let va = await shown(a);
    assert.equal(await a.evaluate(() => window.onusPoll.result.mode), 'tiles');
    assert.equal(va.alarm, null);
    assert.deepEqual(va.counts, [0, 1, 2, 0], 'the counts this voter verified, not the forged ones');

    // Without its kept state (a first visit in that browser), it reads every
    // bundle: the forged ballot fails, the whole trace is recounted, and the
    // fork against the checkpoint it remembers is named as such.
    await a.evaluate(() => new Promise((resolve, reject) => {
      const r = indexedDB.open('onus-poll', 1);
      r.onsuccess = () => {
        const tx = r.result.transaction('kv', 'readwrite');
        tx.objectStore('kv').delete(new URL('/logs/polls/', location.href).href);
        tx.oncomplete = resolve;
        tx.onerror = () => reject(tx.error);
      };
    }));
    await a.reload();
    await ready(a);
    va = await shown(a);
    assert.equal(await a.evaluate(() => window.onusPoll.result.mode), 'trace');
    assert.equal(va.alarm, 'This log was rewritten');
    assert.ok(va.codes.includes('checkpoint.inconsistent'), va.codes.join());
    assert.deepEqual(va.counts, []);
  } finally {
    await ctxA.close();
    await s.stop();
  }
});

// Regression (hardening issue, item 1): the collector lost its last ballots and
// sealed again at the smaller size; the widget still said "every signature and
// checkpoint checks" and showed the new, different counts.
test('a rolled-back log: the returning voter sees it named, no counts, and the evidence', async () => {
  const data = tmp('rollback');
  let s = await collector(data);
  const port = s.port;
  const ctxA = await browser.newContext({ viewport: { width: 640, height: 700 }, acceptDownloads: true });
  try {
    const poll = await firstPoll(s.url);
    const a = await open(ctxA, s.url, poll);
    await vote(a, 1);
    for (const c of [2, 2, 2]) await voteInFreshContext(s.url, poll, c);
    await new Promise((r) => setTimeout(r, 1200)); // sealed
    await a.reload();
    await ready(a);
    const held = await a.evaluate(() => window.onusPoll.logState.known);
    assert.equal(held.size, 6);
    assert.ok(held.note.includes('onus.local/polls\n6\n'), 'the widget keeps the signed checkpoint');
    await s.stop();

    // The database loses the last two ballots and every checkpoint after the first;
    // on restart the collector seals again at the smaller size.
    execFileSync('sqlite3', [join(data, 'onus.db'), "DELETE FROM lines WHERE idx >= 4 OR (idx IS NULL AND size > 4);"]);
    s = await collector(data, port);
    const served = await (await fetch(`${s.url}/logs/polls`)).json();
    assert.equal(served.statements, 4);

    await a.reload();
    await ready(a);
    const v = await shown(a);
    assert.equal(v.alarm, 'This poll’s log was rolled back');
    assert.ok(v.codes.includes('checkpoint.inconsistent'), v.codes.join());
    assert.match(v.alarmText, /with 6 statements.*only 4\. 2 statements it had committed to \(ballots among them\) are gone/s);
    assert.deepEqual(v.counts, [], 'no counts from a log that took back what it had signed');
    assert.equal(v.results, false);
    assert.match(await a.textContent('#proof'), /fails verification/);
    await screenshot(a, 'poll-rolled-back');
    const [download] = await Promise.all([a.waitForEvent('download'), a.click('#alarm-evidence')]);
    const proof = JSON.parse(readFileSync(await download.path(), 'utf8'));
    assert.equal(proof.kind, 'rollback');
    assert.equal(proof.held.size, 6);
    assert.equal(proof.held.note, held.note);
    assert.equal(proof.this_copy.statements, 4);
    assert.deepEqual(a.errors, []);
  } finally {
    await ctxA.close();
    await s.stop();
  }
});

test('embed.js puts the poll on another site and sizes the iframe to it', async () => {
  const data = tmp('embed');
  const s = await collector(data);
  const site = tmp('site');
  try {
    const poll = await firstPoll(s.url);
    writeFileSync(join(site, 'post.html'), `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>A blog post</title></head>
<body style="font-family:sans-serif;max-width:640px;margin:24px auto;padding:0 12px">
<h1>Who carries the cost when an AI network gets it wrong?</h1>
<p id="before">Tell us what you think:</p>
<script src="${s.url}/embed.js" data-log="${s.url}/logs/polls" data-poll="${poll}" async></script>
<p id="after">Thanks for reading.</p>
</body></html>`);
    const host = await serveStatic(site);
    try {
      assert.notEqual(new URL(host.url).origin, new URL(s.url).origin);
      const ctx = await browser.newContext({ viewport: { width: 720, height: 900 } });
      const page = await ctx.newPage();
      await page.goto(`${host.url}/post.html`);
      const iframe = page.locator('iframe.onus-poll');
      await iframe.waitFor();
      assert.equal(await page.evaluate(() => document.querySelector('iframe.onus-poll').previousElementSibling.tagName), 'SCRIPT', 'the poll goes where the tag is');
      await page.waitForFunction(() => document.querySelector('iframe.onus-poll').title.startsWith('Poll: What matters'), null, { timeout: 30_000 });
      const frame = page.frameLocator('iframe.onus-poll');
      const fits = async () => {
        const inner = await frame.locator('html').evaluate((el) => Math.ceil(el.getBoundingClientRect().height));
        const outer = await iframe.evaluate((el) => el.getBoundingClientRect().height);
        return { inner, outer };
      };
      await page.waitForFunction(() => document.querySelector('iframe.onus-poll').style.height !== '420px', null, { timeout: 30_000 });
      let f = await fits();
      assert.ok(Math.abs(f.inner - f.outer) <= 2, `iframe ${f.outer}px for ${f.inner}px of poll`);
      const before = f.outer;

      // Vote inside the embed; the iframe follows the new height (results, receipt line).
      await frame.locator('#choices input[value="3"]').check();
      await frame.locator('#vote').click();
      await frame.locator('#mine:has-text("receipt verifies")').waitFor({ timeout: 30_000 });
      await page.waitForTimeout(300);
      f = await fits();
      assert.ok(Math.abs(f.inner - f.outer) <= 2, `after voting: iframe ${f.outer}px for ${f.inner}px (was ${before}px)`);
      await screenshot(page, 'poll-embedded');

      // "Embed this poll" offers the one-line script and an iframe.
      await frame.locator('#embed').click();
      const snippet = await frame.locator('#embed-script').inputValue();
      assert.equal(snippet, `<script src="${s.url}/embed.js" data-log="${s.url}/logs/polls" data-poll="${poll}" async></script>`);
      assert.match(await frame.locator('#embed-iframe').inputValue(), /^<iframe src="http:\/\/127\.0\.0\.1:\d+\/poll\.html\?log=/);
      await page.waitForFunction((h) => document.querySelector('iframe.onus-poll').getBoundingClientRect().height > h + 60, f.outer, { timeout: 10_000 });
      await ctx.close();
    } finally {
      await host.close();
    }
  } finally {
    await s.stop();
  }
});

test('a browser that cannot keep a signing key sees why, and the results', async () => {
  const data = tmp('fallback');
  const s = await collector(data);
  try {
    const poll = await firstPoll(s.url);
    await voteInFreshContext(s.url, poll, 1);
    const cases = [
      ['no Ed25519', () => {
        const orig = crypto.subtle.generateKey.bind(crypto.subtle);
        crypto.subtle.generateKey = (alg, ...rest) => (alg?.name === 'Ed25519' ? Promise.reject(new DOMException('Algorithm: Unrecognized name', 'NotSupportedError')) : orig(alg, ...rest));
      }, /Voting isn't possible in this browser/],
      ['no IndexedDB', () => {
        Object.defineProperty(window, 'indexedDB', { get: () => undefined });
      }, /Voting isn't possible in this window/],
    ];
    for (const [name, init, text] of cases) {
      const ctx = await browser.newContext();
      await ctx.addInitScript(init);
      const page = await open(ctx, s.url, poll);
      const v = await shown(page);
      assert.equal(v.form, false, name);
      assert.match(v.novote ?? '', text, name);
      assert.match(v.novote, /results are still counted here/, name);
      assert.equal(v.results, true, `${name}: results still shown`);
      assert.deepEqual(v.counts, [0, 1, 0, 0], name);
      await ctx.close();
    }
  } finally {
    await s.stop();
  }
});

test('phone width, keyboard only', async () => {
  const data = tmp('phone');
  const s = await collector(data);
  try {
    const poll = await firstPoll(s.url);
    for (const c of [0, 2, 2, 2, 1]) await voteInFreshContext(s.url, poll, c);
    const ctx = await browser.newContext({ viewport: { width: 360, height: 740 }, isMobile: true, hasTouch: true });
    const page = await open(ctx, s.url, poll);
    assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= 360), 'no sideways scrolling');
    await page.focus('#choices input[value="0"]');
    await page.keyboard.press('ArrowDown'); // moves to and selects "someone taking responsibility"
    await page.keyboard.press('Enter'); // submits the form
    await page.waitForFunction(() => document.querySelectorAll('#bars .bar')[1]?.classList.contains('voted'), null, { timeout: 30_000 });
    const v = await shown(page);
    assert.deepEqual(v.counts, [1, 2, 3, 0]);
    assert.equal(await page.evaluate(() => document.activeElement?.id), 'results', 'focus moves to the results');
    assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= 360));
    const rows = await page.locator('#bars li').allTextContents();
    assert.match(rows[2], /both are essential.*50%.*3 votes/);
    await screenshot(page, 'poll-phone');
    await ctx.close();
  } finally {
    await s.stop();
  }
});
