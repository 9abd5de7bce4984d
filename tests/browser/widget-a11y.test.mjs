// The poll widget on other people's sites (issue 10): axe-core finds no
// violation in any state (before and after voting, light and dark, embedded
// with each data-theme and OS scheme, the collector-down fallback, a failed
// vote); borders, focus rings and the bars' counts have enough contrast; the
// host page shows through the embed, also with the OS in dark mode (checked
// on a screenshot's pixels); with the collector down the widget says so and
// Retry brings the poll back; a vote whose answer was lost is retried with the
// same signed ballot and counted once; and when poll.html itself cannot be
// loaded embed.js puts a short text with a link in the host page.
// Everything runs against the real collector (`onus serve`) on 127.0.0.1.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, request } from 'node:http';
import { createServer as createNetServer } from 'node:net';
import { mkdtempSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { launch, serveStatic, onus, screenshot, axe, startCollector, WWW } from './harness.mjs';

let browser;
before(async () => {
  assert.ok(existsSync(join(WWW, 'pkg', 'onus_bg.wasm')), 'www/pkg is missing: run npm run build first');
  browser = await launch();
});
after(async () => {
  await browser?.close();
});

// ---------- the collector, a host site, a proxy ----------

/** `onus serve` on a data folder (`port` 0: any). No rate limit: the tests load the widget many times. */
const collector = (data, port = 0) => startCollector(data, { port, rate: 0 });

/** A port nothing listens on (taken, then let go). */
function freePort() {
  return new Promise((resolve) => {
    const s = createNetServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

const tmp = (name) => mkdtempSync(join(tmpdir(), `onus-widget-${name}-`));
const firstPoll = async (url) => (await (await fetch(`${url}/logs/polls`)).json()).polls[0].id;

/** The host page's own colours: a warm light paper, so that an opaque iframe canvas (white or black) shows. */
const HOST_BG = [245, 239, 224];
const HOST_CSS = `html{background:rgb(${HOST_BG.join(',')});color:#1f1a14;font:18px/1.5 Georgia,serif}body{max-width:640px;margin:0 auto;padding:16px 12px}h1{font-size:1.5rem}a{color:#1a4f8b}`;

/** A blog post embedding the poll with `attrs` on the script tag; no color-scheme of its own (a light page). */
function hostPage(attrs) {
  const a = Object.entries(attrs).filter(([, v]) => v != null).map(([k, v]) => `${k}="${v}"`).join(' ');
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>A blog post</title><style>${HOST_CSS}</style></head>
<body><main><h1>Who carries the cost when an AI network gets it wrong?</h1>
<p id="before">Tell us what you think:</p>
<script ${a} async></script>
<p id="after">Thanks for reading.</p></main></body></html>`;
}

/** A site on its own origin serving `pages` (name -> html). */
async function site(pages) {
  const dir = tmp('site');
  for (const [name, html] of Object.entries(pages)) writeFileSync(join(dir, name), html);
  return serveStatic(dir);
}

/**
 * A proxy in front of the collector (so the page and the log share its
 * origin). `gate.post` decides each ballot POST: 'pass'; 'drop' (the
 * connection is cut before the collector sees it); 'lose' (the collector
 * stores it, its answer is cut off on the way back). `gate.posts` holds the
 * ballot bodies the browser sent.
 */
async function proxy(target) {
  const up = new URL(target);
  const gate = { post: 'pass', posts: [] };
  const server = createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const ballot = req.method === 'POST' && req.url.endsWith('/statements');
      if (ballot) gate.posts.push(body.toString());
      if (ballot && gate.post === 'drop') return req.socket.destroy();
      const out = request({ host: up.hostname, port: up.port, method: req.method, path: req.url, headers: { ...req.headers, host: up.host } }, (r) => {
        if (ballot && gate.post === 'lose') {
          r.resume();
          r.on('end', () => req.socket.destroy());
          return;
        }
        res.writeHead(r.statusCode, r.headers);
        r.pipe(res);
      });
      out.on('error', () => req.socket.destroy());
      out.end(body);
    });
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${server.address().port}`, gate, close: () => new Promise((r) => { server.closeAllConnections(); server.close(r); }) };
}

// ---------- the widget ----------

async function newPage(opts = {}) {
  const context = await browser.newContext({ viewport: { width: 640, height: 800 }, ...opts });
  const page = await context.newPage();
  page.errors = [];
  page.on('pageerror', (e) => page.errors.push(e.message));
  return { context, page };
}

/** Waits until the widget (a page or a frame) has rendered its recount, or its fallback. */
const ready = (target) => target.waitForFunction(() => document.getElementById('poll')?.getAttribute('aria-busy') === 'false', null, { timeout: 40_000 });

/** Votes through the form and waits until the results mark the choice. */
async function vote(target, choice) {
  await target.locator(`#choices input[value="${choice}"]`).check();
  await target.locator('#vote').click();
  await target.waitForFunction(
    (c) => !document.getElementById('results').hidden && document.querySelectorAll('#bars .bar')[c]?.classList.contains('voted'),
    choice,
    { timeout: 40_000 },
  );
}

/** The embed's iframe and its frame, once the widget inside has rendered and the iframe fits it. */
async function embedded(page) {
  const handle = await page.waitForSelector('iframe.onus-poll', { state: 'attached', timeout: 30_000 });
  const frame = await handle.contentFrame();
  await ready(frame);
  await fits(page, frame);
  return frame;
}
async function fits(page, frame) {
  for (let i = 0; i < 100; i++) {
    const inner = await frame.evaluate(() => Math.ceil(document.documentElement.getBoundingClientRect().height));
    const outer = await page.evaluate(() => document.querySelector('iframe.onus-poll').getBoundingClientRect().height);
    if (Math.abs(inner - outer) <= 2) return outer;
    await page.waitForTimeout(100);
  }
  throw new Error('the iframe never took the height of the widget');
}

/** Pixels of a PNG (a Buffer) at [x, y] points, decoded by the browser: [[r, g, b, a], …]. */
async function pixels(png, points) {
  const ctx = await browser.newContext();
  const p = await ctx.newPage();
  try {
    return await p.evaluate(async ({ b64, points }) => {
      const img = new Image();
      img.src = `data:image/png;base64,${b64}`;
      await img.decode();
      const c = document.createElement('canvas');
      c.width = img.width;
      c.height = img.height;
      const x = c.getContext('2d', { willReadFrequently: true });
      x.drawImage(img, 0, 0);
      return points.map(([px, py]) => [...x.getImageData(Math.round(px), Math.round(py), 1, 1).data]);
    }, { b64: png.toString('base64'), points });
  } finally {
    await ctx.close();
  }
}
const near = (a, b, tol = 3) => a.slice(0, 3).every((v, i) => Math.abs(v - b[i]) <= tol);

/** What decides how the embed is painted: the iframe's and its document's color-scheme, backgrounds, the card's colour. */
async function paint(page, frame) {
  const outer = await page.evaluate(() => {
    const f = document.querySelector('iframe.onus-poll');
    return { scheme: getComputedStyle(f).colorScheme, bg: getComputedStyle(f).backgroundColor };
  });
  const inner = await frame.evaluate(() => ({
    scheme: getComputedStyle(document.documentElement).colorScheme,
    dark: matchMedia('(prefers-color-scheme: dark)').matches,
    html: getComputedStyle(document.documentElement).backgroundColor,
    body: getComputedStyle(document.body).backgroundColor,
    card: getComputedStyle(document.getElementById('poll')).backgroundColor,
    ink: getComputedStyle(document.getElementById('question')).color,
  }));
  return { outer, inner };
}

/** WCAG relative-luminance contrast of two [r, g, b] (0-255). */
function contrast(a, b) {
  const lum = ([r, g, bl]) => [r, g, bl].map((v) => {
    const c = v / 255;
    return c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  }).reduce((s, c, i) => s + c * [0.2126, 0.7152, 0.0722][i], 0);
  const [x, y] = [lum(a), lum(b)].sort((p, q) => q - p);
  return (x + 0.05) / (y + 0.05);
}

/**
 * Colours as painted, in the page: each entry is a list of CSS colours drawn
 * one over the other (the first opaque), flattened on a canvas to [r, g, b].
 */
function flatten(target, stacks) {
  return target.evaluate((stacks) => {
    const c = document.createElement('canvas');
    c.width = c.height = 1;
    const x = c.getContext('2d', { willReadFrequently: true });
    return stacks.map((layers) => {
      x.clearRect(0, 0, 1, 1);
      for (const color of layers) {
        x.fillStyle = color;
        x.fillRect(0, 0, 1, 1);
      }
      return [...x.getImageData(0, 0, 1, 1).data].slice(0, 3);
    });
  }, stacks);
}

/**
 * Non-text contrast (WCAG 1.4.11) and the bars' text, which sits on the
 * bar's fill or beside it: answers [what, ratio, needed] for every pair.
 */
async function contrasts(target) {
  const pairs = await target.evaluate(() => {
    const cs = (el) => getComputedStyle(el);
    const card = cs(document.getElementById('poll')).backgroundColor;
    const out = [];
    for (const el of document.querySelectorAll('#choices .choice')) out.push(['answer border', [card, cs(el).borderTopColor], [card], 3]);
    for (const el of document.querySelectorAll('#embed-panel textarea')) out.push(['embed code border', [card, cs(el).borderTopColor], [card, cs(el).backgroundColor], 3]);
    for (const bar of document.querySelectorAll('#bars .bar')) {
      const fill = cs(bar.querySelector('.fill')).backgroundColor;
      const back = cs(bar).backgroundColor;
      for (const sel of ['.label', '.pct', '.count']) {
        const el = bar.querySelector(sel);
        const what = `${bar.classList.contains('leader') ? 'leading ' : ''}bar ${sel.slice(1)}`;
        out.push([`${what} on the fill`, [card, back, fill, cs(el).color], [card, back, fill], 4.5]);
        out.push([`${what} beside the fill`, [card, back, cs(el).color], [card, back], 4.5]);
      }
    }
    return out;
  });
  const flat = await flatten(target, pairs.flatMap(([, a, b]) => [a, b]));
  return pairs.map(([what, , , need], i) => [what, Number(contrast(flat[2 * i], flat[2 * i + 1]).toFixed(2)), need]);
}

/** Focus indicators: each control focused from the keyboard has an outline of 2px or more and 3:1 against the card. */
async function focusRings(page, selectors) {
  const out = [];
  for (const sel of selectors) {
    const el = page.locator(sel).first();
    if (!(await el.count()) || !(await el.isVisible())) continue;
    await page.keyboard.press('Shift'); // a key first: focus() then shows the ring, as after Tab
    await el.focus();
    const ring = await el.evaluate((e) => {
      const owner = e.matches('#choices input') ? e.closest('.choice') : e;
      const s = getComputedStyle(owner);
      return { visible: e.matches(':focus-visible'), style: s.outlineStyle, width: parseFloat(s.outlineWidth), color: s.outlineColor, card: getComputedStyle(document.getElementById('poll')).backgroundColor };
    });
    assert.ok(ring.visible, `${sel} matches :focus-visible after focus()`);
    assert.notEqual(ring.style, 'none', `${sel} has a focus outline`);
    assert.ok(ring.width >= 2, `${sel}: focus outline ${ring.width}px`);
    const [c, bg] = await flatten(page, [[ring.card, ring.color], [ring.card]]);
    out.push([`${sel} focus ring`, Number(contrast(c, bg).toFixed(2)), 3]);
  }
  return out;
}
const tooLow = (list) => list.filter(([, ratio, need]) => ratio < need).map(([what, ratio, need]) => `${what}: ${ratio}:1, needs ${need}:1`);

// ---------- the tests ----------

test('poll.html: no axe violation before and after voting, in light and dark', async () => {
  const s = await collector(tmp('a11y'));
  try {
    const poll = await firstPoll(s.url);
    for (const [scheme, query] of [['light', ''], ['dark', ''], ['light', '&theme=dark']]) {
      const what = `OS ${scheme}${query}`;
      const { context, page } = await newPage({ colorScheme: scheme });
      await page.goto(`${s.url}/poll.html?log=/logs/polls&poll=${poll}${query}`);
      await ready(page);
      const dark = scheme === 'dark' || query.includes('dark');
      // A page of its own follows the OS (auto) unless told; the card shows which scheme is used.
      const look = await page.evaluate(() => ({ scheme: getComputedStyle(document.documentElement).colorScheme, card: getComputedStyle(document.getElementById('poll')).backgroundColor }));
      assert.equal(look.scheme, query ? 'dark' : 'light dark', `${what}: the page's color-scheme is its theme`);
      assert.equal(look.card, dark ? 'rgb(21, 32, 43)' : 'rgb(255, 255, 255)', `${what}: the card`);
      assert.equal(await page.locator('#ballot').isVisible(), true, what);
      assert.deepEqual(await axe(page), [], `${what}: before voting`);
      // The embed code panel: text areas with borders.
      await page.click('#embed');
      assert.deepEqual(await axe(page), [], `${what}: the embed code shown`);
      await page.click('#embed');
      await vote(page, 1);
      await page.waitForFunction(() => document.getElementById('mine').textContent.includes('receipt verifies'), null, { timeout: 30_000 });
      assert.deepEqual(await axe(page), [], `${what}: after voting`);
      await page.click('#change');
      assert.deepEqual(await axe(page), [], `${what}: changing the vote`);
      assert.deepEqual(page.errors, []);
      await context.close();
    }
  } finally {
    await s.stop();
  }
});

test('contrast: answer borders, focus rings and the bars (the leader\'s count too) in light and dark', async () => {
  const s = await collector(tmp('contrast'));
  try {
    const poll = await firstPoll(s.url);
    // Two ballots for one answer, one for another: a leading bar and a plain one.
    for (const c of [2, 2, 0]) {
      const { context, page } = await newPage();
      await page.goto(`${s.url}/poll.html?log=/logs/polls&poll=${poll}`);
      await ready(page);
      await vote(page, c);
      await context.close();
    }
    for (const scheme of ['light', 'dark']) {
      const { context, page } = await newPage({ colorScheme: scheme });
      await page.goto(`${s.url}/poll.html?log=/logs/polls&poll=${poll}`);
      await ready(page);
      await page.click('#embed');
      const before = [...await contrasts(page), ...await focusRings(page, ['#choices input', '#vote', '#embed', '#embed-script'])];
      assert.ok(before.some(([w]) => w === 'answer border'), 'the answers were measured');
      assert.deepEqual(tooLow(before), [], `${scheme}: before voting`);
      await vote(page, 2);
      const bars = await contrasts(page);
      assert.ok(bars.some(([w]) => w === 'leading bar count on the fill'), 'a leading bar was measured');
      assert.deepEqual(tooLow([...bars, ...await focusRings(page, ['#change', '#check'])]), [], `${scheme}: after voting`);
      await screenshot(page, `widget-results-${scheme}`);
      await context.close();
    }
  } finally {
    await s.stop();
  }
});

test('embedded with data-theme light, dark and auto, OS light and dark: the theme, a transparent page, no axe violation', async () => {
  const s = await collector(tmp('themes'));
  try {
    const poll = await firstPoll(s.url);
    const pages = {};
    for (const theme of [null, 'light', 'dark', 'auto', 'purple']) {
      pages[`${theme ?? 'default'}.html`] = hostPage({ src: `${s.url}/embed.js`, 'data-log': `${s.url}/logs/polls`, 'data-poll': poll, 'data-theme': theme });
    }
    const host = await site(pages);
    try {
      for (const theme of ['default', 'light', 'dark', 'auto', 'purple']) {
        for (const os of ['light', 'dark']) {
          const what = `data-theme ${theme}, OS ${os}`;
          const { context, page } = await newPage({ colorScheme: os });
          await page.goto(`${host.url}/${theme}.html`);
          const frame = await embedded(page);
          assert.match(frame.url(), new RegExp(`[?&]theme=${['dark', 'auto'].includes(theme) ? theme : 'light'}(&|$)`), `${what}: the theme goes to poll.html`);
          const p = await paint(page, frame);
          const dark = theme === 'dark' || (theme === 'auto' && os === 'dark');
          assert.equal(p.inner.scheme, { dark: 'dark', auto: 'light dark' }[theme] ?? 'light', `${what}: the widget's color-scheme`);
          // The same scheme on both sides of the frame, or Chromium paints an opaque canvas behind the widget.
          assert.equal(p.outer.scheme, p.inner.scheme, `${what}: the iframe's color-scheme`);
          assert.equal(p.inner.dark, os === 'dark', `${what}: the OS scheme reaches the widget`);
          assert.equal(p.outer.bg, 'rgba(0, 0, 0, 0)', `${what}: the iframe is transparent`);
          assert.equal(p.inner.html, 'rgba(0, 0, 0, 0)', `${what}: the widget's page is transparent`);
          assert.equal(p.inner.body, 'rgba(0, 0, 0, 0)', `${what}: the widget's body is transparent`);
          assert.equal(p.inner.card, dark ? 'rgb(21, 32, 43)' : 'rgb(255, 255, 255)', `${what}: the card`);
          assert.deepEqual(await axe(page), [], `${what}: the host page with the widget`);
          if (theme === 'dark' && os === 'light') {
            await vote(frame, 0);
            await fits(page, frame);
            assert.deepEqual(await axe(page), [], `${what}: after voting`);
          }
          await context.close();
        }
      }
    } finally {
      await host.close();
    }
  } finally {
    await s.stop();
  }
});

test('screenshot: on a light host with the OS in dark mode, the host shows around the widget', async () => {
  const s = await collector(tmp('shot'));
  try {
    const poll = await firstPoll(s.url);
    const host = await site({
      'light.html': hostPage({ src: `${s.url}/embed.js`, 'data-log': `${s.url}/logs/polls`, 'data-poll': poll }),
      'dark.html': hostPage({ src: `${s.url}/embed.js`, 'data-log': `${s.url}/logs/polls`, 'data-poll': poll, 'data-theme': 'dark' }),
    });
    try {
      for (const width of [1280, 375]) {
        for (const theme of ['light', 'dark']) {
          const what = `${theme} widget, ${width} px`;
          const { context, page } = await newPage({ viewport: { width, height: 900 } });
          await page.emulateMedia({ colorScheme: 'dark' });
          await page.goto(`${host.url}/${theme}.html`);
          const frame = await embedded(page);
          const box = await page.evaluate(() => {
            const r = document.querySelector('iframe.onus-poll').getBoundingClientRect();
            return { x: r.x + scrollX, y: r.y + scrollY, w: r.width, h: r.height };
          });
          await screenshot(page, `widget-embed-os-dark-${theme}-${width}`);
          const png = await page.screenshot({ fullPage: true });
          const { x, y, w, h } = box;
          // Inside the iframe: its 2px margin and the card's rounded corners (host), then the card itself.
          const behind = [[x + 1, y + 1], [x + w - 2, y + 1], [x + 1, y + h - 2], [x + w - 2, y + h - 2], [x + 4, y + 4], [x + w - 5, y + h - 5]];
          const px = await pixels(png, [...behind, [x + 8, y + h / 2], [x - 6, y + h / 2]]);
          const cardPx = px[behind.length];
          const outside = px[behind.length + 1];
          assert.ok(near(outside, HOST_BG), `${what}: the host's own background is ${HOST_BG} (got ${outside})`);
          for (const [i, at] of behind.entries()) assert.ok(near(px[i], HOST_BG), `${what}: the pixel at ${at.map(Math.round)} behind the widget is the host's ${HOST_BG}, not ${px[i]}`);
          assert.ok(near(cardPx, theme === 'dark' ? [21, 32, 43] : [255, 255, 255]), `${what}: the card is ${theme} (got ${cardPx})`);
          const p = await paint(page, frame);
          assert.equal(p.inner.html, 'rgba(0, 0, 0, 0)');
          await context.close();
        }
      }
    } finally {
      await host.close();
    }
  } finally {
    await s.stop();
  }
});

test('collector down: a compact fallback with Retry, alone and embedded; Retry brings the poll back', async () => {
  const data = tmp('down');
  const port = await freePort();
  let s = await collector(data, port);
  const poll = await firstPoll(s.url);
  await s.stop();
  // The widget's files come from a static host; only the collector is down.
  const files = await serveStatic(WWW);
  const log = `http://127.0.0.1:${port}/logs/polls`;
  const host = await site({ 'post.html': hostPage({ src: `${files.url}/embed.js`, 'data-log': log, 'data-poll': poll }) });
  try {
    // On its own.
    const alone = await newPage({ viewport: { width: 375, height: 700 } });
    await alone.page.goto(`${files.url}/poll.html?log=${encodeURIComponent(log)}&poll=${poll}`);
    await ready(alone.page);
    const say = (t) => t.evaluate(() => ({
      question: document.getElementById('question').textContent,
      text: document.getElementById('poll').innerText,
      retry: !document.getElementById('retry').hidden && document.getElementById('retry').offsetParent !== null,
      open: document.getElementById('open-page').hidden ? null : document.getElementById('open-page').href,
      form: !document.getElementById('ballot').hidden,
    }));
    let v = await say(alone.page);
    assert.equal(v.question, 'This poll’s collector cannot be reached right now', v.text);
    assert.doesNotMatch(v.text, /Failed to fetch/, 'no browser jargon');
    assert.equal(v.retry, true, 'a Retry button');
    assert.equal(v.form, false);
    assert.deepEqual(await axe(alone.page), [], 'the fallback, alone');
    await screenshot(alone.page, 'widget-down-375');

    // Embedded: the same, compact, with a link to the poll's own page.
    const emb = await newPage({ viewport: { width: 1280, height: 800 } });
    await emb.page.goto(`${host.url}/post.html`);
    const frame = await embedded(emb.page);
    v = await say(frame);
    assert.equal(v.question, 'This poll’s collector cannot be reached right now');
    assert.equal(v.retry, true);
    const open = new URL(v.open);
    assert.equal(open.pathname, '/poll.html');
    assert.equal(open.searchParams.get('log'), log);
    assert.equal(open.searchParams.get('poll'), poll);
    assert.equal(open.searchParams.get('embed'), null, 'the link opens the poll as a page of its own');
    const height = await fits(emb.page, frame);
    assert.ok(height < 260, `the fallback is compact: ${height}px`);
    assert.deepEqual(await axe(emb.page), [], 'the fallback, embedded');
    await screenshot(emb.page, 'widget-down-embedded-1280');

    // Retry while still down: still the fallback, and it says it tried.
    await frame.getByRole('button', { name: 'Retry' }).click();
    await frame.waitForFunction(() => /tried again/i.test(document.getElementById('status').textContent), null, { timeout: 30_000 });
    assert.equal((await say(frame)).retry, true);

    // The collector comes back: Retry shows the poll, in both.
    s = await collector(data, port);
    for (const [t, page] of [[frame, emb.page], [alone.page, alone.page]]) {
      await t.getByRole('button', { name: 'Retry' }).click();
      await t.waitForFunction(() => !document.getElementById('ballot').hidden, null, { timeout: 40_000 });
      v = await say(t);
      assert.match(v.question, /^What matters more/);
      assert.equal(v.retry, false);
      if (t !== page) assert.ok((await fits(page, t)) > height + 100, 'the iframe grows to the poll');
    }
    await vote(alone.page, 3);
    assert.deepEqual(await alone.page.evaluate(() => window.onusPoll.poll.counts), [0, 0, 0, 1]);
    assert.deepEqual(alone.page.errors, []);
    assert.deepEqual(emb.page.errors, []);
    await alone.context.close();
    await emb.context.close();
  } finally {
    await host.close();
    await files.close();
    await s.stop();
  }
});

test('a vote that does not get through keeps the choice and offers Retry; the retry counts the ballot once', async () => {
  const s = await collector(tmp('retry'));
  const px = await proxy(s.url);
  try {
    const poll = await firstPoll(s.url);
    const { context, page } = await newPage({ viewport: { width: 375, height: 800 } });
    await page.goto(`${px.url}/poll.html?log=/logs/polls&poll=${poll}`);
    await ready(page);
    const failed = () => page.evaluate(() => ({
      text: document.getElementById('vote-failed').hidden ? null : document.getElementById('vote-failed').textContent,
      retry: !document.getElementById('retry-vote').hidden,
      checked: document.querySelector('#choices input:checked')?.value ?? null,
      form: !document.getElementById('ballot').hidden,
      ballots: Object.values(window.onusPoll.ballots).flat().length,
    }));

    // 1. The connection is cut before the collector sees the ballot.
    px.gate.post = 'drop';
    await page.locator('#choices input[value="1"]').check();
    await page.click('#vote');
    await page.waitForFunction(() => !document.getElementById('vote-failed').hidden, null, { timeout: 30_000 });
    let f = await failed();
    assert.match(f.text, /Your vote for “someone taking responsibility” did not get through/);
    assert.match(f.text, /cannot be reached/);
    assert.doesNotMatch(f.text, /Failed to fetch/);
    assert.equal(f.retry, true);
    assert.equal(f.checked, '1', 'the choice is kept');
    assert.equal(f.form, true);
    assert.equal(f.ballots, 0);
    assert.equal(await page.evaluate(() => document.activeElement?.id), 'retry-vote', 'focus on Retry');
    assert.deepEqual(await axe(page), [], 'a failed vote');
    await screenshot(page, 'widget-vote-failed-375');

    // 2. The collector stores it, but its answer is lost on the way back.
    px.gate.post = 'lose';
    const sent = px.gate.posts.length;
    await page.click('#retry-vote');
    for (let i = 0; px.gate.posts.length === sent && i < 300; i++) await page.waitForTimeout(100);
    assert.ok(px.gate.posts.length > sent, 'Retry sent the ballot again');
    await page.waitForFunction(() => !window.onusPoll.busy && !document.getElementById('vote-failed').hidden, null, { timeout: 30_000 });
    f = await failed();
    assert.equal(f.retry, true);
    assert.equal(f.checked, '1');

    // 3. The answer comes: the collector already holds the ballot (409) and says where.
    px.gate.post = 'pass';
    await page.click('#retry-vote');
    await page.waitForFunction(() => !document.getElementById('results').hidden && document.querySelectorAll('#bars .bar')[1]?.classList.contains('voted'), null, { timeout: 40_000 });
    await page.waitForFunction(() => document.getElementById('mine').textContent.includes('receipt verifies'), null, { timeout: 30_000 });
    f = await failed();
    assert.equal(f.text, null, 'no error left');
    assert.equal(f.ballots, 1, 'one ballot kept');
    const counts = await page.evaluate(() => window.onusPoll.poll.counts);
    assert.deepEqual(counts, [0, 1, 0, 0], 'the recount counts the vote once');
    assert.deepEqual(await page.evaluate(() => [...document.querySelectorAll('#bars .count')].map((c) => parseInt(c.textContent, 10))), counts);
    // Every attempt sent the same signed ballot; the log holds it once.
    assert.ok(px.gate.posts.length >= 3, `${px.gate.posts.length} posts`);
    assert.equal(new Set(px.gate.posts).size, 1, 'a retry re-sends the same signed ballot');
    const report = JSON.parse(onus(['verify', '--json', `${s.url}/logs/polls/trace.jsonl`]).stdout);
    assert.equal(report.status === 'verified' || report.status === 'unsealed', true, report.status);
    assert.equal(report.statements, 3, 'the log statement, the poll, one ballot');
    assert.deepEqual(report.polls[0].counts, [0, 1, 0, 0]);
    assert.equal(report.polls[0].superseded, 0);
    assert.deepEqual(await axe(page), [], 'after the retried vote');

    // A refusal that a retry cannot mend says so, with no Retry.
    await page.click('#change');
    await page.locator('#choices input[value="2"]').check();
    await page.route('**/logs/polls/statements', (r) => r.fulfill({ status: 422, contentType: 'application/json', body: JSON.stringify({ code: 'vote.late', message: 'the poll has closed' }) }));
    await page.click('#vote');
    await page.waitForFunction(() => !document.getElementById('vote-failed').hidden, null, { timeout: 30_000 });
    f = await failed();
    assert.match(f.text, /refused your vote for “both are essential” \(vote\.late\): the poll has closed/);
    assert.equal(f.retry, false);
    assert.deepEqual(page.errors, []);
    await context.close();
  } finally {
    await px.close();
    await s.stop();
  }
});

test('poll.html cannot be loaded: embed.js shows a short text and a link in the host page, and tries again', async () => {
  const s = await collector(tmp('nohtml'));
  let broken = true;
  // The widget's files from a host whose poll.html fails (the connection is cut); embed.js loads.
  const files = await serveStatic(WWW, {
    '/poll.html': (req, res) => {
      if (broken) return req.socket.destroy();
      return serveFile(res, join(WWW, 'poll.html'));
    },
  });
  const title = '<img src=x onerror=alert(1)>';
  const host = await site({ 'post.html': hostPage({ src: `${files.url}/embed.js`, 'data-log': `${s.url}/logs/polls`, 'data-title': title.replace(/</g, '&lt;').replace(/>/g, '&gt;') }) });
  try {
    const { context, page } = await newPage({ viewport: { width: 375, height: 800 } });
    await page.goto(`${host.url}/post.html`);
    const fallback = page.locator('.onus-poll-fallback');
    await fallback.waitFor({ timeout: 30_000 });
    const v = await page.evaluate(() => {
      const f = document.querySelector('.onus-poll-fallback');
      const a = f.querySelector('a');
      return { text: f.textContent, href: a?.href, target: a?.target, iframe: document.querySelector('iframe.onus-poll').getBoundingClientRect().height, imgs: document.querySelectorAll('img').length, place: f.previousElementSibling?.tagName };
    });
    assert.match(v.text, new RegExp(`could not be loaded from 127\\.0\\.0\\.1:${new URL(files.url).port}`));
    assert.ok(v.text.includes(`“${title}”`), `the title is shown as text: ${v.text}`);
    assert.equal(v.place, 'IFRAME', 'the text stands where the poll would');
    const href = new URL(v.href);
    assert.equal(href.origin + href.pathname, `${files.url}/poll.html`);
    assert.equal(href.searchParams.get('embed'), null);
    assert.equal(v.target, '_blank');
    assert.equal(v.iframe, 0, 'no empty hole');
    assert.equal(v.imgs, 0, 'nothing from the tag becomes markup');
    assert.deepEqual(await axe(page), [], 'the host page with the fallback');
    await screenshot(page, 'widget-unreachable-375');

    // poll.html answers again: "Try again" loads the poll in place.
    broken = false;
    await page.getByRole('button', { name: 'Try again' }).click();
    const frame = await embedded(page);
    assert.equal(await fallback.count(), 0, 'the text gives way to the poll');
    assert.equal(await frame.locator('#ballot').isVisible(), true);
    assert.deepEqual(page.errors, []);
    await context.close();
  } finally {
    await host.close();
    await files.close();
    await s.stop();
  }
});

/** poll.html as the static server sends it (for the route that can be broken). */
async function serveFile(res, file) {
  const { readFile } = await import('node:fs/promises');
  const body = await readFile(file);
  res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'content-length': body.length, 'cache-control': 'no-store' });
  res.end(body);
}
