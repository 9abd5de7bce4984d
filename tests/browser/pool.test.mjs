// www/engine/pool.js in real headless Chromium: N analyzer workers plus one merging
// verifier give the same report as the native CLI (`onus verify --json`, the
// same Rust code), whatever the number of workers and wherever runs are cut.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { launch, serveStatic, onus, WWW } from './harness.mjs';

let dir, browser, page, server;

const TEST_PAGE = `<!doctype html><meta charset="utf-8"><title>pool test</title>
<script type="module">
  import { verifyWithPool } from '/engine/pool.js';
  let next = 0;
  const waiting = new Map();
  const worker = new Worker('/pool-test-worker.js', { type: 'module' });
  worker.onmessage = (e) => { waiting.get(e.data.id)(e.data); waiting.delete(e.data.id); };
  // In a dedicated worker, the way the page's worker.js uses it.
  window.inWorker = (args) => new Promise((resolve) => { const id = next++; waiting.set(id, resolve); worker.postMessage({ id, ...args }); });
  // From the page itself: pool.js starts a coordinator worker.
  window.inPage = async ({ src, opts }) => {
    try {
      const source = src.kind === 'url' ? src.url : src.kind === 'stream' ? (await fetch(src.url)).body : new Blob([await (await fetch(src.url)).arrayBuffer()]);
      let progressCount = 0;
      const { report, verifier } = await verifyWithPool({ source, ...opts, onProgress: () => { progressCount++; } });
      const rows = opts.options?.keepRows ? await verifier.rows(0, 3) : null;
      verifier.free();
      return { report, rows, progressCount };
    } catch (err) {
      return { error: { name: err.name, kind: err.kind, message: err.message } };
    }
  };
  window.ready = true;
</script>`;

const TEST_WORKER = `import { verifyWithPool } from '/engine/pool.js';
onmessage = async (e) => {
  const { id, src, opts, abortAt } = e.data;
  const ctrl = new AbortController();
  let progressCount = 0;
  try {
    const source = src.kind === 'url' ? src.url
      : src.kind === 'stream' ? (await fetch(src.url)).body
      : new Blob([await (await fetch(src.url)).arrayBuffer()]);
    const { report, verifier } = await verifyWithPool({
      source, ...opts, signal: ctrl.signal,
      progressMs: abortAt != null ? 0 : 100,
      onProgress: (p) => { progressCount++; if (abortAt != null && p.statements >= abortAt) ctrl.abort(); },
    });
    const rows = opts.options?.keepRows ? verifier.rows(0, 3) : null;
    verifier.free();
    postMessage({ id, report, rows, progressCount });
  } catch (err) {
    postMessage({ id, error: { name: err.name, kind: err.kind, message: err.message } });
  }
};`;

function cli(file) {
  const r = onus(['verify', '--json', file]);
  assert.ok(r.stdout, `onus verify printed nothing: ${r.stderr}`);
  return JSON.parse(r.stdout);
}

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'onus-pool-'));
  const r = onus(['demo', '--statements', '400', '--out', join(dir, 'demo.jsonl')]);
  assert.equal(r.status, 0, r.stderr);
  const text = readFileSync(join(dir, 'demo.jsonl'), 'utf8');
  // Tampered: one signature byte changed in the middle of the log.
  const lines = text.split('\n');
  const k = lines.findIndex((l, i) => i > 200 && l.startsWith('{') && l.includes('"sig":"'));
  const at = lines[k].indexOf('"sig":"') + 7 + 10;
  const c = lines[k][at];
  lines[k] = lines[k].slice(0, at) + (c === 'A' ? 'B' : 'A') + lines[k].slice(at + 1);
  writeFileSync(join(dir, 'tampered.jsonl'), lines.join('\n'));
  // No newline after the last line.
  writeFileSync(join(dir, 'unterminated.jsonl'), text.replace(/\n$/, ''));
  // A 3 MiB line (malformed: over the 1 MiB limit) among good ones: the pool
  // streams the rest through one verifier, as the native driver does.
  const long = text.split('\n');
  long.splice(100, 0, '{"x":"' + 'a'.repeat(3 << 20) + '"}');
  writeFileSync(join(dir, 'overlong.jsonl'), long.join('\n'));
  server = await serveStatic([WWW, dir], {
    '/pool-test.html': (req, res) => { res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }); res.end(TEST_PAGE); },
    '/pool-test-worker.js': (req, res) => { res.writeHead(200, { 'content-type': 'text/javascript; charset=utf-8' }); res.end(TEST_WORKER); },
  });
  browser = await launch();
  page = await browser.newPage();
  page.on('pageerror', (e) => console.error('pageerror:', e));
  await page.goto(`${server.url}/pool-test.html`);
  await page.waitForFunction(() => window.ready === true);
});

after(async () => {
  await browser?.close();
  await server?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const inWorker = (args) => page.evaluate((a) => window.inWorker(a), args);
const inPage = (args) => page.evaluate((a) => window.inPage(a), args);

async function same(file, run, opts, src = 'url') {
  const expected = cli(join(dir, file));
  const got = await run({ src: { kind: src, url: `${server.url}/${file}` }, opts });
  assert.equal(got.error, undefined, JSON.stringify(got.error));
  assert.deepEqual(got.report, expected);
  return { expected, got };
}

test('1 worker, small runs: same report as the CLI', async () => {
  const { expected } = await same('demo.jsonl', inWorker, { workers: 1, chunkBytes: 1024 });
  assert.equal(expected.status, 'verified');
});

test('2 workers, small runs: same report as the CLI', async () => {
  await same('demo.jsonl', inWorker, { workers: 2, chunkBytes: 1024 });
});

test('a tampered signature: failed, same report as the CLI, with 1 and 2 workers', async () => {
  const { expected } = await same('tampered.jsonl', inWorker, { workers: 1, chunkBytes: 1024 });
  assert.equal(expected.status, 'failed');
  assert.ok(expected.findings.some((f) => f.code === 'statement.signature.invalid'));
  await same('tampered.jsonl', inWorker, { workers: 2, chunkBytes: 1024 });
});

test('odd run sizes and in-flight limits do not change the report', async () => {
  for (const chunkBytes of [1, 97, 1000, 4093, 65537]) {
    await same('demo.jsonl', inWorker, { workers: 2, chunkBytes, maxInFlight: chunkBytes === 97 ? 1 : undefined });
  }
  await same('tampered.jsonl', inWorker, { workers: 2, chunkBytes: 333 });
});

test('defaults (a small trace is verified without analyzers), Blob and stream sources', async () => {
  await same('demo.jsonl', inWorker, {});
  await same('demo.jsonl', inWorker, { workers: 2, chunkBytes: 2048 }, 'blob');
  await same('demo.jsonl', inWorker, { workers: 2, chunkBytes: 2048 }, 'stream');
});

test('a last line without a newline is judged as the CLI judges it', async () => {
  await same('unterminated.jsonl', inWorker, { workers: 2, chunkBytes: 1500 });
  await same('unterminated.jsonl', inWorker, {});
});

test('a line longer than any run: streamed, same report as the CLI', async () => {
  const { expected } = await same('overlong.jsonl', inWorker, { workers: 2 });
  assert.ok(expected.findings.some((f) => f.code === 'statement.malformed'));
  await same('overlong.jsonl', inWorker, { workers: 2, chunkBytes: 4096 });
});

test('called from the page: a coordinator worker; the verifier answers by message', async () => {
  const { got } = await same('demo.jsonl', inPage, { workers: 2, chunkBytes: 4096, options: { keepRows: true } });
  assert.equal(got.rows.length, 3);
  assert.equal(got.rows[0].kind, 'log');
  assert.ok(got.progressCount > 0);
  await same('tampered.jsonl', inPage, { workers: 2, chunkBytes: 4096 }, 'stream');
  await same('demo.jsonl', inPage, { workers: 1, chunkBytes: 4096 }, 'blob');
});

test('keepRows through the pool gives the explorer its rows', async () => {
  const { got } = await same('demo.jsonl', inWorker, { workers: 2, chunkBytes: 1024, options: { keepRows: true } });
  assert.equal(got.rows[1].index, 1);
  assert.equal(got.rows[1].line, 2);
});

test('an abort stops the pool with the signal reason', async () => {
  const got = await inWorker({ src: { kind: 'url', url: `${server.url}/demo.jsonl` }, opts: { workers: 2, chunkBytes: 512 }, abortAt: 20 });
  assert.equal(got.error?.name, 'AbortError');
});

test('a missing trace is an http error', async () => {
  const got = await inWorker({ src: { kind: 'url', url: `${server.url}/nope.jsonl` }, opts: { workers: 2 } });
  assert.equal(got.error?.kind, 'http');
});

test('a bad key option is an options error', async () => {
  const got = await inWorker({ src: { kind: 'url', url: `${server.url}/demo.jsonl` }, opts: { options: { key: 'not a key' } } });
  assert.equal(got.error?.kind, 'options');
});
