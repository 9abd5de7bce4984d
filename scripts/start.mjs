// `npm start` (after setup and build): writes a demo trace into www/, runs the
// collector `onus serve` (the page, the demo trace and the example poll) on
// 127.0.0.1 (port $PORT or 8080, or a free one when that is taken), and
// prints the URLs. Ctrl+C stops it.
import { spawn, spawnSync } from 'node:child_process';
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

/** Starts `onus serve` on `port`; resolves to {child, url, lines} once it listens, or null if the port is taken. */
function serve(port) {
  return new Promise((resolve, reject) => {
    const child = spawn(onus, ['serve', '--data', data, '--addr', `127.0.0.1:${port}`, '--www', www], { stdio: ['ignore', 'pipe', 'pipe'] });
    const lines = [];
    let settled = false;
    const onLine = (line) => {
      lines.push(line);
      const m = line.match(/listening on (http:\/\/\S+)/);
      if (m && !settled) {
        settled = true;
        // Give the remaining lines of the banner a moment to arrive.
        setTimeout(() => resolve({ child, url: m[1], lines }), 200);
      }
    };
    let buffered = '';
    const feed = (chunk) => {
      buffered += chunk;
      let i;
      while ((i = buffered.indexOf('\n')) >= 0) {
        onLine(buffered.slice(0, i));
        buffered = buffered.slice(i + 1);
      }
    };
    child.stdout.on('data', feed);
    child.stderr.on('data', feed);
    child.on('exit', (code) => {
      if (settled) return;
      settled = true;
      if (lines.some((l) => /in use|Address already/i.test(l))) resolve(null);
      else reject(new Error(`onus serve exited with ${code}:\n${lines.join('\n')}`));
    });
  });
}

const wanted = Number(process.env.PORT) || 8080;
let started = await serve(wanted);
if (!started) {
  console.log(`start: port ${wanted} is taken; using a free one`);
  started = await serve(0);
}
const { child, url, lines } = started;
const widget = lines.map((l) => l.match(/widget\s+(\S+)/)?.[1]).find(Boolean);
const embed = lines.map((l) => l.match(/embed\s+(<script.*)/)?.[1]).find(Boolean);
console.log(`
Onus is running. Open the demo trace, verified in your browser:

  ${url}/?trace=demo.jsonl

Vote in the example poll (every browser recounts the ballots itself):

  ${widget ?? `${url}/poll.html?log=/logs/polls`}

Embed that poll in any page:

  ${embed ?? ''}

Or open ${url}/ to check your own trace. Data: ${data}. Ctrl+C stops it.`);
child.stdout.pipe(process.stdout);
child.stderr.pipe(process.stderr);
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => child.kill('SIGINT'));
child.on('exit', (code) => process.exit(code ?? 0));
