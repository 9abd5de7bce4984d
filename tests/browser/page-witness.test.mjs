// The page under a trust policy (FORMAT.md section 9): a trace whose checkpoint
// a real `onus witness serve` cosigned, checked with &policy=URL (who vouched,
// and when), with a policy the checkpoint does not meet, with none, with the
// policy pinned from an earlier visit, a weaker policy in a later link, a
// split view (two histories of one size shown to the same witness), and a
// policy that is not one.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { launch, serveStatic, onus, WWW, ONUS, openPage, authoredTrace, waitForResult, screenshotTop } from './harness.mjs';

let browser, srv, dir, witness;
let logVkey, w1, w2;

/** Starts `onus <args>` and resolves with {child, url} once it says where it listens. */
function startServer(args, said) {
  const child = spawn(ONUS, args, { stdio: ['ignore', 'pipe', 'ignore'] });
  return new Promise((resolve, reject) => {
    const lines = createInterface({ input: child.stdout });
    lines.on('line', (l) => {
      const m = l.match(said);
      if (m) resolve({ child, url: m[1] });
    });
    child.on('exit', (code) => reject(new Error(`onus ${args[0]} exited with ${code}`)));
  });
}

const startWitness = (args) => startServer(['witness', 'serve', ...args, '--addr', '127.0.0.1:0', '--rate', '0'], /^onus witness: listening on (\S+)/);

/** The demo trace with its last checkpoint cosigned by the witness (as a log that asks one would publish it). */
async function cosignedTrace(file) {
  const lines = readFileSync(file, 'utf8').split('\n');
  const at = lines.map((l, i) => [l, i]).filter(([l]) => l.startsWith('{"checkpoint"')).pop()[1];
  const note = JSON.parse(lines[at]).checkpoint;
  const res = await fetch(`${witness.url}/add-checkpoint`, { method: 'POST', body: `old 0\n\n${note}` });
  assert.equal(res.status, 200, await res.clone().text());
  const line = (await res.text()).trim();
  lines[at] = JSON.stringify({ checkpoint: `${note}${line}\n` });
  return lines.join('\n');
}

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'onus-page-witness-'));
  const trace = join(dir, 'plain.jsonl');
  assert.equal(onus(['demo', '--statements', '300', '--seed', '4', '--out', trace]).status, 0);
  logVkey = JSON.parse(onus(['verify', '--json', trace]).stdout).vkey;
  const k1 = onus(['witness', 'keygen', 'witness.example/w1', '--out', join(dir, 'w1.key')]);
  w1 = k1.stdout.trim();
  w2 = onus(['witness', 'keygen', 'witness.example/w2', '--out', join(dir, 'w2.key')]).stdout.trim();
  writeFileSync(join(dir, 'logs.txt'), `log ${logVkey}\n`);
  witness = await startWitness(['--key', join(dir, 'w1.key'), '--logs', join(dir, 'logs.txt'), '--data', join(dir, 'wstate')]);
  writeFileSync(join(dir, 'cosigned.jsonl'), await cosignedTrace(trace));
  writeFileSync(join(dir, 'w1.policy'), `# the demo log, witnessed by w1\nlog ${logVkey}\nwitness W1 ${w1}\nquorum W1\n`);
  writeFileSync(join(dir, 'w2.policy'), `log ${logVkey}\nwitness W2 ${w2}\nquorum W2\n`);
  writeFileSync(join(dir, 'none.policy'), `log ${logVkey}\nquorum none\n`);
  writeFileSync(join(dir, 'bad.policy'), `log ${logVkey}\nquorum W9\n`);
  srv = await serveStatic([WWW, dir]);
  browser = await launch();
});

after(async () => {
  await browser?.close();
  await srv?.close();
  witness?.child.kill();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const fact = (page) => page.locator('#witness-fact').innerText();

/** Asks `w` to cosign the trace's last checkpoint (from size 0, then from the size a 409 names): the status, and the trace with the cosignature when it gave one. */
async function askWitness(w, file) {
  const lines = readFileSync(file, 'utf8').split('\n');
  const at = lines.map((l, i) => [l, i]).filter(([l]) => l.startsWith('{"checkpoint"')).pop()[1];
  const note = JSON.parse(lines[at]).checkpoint;
  let res = await fetch(`${w.url}/add-checkpoint`, { method: 'POST', body: `old 0\n\n${note}` });
  if (res.status === 409) res = await fetch(`${w.url}/add-checkpoint`, { method: 'POST', body: `old ${(await res.text()).trim()}\n\n${note}` });
  if (res.status !== 200) return { status: res.status, trace: lines.join('\n') };
  lines[at] = JSON.stringify({ checkpoint: `${note}${(await res.text()).trim()}\n` });
  return { status: 200, trace: lines.join('\n') };
}

test('under a policy the verdict says which witness cosigned, and when; a policy not met seals nothing', async () => {
  const { context, page, errors } = await openPage(browser);
  await page.goto(`${srv.url}/?trace=/cosigned.jsonl&policy=/w1.policy`);
  assert.equal(await waitForResult(page), 'verified');
  const r = await page.evaluate(() => window.onusReport);
  assert.equal(r.policy.quorum, 'W1');
  assert.equal(r.sealed.cosigners[0].key_name, 'witness.example/w1');
  assert.match(await fact(page), /^Cosigned by 1 of 1 witness: W1 \(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC\)\./);
  assert.match(await page.locator('.fact:has(#witness-fact)').innerText(), /Quorum met: W1, as the policy from http:\/\/127\.0\.0\.1:\d+\/w1\.policy requires/);
  await screenshotTop(page, 'witness-cosigned');

  // Another policy, wanting w2: the checkpoint is the log's alone.
  const other = await context.newPage();
  await other.goto(`${srv.url}/?trace=/cosigned.jsonl&policy=/w2.policy`);
  assert.equal(await waitForResult(other), 'unsealed');
  assert.match(await fact(other), /No checkpoint is cosigned as the policy from .*w2\.policy requires \(quorum: W2\)/);
  const codes = (await other.evaluate(() => window.onusReport)).findings.map((f) => f.code);
  assert.ok(codes.includes('checkpoint.quorum.unmet'), codes.join(' '));
  // The log's policy on this device was W1: a different one is a loud warning.
  assert.match(await other.locator('#policy-warning').innerText(), /different trust policy[\s\S]*quorum is “W1”[\s\S]*quorum is “W2”/);
  await screenshotTop(other, 'witness-unmet');
  assert.deepEqual(errors, []);
  await context.close();
});

test('without a policy only the log vouches; a pinned one applies on the next visit; a weaker link is flagged', async () => {
  const { context, page, errors } = await openPage(browser);
  await page.goto(`${srv.url}/?trace=/cosigned.jsonl`);
  assert.equal(await waitForResult(page), 'verified');
  assert.match(await fact(page), /^Only the log vouches for this checkpoint/);
  assert.equal((await page.evaluate(() => window.onusReport)).policy, undefined);
  await screenshotTop(page, 'witness-none');

  await page.goto(`${srv.url}/?trace=/cosigned.jsonl&policy=/w1.policy`);
  assert.equal(await waitForResult(page), 'verified');
  // Next visit, no policy in the link: the pinned one applies.
  await page.goto(`${srv.url}/?trace=/cosigned.jsonl`);
  assert.equal(await waitForResult(page), 'verified');
  assert.match(await fact(page), /^Cosigned by 1 of 1 witness: W1/);
  assert.match(await page.locator('.fact:has(#witness-fact)').innerText(), /the policy pinned on this device for this log/);
  // A link that asks for no witness at all: weaker, and said so.
  await page.goto(`${srv.url}/?trace=/cosigned.jsonl&policy=/none.policy`);
  assert.equal(await waitForResult(page), 'verified');
  assert.match(await page.locator('#policy-warning').innerText(), /weaker trust policy/);
  assert.match(await fact(page), /^Only the log vouches for this checkpoint: the policy from .*none\.policy requires no witness/);
  await screenshotTop(page, 'witness-weaker');
  assert.deepEqual(errors, []);
  await context.close();
});

test('the poll widget of a witnessed collector says who witnessed the count', async () => {
  // The log first (its key goes into the witness's list), its poll, a witness, then the collector.
  const data = join(dir, 'collector');
  const vkey = onus(['log', 'create', 'polls', '--kind', 'polls', '--data', data]).stdout.trim();
  const poll = onus(['poll', 'create', '--data', data, '--question', 'Ship it?', '--option', 'yes', '--option', 'no', '--closes', '2099-01-01T00:00:00Z']).stdout.trim();
  writeFileSync(join(dir, 'logs2.txt'), `log ${vkey}\n`);
  const w = await startWitness(['--key', join(dir, 'w1.key'), '--logs', join(dir, 'logs2.txt'), '--data', join(dir, 'wstate2')]);
  const collector = await startServer(['serve', '--data', data, '--www', WWW, '--addr', '127.0.0.1:0', '--rate', '0', '--seal-ms', '200', '--witness', `${w.url}=${w1}`], /^onus serve: listening on (\S+)/);
  try {
    const { context, page, errors } = await openPage(browser, { viewport: { width: 420, height: 640 } });
    await page.goto(`${collector.url}/poll.html?log=/logs/polls&poll=${poll}`);
    let text = '';
    for (let i = 0; i < 150 && !/Witnessed by/.test(text); i++) {
      await page.waitForTimeout(200);
      text = await page.locator('#proof').innerText();
    }
    assert.match(text, /Witnessed by/, `the widget says: ${text}`);
    assert.match(await page.locator('#proof').innerText(), /every signature and checkpoint checks\. Witnessed by witness\.example\/w1\./);
    await screenshotTop(page, 'witness-poll');
    // The widget's link to the whole log carries the collector's policy.
    assert.match(await page.locator('#check').getAttribute('href'), /[?&]policy=http%3A%2F%2F127\.0\.0\.1%3A\d+%2Flogs%2Fpolls%2Fpolicy/);
    assert.deepEqual(errors, []);
    await context.close();
  } finally {
    collector.child.kill('SIGTERM');
    w.child.kill();
  }
});

// The split view of the witness issue: the log signs two different trees of
// size 3 and shows each to the same witness. The witness cosigns the first
// and refuses the second; a reader whose policy requires it sees the first
// sealed and the second not.
test('a split view: the witness cosigns one history and refuses the other, and the page seals only the first', async () => {
  const a = authoredTrace(dir, 'example.org/split', 'split-a', ['2026-12-01T00:00:01Z', '2026-12-01T00:00:02Z']);
  const b = authoredTrace(dir, 'example.org/split', 'split-b', ['2026-12-01T00:00:01Z', '2026-12-01T00:00:03Z']);
  const vkey = JSON.parse(onus(['verify', '--json', a]).stdout).vkey;
  writeFileSync(join(dir, 'split-logs.txt'), `log ${vkey}\n`);
  const w = await startWitness(['--key', join(dir, 'w1.key'), '--logs', join(dir, 'split-logs.txt'), '--data', join(dir, 'wstate-split')]);
  try {
    const first = await askWitness(w, a);
    const second = await askWitness(w, b);
    assert.equal(first.status, 200);
    assert.equal(second.status, 409, 'the witness holds size 3 with another root');
    writeFileSync(join(dir, 'split-a-cosigned.jsonl'), first.trace);
    writeFileSync(join(dir, 'split-b-shown.jsonl'), second.trace);
    writeFileSync(join(dir, 'split.policy'), `log ${vkey}\nwitness W1 ${w1}\nquorum W1\n`);
    const { context, page, errors } = await openPage(browser);
    await page.goto(`${srv.url}/?trace=/split-a-cosigned.jsonl&policy=/split.policy`);
    assert.equal(await waitForResult(page), 'verified');
    assert.match(await fact(page), /^Cosigned by 1 of 1 witness: W1/);
    // Another reader (nothing remembered from the first history) is shown the second.
    const { context: context2, page: other, errors: errors2 } = await openPage(browser);
    await other.goto(`${srv.url}/?trace=/split-b-shown.jsonl&policy=/split.policy`);
    assert.equal(await waitForResult(other), 'unsealed');
    const r = await other.evaluate(() => window.onusReport);
    assert.equal(r.sealed, null, 'no checkpoint seals the other history');
    assert.ok(r.findings.some((f) => f.code === 'checkpoint.quorum.unmet'), r.findings.map((f) => f.code).join(' '));
    await screenshotTop(other, 'witness-split-view');
    // The first reader, shown the second history too: a fork of what it saw.
    await page.goto(`${srv.url}/?trace=/split-b-shown.jsonl&policy=/split.policy`);
    assert.equal(await waitForResult(page), 'failed');
    await page.locator('#fork-warning').waitFor();
    assert.deepEqual([...errors, ...errors2], []);
    await context.close();
    await context2.close();
  } finally {
    w.child.kill();
  }
});

test('a policy that is not one, or cannot be fetched, stops the check with what is wrong', async () => {
  const { context, page } = await openPage(browser);
  await page.goto(`${srv.url}/?trace=/cosigned.jsonl&policy=/bad.policy`);
  assert.equal(await waitForResult(page), 'error');
  const text = await page.locator('#error').innerText();
  assert.match(text, /The trust policy cannot be used/);
  assert.match(text, /policy line 2: "W9" is not defined on an earlier line/);
  await page.goto(`${srv.url}/?trace=/cosigned.jsonl&policy=/missing.policy`);
  assert.equal(await waitForResult(page), 'error');
  assert.match(await page.locator('#error').innerText(), /The trust policy could not be fetched[\s\S]*answered HTTP 404/);
  await screenshotTop(page, 'witness-policy-missing');
  await context.close();
});
