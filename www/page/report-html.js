// The HTML report: one self-contained document (inline style, no script, no
// external resource, a CSP of its own) summing up the report on screen, for a
// person to read, print or attach to an email next to the JSON report. Every
// piece of text that comes from the trace or the report goes through
// escapeHtml(): this module writes markup as a string, so nothing else keeps
// trace text out of it.
//
//   const timelines = await incidentTimelines(report, verifier.views);
//   const html = reportHtml(shown, { vocabulary, timelines, checkedAt, page });
import { visible, fmtInt, fmtBytes, fmtDuration, percentages } from '../lib/dom.js';
import { verdictSentence } from './views/verdict.js';

const MAX_INCIDENTS = 500; // listed; the rest are counted ("N more in the JSON report")
const MAX_TIMELINES = 200; // incidents whose statements are fetched for a timeline
const MAX_STEPS = 50; // statements shown in one incident's timeline
const MAX_PER_CODE = 200; // findings listed per code

/** `<>&"'` as character references: safe in text and in quoted attribute values. */
export function escapeHtml(s) {
  return String(s).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]);
}

// As on the page (lib/dom.js): controls and bidi marks shown as ⟨U+XXXX⟩, and
// right-to-left text isolated so it cannot reorder what stands next to it.
const RTL = /[\u0590-\u08ff\ufb1d-\ufdff\ufe70-\ufeff]/;
/** Untrusted text as markup: escaped, invisible controls made visible. */
function t(x) {
  const s = escapeHtml(visible(String(x ?? '')));
  return RTL.test(s) ? `<bdi>${s}</bdi>` : s;
}

/** Untrusted text in a quoted attribute value. */
const attr = (x) => escapeHtml(visible(String(x ?? '')));
/** A category's class name: one of the four, never the report's text as such. */
const catClass = (cat) => `cat-${CATEGORIES.some((c) => c.cat === cat) ? cat : 'unknown'}`;

/** An address fit for a link: http(s) only (never javascript: or data:), else null. */
function safeHref(u) {
  try {
    const url = new URL(String(u));
    return url.protocol === 'http:' || url.protocol === 'https:' ? url.href : null;
  } catch {
    return null;
  }
}
const link = (u) => {
  const href = safeHref(u);
  return href ? `<a href="${escapeHtml(href)}">${t(href)}</a>` : t(u);
};

const VERDICT = {
  verified: { word: 'Verified', icon: '✓' },
  unsealed: { word: 'Unsealed', icon: '!' },
  failed: { word: 'Failed', icon: '✗' },
};

/** The four categories (docs/FORMAT.md section 5), each labelled with what it counts. */
const CATEGORIES = [
  { cat: 'detected_only', label: 'Detected, nobody took responsibility' },
  { cat: 'responsibility_only', label: 'Responsibility taken, nothing signed detected it' },
  { cat: 'both', label: 'Both detected and responsibility taken' },
  { cat: 'silent', label: 'Nobody signed anything (anomalies the verifier found)' },
];
const categoryLabel = (cat) => CATEGORIES.find((c) => c.cat === cat)?.label ?? cat;

const SEVERITIES = [
  { sev: 'error', title: 'Errors', blurb: 'Each one makes the trace fail.' },
  { sev: 'warning', title: 'Warnings', blurb: 'The trace still holds, but these deserve a look.' },
  { sev: 'info', title: 'Information', blurb: '' },
];

const STEP = { request: 'Request', model: 'Model', compute: 'Compute', attest: 'Attest', fault: 'Fault', accept: 'Accept', resolve: 'Resolve', roster: 'Roster', log: 'Log', poll: 'Poll', vote: 'Vote' };

const plural = (n, one, many = `${one}s`) => (n === 1 ? one : many);
const utc = (iso) => String(iso).replace('T', ' ').replace('Z', ' UTC');

/** The statements the timelines show: those of the first 200 incidents (50 each at most). */
export function timelineIndexes(report) {
  const all = (report?.incidents ?? []).slice(0, MAX_TIMELINES).flatMap((inc) => inc.statements.slice(0, MAX_STEPS));
  return [...new Set(all)];
}

/**
 * Index -> the core's view of that statement ({kind, actor, time, body, ...}),
 * for the first incidents' timelines, in one `views(indexes)` call (the
 * verifier's). Empty when the statements are not held (a tiled log) or the
 * call fails: the report then lists statement numbers only.
 */
export async function incidentTimelines(report, views) {
  const indexes = timelineIndexes(report);
  const out = new Map();
  if (!views || !indexes.length) return out;
  try {
    const got = await views(indexes);
    indexes.forEach((i, k) => { const v = got[k]?.view ?? null; if (v) out.set(i, v); });
  } catch {
    out.clear();
  }
  return out;
}

/**
 * The whole document, as a string. `shown`: {report, info, src, trust, policy,
 * who, nameOf, roleOf} (page/main.js). Options: `vocabulary` (code ->
 * {summary, advice}), `timelines` (incidentTimelines()), `checkedAt` (a Date
 * or ISO string: when the check ended), `page` (the verifier page's address,
 * to check the trace again), `pinned` (the log key the address pinned).
 */
export function reportHtml(shown, { vocabulary = new Map(), timelines = new Map(), checkedAt = null, page = null, pinned = '' } = {}) {
  const r = shown.report;
  const title = `Onus report: ${r.origin || shown.src?.label || 'trace'}`;
  const body = [
    `<header><p class="brand">Onus · trace report</p><h1>${t(title)}</h1></header>`,
    '<main>',
    verdictPart(shown, vocabulary),
    devicePart(shown),
    factsPart(shown, { checkedAt, pinned }),
    countsPart(r),
    incidentsPart(shown, timelines),
    findingsPart(r, vocabulary),
    '</main>',
    footerPart(shown, page),
  ];
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<meta name="color-scheme" content="light">
<meta name="generator" content="Onus verifier page">
<title>${t(title)}</title>
<style>${STYLE}</style>
</head>
<body>
${body.filter(Boolean).join('\n')}
</body>
</html>
`;
}

/** The page's verdict sentence as plain text (its parts are text and glossary links, views/verdict.js). */
function sentenceText(r) {
  const parts = verdictSentence(r);
  return (Array.isArray(parts) ? parts : [parts]).map((p) => (typeof p === 'string' ? p : p?.textContent ?? '')).join('');
}

function verdictPart({ report: r, info, src, notATrace }, vocabulary) {
  if (notATrace || (info?.html && r.status === 'failed')) {
    return `<section class="verdict failed" aria-labelledby="verdict-word">
<p class="verdict-head"><span class="verdict-icon" aria-hidden="true">✗</span> <strong class="verdict-word" id="verdict-word">Not a trace</strong></p>
<p class="verdict-sentence">${t(src?.label)} is not a trace${info?.html ? ' but a web page (HTML)' : ''}: none of its lines is a signed statement, so nothing in it could be checked.</p></section>`;
  }
  const v = VERDICT[r.status] ?? { word: r.status, icon: '?' };
  const out = [`<section class="verdict${VERDICT[r.status] ? ` ${r.status}` : ''}" aria-labelledby="verdict-word">`,
    `<p class="verdict-head"><span class="verdict-icon" aria-hidden="true">${v.icon}</span> <strong class="verdict-word" id="verdict-word">${t(v.word)}</strong></p>`];
  if (info?.empty) {
    out.push(`<p class="note"><strong>This is empty:</strong> ${t(src?.label)} has no content at all.</p>`);
  }
  out.push(`<p class="verdict-sentence">${t(sentenceText(r))}</p>`);
  if (r.status === 'failed') {
    const codes = [...new Set(r.findings.filter((f) => f.severity === 'error').map((f) => f.code))];
    out.push('<ul class="fail-reasons">', ...codes.map((c) => {
      const s = vocabulary.get(c)?.summary || c;
      return `<li>${t(`${s[0].toUpperCase()}${s.slice(1)}.`)} <code>${t(c)}</code></li>`;
    }), '</ul>');
  }
  out.push('</section>');
  return out.join('\n');
}

/** What this browser remembered and this copy contradicts (the page's red banners), in words. */
function devicePart({ report: r, trust, policy }) {
  const items = [];
  if (trust?.key === 'changed') {
    items.push(`<li><strong>This log’s key has changed.</strong> This browser saw “${t(r.origin)}” signed by <code class="hex">${t(trust.storedKey)}</code> before; this trace is signed by <code class="hex">${t(r.vkey)}</code>.</li>`);
  }
  if (trust?.inconsistent && trust.held) {
    items.push(trust.rolledBack
      ? `<li><strong>Statements are missing.</strong> This browser saw “${t(r.origin)}” with ${fmtInt(trust.held.size)} statements under a checkpoint its operator signed; this copy has ${fmtInt(r.statements)}.</li>`
      : `<li><strong>Fork: two different histories of the same log.</strong> This browser saw “${t(r.origin)}” with ${fmtInt(trust.held.size)} statements and root <code class="hex">${t(trust.held.root)}</code>; this copy has a different history up to that point.</li>`);
  }
  if (policy?.change === 'changed') {
    items.push(`<li><strong>A different trust policy.</strong> This browser had pinned a policy with quorum “${t(policy.pinned?.quorum ?? 'unknown')}”; this check used one with quorum “${t(r.policy?.quorum ?? 'unknown')}”.</li>`);
  }
  if (!items.length) return '';
  return `<section class="warnings" aria-labelledby="device-title"><h2 id="device-title">Compared with what this browser saw before</h2><ul>${items.join('')}</ul></section>`;
}

function factsPart({ report: r, info, src, trust, policy }, { checkedAt, pinned }) {
  const rows = [];
  const fact = (k, v) => rows.push(`<div><dt>${k}</dt><dd>${v}</dd></div>`);
  fact('Source', sourceText(src));
  const when = checkedAt ? new Date(checkedAt).toISOString() : null;
  const how = info ? `${fmtBytes(info.bytes)} in ${fmtDuration(info.elapsed)}` : '';
  fact('Checked', `${when ? `<time datetime="${attr(when)}">${t(when)}</time>` : 'at a time not recorded'}, in the reader’s browser${how ? ` (${t(how)})` : ''}`);
  if (info?.version) fact('Verifier', `onus ${t(info.version)}`);
  fact('Log', r.origin ? `<strong>${t(r.origin)}</strong>` : '<span class="muted">unknown (no valid first statement)</span>');
  if (r.vkey) {
    const note = pinned && !r.findings.some((f) => f.code === 'log.key.mismatch') ? 'matches the key the address pinned'
      : trust?.key === 'same' ? 'the same key as on this browser’s earlier checks'
        : trust?.key === 'new' ? 'first time this browser saw this log'
          : trust?.key === 'changed' ? 'DIFFERENT from the key this browser saw before' : '';
    fact('Log key', `<code class="hex">${t(r.vkey)}</code>${note ? `<br><span class="muted">${t(note)}</span>` : ''}`);
  }
  fact('Statements', fmtInt(r.statements));
  fact('Checkpoints', fmtInt(r.checkpoints));
  fact('Sealed', r.sealed
    ? `the latest valid checkpoint covers ${fmtInt(r.sealed.size)} of ${fmtInt(r.statements)} ${plural(r.statements, 'statement')}; root <code class="hex">${t(r.sealed.root)}</code>`
    : 'no valid checkpoint covers any statement');
  if (r.origin) fact('Witnesses', t(witnessText(r, policy)));
  return `<section aria-labelledby="facts-title"><h2 id="facts-title">The trace</h2><dl class="facts">${rows.join('')}</dl></section>`;
}

function sourceText(src) {
  if (!src) return 'unknown';
  if (src.kind === 'url' || src.kind === 'log') return `${src.kind === 'log' ? 'a tiled log at ' : ''}${link(src.url)}`;
  if (src.name === 'paste') return 'text pasted into the page';
  return `a file on the reader’s device: ${t(src.label)}`;
}

/** Who vouched for the sealing checkpoint (the page's Witnesses fact, as text). */
function witnessText(r, policy) {
  const from = policy?.given ? `the policy from ${policy.given.url}` : 'the policy pinned on this browser for this log';
  if (!r.policy) return 'Only the log vouches for this checkpoint: no trust policy names witnesses for it.';
  if (!r.policy.requires_witnesses) return `Only the log vouches for this checkpoint: ${from} requires no witness (quorum: none).`;
  const cosigners = r.sealed?.cosigners ?? [];
  const of = r.policy.witnesses.length;
  if (!cosigners.length) return `No checkpoint is cosigned as ${from} requires (quorum: ${r.policy.quorum}).`;
  return `Cosigned by ${cosigners.length} of ${of} ${plural(of, 'witness', 'witnesses')}: ${cosigners.map((c) => `${c.witness} (${utc(c.time)})`).join(', ')}. Quorum met: ${r.policy.quorum}, as ${from} requires.`;
}

function countsPart(r) {
  if (r.origin == null || !r.accountability) return '';
  const counts = CATEGORIES.map((c) => r.accountability[c.cat] ?? 0);
  const pcts = percentages(counts);
  const total = counts.reduce((a, b) => a + b, 0);
  const caution = r.status === 'failed'
    ? '<p class="caution"><strong>Caution: this trace failed verification.</strong> These counts come only from the statements whose signatures verify, so they may be incomplete or planted. Read them as leads, not as a record.</p>'
    : '';
  const rows = CATEGORIES.map((c, k) => `<tr data-cat="${c.cat}"><th scope="row"><span class="swatch cat-${c.cat}" aria-hidden="true"></span>${t(c.label)}</th><td class="num" data-count="${c.cat}">${fmtInt(counts[k])}</td><td class="num">${pcts[k]}%</td></tr>`);
  return `<section aria-labelledby="counts-title"><h2 id="counts-title">Detection versus responsibility</h2>${caution}
<p>This trace’s incidents, counted by whether they were detected (a signed fault or failed attest) and whether someone took responsibility (a signed accept). Each incident counts once.</p>
<table class="counts"><thead><tr><th scope="col">Incidents</th><th scope="col" class="num">Count</th><th scope="col" class="num">Share</th></tr></thead>
<tbody>${rows.join('')}</tbody><tfoot><tr><th scope="row">All incidents</th><td class="num" data-count="total">${fmtInt(total)}</td><td class="num">${total ? '100%' : '—'}</td></tr></tfoot></table></section>`;
}

function incidentState(inc) {
  if (inc.category === 'silent') return { cls: 'silent', word: 'Nobody signed', text: 'found by the verifier; nobody signed anything about it' };
  if (inc.resolved) return { cls: 'resolved', word: 'Resolved', text: 'resolved: the harmed party confirmed it is done' };
  if (inc.disputed) return { cls: 'disputed', word: 'Disputed', text: 'disputed: the remedy was contested' };
  if (inc.stepped_forward) return { cls: 'accepted', word: 'Accepted, not resolved', text: 'accepted, not yet resolved' };
  return { cls: 'open', word: 'Open', text: 'open: nobody has taken responsibility' };
}

const whatText = (what) => String(what ?? '').replace(/-/g, ' ').replace(/^./, (c) => c.toUpperCase()) || '?';

function incidentsPart(shown, timelines) {
  const r = shown.report;
  if (r.origin == null || !r.incidents) return '';
  const all = r.incidents;
  const head = `<section aria-labelledby="incidents-title"><h2 id="incidents-title">Incidents (${fmtInt(all.length)})</h2>`;
  if (!all.length) return `${head}<p>No incidents in this trace: no signed fault, no failed attest, no acceptance of responsibility, and no anomaly found by the verifier.</p></section>`;
  // Who someone is: the roster's name and role, and the key itself (the name is only the roster's word for it).
  const person = (key) => {
    if (!key) return '<span class="muted">nobody</span>';
    const name = shown.nameOf(key);
    const role = shown.roleOf?.(key);
    return `${name ? `<strong>${t(name)}</strong>${role ? ` (${t(role)})` : ''} ` : ''}<code class="hex key">${t(key)}</code>`;
  };
  const items = all.slice(0, MAX_INCIDENTS).map((inc, n) => {
    const st = incidentState(inc);
    const first = inc.statements[0];
    const facts = [
      ['Category', `<span class="swatch ${catClass(inc.category)}" aria-hidden="true"></span>${t(categoryLabel(inc.category))}`],
      ['Blamed', person(inc.blame)],
      ['Stepped forward', inc.stepped_forward
        ? `${person(inc.stepped_forward)} — ${inc.stepped_forward_role === 'party_at_fault' ? 'the party at fault' : 'someone else, not the party at fault'}`
        : '<span class="muted">nobody yet</span>'],
      inc.remedy ? ['Remedy', `${t(inc.remedy)}${inc.amount ? ` · ${t(inc.amount)}` : ''}`] : null,
      ['State', t(st.text)],
    ].filter(Boolean).map(([k, v]) => `<div><dt>${k}</dt><dd>${v}</dd></div>`).join('');
    return `<li class="incident ${catClass(inc.category)}" data-first="${attr(first)}">
<h3><span class="incident-what">${t(whatText(inc.what))}</span> <span class="muted">from #${fmtInt(first)}</span> <span class="pill ${st.cls}">${t(st.word)}</span></h3>
<dl class="facts compact">${facts}</dl>
${timelinePart(inc, n < MAX_TIMELINES ? timelines : null, shown)}</li>`;
  });
  const more = all.length > MAX_INCIDENTS ? `<p class="more">${fmtInt(all.length - MAX_INCIDENTS)} more ${plural(all.length - MAX_INCIDENTS, 'incident')} in the JSON report.</p>` : '';
  return `${head}<p class="muted">In log order${all.length > MAX_INCIDENTS ? `; the first ${fmtInt(MAX_INCIDENTS)}` : ''}. Names are the trace’s roster’s; the keys are what the signatures prove.</p>
<ol class="incidents">${items.join('\n')}</ol>${more}</section>`;
}

function timelinePart(inc, timelines, shown) {
  const nums = (list) => list.map((i) => `#${fmtInt(i)}`).join(', ');
  const steps = inc.statements.slice(0, MAX_STEPS);
  const rest = inc.statements.length - steps.length;
  const restNote = rest > 0 ? `<p class="muted">…and ${fmtInt(rest)} more ${plural(rest, 'statement')}: ${t(nums(inc.statements.slice(MAX_STEPS, MAX_STEPS + 20)))}${rest > 20 ? ', …' : ''}</p>` : '';
  if (!timelines || !steps.every((i) => timelines.has(i))) {
    return `<p class="statements">Statements: ${t(nums(steps))}</p>${restNote}`;
  }
  const who = (key) => shown.who(key);
  const lis = steps.map((i) => {
    const v = timelines.get(i);
    const kind = v.kind ?? '?';
    const detail = stepDetail(kind, v.body, who);
    return `<li class="step${STEP[kind] ? ` step-${kind}` : ''}"><span class="step-num">#${fmtInt(i)}</span> <span class="step-kind">${t(STEP[kind] ?? kind)}</span>${v.actor ? ` <span class="step-who">by ${t(who(v.actor))}</span>` : ''}${detail ? ` <span class="step-detail">${t(detail)}</span>` : ''}${v.time ? ` <time class="step-time" datetime="${attr(v.time)}">${t(utc(v.time))}</time>` : ''}</li>`;
  });
  return `<ol class="timeline" aria-label="What happened, in log order">${lis.join('')}</ol>${restNote}`;
}

/** A few words from a statement's body, for the timeline (as the page's timeline says them). */
function stepDetail(kind, body, who) {
  if (!body || typeof body !== 'object') return '';
  const s = (x) => (typeof x === 'string' ? x : '');
  const short = (x) => (x.length > 10 ? `${x.slice(0, 10)}…` : x);
  switch (kind) {
    case 'request': return s(body.model) ? `model ${s(body.model)}` : '';
    case 'compute': return s(body.output) ? `output ${short(s(body.output))}` : '';
    case 'attest': return [s(body.method), s(body.verdict) && `verdict: ${s(body.verdict)}`].filter(Boolean).join(', ');
    case 'fault': return [s(body.what), body.blame && `blames ${who(s(body.blame))}`].filter(Boolean).join(', ');
    case 'accept': return [s(body.remedy), s(body.amount)].filter(Boolean).join(' · ');
    case 'resolve': return s(body.outcome) ? `outcome: ${s(body.outcome)}` : '';
    default: return '';
  }
}

function findingsPart(r, vocabulary) {
  const head = '<section aria-labelledby="findings-title"><h2 id="findings-title">Findings</h2>';
  if (!r.findings.length) return `${head}<p>Nothing to report: no errors, warnings or notes.</p></section>`;
  const out = [head];
  for (const s of SEVERITIES) {
    const items = r.findings.filter((f) => f.severity === s.sev);
    if (!items.length) continue;
    out.push(`<div class="severity sev-${s.sev}" data-severity="${s.sev}"><h3>${s.title} (${fmtInt(r.counts?.[s.sev] ?? items.length)})${s.blurb ? ` <span class="muted">— ${s.blurb}</span>` : ''}</h3>`);
    const omitted = new Map((r.findings_omitted || []).filter((o) => o.severity === s.sev).map((o) => [o.code, o.count]));
    const byCode = new Map();
    for (const f of items) {
      if (!byCode.has(f.code)) byCode.set(f.code, []);
      byCode.get(f.code).push(f);
    }
    for (const [code, list] of byCode) {
      const words = vocabulary.get(code);
      const advice = words?.advice ?? list[0].advice;
      const left = list.length - MAX_PER_CODE + (omitted.get(code) ?? 0);
      out.push(`<div class="code-group" data-code="${attr(code)}">`,
        `<h4><code>${t(code)}</code> (${fmtInt(list.length + (omitted.get(code) ?? 0))})${words?.summary ? `: ${t(words.summary)}` : ''}</h4>`,
        advice ? `<p class="advice"><strong>What to do:</strong> ${t(advice)}</p>` : '',
        '<ul class="findings">', ...list.slice(0, MAX_PER_CODE).map(findingItem), '</ul>',
        left > 0 ? `<p class="more">${fmtInt(left)} more <code>${t(code)}</code> in the JSON report.</p>` : '',
        '</div>');
    }
    out.push('</div>');
  }
  out.push('</section>');
  return out.join('\n');
}

function findingItem(f) {
  const where = [];
  if (f.line) where.push(`line ${fmtInt(f.line)}`);
  if (f.index != null) where.push(`statement #${fmtInt(f.index)}`);
  if (f.path) where.push(f.path);
  return `<li>${where.length ? `<span class="where">${t(where.join(' · '))}:</span> ` : ''}${t(f.message)}</li>`;
}

function footerPart({ report: r, src }, page) {
  const pageHref = safeHref(page);
  const again = [];
  if (src?.kind === 'url' || src?.kind === 'log') {
    const param = src.kind === 'log' ? 'log' : 'trace';
    if (pageHref && safeHref(src.url)) {
      const u = `${pageHref.replace(/[?#].*$/, '')}?${param}=${encodeURIComponent(src.url)}`;
      again.push(`<li>In a browser: ${link(u)}</li>`);
    }
    again.push(`<li>With the command line: <code>onus verify --json ${t(src.url)}</code></li>`);
  } else {
    again.push(`<li>The trace was ${src?.name === 'paste' ? 'pasted text' : `a file (${t(src?.label)})`} on the reader’s device: ask for it, then open it${pageHref ? ` at ${link(pageHref.replace(/[?#].*$/, ''))}` : ' in the Onus verifier page'} or run <code>onus verify --json FILE</code>.</li>`);
  }
  return `<footer aria-labelledby="again-title"><h2 id="again-title">Checking it again</h2>
<p>This page is a summary that proves nothing by itself: anyone can check the trace again, and should before relying on it.</p>
<ul>${again.join('')}</ul>
<p>The JSON report (the page’s “Download report (JSON)”, or <code>onus verify --json</code>) is the machine-readable one, with every finding and incident; this summary is made from it${r.origin ? ` for the log “${t(r.origin)}”` : ''}.</p></footer>`;
}

// Light, readable, prints well; colours always come with words.
const STYLE = `
:root { color-scheme: light; --text: #1c2128; --muted: #57606a; --line: #d0d7de; --soft: #f3f5f7;
  --ok: #116329; --warn: #7a4f00; --bad: #b31d28;
  --cat-detected_only: #d55e00; --cat-responsibility_only: #0072b2; --cat-both: #009e73; --cat-silent: #6e7781; }
* { box-sizing: border-box; }
body { margin: 0 auto; max-width: 52rem; padding: 24px 20px 40px; color: var(--text); background: #fff;
  font: 16px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, "Noto Sans", sans-serif; }
h1 { font-size: 1.5rem; margin: 0 0 16px; overflow-wrap: anywhere; }
h2 { font-size: 1.2rem; margin: 28px 0 8px; padding-bottom: 4px; border-bottom: 1px solid var(--line); }
h3 { font-size: 1.02rem; margin: 0 0 6px; }
h4 { font-size: 0.98rem; margin: 14px 0 4px; font-weight: 650; overflow-wrap: anywhere; }
p { margin: 6px 0; }
code, .hex { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, "Liberation Mono", monospace; font-size: 0.86em; }
.hex { overflow-wrap: anywhere; word-break: break-all; }
a { color: #0a58ca; overflow-wrap: anywhere; }
.muted { color: var(--muted); }
.brand { margin: 0 0 2px; color: var(--muted); font-size: 0.9rem; font-weight: 600; }
.verdict { border: 1px solid var(--line); border-left: 8px solid var(--muted); border-radius: 10px; padding: 14px 18px; }
.verdict.verified { border-left-color: var(--ok); }
.verdict.unsealed { border-left-color: #bf8700; }
.verdict.failed { border-left-color: var(--bad); }
.verdict-head { margin: 0; font-size: 2rem; line-height: 1.2; }
.verdict-word { font-weight: 800; }
.verified .verdict-head { color: var(--ok); }
.unsealed .verdict-head { color: var(--warn); }
.failed .verdict-head { color: var(--bad); }
.verdict-sentence { font-size: 1.05rem; }
.fail-reasons { margin: 4px 0; padding-left: 22px; }
.note, .caution { border: 1px solid var(--line); border-left: 6px solid var(--warn); border-radius: 8px; padding: 8px 12px; }
.caution { border-left-color: var(--bad); }
.warnings ul { padding-left: 22px; }
.warnings li { margin: 4px 0; }
.facts { margin: 0; display: grid; grid-template-columns: minmax(7rem, max-content) 1fr; gap: 4px 16px; }
.facts > div { display: contents; }
.facts dt { color: var(--muted); }
.facts dd { margin: 0; min-width: 0; overflow-wrap: anywhere; }
table.counts { border-collapse: collapse; width: 100%; margin: 8px 0; }
.counts th, .counts td { text-align: left; padding: 6px 8px; border-bottom: 1px solid var(--line); vertical-align: baseline; }
.counts thead th { color: var(--muted); font-size: 0.88rem; font-weight: 600; }
.counts tbody th { font-weight: 500; }
.counts tfoot th, .counts tfoot td { font-weight: 700; border-bottom: none; }
.num { text-align: right !important; font-variant-numeric: tabular-nums; white-space: nowrap; }
.swatch { display: inline-block; width: 0.8em; height: 0.8em; border-radius: 2px; margin-right: 8px; vertical-align: baseline;
  background: var(--muted); print-color-adjust: exact; -webkit-print-color-adjust: exact; }
.swatch.cat-detected_only { background: var(--cat-detected_only); }
.swatch.cat-responsibility_only { background: var(--cat-responsibility_only); }
.swatch.cat-both { background: var(--cat-both); }
.swatch.cat-silent { background: var(--cat-silent); }
ol.incidents { list-style: none; padding: 0; margin: 8px 0; }
.incident { border: 1px solid var(--line); border-left: 6px solid var(--cat-silent); border-radius: 8px; padding: 10px 14px; margin: 10px 0;
  break-inside: avoid; print-color-adjust: exact; -webkit-print-color-adjust: exact; }
.incident.cat-detected_only { border-left-color: var(--cat-detected_only); }
.incident.cat-responsibility_only { border-left-color: var(--cat-responsibility_only); }
.incident.cat-both { border-left-color: var(--cat-both); }
.incident-what { font-weight: 700; overflow-wrap: anywhere; }
.pill { display: inline-block; font-size: 0.8rem; font-weight: 650; padding: 0 8px; border: 1px solid currentColor; border-radius: 999px; white-space: nowrap; }
.pill.resolved { color: var(--ok); }
.pill.disputed { color: var(--bad); }
.pill.open { color: var(--warn); }
.pill.accepted { color: #0a58ca; }
.pill.silent { color: var(--muted); }
.facts.compact { font-size: 0.94rem; }
.key { color: var(--muted); font-size: 0.78em; }
.timeline { list-style: none; margin: 8px 0 0; padding: 0 0 0 12px; border-left: 2px solid var(--line); font-size: 0.92rem; }
.step { padding: 3px 0; overflow-wrap: anywhere; }
.step-num { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; color: var(--muted); }
.step-kind { font-weight: 650; }
.step-fault .step-kind, .step-attest .step-kind { color: var(--bad); }
.step-time { color: var(--muted); white-space: nowrap; }
.statements { font-size: 0.92rem; color: var(--muted); overflow-wrap: anywhere; }
.severity h3 { margin-top: 16px; }
.sev-error h3 { color: var(--bad); }
.sev-warning h3 { color: var(--warn); }
.code-group { break-inside: avoid-page; }
.advice { color: var(--muted); font-size: 0.94rem; }
ul.findings { margin: 4px 0 8px; padding-left: 22px; font-size: 0.94rem; }
ul.findings li { margin: 2px 0; overflow-wrap: anywhere; }
.where { color: var(--muted); }
.more { font-style: italic; }
footer { margin-top: 32px; font-size: 0.94rem; }
footer ul { padding-left: 22px; }
@media (max-width: 560px) {
  body { padding: 16px 12px 32px; }
  .verdict-head { font-size: 1.7rem; }
  .facts { grid-template-columns: 1fr; gap: 0; }
  .facts dd { margin-bottom: 6px; }
  .counts th, .counts td { padding: 6px 4px; }
}
@media print {
  body { max-width: none; padding: 0; font-size: 11pt; }
  a { color: inherit; }
  h2 { break-after: avoid; }
  .verdict, .incident { break-inside: avoid; }
}
`;
