// Throwaway services for the Rust tests: a PostgreSQL cluster and an S3
// emulator (moto), each on a free port of 127.0.0.1, in one temp folder that
// stop() removes. scripts/test.mjs starts them around `cargo test`;
// `node scripts/setup.mjs --services` installs what they need.
//
// What the tests get in their environment:
//   ONUS_TEST_POSTGRES    postgres://postgres@127.0.0.1:PORT/postgres (trust auth, no password)
//   ONUS_TEST_PG_DATA     the cluster's data folder (also its Unix socket folder, the -k)
//   ONUS_TEST_PG_BIN      the folder of pg_ctl, postgres, initdb, pg_isready
//   ONUS_TEST_PG_PORT     PORT
//   ONUS_TEST_PG_LOG      the server's log file (owned by the server's user)
//   ONUS_TEST_PG_USER     'postgres' when the tests run as root (the server runs as that
//                         user; PostgreSQL refuses root); unset otherwise (same user as the tests)
//   ONUS_TEST_PG_RESTART  the restart command below, ready for `sh -c`
//   ONUS_TEST_S3_ENDPOINT http://127.0.0.1:PORT (moto: any bucket name, path-style or not)
//   AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test AWS_REGION=us-east-1
//   AWS_DEFAULT_REGION=us-east-1 AWS_ALLOW_HTTP=true
//
// A crash test: kill -9 the postmaster, whose pid is the first line of
// $ONUS_TEST_PG_DATA/postmaster.pid, then restart it on the same port and
// folder at once, with this (as root; without the runuser prefix otherwise):
//
//   runuser -u "$ONUS_TEST_PG_USER" -- "$ONUS_TEST_PG_BIN/pg_ctl" -D "$ONUS_TEST_PG_DATA" -l "$ONUS_TEST_PG_LOG" -o "-k $ONUS_TEST_PG_DATA -c listen_addresses=127.0.0.1 -p $ONUS_TEST_PG_PORT" -w -t 60 start
//
// or `sh -c "$ONUS_TEST_PG_RESTART"`, which is the same with the values filled
// in. pg_ctl says "another server might be running; trying to start server
// anyway" (the stale postmaster.pid) and returns, in 0.5-3 s here, once the
// server accepts connections: after crash recovery, and after the old
// server's backends noticed their postmaster's death and exited. The -l
// matters: without it the new server inherits pg_ctl's stdout, and a test that
// captures that output (Command::output()) waits forever. The port, socket
// folder, fsync=on and max_connections=200 are also in the cluster's
// postgresql.conf, so a restart without -o gets the same settings. stop()
// stops whichever postmaster is running then, restarted or not.
import { spawn, spawnSync } from 'node:child_process';
import { chownSync, closeSync, existsSync, mkdtempSync, openSync, appendFileSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import net from 'node:net';
import http from 'node:http';

const TIMEOUT_MS = 30_000;
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const isRoot = process.getuid?.() === 0;

function have(cmd) {
  return spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;
}

// The last lines of a log file, for error messages.
function tail(file, lines = 25) {
  try {
    const text = readFileSync(file, 'utf8').trimEnd();
    return text ? text.split('\n').slice(-lines).map((l) => `    ${l}`).join('\n') : '    (empty)';
  } catch {
    return '    (no log)';
  }
}

// A port nothing listens on now: bind port 0, read it, close.
function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

// PostgreSQL 15 if present, else the newest installed major version.
function findPgBin() {
  const base = '/usr/lib/postgresql';
  const preferred = join(base, '15', 'bin');
  if (existsSync(join(preferred, 'initdb'))) return preferred;
  let versions = [];
  try {
    versions = readdirSync(base).filter((v) => existsSync(join(base, v, 'bin', 'initdb')));
  } catch {}
  versions.sort((a, b) => Number(b) - Number(a));
  if (versions.length) return join(base, versions[0], 'bin');
  throw new Error(
    'services: PostgreSQL cannot be started: no /usr/lib/postgresql/*/bin/initdb on this machine.\n' +
      '  Install it: `node scripts/setup.mjs --services`, or `apt-get install postgresql`.',
  );
}

function postgresIds() {
  const id = (flag) => spawnSync('id', [flag, 'postgres'], { encoding: 'utf8' });
  const u = id('-u');
  const g = id('-g');
  if (u.status !== 0 || g.status !== 0) {
    throw new Error(
      'services: PostgreSQL cannot be started: the tests run as root, PostgreSQL refuses to run as root, ' +
        'and there is no `postgres` user to run it as.\n' +
        "  Install Debian's package, which creates that user: `apt-get install postgresql`.",
    );
  }
  return { uid: Number(u.stdout.trim()), gid: Number(g.stdout.trim()) };
}

// Runs a command to its end; resolves to { code, signal, out } (stdout+stderr).
function runCapture(cmd, args, opts) {
  return new Promise((resolve) => {
    let out = '';
    let child;
    try {
      child = spawn(cmd, args, { ...opts, stdio: ['ignore', 'pipe', 'pipe'] });
    } catch (e) {
      resolve({ code: -1, signal: null, out: String(e) });
      return;
    }
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    child.on('error', (e) => (out += `\n${e}`));
    child.on('close', (code, signal) => resolve({ code, signal, out }));
  });
}

function exitWatch(child) {
  const state = { exited: false, code: null, signal: null, error: null };
  state.done = new Promise((resolve) => {
    child.on('error', (e) => {
      state.error = e;
      state.exited = true;
      resolve();
    });
    child.on('exit', (code, signal) => {
      Object.assign(state, { exited: true, code, signal });
      resolve();
    });
  });
  return state;
}

function exitText(state) {
  if (state.error) return `it could not be run: ${state.error.message}`;
  return state.signal ? `it was killed by ${state.signal}` : `it exited with code ${state.code}`;
}

// The pid in the first line of postmaster.pid, if the file is there.
function postmasterPid(data) {
  try {
    const pid = Number(readFileSync(join(data, 'postmaster.pid'), 'utf8').split('\n')[0]);
    return pid > 0 ? pid : null;
  } catch {
    return null;
  }
}

function alive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return e.code === 'EPERM';
  }
}

function killQuietly(pid, signal) {
  try {
    process.kill(pid, signal);
  } catch {}
}

async function startPostgres(dir, asUser) {
  const bin = findPgBin();
  const data = join(dir, 'pg');
  const log = join(dir, 'postgres.log');
  const port = await freePort();
  // Run as the postgres user when root: node sets the uid and gid itself (and
  // drops root's supplementary groups), so the pids below are the servers' own.
  const user = asUser ? { uid: asUser.uid, gid: asUser.gid } : {};
  const opts = { ...user, cwd: dir, env: { ...process.env, LC_ALL: 'C' } };

  // --no-sync: only skips flushing initdb's files to disk, which a throwaway
  // cluster does not need; the server itself runs with fsync=on.
  const init = await runCapture(
    join(bin, 'initdb'),
    ['-D', data, '-U', 'postgres', '--auth=trust', '--encoding=UTF8', '--locale=C', '--no-sync'],
    opts,
  );
  if (init.code !== 0) {
    throw new Error(
      `services: PostgreSQL cannot be started: initdb failed (${init.signal ?? `code ${init.code}`}):\n` +
        init.out.trimEnd().split('\n').slice(-25).map((l) => `    ${l}`).join('\n') +
        `\n  Check the PostgreSQL install (${bin}; \`apt-get install postgresql\`) and that ${dir} is writable` +
        (asUser ? ' by the postgres user.' : '.'),
    );
  }
  const settings = [
    'listen_addresses = \'127.0.0.1\'',
    `port = ${port}`,
    `unix_socket_directories = '${data}'`,
    'fsync = on',
    'max_connections = 200',
  ];
  appendFileSync(join(data, 'postgresql.conf'), `\n# scripts/services.mjs\n${settings.join('\n')}\n`);

  // The log belongs to the server's user, so that a restart by the tests (pg_ctl -l) can append to it.
  closeSync(openSync(log, 'a'));
  if (asUser) chownSync(log, asUser.uid, asUser.gid);
  const fd = openSync(log, 'a');
  const child = spawn(
    join(bin, 'postgres'),
    ['-D', data, '-k', data, '-c', 'listen_addresses=127.0.0.1', '-p', String(port), '-c', 'fsync=on', '-c', 'max_connections=200'],
    { ...opts, detached: true, stdio: ['ignore', fd, fd] },
  );
  closeSync(fd);
  const state = exitWatch(child);
  const service = { bin, data, log, port, child, state, asUser };

  const deadline = Date.now() + TIMEOUT_MS;
  for (;;) {
    if (state.exited) {
      throw Object.assign(
        new Error(
          `services: PostgreSQL cannot be started: the server stopped while starting (${exitText(state)}). Its log, ${log}:\n${tail(log)}\n` +
            '  Check the PostgreSQL install (`apt-get install postgresql`).',
        ),
        { service },
      );
    }
    const ready = await runCapture(join(bin, 'pg_isready'), ['-q', '-h', '127.0.0.1', '-p', String(port), '-t', '1'], { env: process.env });
    if (ready.code === 0) return service;
    if (Date.now() > deadline) {
      throw Object.assign(
        new Error(
          `services: PostgreSQL cannot be started: pg_isready -h 127.0.0.1 -p ${port} still fails after ${TIMEOUT_MS / 1000} s. Its log, ${log}:\n${tail(log)}`,
        ),
        { service },
      );
    }
    await sleep(100);
  }
}

function httpAnswers(port) {
  return new Promise((resolve) => {
    const req = http.get({ host: '127.0.0.1', port, path: '/', timeout: 1000 }, (res) => {
      res.resume();
      resolve(true);
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(false));
  });
}

async function startMoto(dir) {
  const log = join(dir, 'moto.log');
  const port = await freePort();
  const args = ['-H', '127.0.0.1', '-p', String(port)];
  const [cmd, argv] = have('moto_server') ? ['moto_server', args] : ['python3', ['-m', 'moto.server', ...args]];
  const fd = openSync(log, 'a');
  // Its own process group, so that stop() can kill whatever it forked.
  const child = spawn(cmd, argv, { cwd: dir, env: process.env, detached: true, stdio: ['ignore', fd, fd] });
  closeSync(fd);
  const state = exitWatch(child);
  const service = { log, port, child, state };
  const how = "  Install moto's server: `node scripts/setup.mjs --services`, or `python3 -m pip install 'moto[server]'`.";

  const deadline = Date.now() + TIMEOUT_MS;
  for (;;) {
    if (state.exited) {
      throw Object.assign(
        new Error(
          `services: the S3 emulator (moto) cannot be started: \`${[cmd, ...argv].join(' ')}\` stopped while starting (${exitText(state)}). Its log, ${log}:\n${tail(log)}\n${how}`,
        ),
        { service },
      );
    }
    if (await httpAnswers(port)) return service;
    if (Date.now() > deadline) {
      throw Object.assign(
        new Error(
          `services: the S3 emulator (moto) cannot be started: http://127.0.0.1:${port}/ still does not answer after ${TIMEOUT_MS / 1000} s. Its log, ${log}:\n${tail(log)}\n${how}`,
        ),
        { service },
      );
    }
    await sleep(100);
  }
}

// Synchronous, so that it also works in signal and exit handlers.
function stopPostgresSync(pg) {
  const user = pg.asUser ? { uid: pg.asUser.uid, gid: pg.asUser.gid } : {};
  if (postmasterPid(pg.data) && existsSync(join(pg.bin, 'pg_ctl'))) {
    spawnSync(join(pg.bin, 'pg_ctl'), ['-D', pg.data, '-m', 'fast', '-w', '-t', '20', 'stop'], {
      ...user,
      cwd: '/',
      stdio: 'ignore',
      timeout: 25_000,
    });
  }
  // Whatever is left: a postmaster pg_ctl could not stop, and the first
  // server's process group (its backends outlive a postmaster killed by -9).
  const pid = postmasterPid(pg.data);
  if (pid && alive(pid)) killQuietly(pid, 'SIGKILL');
  if (pg.child.pid) killQuietly(-pg.child.pid, 'SIGKILL');
}

function stopMotoSync(moto) {
  if (moto.child.pid) killQuietly(-moto.child.pid, 'SIGKILL');
}

const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'];
const SIGNAL_CODES = { SIGHUP: 1, SIGINT: 2, SIGTERM: 15 };

export async function startServices() {
  const asUser = isRoot ? postgresIds() : null;
  const dir = mkdtempSync(join(tmpdir(), 'onus-services-'));
  let pg = null;
  let moto = null;
  let stopped = false;

  const stopSync = () => {
    if (stopped) return;
    stopped = true;
    for (const sig of SIGNALS) process.removeListener(sig, onSignal);
    process.removeListener('exit', stopSync);
    if (pg) stopPostgresSync(pg);
    if (moto) stopMotoSync(moto);
    rmSync(dir, { recursive: true, force: true });
  };
  const onSignal = (sig) => {
    console.error(`services: ${sig}: stopping PostgreSQL and moto`);
    stop().finally(() => process.exit(128 + SIGNAL_CODES[sig]));
  };
  for (const sig of SIGNALS) process.on(sig, onSignal);
  process.on('exit', stopSync);

  // Waits for the children to be reaped, so that nothing is left, not even a zombie.
  const stop = async () => {
    const waits = [pg, moto].filter(Boolean).map((s) => s.state.done);
    stopSync();
    let timer;
    await Promise.race([Promise.all(waits), new Promise((resolve) => (timer = setTimeout(resolve, 5000)))]);
    clearTimeout(timer);
  };

  try {
    if (asUser) chownSync(dir, asUser.uid, asUser.gid);
    const results = await Promise.allSettled([startPostgres(dir, asUser), startMoto(dir)]);
    [pg, moto] = results.map((r) => (r.status === 'fulfilled' ? r.value : r.reason?.service ?? null));
    const failed = results.filter((r) => r.status === 'rejected');
    if (failed.length) {
      // Read before stop() removes the logs the messages quote.
      const message = failed.map((r) => r.reason?.message ?? String(r.reason)).join('\n');
      throw new Error(message);
    }
  } catch (e) {
    await stop();
    throw e;
  }

  const restart =
    (asUser ? 'runuser -u postgres -- ' : '') +
    `${join(pg.bin, 'pg_ctl')} -D ${pg.data} -l ${pg.log} -o "-k ${pg.data} -c listen_addresses=127.0.0.1 -p ${pg.port}" -w -t 60 start`;
  const env = {
    ONUS_TEST_POSTGRES: `postgres://postgres@127.0.0.1:${pg.port}/postgres`,
    ONUS_TEST_PG_DATA: pg.data,
    ONUS_TEST_PG_BIN: pg.bin,
    ONUS_TEST_PG_PORT: String(pg.port),
    ONUS_TEST_PG_LOG: pg.log,
    ...(asUser ? { ONUS_TEST_PG_USER: 'postgres' } : {}),
    ONUS_TEST_PG_RESTART: restart,
    ONUS_TEST_S3_ENDPOINT: `http://127.0.0.1:${moto.port}`,
    AWS_ACCESS_KEY_ID: 'test',
    AWS_SECRET_ACCESS_KEY: 'test',
    AWS_REGION: 'us-east-1',
    AWS_DEFAULT_REGION: 'us-east-1',
    AWS_ALLOW_HTTP: 'true',
  };
  return { env, stop };
}
