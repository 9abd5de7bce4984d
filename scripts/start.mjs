// `npm start`: writes a demo trace into www/ and serves the page on
// 127.0.0.1 (port $PORT or 8080, or a free one when that is taken).
// The static server is its own function so `onus serve` can replace it later.
import { spawnSync } from 'node:child_process';
import { createServer } from 'node:http';
import { createReadStream, existsSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, extname, join, normalize, sep } from 'node:path';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const www = join(root, 'www');
const onus = join(root, 'target', 'release', 'onus');

const MIME = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8', '.wasm': 'application/wasm', '.json': 'application/json; charset=utf-8',
  '.jsonl': 'application/jsonl; charset=utf-8', '.svg': 'image/svg+xml', '.png': 'image/png', '.ico': 'image/x-icon',
  '.txt': 'text/plain; charset=utf-8',
};

/** Serves `dir` read-only on 127.0.0.1; resolves to the port it listens on. */
export function serveStatic(dir, port) {
  const base = normalize(dir + sep);
  const server = createServer((req, res) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD' }).end();
      return;
    }
    let path;
    try {
      path = decodeURIComponent(new URL(req.url, 'http://x').pathname);
    } catch {
      res.writeHead(400).end();
      return;
    }
    let file = normalize(join(dir, path));
    if (!file.startsWith(base) && file !== normalize(dir)) {
      res.writeHead(403).end();
      return;
    }
    if (existsSync(file) && statSync(file).isDirectory()) file = join(file, 'index.html');
    if (!existsSync(file) || !statSync(file).isFile()) {
      res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('not found\n');
      return;
    }
    res.writeHead(200, {
      'content-type': MIME[extname(file)] ?? 'application/octet-stream',
      'content-length': statSync(file).size,
      'cache-control': 'no-cache',
      'x-content-type-options': 'nosniff',
    });
    if (req.method === 'HEAD') res.end();
    else createReadStream(file).pipe(res);
  });
  return new Promise((resolve, reject) => {
    server.once('error', (e) => {
      if (e.code === 'EADDRINUSE' && port !== 0) {
        console.log(`start: port ${port} is taken; using a free one`);
        server.listen(0, '127.0.0.1');
      } else reject(e);
    });
    server.once('listening', () => resolve(server.address().port));
    server.listen(port, '127.0.0.1');
  });
}

function writeDemo() {
  const out = join(www, 'demo.jsonl');
  const r = spawnSync(onus, ['demo', '--statements', '2000', '--out', out], { stdio: 'inherit' });
  if (r.status !== 0) {
    console.error(`start: ${onus} demo failed; run npm run build first`);
    process.exit(1);
  }
}

writeDemo();
const port = await serveStatic(www, Number(process.env.PORT) || 8080);
console.log(`\nOnus is running. Open the demo:\n\n  http://127.0.0.1:${port}/?trace=demo.jsonl\n\nor http://127.0.0.1:${port}/ to check your own trace. Ctrl+C stops it.`);
