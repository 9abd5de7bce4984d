// `npm start` (after setup and build): writes a demo trace into www/ (and
// publishes it as a tiled log in www/demo-log/), runs the
// collector `onus serve` (the page, the demo trace and the example poll) on
// 127.0.0.1 (port $PORT or 8080, or a free one when that is taken), and
// prints the URLs. Ctrl+C stops it.
import { spawn, spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
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

// The same demo as a tiled log (docs/FORMAT.md section 8), for the page's ?log=.
// Publishing again writes nothing when it is unchanged; a folder left by another
// demo (a rollback or a fork to `onus publish`) is made again from scratch.
const demoLog = join(www, 'demo-log');
const publish = () => spawnSync(onus, ['publish', join(www, 'demo.jsonl'), demoLog], { stdio: ['ignore', 'ignore', 'pipe'] });
let published = publish();
if (published.status === 2) {
  rmSync(demoLog, { recursive: true, force: true });
  published = publish();
}
if (published.status !== 0) {
  console.error(`start: onus publish failed:\n${published.stderr}`);
  process.exit(1);
}

/**
 * Starts `onus serve` on `port`; resolves to {child, ready} once it says where it
 * listens (`--ready-json -`: one JSON line on standard output), or to null when
 * the port is taken.
 */
function serve(port) {
  return new Promise((resolve, reject) => {
    const child = spawn(onus, ['serve', '--data', data, '--addr', `127.0.0.1:${port}`, '--www', www, '--ready-json', '-'], { stdio: ['ignore', 'pipe', 'pipe'] });
    const said = [];
    let settled = false;
    const out = createInterface({ input: child.stdout });
    out.on('line', (line) => {
      if (!settled && line.startsWith('{')) {
        settled = true;
        out.close();
        resolve({ child, ready: JSON.parse(line) });
      }
    });
    createInterface({ input: child.stderr }).on('line', (line) => {
      said.push(line);
      if (settled) console.error(line);
    });
    child.on('exit', (code) => {
      if (settled) return;
      settled = true;
      if (said.some((l) => /in use|Address already/i.test(l))) resolve(null);
      else reject(new Error(`onus serve exited with ${code}:\n${said.join('\n')}`));
    });
  });
}

const wanted = Number(process.env.PORT) || 8080;
let started = await serve(wanted);
if (!started) {
  console.log(`start: port ${wanted} is taken; using a free one`);
  started = await serve(0);
}
const { child, ready } = started;
const polls = ready.logs.find((l) => l.name === 'polls') ?? ready.logs[0];
console.log(`
Onus is running. Open the demo trace, verified in your browser:

  ${ready.url}/?trace=demo.jsonl

The same demo published as a tiled log (a return visit fetches only what is new):

  ${ready.url}/?log=demo-log/

Vote in the example poll (every browser recounts the ballots itself):

  ${polls?.widgets[0] ?? `${ready.url}/poll.html?log=/logs/polls`}

Embed that poll in any page:

  ${ready.embed}

Or open ${ready.url}/ to check your own trace. Data: ${ready.data}. Ctrl+C stops it.`);
child.stdout.pipe(process.stdout);
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => child.kill('SIGINT'));
child.on('exit', (code) => process.exit(code ?? 0));
