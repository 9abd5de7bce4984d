// Every test: Rust unit and integration tests, then the wasm build, then the
// browser tests in real headless Chromium. The Rust tests get a throwaway
// PostgreSQL and an S3 emulator (scripts/services.mjs), stopped afterwards.
import { execSync, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import { startServices } from './services.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
// The tools get no standard input: none of them needs it.
const sh = (cmd) => { console.log(`test: $ ${cmd}`); execSync(cmd, { stdio: ['ignore', 'inherit', 'inherit'], cwd: root }); };
// The same, but without blocking, so that a signal stops the services at once
// rather than after the command; resolves to its exit code.
const shAsync = (cmd, env) =>
  new Promise((resolve) => {
    console.log(`test: $ ${cmd}`);
    // Its own process group, so that an interrupted run also ends the test binaries.
    const child = spawn(cmd, { shell: true, detached: true, stdio: ['ignore', 'inherit', 'inherit'], cwd: root, env: env && { ...process.env, ...env } });
    const kill = () => { try { process.kill(-child.pid, 'SIGTERM'); } catch {} };
    process.on('exit', kill);
    child.on('error', (e) => {
      console.error(`test: ${cmd}: ${e.message}`);
      resolve(1);
    });
    child.on('exit', (code, signal) => {
      process.removeListener('exit', kill);
      resolve(code ?? 128 + ({ SIGHUP: 1, SIGINT: 2, SIGKILL: 9, SIGTERM: 15 }[signal] ?? 0));
    });
  });

const services = await startServices();
let code;
try {
  code = await shAsync('cargo test --all-features', services.env);
} finally {
  await services.stop();
}
if (code !== 0) {
  console.error(`test: cargo test failed (exit code ${code})`);
  process.exit(code);
}
sh('node scripts/build.mjs');
sh('node --test --test-concurrency=1 tests/browser/');
