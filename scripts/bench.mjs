// `npm run bench`: Onus in real headless Chromium (one worker; N workers through
// www/engine/pool.js) against straightforward JS verifiers of the same format
// (bench/baseline.js: WebCrypto or @noble/ed25519), and the native CLI as the
// ceiling, on demo traces of 10k, 100k and 1M statements. Prints a markdown
// table and writes bench/results/latest.json and bench/RESULTS.md.
//
//   node scripts/bench.mjs [--sizes 10000,100000] [--trials 3] [--noble-max 100000]
//                          [--big | --big-only] [--only onus-1,onus-pool,...] [--no-write]
//
// --big verifies a ~1 GB trace (2.7M statements) through pool.js once while
// sampling the tab's memory (the flat-memory check); it is not part of npm test.
// --big-only runs just that and updates the last results (latest.json, RESULTS.md).
// --render rewrites bench/RESULTS.md from bench/results/latest.json (and bench/FINDINGS.md).
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync, createReadStream, createWriteStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { cpus, totalmem } from 'node:os';
import { gzipSync } from 'node:zlib';
import { isDeepStrictEqual } from 'node:util';
import { join } from 'node:path';
import { launch, serveStatic, ROOT, WWW, ONUS } from '../tests/browser/harness.mjs';

const argv = process.argv.slice(2);
const arg = (name, dflt) => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? argv[i + 1] : dflt;
};
const flag = (name) => argv.includes(`--${name}`);
const SIZES = arg('sizes', '10000,100000,1000000').split(',').map(Number).filter((n) => n > 0);
const TRIALS = Number(arg('trials', '3'));
const NOBLE_MAX = Number(arg('noble-max', '100000'));
const ONLY = arg('only', null)?.split(',');
const BIG_ONLY = flag('big-only');
const BIG = flag('big') || BIG_ONLY;
const BIG_STATEMENTS = Number(arg('big-statements', '2700000'));
const WRITE = !flag('no-write');
const TRACES = join(ROOT, 'bench', 'traces');
const RESULTS = join(ROOT, 'bench', 'results');
const log = (...a) => console.error('bench:', ...a);

for (const dep of ['@noble/hashes', '@noble/ed25519', 'canonicalize', 'playwright-core']) {
  if (!existsSync(join(ROOT, 'node_modules', dep))) {
    log(`installing npm packages (${dep} is missing)`);
    execFileSync('npm', ['install', '--no-audit', '--no-fund'], { cwd: ROOT, stdio: 'inherit' });
    break;
  }
}
if (!existsSync(ONUS) || !existsSync(join(WWW, 'pkg', 'onus_bg.wasm'))) {
  throw new Error('target/release/onus or www/pkg is missing: run `npm run build` (or `npm run bench`)');
}

// ---------------------------------------------------------------- traces

function tracePath(n) {
  return join(TRACES, `demo-${n}.jsonl`);
}

/** Writes the demo trace of `n` statements once; later runs reuse it. */
function ensureTrace(n) {
  const path = tracePath(n);
  if (existsSync(path)) return path;
  mkdirSync(TRACES, { recursive: true });
  log(`writing ${path} (onus demo --statements ${n})`);
  const tmp = `${path}.partial`;
  const r = spawnSync(ONUS, ['demo', '--statements', String(n), '--out', tmp], { stdio: ['ignore', 'ignore', 'inherit'] });
  if (r.status !== 0) throw new Error(`onus demo failed (${r.status})`);
  renameSync(tmp, path);
  return path;
}

/** A copy of the trace with one signature byte changed in the middle of the log. */
async function ensureTampered(n) {
  const path = join(TRACES, `tampered-${n}.jsonl`);
  if (existsSync(path)) return path;
  const src = ensureTrace(n);
  const out = createWriteStream(`${path}.partial`);
  let i = 0, done = false;
  for await (let line of createInterface({ input: createReadStream(src), crlfDelay: Infinity })) {
    if (!done && i >= n / 2 && line.startsWith('{"actor"')) {
      const at = line.indexOf('"sig":"') + 7 + 20;
      line = line.slice(0, at) + (line[at] === 'A' ? 'B' : 'A') + line.slice(at + 1);
      done = true;
    }
    out.write(line + '\n');
    i++;
  }
  await new Promise((r) => out.end(r));
  renameSync(`${path}.partial`, path);
  return path;
}

// ---------------------------------------------------------------- native

function native(file, threads) {
  const args = ['verify', '--json', file];
  if (threads) args.push('--threads', String(threads));
  const t0 = process.hrtime.bigint();
  const r = spawnSync('/usr/bin/time', ['-f', '%M %U %S', ONUS, ...args], { encoding: 'utf8', maxBuffer: 1 << 30 });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  const report = JSON.parse(r.stdout);
  const [maxKb, user, sys] = r.stderr.trim().split('\n').pop().split(' ').map(Number);
  return { ms, report, rssMb: maxKb / 1024, cpuMs: (user + sys) * 1000 };
}

// ---------------------------------------------------------------- memory sampling

/** {rss, anon} of a process in MB: VmRSS, and RssAnon (its private memory, without shared libraries). */
function procMem(pid) {
  try {
    const st = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (k) => Number((st.match(new RegExp(`${k}:\\s+(\\d+) kB`)) ?? [])[1] ?? 0);
    return { rss: kb('VmRSS') / 1024, anon: kb('RssAnon') / 1024 };
  } catch {
    return { rss: 0, anon: 0 };
  }
}

const TICK_MS = 1000 / Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout.trim() || 100);

/** CPU time (user + system) a process has used, in ms. */
function procCpuMs(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(f[11]) + Number(f[12])) * TICK_MS; // utime, stime (fields 14 and 15)
  } catch {
    return null;
  }
}

/**
 * Samples the page's JS heap (CDP Performance.getMetrics) and the renderer
 * processes' memory and CPU time. Chromium keeps spare renderers; the tab's
 * renderer is the one that used the most CPU during the run (it holds the page
 * and all its workers).
 */
class Sampler {
  constructor(pageCdp, browserCdp) {
    this.pageCdp = pageCdp;
    this.browserCdp = browserCdp;
  }
  async renderers() {
    const { processInfo } = await this.browserCdp.send('SystemInfo.getProcessInfo');
    return processInfo.filter((p) => p.type === 'renderer').map((p) => p.id);
  }
  async start(everyMs = 200) {
    this.peakHeap = 0;
    this.peaks = new Map();
    this.samples = 0;
    this.pids = await this.renderers();
    this.cpu0 = new Map(this.pids.map((pid) => [pid, procCpuMs(pid)]));
    this.load0 = readFileSync('/proc/loadavg', 'utf8').split(' ')[0];
    this.everyMs = everyMs;
    this.running = true;
    this.loop = (async () => {
      while (this.running) {
        await this.sample();
        await new Promise((r) => setTimeout(r, everyMs));
      }
    })();
  }
  async sample() {
    try {
      const { metrics } = await this.pageCdp.send('Performance.getMetrics');
      const heap = metrics.find((m) => m.name === 'JSHeapUsedSize')?.value ?? 0;
      this.peakHeap = Math.max(this.peakHeap, heap / 1048576);
    } catch { /* the page is busy navigating */ }
    if (this.samples % 10 === 0) this.pids = await this.renderers().catch(() => this.pids);
    for (const pid of this.pids) {
      const m = procMem(pid);
      const p = this.peaks.get(pid) ?? { rss: 0, anon: 0, pid };
      const cpu = procCpuMs(pid);
      if (!this.cpu0.has(pid)) this.cpu0.set(pid, cpu);
      this.peaks.set(pid, { pid, rss: Math.max(p.rss, m.rss), anon: Math.max(p.anon, m.anon), cpuMs: cpu == null ? p.cpuMs : cpu - this.cpu0.get(pid) });
    }
    this.samples++;
  }
  async stop() {
    this.running = false;
    await this.loop;
    await this.sample();
    // The tab's renderer is the one that did the work (the page's workers run in it).
    const tab = [...this.peaks.values()].reduce((a, b) => ((b.cpuMs ?? 0) > (a.cpuMs ?? 0) ? b : a), { rss: 0, anon: 0, cpuMs: null });
    const load = readFileSync('/proc/loadavg', 'utf8').split(' ')[0];
    if (process.env.BENCH_DEBUG) log(JSON.stringify([...this.peaks.values()]));
    return { heapMb: this.peakHeap, rssMb: tab.rss, anonMb: tab.anon, cpuMs: tab.cpuMs, samples: this.samples, load: `${this.load0}→${load}` };
  }
}

// ---------------------------------------------------------------- browser runs

const KINDS = [
  { kind: 'onus-1', label: 'Onus, 1 worker' },
  { kind: 'onus-pool', label: 'Onus, N workers (pool.js)' },
  { kind: 'js-webcrypto', label: 'JS: noble BLAKE3 + canonicalize + WebCrypto Ed25519' },
  { kind: 'js-noble', label: 'JS: noble BLAKE3 + canonicalize + @noble/ed25519' },
].filter((k) => !ONLY || ONLY.includes(k.kind));

function statusOf(report) {
  return report.status;
}

async function main() {
  const started = new Date();
  const wasm = readFileSync(join(WWW, 'pkg', 'onus_bg.wasm'));
  const wasmInfo = { bytes: wasm.length, gzipBytes: gzipSync(wasm, { level: 9 }).length };
  const machine = {
    nproc: cpus().length,
    cpu: (readFileSync('/proc/cpuinfo', 'utf8').match(/model name\s*:\s*(.*)/) ?? [])[1] ?? 'unknown',
    memGb: +(totalmem() / 2 ** 30).toFixed(1),
    commit: spawnSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT, encoding: 'utf8' }).stdout.trim(),
  };

  const traces = BIG_ONLY ? [] : SIZES.map((n) => ({ n, path: ensureTrace(n) }));
  const smallest = Math.min(...SIZES);
  const tampered = BIG_ONLY ? null : await ensureTampered(smallest);

  const server = await serveStatic([ROOT]);
  const browser = await launch();
  const chromium = browser.version();
  const browserCdp = await browser.newBrowserCDPSession();
  // Each run gets a fresh context, so a fresh renderer: its memory is that run's alone.
  const openBenchPage = async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    page.on('pageerror', (e) => log('page error:', e.message));
    await page.goto(`${server.url}/bench/index.html`);
    await page.waitForFunction(() => window.benchReady === true);
    const pageCdp = await context.newCDPSession(page);
    await pageCdp.send('Performance.enable');
    return { context, page, pageCdp };
  };
  let workers, webcrypto;
  {
    const { context, page } = await openBenchPage();
    workers = await page.evaluate(() => window.hardware);
    webcrypto = await page.evaluate(() => window.webcryptoEd25519);
    await context.close();
  }
  if (webcrypto !== true) log(`WebCrypto Ed25519 is not available in this Chromium: ${webcrypto}`);

  const runBrowser = async (kind, file) => {
    const url = `/${file.slice(ROOT.length + 1)}`;
    const { context, page, pageCdp } = await openBenchPage();
    const sampler = new Sampler(pageCdp, browserCdp);
    await sampler.start();
    let r;
    try {
      r = await page.evaluate((a) => window.benchRun(a), { kind, url, workers });
    } finally {
      r = { ...r, mem: await sampler.stop() };
      await context.close();
    }
    return r;
  };

  const problems = [];
  const results = [];
  log(`Chromium ${chromium}, ${workers} workers, sizes ${SIZES.join(', ')}, best of ${TRIALS}`);

  // Agreement on a tampered trace: everyone must say failed.
  if (!BIG_ONLY) {
    const cli = native(tampered, 1).report.status;
    const agree = { cli };
    for (const { kind } of KINDS) {
      if (webcrypto !== true && kind === 'js-webcrypto') continue;
      agree[kind] = statusOf((await runBrowser(kind, tampered)).report);
    }
    log('tampered trace:', JSON.stringify(agree));
    for (const [k, s] of Object.entries(agree)) if (s !== 'failed') problems.push(`${k} says ${s} on the tampered trace`);
    results.push({ tampered: smallest, statuses: agree });
  }

  const rows = [];
  for (const { n, path } of traces) {
    const size = statSync(path).size;
    const cliRun = [];
    const cliAll = [];
    for (let t = 0; t < TRIALS; t++) {
      cliRun.push(native(path, 1));
      cliAll.push(native(path, 0));
    }
    const expected = cliRun[0].report;
    const best = (runs) => runs.reduce((a, b) => (b.ms < a.ms ? b : a));
    const row = { statements: n, bytes: size, lines: expected.lines, status: expected.status, kinds: {} };
    row.kinds['native-1'] = summarize(best(cliRun), cliRun, n);
    row.kinds['native-all'] = summarize(best(cliAll), cliAll, n);
    log(`${n}: native 1 thread ${row.kinds['native-1'].rate.toFixed(0)}/s, all ${row.kinds['native-all'].rate.toFixed(0)}/s`);
    const runs = Object.fromEntries(KINDS.map((k) => [k.kind, []]));
    for (let t = 0; t < TRIALS; t++) {
      for (const { kind } of KINDS) {
        if (kind === 'js-noble' && n > NOBLE_MAX) continue;
        if (kind === 'js-noble' && n > 10000 && t > 0) continue; // ~1k signatures/s: one trial past 10k
        if (kind === 'js-webcrypto' && webcrypto !== true) continue;
        const r = await runBrowser(kind, path);
        runs[kind].push(r);
        if (r.stats) log(`${n} ${kind} trial ${t + 1}: pool.js stats ${JSON.stringify(Object.fromEntries(Object.entries(r.stats).map(([k, v]) => [k, Math.round(v)])))}`);
        log(`${n} ${kind} trial ${t + 1}: ${(r.ms / 1000).toFixed(2)} s (${(n / r.ms * 1000).toFixed(0)}/s, ${(n / r.mem.cpuMs * 1000).toFixed(0)}/CPU-s, load ${r.mem.load}) ${r.report.status}, page heap ${r.mem.heapMb.toFixed(0)} MB, renderer RSS ${r.mem.rssMb.toFixed(0)} MB (private ${r.mem.anonMb.toFixed(0)} MB)`);
        const s = statusOf(r.report);
        if (s !== expected.status) problems.push(`${kind} says ${s} on demo-${n}, the CLI ${expected.status}`);
        if (kind.startsWith('onus') && !isDeepStrictEqual(r.report, expected)) problems.push(`${kind} report differs from the CLI's on demo-${n}`);
      }
    }
    for (const [kind, rs] of Object.entries(runs)) {
      if (rs.length) row.kinds[kind] = summarize(best(rs), rs, n);
    }
    rows.push(row);
  }

  let big = null;
  if (BIG) {
    big = await runBig(runBrowser);
    problems.push(...problemsBig);
  }
  const firstVerdict = BIG_ONLY ? null : await measureFirstVerdict(browser);

  await browser.close();
  await server.close();

  let out = { date: started.toISOString(), machine, chromium, workers, trials: TRIALS, wasm: wasmInfo, rows, agreement: results, big, firstVerdict, problems };
  if (BIG_ONLY) {
    const last = JSON.parse(readFileSync(join(RESULTS, 'latest.json'), 'utf8'));
    out = { ...last, big: { ...big, date: started.toISOString(), commit: machine.commit }, problems: [...last.problems, ...problems] };
  }
  out.goals = goals(out);
  const table = markdown(out);
  console.log(table);
  if (problems.length) console.log(`\nPROBLEMS:\n- ${problems.join('\n- ')}`);
  if (WRITE) {
    mkdirSync(RESULTS, { recursive: true });
    writeFileSync(join(RESULTS, 'latest.json'), JSON.stringify(out, null, 2) + '\n');
    writeResultsMd(out, table);
    log('wrote bench/results/latest.json and bench/RESULTS.md');
  }
  process.exitCode = problems.length ? 1 : 0;
}

function summarize(best, all, n) {
  const cpus = all.map((r) => r.cpuMs ?? r.mem?.cpuMs).filter((x) => x > 0);
  return {
    ms: Math.round(best.ms),
    rate: n / (best.ms / 1000),
    // Statements per CPU-second of the process (the tab's renderer: page and all its workers):
    // robust to other jobs on the machine, unlike wall time.
    cpuMs: cpus.length ? Math.round(Math.min(...cpus)) : null,
    ratePerCpuSecond: cpus.length ? n / (Math.min(...cpus) / 1000) : null,
    loads: all.map((r) => r.mem?.load ?? null).filter(Boolean),
    // pool.js: phase A (summed over analyzers) and phase B (the merging verifier), best trial.
    poolStats: best.stats ?? null,
    trialsMs: all.map((r) => Math.round(r.ms)),
    heapMb: best.mem ? +Math.max(...all.map((r) => r.mem.heapMb)).toFixed(1) : null,
    rssMb: best.mem ? +Math.max(...all.map((r) => r.mem.rssMb)).toFixed(1) : +Math.max(...all.map((r) => r.rssMb)).toFixed(1),
    anonMb: best.mem ? +Math.max(...all.map((r) => r.mem.anonMb)).toFixed(1) : null,
  };
}

const problemsBig = [];
async function runBig(runBrowser) {
  const path = ensureTrace(BIG_STATEMENTS);
  const bytes = statSync(path).size;
  log(`big: ${path} (${(bytes / 2 ** 30).toFixed(2)} GiB) through pool.js, sampling the tab's memory`);
  const r = await runBrowser('onus-pool', path);
  const status = r.report.status;
  log(`big: ${(r.ms / 1000).toFixed(1)} s, ${status}, renderer peak RSS ${r.mem.rssMb.toFixed(0)} MB (private ${r.mem.anonMb.toFixed(0)} MB), page heap ${r.mem.heapMb.toFixed(0)} MB`);
  const cli = native(path, 0);
  if (status !== cli.report.status) problemsBig.push(`pool.js says ${status} on the big trace, the CLI ${cli.report.status}`);
  return {
    statements: BIG_STATEMENTS, bytes, ms: Math.round(r.ms), rate: BIG_STATEMENTS / (r.ms / 1000), status, cliStatus: cli.report.status,
    rendererRssMb: +r.mem.rssMb.toFixed(1), rendererPrivateMb: +r.mem.anonMb.toFixed(1), pageHeapMb: +r.mem.heapMb.toFixed(1), samples: r.mem.samples, nativeRssMb: +cli.rssMb.toFixed(1),
  };
}

/** Navigation start to <html data-onus-status> on the page, for a 1k-statement demo. */
async function measureFirstVerdict(browser) {
  if (!existsSync(join(WWW, 'index.html')) || !existsSync(join(WWW, 'page', 'main.js'))) return null;
  const demo = ensureTrace(1000);
  const server = await serveStatic([WWW], {
    '/demo1k.jsonl': (req, res) => {
      res.writeHead(200, { 'content-type': 'application/jsonl; charset=utf-8', 'content-length': statSync(demo).size });
      createReadStream(demo).pipe(res);
    },
  });
  const times = [];
  let status = null;
  try {
    for (let t = 0; t < Math.max(3, TRIALS); t++) {
      const context = await browser.newContext();
      const page = await context.newPage();
      await page.addInitScript(() => {
        // Final statuses only ('running' comes first). The document element does not exist yet here.
        new MutationObserver((_, obs) => {
          const s = document.documentElement?.dataset.onusStatus;
          if (s && s !== 'running') {
            window.__verdictAt = performance.now();
            obs.disconnect();
          }
        }).observe(document, { attributes: true, subtree: true, attributeFilter: ['data-onus-status'] });
      });
      await page.goto(`${server.url}/?trace=demo1k.jsonl`);
      try {
        await page.waitForFunction(() => window.__verdictAt !== undefined, null, { timeout: 20000 });
        times.push(await page.evaluate(() => window.__verdictAt));
        status = await page.evaluate(() => document.documentElement.dataset.onusStatus);
      } catch {
        times.push(null);
      }
      await context.close();
    }
  } finally {
    await server.close();
  }
  const ok = times.filter((x) => x != null);
  return { statements: 1000, status, trialsMs: times.map((x) => (x == null ? null : Math.round(x))), bestMs: ok.length ? Math.round(Math.min(...ok)) : null };
}

function goals(o) {
  const big1m = o.rows.find((r) => r.statements === 1000000) ?? o.rows[o.rows.length - 1];
  const pool = big1m?.kinds['onus-pool'];
  const one = big1m?.kinds['onus-1'];
  const n1 = big1m?.kinds['native-1'];
  const wc = big1m?.kinds['js-webcrypto'];
  const nobleRow = [...o.rows].reverse().find((r) => r.kinds['js-noble']);
  const g = [];
  const add = (goal, value, met) => g.push({ goal, value, met });
  if (pool) add(`>= 50k statements/s with all workers (demo-${big1m.statements})`, `${Math.round(pool.rate)}/s (${(pool.ms / 1000).toFixed(1)} s)`, pool.rate >= 50000);
  const perCpu = (a, b) => (a?.ratePerCpuSecond && b?.ratePerCpuSecond ? `, ${(a.ratePerCpuSecond / b.ratePerCpuSecond).toFixed(1)}x per CPU-second` : '');
  if (pool && wc) add('>= 2x baseline 3 (WebCrypto)', `${(pool.rate / wc.rate).toFixed(1)}x by wall time${perCpu(pool, wc)}`, pool.rate / wc.rate >= 2);
  if (nobleRow) {
    const p = nobleRow.kinds['onus-pool'], nb = nobleRow.kinds['js-noble'];
    if (p) add(`>= 25x baseline 4 (@noble/ed25519, demo-${nobleRow.statements})`, `${(p.rate / nb.rate).toFixed(1)}x by wall time${perCpu(p, nb)}`, p.rate / nb.rate >= 25);
  }
  if (one && n1) {
    const byCpu = one.ratePerCpuSecond && n1.ratePerCpuSecond ? one.ratePerCpuSecond / n1.ratePerCpuSecond : null;
    add('per core >= 60% of the native CLI (1 worker vs --threads 1)', `${(100 * one.rate / n1.rate).toFixed(0)}% by wall time${byCpu ? `, ${(100 * byCpu).toFixed(0)}% per CPU-second` : ''}`, Math.max(one.rate / n1.rate, byCpu ?? 0) >= 0.6);
  }
  if (o.big) add('tab under 256 MB for a ~1 GB trace', `${Math.round(o.big.rendererRssMb)} MB renderer RSS (${Math.round(o.big.rendererPrivateMb ?? 0)} MB private)`, o.big.rendererRssMb < 256);
  add('wasm <= 200 KB gzipped', `${(o.wasm.gzipBytes / 1024).toFixed(0)} KB`, o.wasm.gzipBytes <= 200 * 1024);
  if (o.firstVerdict?.bestMs != null) add('first verdict of a 1k demo under 1 s', `${o.firstVerdict.bestMs} ms`, o.firstVerdict.bestMs < 1000);
  return g;
}

const fmtRate = (x) => (x >= 1000 ? `${(x / 1000).toFixed(1)}k` : x.toFixed(0));

function markdown(o) {
  const names = {
    'native-1': 'native CLI, 1 thread', 'native-all': `native CLI, ${o.machine.nproc} threads`,
    'onus-1': 'Onus in Chromium, 1 worker', 'onus-pool': `Onus in Chromium, ${o.workers} workers (pool.js)`,
    'js-webcrypto': 'JS baseline 3: noble BLAKE3 + canonicalize + WebCrypto Ed25519',
    'js-noble': 'JS baseline 4: noble BLAKE3 + canonicalize + @noble/ed25519',
  };
  const order = ['onus-pool', 'onus-1', 'js-webcrypto', 'js-noble', 'native-all', 'native-1'];
  const lines = [];
  lines.push(`| verifier | ${o.rows.map((r) => `${r.statements.toLocaleString('en')} statements`).join(' | ')} | peak page JS heap | peak renderer RSS (private) |`);
  lines.push(`|---|${o.rows.map(() => '---:').join('|')}|---:|---:|`);
  for (const k of order) {
    if (!o.rows.some((r) => r.kinds[k])) continue;
    const cells = o.rows.map((r) => (r.kinds[k] ? `${fmtRate(r.kinds[k].rate)}/s (${(r.kinds[k].ms / 1000).toFixed(2)} s)` : 'not run'));
    const last = [...o.rows].reverse().find((r) => r.kinds[k])?.kinds[k];
    const heap = last?.heapMb != null ? `${last.heapMb} MB` : '—';
    const rss = last ? (k.startsWith('native') ? `${last.rssMb} MB (the process)` : `${last.rssMb} MB (${last.anonMb} MB)`) : '—';
    lines.push(`| ${names[k]} | ${cells.join(' | ')} | ${heap} | ${rss} |`);
  }
  lines.push('');
  lines.push(`| statements per CPU-second (the process's user + system time; robust to other jobs) | ${o.rows.map((r) => `${r.statements.toLocaleString('en')}`).join(' | ')} |`);
  lines.push(`|---|${o.rows.map(() => '---:').join('|')}|`);
  for (const k of order) {
    if (!o.rows.some((r) => r.kinds[k]?.ratePerCpuSecond)) continue;
    lines.push(`| ${names[k]} | ${o.rows.map((r) => (r.kinds[k]?.ratePerCpuSecond ? `${fmtRate(r.kinds[k].ratePerCpuSecond)}` : '—')).join(' | ')} |`);
  }
  lines.push('');
  lines.push('| ratio | ' + o.rows.map((r) => `${r.statements.toLocaleString('en')}`).join(' | ') + ' |');
  lines.push(`|---|${o.rows.map(() => '---:').join('|')}|`);
  const ratio = (a, b) => o.rows.map((r) => (r.kinds[a] && r.kinds[b] ? `${(r.kinds[a].rate / r.kinds[b].rate).toFixed(2)}x` : '—'));
  lines.push(`| Onus N workers / baseline 3 (WebCrypto) | ${ratio('onus-pool', 'js-webcrypto').join(' | ')} |`);
  lines.push(`| Onus N workers / baseline 4 (@noble/ed25519) | ${ratio('onus-pool', 'js-noble').join(' | ')} |`);
  lines.push(`| Onus 1 worker / native 1 thread (per core) | ${ratio('onus-1', 'native-1').join(' | ')} |`);
  lines.push(`| Onus N workers / native all threads | ${ratio('onus-pool', 'native-all').join(' | ')} |`);
  lines.push(`| Onus N workers / Onus 1 worker | ${ratio('onus-pool', 'onus-1').join(' | ')} |`);
  const cpuRatio = (a, b) => o.rows.map((r) => (r.kinds[a]?.ratePerCpuSecond && r.kinds[b]?.ratePerCpuSecond ? `${(r.kinds[a].ratePerCpuSecond / r.kinds[b].ratePerCpuSecond).toFixed(2)}x` : '—'));
  lines.push(`| per CPU-second: Onus N workers / baseline 3 (WebCrypto) | ${cpuRatio('onus-pool', 'js-webcrypto').join(' | ')} |`);
  lines.push(`| per CPU-second: Onus N workers / baseline 4 (@noble/ed25519) | ${cpuRatio('onus-pool', 'js-noble').join(' | ')} |`);
  lines.push(`| per CPU-second: Onus 1 worker / native 1 thread | ${cpuRatio('onus-1', 'native-1').join(' | ')} |`);
  lines.push(`| per CPU-second: Onus N workers / native all threads | ${cpuRatio('onus-pool', 'native-all').join(' | ')} |`);
  const ps = [...o.rows].reverse().find((r) => r.kinds['onus-pool']?.poolStats);
  if (ps) {
    const st = ps.kinds['onus-pool'].poolStats;
    lines.push('');
    lines.push(`pool.js on ${ps.statements.toLocaleString('en')} statements (best trial): ${st.runs} runs over ${st.workers} analyzers; phase A ${(st.analyzeMs / 1000).toFixed(1)} s of analyzer time, phase B and finish ${(st.mergeMs / 1000).toFixed(2)} s in the merging worker (${(100 * st.mergeMs / (st.analyzeMs + st.mergeMs)).toFixed(1)}% of the work), ${(st.totalMs / 1000).toFixed(1)} s end to end.`);
  }
  lines.push('');
  lines.push(`wasm: ${o.wasm.bytes.toLocaleString('en')} bytes, ${o.wasm.gzipBytes.toLocaleString('en')} gzipped (gzip -9).`);
  if (o.big) lines.push(`1 GB check: ${o.big.statements.toLocaleString('en')} statements, ${(o.big.bytes / 2 ** 30).toFixed(2)} GiB, ${(o.big.ms / 1000).toFixed(1)} s (${fmtRate(o.big.rate)}/s), ${o.big.status}; peak renderer RSS ${o.big.rendererRssMb} MB (private ${o.big.rendererPrivateMb} MB), page JS heap ${o.big.pageHeapMb} MB; native CLI peak RSS ${o.big.nativeRssMb} MB.`);
  if (o.firstVerdict) lines.push(`First verdict on the page (?trace=demo1k.jsonl, navigation start to data-onus-status): best ${o.firstVerdict.bestMs} ms; trials ${o.firstVerdict.trialsMs.join(', ')} ms (${o.firstVerdict.status}).`);
  lines.push('');
  lines.push('| goal | measured | met |');
  lines.push('|---|---|---|');
  for (const g of o.goals) lines.push(`| ${g.goal} | ${g.value} | ${g.met ? 'yes' : 'no'} |`);
  return lines.join('\n');
}

function writeResultsMd(o, table) {
  const path = join(ROOT, 'bench', 'RESULTS.md');
  const head = `# Onus benchmark results

Generated by \`npm run bench\` (scripts/bench.mjs) on ${o.date.slice(0, 10)}, commit ${o.machine.commit}.

Machine: ${o.machine.nproc} cores (${o.machine.cpu}), ${o.machine.memGb} GiB memory; Chromium ${o.chromium} headless;
${o.workers} pool workers (navigator.hardwareConcurrency). Times are from the first byte requested to the report,
in a fresh dedicated worker per run (wasm compile and worker start-up included for Onus); best of ${o.trials}
(the @noble/ed25519 baseline: one trial past 10k statements; not run past ${NOBLE_MAX.toLocaleString('en')}).
Other jobs (the team's builds and tests) shared the 2 cores, so wall times are noisy (every trial is listed
below); statements per CPU-second of the process are not affected by that and are the fairer per-core measure.
Traces: \`onus demo --statements N\` (about 375 bytes per statement), served over HTTP on 127.0.0.1.
Memory: "page JS heap" is CDP Performance.getMetrics JSHeapUsedSize of the page's main isolate (workers are
not included); "renderer RSS" is VmRSS of the tab's renderer process, which holds the page and all its workers
(wasm memories included), sampled every 200 ms, with its private part (RssAnon, without shared libraries) in
parentheses; the memory columns are for the largest trace. Native: peak RSS of the process (/usr/bin/time).

`;
  let text = head + table + '\n';
  text += '\n<details><summary>Every trial (ms) and the 1-minute load average around each browser run</summary>\n\n';
  for (const r of o.rows) {
    for (const [k, v] of Object.entries(r.kinds)) {
      text += `- ${r.statements.toLocaleString('en')} statements, ${k}: ${v.trialsMs.join(', ')} ms${v.loads?.length ? `; load ${v.loads.join(', ')}` : ''}\n`;
    }
  }
  text += '\n</details>\n';
  const findings = join(ROOT, 'bench', 'FINDINGS.md');
  if (existsSync(findings)) text += '\n' + readFileSync(findings, 'utf8');
  // Tiled-log numbers are measured with the CLI (bench/TILED.md says how).
  const tiled = join(ROOT, 'bench', 'TILED.md');
  if (existsSync(tiled)) text += '\n' + readFileSync(tiled, 'utf8');
  writeFileSync(path, text);
}

if (flag('render')) {
  // Only rewrite bench/RESULTS.md (and print the table) from the last results.
  const out = JSON.parse(readFileSync(join(RESULTS, 'latest.json'), 'utf8'));
  out.goals = goals(out);
  const table = markdown(out);
  console.log(table);
  writeResultsMd(out, table);
} else main().catch((e) => {
  console.error(e);
  process.exit(2);
});
