// Installs what a fresh machine lacks: the wasm target, wasm-bindgen-cli (same
// version as the crate), npm packages, (with --browser) Debian's Chromium, and
// (with --services) what scripts/services.mjs runs for the Rust tests: Debian's
// PostgreSQL server and moto's S3 emulator from PyPI.
import { execSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const wantBrowser = process.argv.includes('--browser');
const wantServices = process.argv.includes('--services');
const sudo = process.getuid && process.getuid() !== 0 ? 'sudo ' : '';

function have(cmd) {
  return spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;
}
function works(cmd) {
  return spawnSync('sh', ['-c', cmd], { stdio: 'ignore' }).status === 0;
}
function run(cmd, why) {
  console.log(`setup: ${why}\n  $ ${cmd}`);
  // No standard input, except for sudo's password prompt.
  const stdin = cmd.includes('sudo ') ? 'inherit' : 'ignore';
  execSync(cmd, { stdio: [stdin, 'inherit', 'inherit'], cwd: root });
}

// The wasm-bindgen CLI must match the crate's pinned version exactly.
const cargoToml = readFileSync(join(root, 'Cargo.toml'), 'utf8');
const pinned = cargoToml.match(/wasm-bindgen = "=([0-9.]+)"/)?.[1];
if (!pinned) throw new Error('Cargo.toml must pin wasm-bindgen exactly (wasm-bindgen = "=0.2.N")');

if (!have('cargo')) {
  console.error('setup: cargo is missing. Install Rust with rustup (https://rustup.rs) and run this again.');
  process.exit(1);
}
const targets = execSync('rustup target list --installed', { encoding: 'utf8' });
if (!targets.includes('wasm32-unknown-unknown')) run('rustup target add wasm32-unknown-unknown', 'adding the wasm32 target');

const wbVersion = have('wasm-bindgen') ? execSync('wasm-bindgen --version', { encoding: 'utf8' }).trim() : '';
if (!wbVersion.endsWith(` ${pinned}`)) {
  // No --locked: one locked dependency of the CLI is missing from the registry.
  run(`cargo install wasm-bindgen-cli --version ${pinned} --force`, `installing wasm-bindgen-cli ${pinned} (about 3 minutes, once)`);
}

if (!existsSync(join(root, 'node_modules', 'playwright-core')) || !existsSync(join(root, 'node_modules', 'binaryen'))) {
  run(existsSync(join(root, 'package-lock.json')) ? 'npm ci --no-audit --no-fund' : 'npm install --no-audit --no-fund', 'installing npm packages');
}

if (wantBrowser && !existsSync('/usr/bin/chromium')) {
  run(`${sudo}apt-get update && ${sudo}env DEBIAN_FRONTEND=noninteractive apt-get install -y chromium`, "installing Debian's Chromium for the browser tests");
}
if (wantServices) {
  const pgVersions = existsSync('/usr/lib/postgresql') ? readdirSync('/usr/lib/postgresql') : [];
  if (!pgVersions.some((v) => existsSync(join('/usr/lib/postgresql', v, 'bin', 'initdb')))) {
    run(`${sudo}apt-get update && ${sudo}env DEBIAN_FRONTEND=noninteractive apt-get install -y postgresql`, "installing Debian's PostgreSQL server for the Rust tests");
  }
  if (!have('moto_server') && !works("python3 -c 'import moto.server'")) {
    if (!works('python3 -m pip --version')) {
      run(`${sudo}apt-get update && ${sudo}env DEBIAN_FRONTEND=noninteractive apt-get install -y python3 python3-pip`, "installing Debian's Python and pip, for moto");
    }
    // Debian's own Python refuses pip installs (PEP 668) unless told; as root they
    // go to /usr/local, apart from Debian's packages, otherwise to ~/.local (then
    // scripts/services.mjs runs `python3 -m moto.server`). Other Pythons ignore the variable.
    run("env PIP_BREAK_SYSTEM_PACKAGES=1 python3 -m pip install 'moto[server]'", "installing moto's S3 emulator for the Rust tests");
  }
}
console.log('setup: ready');
