// `npm start` (after setup and build): writes a demo trace into www/, runs a
// local witness (`onus witness serve`, docs/SERVE.md), publishes the demo as a
// tiled log in www/demo-log/ with the witness's cosignature and the trust
// policy that requires it (www/demo.policy), runs the collector `onus serve`
// (the page, the demo trace and the example poll, its checkpoints cosigned by
// the same witness) on 127.0.0.1 (port $PORT or 8080, or a free one when that
// is taken), and prints the URLs. Ctrl+C stops both.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const www = join(root, 'www');
const onus = join(root, 'target', 'release', 'onus');
const data = process.env.ONUS_DATA || join(root, '.onus-data');

const demo = spawnSync(onus, ['demo', '--statements', '2000', '--out', join(www, 'demo.jsonl')], { stdio: 'inherit' });
if (demo.status !== 0) {
  console.error(`start: ${onus} demo failed; run npm run build first`);
  process.exit(1);
}

/**
 * Spawns `cmd args` and resolves to {child, lines} once `ready(line)` matches a
 * line of its standard output (rejects if it exits first); `lines` is what it
 * said before. Standard error is shown once it is ready, unless `quiet`.
 */
function started(args, ready, { quiet = false } = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(onus, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    const said = [];
    const lines = [];
    let settled = false;
    const out = createInterface({ input: child.stdout });
    out.on('line', (line) => {
      if (settled) return;
      lines.push(line);
      if (ready(line)) {
        settled = true;
        resolve({ child, lines });
      }
    });
    createInterface({ input: child.stderr }).on('line', (line) => {
      said.push(line);
      if (settled && !quiet) console.error(line);
    });
    child.on('exit', (code) => {
      if (settled) return;
      settled = true;
      const err = new Error(`onus ${args[0]} exited with ${code}:\n${said.join('\n')}`);
      err.said = said;
      reject(err);
    });
  });
}

const stop = (child) => new Promise((resolve) => {
  if (child.exitCode !== null) return resolve();
  child.once('exit', resolve);
  child.kill('SIGINT');
});

/** `onus serve` on `port` with `extra` flags; null when the port is taken. */
async function serve(port, extra = [], opts = {}) {
  try {
    const { child, lines } = await started(['serve', '--data', data, '--addr', `127.0.0.1:${port}`, '--www', www, '--ready-json', '-', ...extra], (l) => l.startsWith('{'), opts);
    return { child, ready: JSON.parse(lines.at(-1)) };
  } catch (e) {
    if ((e.said ?? []).some((l) => /in use|Address already/i.test(l))) return null;
    throw e;
  }
}

// The demo's log key (the vkey a policy names), from the core's report.
const report = spawnSync(onus, ['verify', '--json', join(www, 'demo.jsonl')], { maxBuffer: 64 << 20 });
const demoVkey = JSON.parse(report.stdout).vkey;

// The collector's logs (a first run creates them) and their keys, for the witness to know.
const learn = await serve(0, [], { quiet: true });
await stop(learn.child);
const collectorLogs = learn.ready.logs;

// A local witness (FORMAT.md section 9): its key made once, its state kept in the data folder.
const wdir = join(data, 'witness');
mkdirSync(wdir, { recursive: true });
const wkey = join(wdir, 'witness.key');
if (!existsSync(wkey)) {
  const made = spawnSync(onus, ['witness', 'keygen', 'localhost/onus-witness', '--out', wkey], { encoding: 'utf8' });
  if (made.status !== 0) {
    console.error(`start: onus witness keygen failed:\n${made.stderr}`);
    process.exit(1);
  }
}
writeFileSync(join(wdir, 'logs.txt'), [
  '# The logs this local witness cosigns (written by npm start).',
  `log ${demoVkey}`,
  ...collectorLogs.map((l) => `log ${l.vkey}`),
  '',
].join('\n'));
const witness = await started(['witness', 'serve', '--data', join(wdir, 'state'), '--key', wkey, '--logs', join(wdir, 'logs.txt'), '--addr', '127.0.0.1:0'], (l) => l.includes('state '));
const witnessUrl = witness.lines.find((l) => l.includes('listening on')).match(/listening on (\S+)/)[1];
const witnessVkey = witness.lines.find((l) => l.trim().startsWith('vkey')).trim().replace(/^vkey\s+/, '');
const witnessFlag = `${witnessUrl}=${witnessVkey}`;

// The trust policy a reader holds for the demo: the log's key and this witness's cosignature.
writeFileSync(join(www, 'demo.policy'), `# The demo log and the local witness npm start runs (docs/FORMAT.md section 9).\nlog ${demoVkey}\nwitness local ${witnessVkey} ${witnessUrl}\nquorum local\n`);

// The same demo as a tiled log (docs/FORMAT.md section 8), for the page's ?log=,
// its checkpoint cosigned by the witness. Publishing again writes only what
// changed; a folder left by another demo (a rollback or a fork to `onus
// publish`) is made again from scratch.
const demoLog = join(www, 'demo-log');
const publish = () => spawnSync(onus, ['publish', '--witness', witnessFlag, join(www, 'demo.jsonl'), demoLog], { stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8' });
let published = publish();
if (published.status === 2) {
  rmSync(demoLog, { recursive: true, force: true });
  published = publish();
}
if (published.status !== 0) {
  console.error(`start: onus publish failed:\n${published.stderr}`);
  await stop(witness.child);
  process.exit(1);
}
if (!/cosigned the checkpoint/.test(published.stdout + published.stderr)) {
  console.error(`start: the witness did not cosign the demo's checkpoint:\n${published.stdout}${published.stderr}`);
}

const wanted = Number(process.env.PORT) || 8080;
const withWitness = ['--witness', witnessFlag];
let collector = await serve(wanted, withWitness);
if (!collector) {
  console.log(`start: port ${wanted} is taken; using a free one`);
  collector = await serve(0, withWitness);
}
const { child, ready } = collector;
const polls = ready.logs.find((l) => l.name === 'polls') ?? ready.logs[0];
console.log(`
Onus is running. Open the demo trace, verified in your browser:

  ${ready.url}/?trace=demo.jsonl

The same demo published as a tiled log (a return visit fetches only what is new),
its checkpoint cosigned by a local witness (${witnessUrl}) and checked against
the trust policy that requires it:

  ${ready.url}/?log=demo-log/&policy=demo.policy

A settlement batch of OpenGradient (six TEE-signed inferences, checked against
the TEE registry and the root settled on chain; no chain node is asked):

  ${ready.url}/?og=samples/opengradient/batch-six.json&registry=samples/opengradient/registry.json&root=0x48c6931d9c84416c8bc9a43796539ca7261d90fdb2fba36129756a8d561eb0d5

Vote in the example poll (every browser recounts the ballots itself):

  ${polls?.widgets[0] ?? `${ready.url}/poll.html?log=/logs/polls`}

Embed that poll in any page:

  ${ready.embed}

Or open ${ready.url}/ to check your own trace. Data: ${ready.data}. Ctrl+C stops it.`);
child.stdout.pipe(process.stdout);
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => child.kill('SIGINT'));
child.on('exit', async (code) => {
  await stop(witness.child);
  process.exit(code ?? 0);
});
