// The format's test kit (tests/testkit/) through the page in Chromium, and
// through the plain-JS peer verifier of bench/baseline.js where it applies.
// The Rust core and the CLI run the same files in tests/testkit.rs.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { launch, serveStatic, WWW, ROOT, openPage, waitForResult } from './harness.mjs';

const KIT = join(ROOT, 'tests', 'testkit');
// The peer verifier reports a status only, from signatures, ids, refs, Merkle
// roots and checkpoints. Of the kit's `needs`, it handles these because they
// only ever add warnings, which do not change a status.
const BASELINE_HANDLES = new Set(['roster', 'polls', 'accountability']);

let browser, srv;
const cases = readdirSync(KIT).filter((f) => f.endsWith('.expect.json')).map((f) => {
  const name = f.slice(0, -'.expect.json'.length);
  const args = existsSync(join(KIT, `${name}.args.json`)) ? JSON.parse(readFileSync(join(KIT, `${name}.args.json`), 'utf8')) : [];
  return { name, args, expect: JSON.parse(readFileSync(join(KIT, f), 'utf8')) };
});

before(async () => {
  srv = await serveStatic([WWW, ROOT]);
  browser = await launch();
});
after(async () => {
  await browser?.close();
  await srv?.close();
});

/** Status, errors and warnings of a report, in the kit's form. */
function outcome(r) {
  const of = (sev) => r.findings.filter((f) => f.severity === sev).map((f) => ({ code: f.code, line: f.line, index: f.index }));
  return { status: r.status, errors: of('error'), warnings: of('warning') };
}

test(`the page gives every case of the test kit its expected report (${cases.length} cases)`, { timeout: 300_000 }, async (t) => {
  assert.ok(cases.length >= 40, `${cases.length} cases in ${KIT}`);
  const { page, errors, context } = await openPage(browser);
  await page.goto(`${srv.url}/`);
  for (const c of cases) {
    // Each case is a first visit; a held checkpoint (--known) is what the page remembers.
    await page.evaluate(() => localStorage.clear());
    let query = `trace=${encodeURIComponent(`/tests/testkit/${c.name}.jsonl`)}`;
    for (let i = 0; i < c.args.length; i += 2) {
      const [flag, value] = [c.args[i], c.args[i + 1]];
      if (flag === '--key') query += `&key=${encodeURIComponent(value)}`;
      else if (flag === '--known') {
        const [size, root] = value.split(':');
        await page.evaluate(([s, r]) => localStorage.setItem('onus:checkpoint:test.onus.dev/log', JSON.stringify({ size: Number(s), root: r })), [size, root]);
      } else assert.fail(`${c.name}: unknown option ${flag}`);
    }
    await page.goto(`${srv.url}/?${query}`);
    const shown = await waitForResult(page);
    const report = await page.evaluate(() => window.onusReport);
    assert.ok(report, `${c.name}: no report (the page says ${shown})`);
    assert.deepEqual(outcome(report), { status: c.expect.status, errors: c.expect.errors, warnings: c.expect.warnings }, `${c.name}: ${c.expect.about}`);
    assert.equal(shown, c.expect.status, `${c.name}: data-onus-status`);
  }
  t.diagnostic(`${cases.length} cases agree`);
  assert.deepEqual(errors, []);
  await context.close();
});

test('the plain-JS peer verifier (bench/baseline.js) agrees on the status of every case in its scope', { timeout: 300_000 }, async (t) => {
  const { page, context } = await openPage(browser);
  await page.goto(`${srv.url}/bench/index.html`);
  const inScope = cases.filter((c) => c.args.length === 0 && c.expect.needs.every((n) => BASELINE_HANDLES.has(n)));
  const outOfScope = cases.filter((c) => !inScope.includes(c)).map((c) => c.name);
  assert.ok(inScope.length >= 25, `only ${inScope.length} cases in the peer's scope`);
  for (const c of inScope) {
    const r = await page.evaluate(async (url) => {
      const { verifyTrace } = await import('/bench/baseline.js');
      return verifyTrace(url, 'webcrypto');
    }, `/tests/testkit/${c.name}.jsonl`);
    assert.equal(r.status, c.expect.status, `${c.name}: the peer says ${r.status} (${r.firstErrors.join('; ')})`);
  }
  t.diagnostic(`${inScope.length} cases agree; out of the peer's scope: ${outOfScope.join(', ')}`);
  await context.close();
});
