// Every test: Rust unit and integration tests, then the wasm build, then the
// browser tests in real headless Chromium.
import { execSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
// The tools get no standard input: none of them needs it.
const sh = (cmd) => { console.log(`test: $ ${cmd}`); execSync(cmd, { stdio: ['ignore', 'inherit', 'inherit'], cwd: root }); };

sh('cargo test --all-features');
sh('node scripts/build.mjs');
sh('node --test --test-concurrency=1 tests/browser/');
