// The poll widget reads its log as tiles (/logs/NAME/) from the state it
// keeps in IndexedDB: a returning voter fetches only what was added, and the
// counts are the same as the CLI's. Ballots are cast from Node with the
// page's own wasm (draftStatement / signedStatement) and WebCrypto keys.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, existsSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { launch, onus, screenshot, startCollector, WWW } from './harness.mjs';
import init, { draftStatement, signedStatement } from '../../www/pkg/onus.js';

let browser;

before(async () => {
  assert.ok(existsSync(join(WWW, 'pkg', 'onus_bg.wasm')), 'www/pkg is missing: run npm run build first');
  await init({ module_or_path: readFileSync(join(WWW, 'pkg', 'onus_bg.wasm')) });
  browser = await launch();
});
after(async () => {
  await browser?.close();
});

/** `onus serve` on a data folder, with no rate limit. */
const collector = (data) => startCollector(data, { sealMs: 300, rate: 0 });

const b64url = (b) => Buffer.from(b).toString('base64url');

/** `n` ballots for `poll`, each from a new voter key, choice i % options. */
async function cast(url, poll, n, options) {
  for (let i = 0; i < n; i++) {
    const pair = await crypto.subtle.generateKey({ name: 'Ed25519' }, true, ['sign', 'verify']);
    const actor = b64url(new Uint8Array(await crypto.subtle.exportKey('raw', pair.publicKey)));
    const time = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
    const draft = draftStatement('vote', actor, time, [poll], JSON.stringify({ choice: i % options }));
    const sig = new Uint8Array(await crypto.subtle.sign({ name: 'Ed25519' }, pair.privateKey, Buffer.from(draft.id, 'hex')));
    const res = await fetch(`${url}/logs/polls/statements`, { method: 'POST', body: signedStatement(draft.unsigned, sig), headers: { 'content-type': 'text/plain' } });
    assert.equal(res.status, 201, await res.text());
  }
}

async function sealedAt(url, size) {
  for (let i = 0; i < 200; i++) {
    const info = await (await fetch(`${url}/logs/polls`)).json();
    if (info.sealed?.size >= size) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`the collector never sealed ${size} statements`);
}

/** Reloads the widget and answers what it fetched from the log ({paths, bytes}) and what it shows. */
async function visit(page, go) {
  const seen = [];
  const onResponse = (res) => {
    if (new URL(res.url()).pathname.startsWith('/logs/polls')) seen.push(res.body().then((b) => ({ path: new URL(res.url()).pathname, bytes: b.length }), () => ({ path: new URL(res.url()).pathname, bytes: 0 })));
  };
  page.on('response', onResponse);
  await go();
  await page.waitForFunction(() => document.getElementById('poll').getAttribute('aria-busy') === 'false' && window.onusPoll, null, { timeout: 30_000 });
  page.off('response', onResponse);
  const files = await Promise.all(seen);
  const view = await page.evaluate(() => ({
    mode: window.onusPoll.result.mode,
    since: window.onusPoll.result.since ?? null,
    stateRefused: window.onusPoll.result.stateRefused ?? null,
    fallback: window.onusPoll.fallback,
    counts: window.onusPoll.poll?.counts ?? null,
    shown: [...document.querySelectorAll('#bars .bar .count')].map((c) => parseInt(c.textContent, 10)),
    alarm: document.getElementById('alarm').hidden ? null : document.getElementById('alarm-title').textContent,
  }));
  return { ...view, paths: files.map((f) => f.path), bytes: files.reduce((a, f) => a + f.bytes, 0) };
}

/** The state kept for the log, as the page sees it in IndexedDB. */
const kept = (page) => page.evaluate(() => new Promise((resolve, reject) => {
  const r = indexedDB.open('onus-poll', 1);
  r.onsuccess = () => {
    const req = r.result.transaction('kv').objectStore('kv').get(new URL('/logs/polls/', location.href).href);
    req.onsuccess = () => resolve(req.result ? { size: req.result.size, root: req.result.root, when: req.result.when, bytes: req.result.state?.length ?? 0, confirmed: req.result.confirmed } : null);
    req.onerror = () => reject(req.error);
  };
}));

test('a returning voter reads only what was added, from the state it kept', async () => {
  const data = mkdtempSync(join(tmpdir(), 'onus-poll-tiled-'));
  const s = await collector(data);
  try {
    const info = await (await fetch(`${s.url}/logs/polls`)).json();
    const poll = info.polls[0].id;
    const ctx = await browser.newContext({ viewport: { width: 375, height: 720 } });
    const page = await ctx.newPage();
    const errors = [];
    page.on('pageerror', (e) => errors.push(e.message));

    // First visit and a vote: the log is read from its tiles, the state kept.
    let v = await visit(page, () => page.goto(`${s.url}/poll.html?log=/logs/polls&poll=${poll}`));
    assert.equal(v.mode, 'tiles', v.fallback);
    assert.equal(v.since.kind, 'fresh');
    assert.ok(!v.paths.some((p) => p.endsWith('/trace.jsonl')), 'no trace download');
    await page.locator('#choices input[value="1"]').check();
    await page.click('#vote');
    await page.waitForFunction(() => document.getElementById('mine').textContent.includes('receipt verifies'), null, { timeout: 30_000 });
    assert.equal(await page.evaluate(() => window.onusPoll.result.mode), 'tiles', 'the recount after voting waited for the seal');
    assert.equal((await kept(page)).size, 3);

    // 300 more ballots; the voter comes back.
    await cast(s.url, poll, 300, 4);
    await sealedAt(s.url, 303);
    v = await visit(page, () => page.reload());
    assert.equal(v.mode, 'tiles', v.fallback);
    assert.deepEqual(v.since, { kind: 'extended', held: 3, served: null });
    assert.ok(!v.paths.some((p) => p.endsWith('/trace.jsonl')), v.paths.join());
    assert.equal(v.alarm, null);
    const cli = JSON.parse(onus(['verify', '--json', `${s.url}/logs/polls/`]).stdout);
    assert.equal(cli.status, 'verified');
    assert.deepEqual(v.counts, cli.polls[0].counts, 'the widget counts what the CLI counts');
    assert.deepEqual(v.shown, cli.polls[0].counts);
    assert.deepEqual(v.counts, [75, 76, 75, 75]);
    const grown = v.bytes;
    const state = await kept(page);
    assert.equal(state.size, 303);
    assert.equal(state.root, cli.sealed.root);
    assert.equal(state.confirmed.length, 1, 'the voter’s ballot is remembered as found');
    await screenshot(page, 'poll-tiled-return-375');

    // Back again with nothing new: the checkpoint and hardly anything else.
    v = await visit(page, () => page.reload());
    assert.equal(v.mode, 'tiles', v.fallback);
    assert.deepEqual(v.counts, cli.polls[0].counts);
    assert.ok(!v.paths.some((p) => p.includes('/tile/entries/')), `no bundle read again: ${v.paths.join()}`);
    const trace = (await (await fetch(`${s.url}/logs/polls/trace.jsonl`)).arrayBuffer()).byteLength;
    assert.ok(v.bytes * 20 < trace, `a return visit read ${v.bytes} bytes (${v.paths.join()}); the whole trace is ${trace}`);
    console.log(`return visit, nothing new: ${v.bytes} bytes (${v.paths.join(' ')}); after 300 ballots: ${grown}; the trace: ${trace}`);
    assert.ok(v.bytes < grown, `${v.bytes} bytes with nothing new, ${grown} after 300 ballots`);

    // A state the core refuses is dropped, and the log is read from the start.
    await page.evaluate(() => new Promise((resolve, reject) => {
      const r = indexedDB.open('onus-poll', 1);
      r.onsuccess = () => {
        const tx = r.result.transaction('kv', 'readwrite');
        tx.objectStore('kv').put({ state: new Uint8Array([1, 2, 3]), size: 303 }, new URL('/logs/polls/', location.href).href);
        tx.oncomplete = resolve;
        tx.onerror = () => reject(tx.error);
      };
    }));
    v = await visit(page, () => page.reload());
    assert.equal(v.mode, 'tiles', v.fallback);
    assert.equal(v.since.kind, 'fresh');
    assert.ok(v.stateRefused, 'the core said why it refused the state');
    assert.deepEqual(v.counts, cli.polls[0].counts);
    assert.ok((await kept(page)).bytes > 3, 'a good state replaced the refused one');
    assert.deepEqual(errors, []);
    await ctx.close();
  } finally {
    await s.stop();
  }
});
