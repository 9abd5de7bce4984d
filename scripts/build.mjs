// Builds the native `onus` binary and the wasm core for the page:
// cargo (wasm32, profile "wasm") -> wasm-bindgen (web target) -> wasm-opt, into www/pkg/.
import { execSync } from 'node:child_process';
import { mkdirSync, statSync, readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
// The tools get no standard input: none of them needs it.
const sh = (cmd) => { console.log(`build: $ ${cmd}`); execSync(cmd, { stdio: ['ignore', 'inherit', 'inherit'], cwd: root }); };

sh('cargo build --release');
// cdylib only for wasm, so native builds do not link a shared library they never use.
// Two modules from one crate: the trace verifier (feature page) and the OpenGradient
// checks (feature og), which the page loads only when such a file is opened.
mkdirSync(join(root, 'www', 'pkg'), { recursive: true });
for (const [feature, name] of [['page', 'onus'], ['og', 'onus_og']]) {
  sh(`cargo rustc --lib --profile wasm --target wasm32-unknown-unknown --no-default-features --features ${feature} --crate-type cdylib`);
  sh(`wasm-bindgen --target web --no-typescript --out-dir www/pkg --out-name ${name} target/wasm32-unknown-unknown/wasm/onus.wasm`);
  sh(`node_modules/.bin/wasm-opt -O3 --enable-simd --enable-bulk-memory --enable-nontrapping-float-to-int --enable-sign-ext --enable-mutable-globals www/pkg/${name}_bg.wasm -o www/pkg/${name}_bg.wasm`);
}
const wasm = readFileSync(join(root, 'www', 'pkg', 'onus_bg.wasm'));
const og = readFileSync(join(root, 'www', 'pkg', 'onus_og_bg.wasm'));
console.log(`build: www/pkg/onus_og_bg.wasm ${og.length} bytes, ${gzipSync(og, { level: 9 }).length} gzipped`);
console.log(`build: www/pkg/onus_bg.wasm ${wasm.length} bytes, ${gzipSync(wasm, { level: 9 }).length} gzipped`);
// The demo trace the page's "Try the demo" opens (www/demo.jsonl), so that any
// copy of www/ a build made has it; npm start writes it again, as it seals it.
sh('target/release/onus demo --statements 2000 --out www/demo.jsonl');
