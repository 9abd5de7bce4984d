// OpenGradient timings (issue: TEE receipts and settlement batches), in real
// headless Chromium; not part of npm test:
//   node bench/og.mjs      (after npm run build; writes nothing, prints a table)
// - time to verdict (navigation to data-onus-status) and items/s for the
//   20-item and 10,000-item synthetic batches (examples/og_batch.rs: distinct
//   items signed by two keys it makes, and their registry), with and without
//   the registry, with the root;
// - the page's RSA-PSS: the core's requests answered by WebCrypto in the
//   worker (src/og/pss.rs), and the same 10,000 signatures checked one after
//   another by WebCrypto in a bare worker, for the floor.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { keccak_256 } from '@noble/hashes/sha3.js';
import { launch, serveStatic, ROOT, WWW } from '../tests/browser/harness.mjs';

const dir = mkdtempSync(join(tmpdir(), 'onus-og-bench-'));
const make = (n) => {
  const out = execFileSync('cargo', ['run', '-q', '--release', '--features', 'og,demo', '--example', 'og_batch', '--', String(n), join(dir, `registry-${n}.json`)], { cwd: ROOT, maxBuffer: 1 << 30, stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8' });
  return out;
};
const rootOf = (dump) => JSON.parse(dump).tree[0];
const sizes = [20, 10000];
for (const n of sizes) writeFileSync(join(dir, `batch-${n}.json`), make(n));
writeFileSync(join(dir, 'bench.html'), '<!doctype html><title>og bench</title>');
writeFileSync(join(dir, 'webcrypto-worker.js'), `
self.onmessage = async (e) => {
  const { spki, items } = e.data;
  const key = await crypto.subtle.importKey('spki', spki, { name: 'RSA-PSS', hash: 'SHA-256' }, false, ['verify']);
  const t0 = performance.now();
  let ok = 0;
  for (const it of items) ok += (await crypto.subtle.verify({ name: 'RSA-PSS', saltLength: 32 }, key, it.sig, it.msg)) ? 1 : 0;
  self.postMessage({ ms: performance.now() - t0, ok, n: items.length });
};`);

const srv = await serveStatic([WWW, dir]);
const browser = await launch();
const IN_FLIGHT_NOTE = 'up to 256 in flight';
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const rows = [];
for (const n of sizes) {
  const dump = readFileSync(join(dir, `batch-${n}.json`), 'utf8');
  for (const keys of [true, false]) {
    const times = [];
    let report, timing;
    for (let trial = 0; trial < 5; trial++) {
      const page = await (await browser.newContext()).newPage();
      const q = new URLSearchParams({ og: `batch-${n}.json`, root: rootOf(dump) });
      if (keys) q.set('registry', `registry-${n}.json`);
      const t0 = Date.now();
      await page.goto(`${srv.url}/?${q}`);
      await page.waitForFunction(() => ['verified', 'incomplete', 'failed', 'error'].includes(document.documentElement.dataset.onusStatus), null, { timeout: 300000, polling: 10 });
      times.push(Date.now() - t0);
      [report, timing] = await page.evaluate(() => [{ status: window.onusOgReport.status, items: window.onusOgReport.items.length, checked: window.onusOgReport.checked }, window.onusOgTiming]);
      await page.context().close();
    }
    rows.push({ n, keys, status: report.status, checked: report.checked, verdictMs: median(times), verifyMs: timing.verify, rsaMs: timing.pss, rsa: timing.rsa, itemsPerS: Math.round(n / (timing.verify / 1000)) });
  }
}
// WebCrypto over the same signatures (10,000), one key at a time as the batch interleaves two.
const big = JSON.parse(readFileSync(join(dir, 'batch-10000.json'), 'utf8'));
const reg = JSON.parse(readFileSync(join(dir, 'registry-10000.json'), 'utf8'));
const der = (pem) => Buffer.from(pem.replace(/-----[^-]+-----/g, '').replace(/\s+/g, ''), 'base64');
const byKey = new Map();
for (const { value: [tee, input, output, sig, ts] } of big.values) {
  const m = new Uint8Array(96);
  m.set(Buffer.from(input.slice(2), 'hex'), 0);
  m.set(Buffer.from(output.slice(2), 'hex'), 32);
  new DataView(m.buffer).setBigUint64(88, BigInt(ts));
  if (!byKey.has(tee)) byKey.set(tee, []);
  byKey.get(tee).push({ msg: keccak_256(m), sig: Buffer.from(sig.slice(2), 'hex') });
}
const page = await (await browser.newContext()).newPage();
await page.goto(`${srv.url}/bench.html`);
let wcMs = 0, wcOk = 0, wcN = 0;
for (const [tee, items] of byKey) {
  const spki = [...der(reg.tees.find((t) => t.tee_id === tee).public_key)];
  const r = await page.evaluate(async ({ spki, items }) => new Promise((resolve) => {
    const w = new Worker('webcrypto-worker.js');
    w.onmessage = (e) => { resolve(e.data); w.terminate(); };
    w.postMessage({ spki: new Uint8Array(spki).buffer, items: items.map((i) => ({ msg: new Uint8Array(i.msg), sig: new Uint8Array(i.sig) })) });
  }), { spki, items: items.map((i) => ({ msg: [...i.msg], sig: [...i.sig] })) });
  wcMs += r.ms; wcOk += r.ok; wcN += r.n;
}
await browser.close();
await srv.close();

const size = (f) => { const b = readFileSync(join(WWW, 'pkg', f)); return `${b.length} bytes, ${gzipSync(b, { level: 9 }).length} gzipped`; };
console.log('| batch | keys | status | checked | time to verdict (median of 5) | verify in worker | of which RSA-PSS (WebCrypto) | items/s |');
console.log('|---|---|---|---:|---:|---:|---:|---:|');
for (const r of rows) console.log(`| ${r.n} items | ${r.keys ? 'registry' : 'none'} | ${r.status} | ${r.checked} | ${r.verdictMs} ms | ${r.verifyMs.toFixed(0)} ms | ${r.rsaMs.toFixed(0)} ms (${r.rsa.webcrypto}/${r.rsa.requests} by WebCrypto) | ${r.itemsPerS} |`);
const w = rows.find((r) => r.n === 10000 && r.keys);
console.log(`\nRSA-PSS (2048-bit, salt 32), 10,000 signatures: in the page ${(w.rsaMs / w.rsa.requests * 1000).toFixed(1)} µs each (${w.rsa.requests} distinct requests, ${IN_FLIGHT_NOTE}); one after another in a bare worker ${(wcMs / wcN * 1000).toFixed(1)} µs each (${wcMs.toFixed(0)} ms, ${wcOk}/${wcN} valid)`);
console.log(`modules: onus_bg.wasm ${size('onus_bg.wasm')}; onus_og_bg.wasm ${size('onus_og_bg.wasm')}`);
