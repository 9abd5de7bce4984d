// Shared pieces for the browser tests: real headless Chromium (Debian's) via
// playwright-core, a static file server on 127.0.0.1, the onus binary, screenshots.
import { chromium } from 'playwright-core';
import { createServer } from 'node:http';
import { createReadStream, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { spawn, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { dirname, extname, join, normalize } from 'node:path';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const WWW = join(ROOT, 'www');
export const ONUS = join(ROOT, 'target', 'release', 'onus');
export const SHOTS = join(ROOT, 'tests', 'browser', 'screenshots');

export const CHROMIUM_ARGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
  '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic',
];

export async function launch() {
  return chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
}

const MIME = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8', '.wasm': 'application/wasm', '.json': 'application/json',
  '.jsonl': 'application/jsonl; charset=utf-8', '.svg': 'image/svg+xml', '.png': 'image/png', '.txt': 'text/plain; charset=utf-8',
};

/**
 * Serves `dirs` on 127.0.0.1 at a free port: the later folders first, then the first one.
 * `routes` maps a path to a handler (req, res) for special cases (404s, slow bodies...).
 */
export function serveStatic(dirs, routes = {}) {
  // A test's own folders come before the first (the page folder), so a fixture
  // named like a file in www/ (demo.jsonl after `npm start`) is the one served.
  const roots = Array.isArray(dirs) ? [...dirs.slice(1), dirs[0]] : [dirs];
  const server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url, 'http://x').pathname);
    if (routes[path]) return routes[path](req, res);
    for (const dir of roots) {
      let file = normalize(join(dir, path));
      if (!file.startsWith(normalize(dir))) break;
      if (existsSync(file) && statSync(file).isDirectory()) file = join(file, 'index.html');
      if (existsSync(file) && statSync(file).isFile()) {
        res.writeHead(200, { 'content-type': MIME[extname(file)] ?? 'application/octet-stream', 'content-length': statSync(file).size, 'cache-control': 'no-store' });
        createReadStream(file).pipe(res);
        return;
      }
    }
    res.writeHead(404, { 'content-type': 'text/plain' });
    res.end('not found');
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => {
    const { port } = server.address();
    resolve({ url: `http://127.0.0.1:${port}`, server, close: () => new Promise((r) => { server.closeAllConnections?.(); server.close(r); }) });
  }));
}

/** Runs the onus binary; returns {status, stdout, stderr}. */
export function onus(args, opts = {}) {
  if (!existsSync(ONUS)) throw new Error(`${ONUS} is missing: run npm run build first`);
  const r = spawnSync(ONUS, args, { encoding: opts.encoding ?? 'utf8', maxBuffer: 1 << 30, ...opts });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

export async function screenshot(page, name) {
  mkdirSync(SHOTS, { recursive: true });
  const path = join(SHOTS, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}

// ---- Added for the page tests (tests/browser/page*.test.mjs) ----

/** A fresh context and page; `errors` collects page errors and console errors. */
export async function openPage(browser, { viewport = { width: 1200, height: 900 }, ...opts } = {}) {
  const context = await browser.newContext({ viewport, acceptDownloads: true, ...opts });
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
  page.on('console', (m) => { if (m.type() === 'error') errors.push(`console: ${m.text()}`); });
  return { context, page, errors };
}

/** Waits until the page's verification ended; returns data-onus-status. */
export async function waitForResult(page, timeout = 60_000) {
  await page.waitForFunction(() => {
    const s = document.documentElement.dataset.onusStatus;
    return s && s !== 'running' && s !== 'idle';
  }, null, { timeout, polling: 50 });
  return page.evaluate(() => document.documentElement.dataset.onusStatus);
}

/** After a `?log=` verdict: waits until the page has stored (or failed to store) the log's state. */
export async function waitForSaved(page, timeout = 60_000) {
  await page.waitForFunction(() => ['saved', 'unsaved'].includes(document.documentElement.dataset.onusState), null, { timeout, polling: 50 });
  return page.evaluate(() => document.documentElement.dataset.onusState);
}

/** The CLI's report for a file, parsed (`onus verify --json [...args] FILE`). */
export function cliReport(file, args = []) {
  const r = onus(['verify', '--json', ...args, file]);
  if (!r.stdout) throw new Error(`onus verify failed: ${r.stderr}`);
  return JSON.parse(r.stdout);
}

/** Screenshot of the viewport only (the top of the page), or of one element. */
export async function screenshotTop(page, name) {
  mkdirSync(SHOTS, { recursive: true });
  const path = join(SHOTS, `${name}.png`);
  await page.screenshot({ path, fullPage: false });
  return path;
}
export async function screenshotOf(locator, name) {
  mkdirSync(SHOTS, { recursive: true });
  const path = join(SHOTS, `${name}.png`);
  await locator.screenshot({ path });
  return path;
}

/**
 * A trace of the log `origin`, written with the CLI as an operator would: the
 * log's statement, one request by a node per time given, sealed. The log and
 * node keys are made once per `dir` and `origin`, so traces of one origin are
 * histories of one log (the same first statements, then what the times make).
 */
export function authoredTrace(dir, origin, name, times) {
  const tag = origin.replace(/[^a-z0-9]+/gi, '-');
  const log = join(dir, `${tag}.key`);
  const node = join(dir, `${tag}-node.key`);
  const pub = join(dir, `${tag}-node.pub`);
  const run = (args) => {
    const r = onus(args);
    if (r.status !== 0) throw new Error(`onus ${args[0]} failed: ${r.stderr}`);
    return r;
  };
  if (!existsSync(log)) {
    run(['keygen', origin, '--out', log]);
    writeFileSync(pub, run(['keygen', 'node-1', '--out', node]).stdout.match(/public key: (\S+)/)[1]);
  }
  const pk = readFileSync(pub, 'utf8');
  const file = join(dir, `${name}.jsonl`);
  run(['append', '--key', log, '--kind', 'log', '--time', '2026-12-01T00:00:00Z', '--body', JSON.stringify({ origin, roster: [{ key: pk, name: 'node-1', role: 'compute' }] }), file]);
  for (const t of times) run(['append', '--key', node, '--kind', 'request', '--time', t, '--body', JSON.stringify({ model: 'm', input: '1'.repeat(64) }), file]);
  run(['seal', '--key', log, file]);
  return file;
}

// ---- Accessibility (axe-core, the same rules everywhere) ----

const AXE_SOURCE = readFileSync(join(ROOT, 'node_modules', 'axe-core', 'axe.min.js'), 'utf8');
/** WCAG 2.0/2.1 A and AA and axe's best practices: what the page promises to pass. */
export const AXE_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'];

/**
 * Runs axe-core in `page` (or a frame) and returns its violations as short
 * lines (`rule (impact): target — summary`), empty when there are none. The
 * source is evaluated rather than added as a script tag, which the pages'
 * CSP (script-src 'self') would refuse.
 */
export async function axe(target, { include = null, exclude = [] } = {}) {
  const frames = 'frames' in target ? target.frames() : [target];
  for (const f of frames) {
    await f.evaluate(AXE_SOURCE).catch(() => {});
  }
  const result = await target.evaluate(async ({ tags, include, exclude }) => {
    const context = include ? { include: [include], exclude } : { exclude };
    return window.axe.run(context, { runOnly: { type: 'tag', values: tags }, iframes: true, resultTypes: ['violations'] });
  }, { tags: AXE_TAGS, include, exclude });
  return result.violations.flatMap((v) => v.nodes.map((n) => `${v.id} (${v.impact}): ${n.target.join(' ')} — ${n.failureSummary.replace(/\s+/g, ' ').slice(0, 240)}`));
}

// ---- The collector (`onus serve`), for the poll and widget tests ----

/**
 * Starts `onus serve` on a data folder at 127.0.0.1:`port` (0: any) and
 * resolves once it listens: {url, port, stderr(), stop()}. `rate`: the
 * `--rate` limit (0: none, for tests that load the widget many times).
 */
export async function startCollector(data, { port = 0, sealMs = 400, rate = null } = {}) {
  const args = ['serve', '--data', data, '--addr', `127.0.0.1:${port}`, '--www', WWW, '--seal-ms', String(sealMs)];
  if (rate != null) args.push('--rate', String(rate));
  const proc = spawn(ONUS, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  proc.stderr.on('data', (d) => { err += d; });
  const url = await new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`onus serve did not start: ${err}`)), 30_000);
    proc.stdout.on('data', (d) => {
      out += d;
      const m = out.match(/listening on (http:\/\/\S+)/);
      if (m) { clearTimeout(timer); resolve(m[1]); }
    });
    proc.on('exit', (code) => reject(new Error(`onus serve exited (${code}): ${err}`)));
  });
  return {
    url,
    port: Number(new URL(url).port),
    stderr: () => err,
    stop: () => new Promise((resolve) => {
      if (proc.exitCode !== null) return resolve();
      proc.once('exit', resolve);
      proc.kill('SIGTERM');
    }),
  };
}
