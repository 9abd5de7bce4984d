// An OpenGradient report (docs/OPENGRADIENT.md section 7) on screen: the
// verdict in words, the tree checks or the receipt's signed hashes, the
// detection-versus-responsibility view (section 8), the items and the
// findings. Every sentence about the data is the core's (summary, verdicts,
// finding messages and advice); this file only lays them out.
import { h, clear, fmtInt, percentages } from '../../lib/dom.js';

const TITLE = { verified: 'Verified', incomplete: 'Incomplete', failed: 'Failed' };
const ICON = { verified: '✓', incomplete: '◐', failed: '✗' };
/** Items listed at a time; a big batch shows more on request. */
const PAGE = 200;

const BARS = [
  { cat: 'detected_only', label: 'Detected by a signed statement, nobody took responsibility' },
  { cat: 'responsibility_only', label: 'Responsibility taken, nothing signed detected it' },
  { cat: 'both', label: 'Detected and responsibility taken' },
  { cat: 'silent', label: 'Neither: found by Onus, nobody signed a detection or took responsibility' },
];

/** Renders report `r` of `label` into `section` (#og). `onItem(i)` is unused by the caller; items link by #og-item-N. */
export function renderOgReport(section, r, { label }) {
  clear(section);
  const what = r.kind === 'batch' ? `OpenGradient settlement batch · ${fmtInt(r.items.length)} ${r.items.length === 1 ? 'item' : 'items'}` : `OpenGradient TEE receipt${r.receipt?.form === 'sse' ? ' (streamed answer)' : r.receipt?.form === 'legacy' ? ' (older gateway scheme)' : ''}`;
  section.append(
    h('div', { class: `verdict ${r.status}`, id: 'og-verdict' },
      h('h2', { class: 'verdict-title' }, h('span', { 'aria-hidden': 'true' }, `${ICON[r.status]} `), TITLE[r.status]),
      h('p', { class: 'verdict-what' }, what, ' — ', h('span', { class: 'src-name' }, label)),
      h('p', { class: 'verdict-summary' }, r.summary)),
  );
  if (r.kind === 'batch') section.append(batchChecks(r));
  else if (r.receipt) section.append(receiptChecks(r));
  section.append(accountability(r));
  if (r.kind === 'batch' && r.items.length) section.append(itemsTable(r));
  section.append(findings(r));
  section.hidden = false;
}

const hex = (s) => (s ? h('code', { class: 'hex' }, s) : h('span', { class: 'muted' }, 'unknown'));

function copyButton(text, what) {
  const b = h('button', { type: 'button', class: 'button small subtle', 'aria-label': `Copy ${what}` }, 'Copy');
  b.addEventListener('click', async () => {
    try { await navigator.clipboard.writeText(text); b.textContent = 'Copied'; } catch { b.textContent = 'Copy failed'; }
    setTimeout(() => { b.textContent = 'Copy'; }, 1500);
  });
  return b;
}

const shortId = (id) => (id ? `${id.slice(0, 10)}…${id.slice(-6)}` : '—');
const date = (ts) => (ts == null ? '—' : new Date(ts * 1000).toISOString().replace('T', ' ').replace('.000Z', ' UTC'));

function check(ok, text, failed, skipped = 'not run (the tree has the wrong shape)') {
  const state = ok === true ? 'pass' : ok === false ? 'fail' : 'skip';
  const mark = { pass: '✓', fail: '✗', skip: '–' }[state];
  return h('li', { class: `check ${state}` }, h('span', { class: 'check-mark', 'aria-hidden': 'true' }, mark), ' ',
    state === 'pass' ? text : state === 'fail' ? failed : `${text}: ${skipped}`);
}

function batchChecks(r) {
  const b = r.batch;
  if (!b) return h('div');
  const rootRow = [
    h('dt', null, 'Root recomputed from the items'), h('dd', null, hex(r.root), r.root ? copyButton(r.root, 'the recomputed root') : null),
    h('dt', null, 'Root settled on chain'),
    h('dd', null, b.expected_root ? hex(b.expected_root) : h('span', { class: 'muted' }, 'not given: add the BatchSettlement event’s root (topics[1]) to compare'),
      b.root_matches === true ? h('span', { class: 'tag ok' }, ' matches') : b.root_matches === false ? h('span', { class: 'tag bad' }, ' does not match') : null),
    h('dt', null, 'Leaf encoding'), h('dd', null, b.encoding),
    h('dt', null, 'Items whose signature was checked'), h('dd', null, `${fmtInt(r.checked)} of ${fmtInt(r.items.length)}`),
  ];
  return h('div', { class: 'card og-checks' },
    h('h3', null, 'The tree'),
    h('dl', { class: 'kv' }, rootRow),
    h('ul', { class: 'checks' },
      check(b.shape ? true : false, 'The tree has StandardMerkleTree’s shape (2n−1 hashes, one leaf slot per item)', 'The tree does not have StandardMerkleTree’s shape'),
      check(b.leaves_match, 'Every item hashes to its leaf', 'Some items do not hash to their leaf'),
      check(b.nodes_match, 'Every inner hash is the hash of its two children', 'Some inner hashes are not the hash of their children'),
      check(b.leaves_sorted, 'The leaves are in the sorted order the settlement pipeline writes', 'The leaves are not in sorted order'),
      b.expected_root ? check(b.root_matches, 'The items hash to the root settled on chain', 'The items do not hash to the root settled on chain', 'not compared (an item cannot be read)') : null));
}

function receiptChecks(r) {
  const d = r.receipt;
  const item = r.items[0];
  const rows = [];
  const row = (k, ...v) => rows.push(h('dt', null, k), h('dd', null, ...v));
  if (item) {
    row('TEE', hex(item.tee_id), item.tee_id ? copyButton(item.tee_id, 'the TEE id') : null);
    row('Signed at', date(item.timestamp));
    row('Signature', h('strong', null, item.signature), ' — ', r.verdicts[item.signature] || '');
    row('Signed request hash', hex(item.input_hash));
    if (d.request_hash_computed) {
      row('The request given', d.request_hash_computed === item.input_hash ? h('span', { class: 'tag ok' }, 'hashes to the signed request hash') : h('span', { class: 'tag bad' }, `hashes to ${d.request_hash_computed}, not the signed hash`));
    } else if (d.form !== 'legacy') {
      row('The request', h('span', { class: 'muted' }, 'not given: add the request JSON the client sent to check it'));
    }
    if (item.output_hash) {
      row('Signed output hash', hex(item.output_hash));
      row('The answer shown', d.output_hash_computed === item.output_hash ? h('span', { class: 'tag ok' }, 'hashes to the signed output hash') : h('span', { class: 'tag bad' }, `hashes to ${d.output_hash_computed}, not the signed hash: it was edited after signing`));
    }
    if (d.msg_hash) row('Signed message (msg_hash)', hex(d.msg_hash));
  }
  const box = h('div', { class: 'card og-checks' }, h('h3', null, 'What the TEE signed'), h('dl', { class: 'kv' }, rows));
  const content = d.output_content ?? d.signed_bytes;
  if (content != null) {
    box.append(h('details', { class: 'og-content' },
      h('summary', null, d.signed_bytes != null ? 'The exact text the signature covers' : 'The answer as signed (the exact text hashed)'),
      h('pre', { class: 'json' }, content)));
  }
  return box;
}

function accountability(r) {
  const counts = BARS.map((b) => r.accountability[b.cat] ?? 0);
  const pcts = percentages(counts);
  const total = counts.reduce((a, b) => a + b, 0);
  const box = h('div', { class: 'card', id: 'og-accountability' },
    h('h3', { id: 'og-acc-title' }, `Detection versus responsibility in this ${r.kind}`),
    h('p', { class: 'sub' }, 'OpenGradient records which TEE signed each answer, but publishes no signed statement that detects a fault or takes responsibility for it. So every problem Onus finds here is counted as silent: the system recorded it; nobody stepped forward.'));
  if (!total) {
    box.append(h('p', { class: r.status === 'failed' ? '' : 'og-none' }, r.status === 'failed'
      ? 'No bad signature, placeholder or tree fault; what failed is listed under Findings (it is not an incident a TEE could be blamed for).'
      : `No incidents: Onus found no bad signature, placeholder or tree fault${r.kind === 'batch' ? ` among ${fmtInt(r.items.length)} items` : ''}.`));
    return box;
  }
  const bars = h('div', { class: 'poll', role: 'list', 'aria-labelledby': 'og-acc-title' });
  BARS.forEach((b, k) => bars.append(h('div', { class: 'pbar static', role: 'listitem', 'data-cat': b.cat },
    h('span', { class: 'pbar-fill', style: { width: `${pcts[k]}%` } }),
    h('span', { class: 'pbar-label' }, b.label),
    h('span', { class: 'pbar-value' }, `${fmtInt(counts[k])} ${counts[k] === 1 ? 'incident' : 'incidents'}`))));
  box.append(bars);
  const ul = h('ul', { class: 'incident-list' });
  for (const inc of r.incidents.slice(0, PAGE)) {
    ul.append(h('li', null, inc.item != null ? h('a', { href: `#og-item-${inc.item}` }, `Item ${inc.item}`) : 'The tree', ': ', inc.what,
      inc.blame ? [' — signed by TEE ', h('code', { class: 'hex' }, shortId(inc.blame))] : null, '. Nobody took responsibility; unresolved.'));
  }
  box.append(ul);
  return box;
}

function itemsTable(r) {
  const box = h('div', { class: 'card' }, h('h3', { id: 'og-items-title' }, `Items (${fmtInt(r.items.length)})`));
  const meanings = h('dl', { class: 'kv og-meanings' });
  for (const [v, m] of Object.entries(r.verdicts)) meanings.append(h('dt', null, v), h('dd', null, m));
  box.append(meanings);
  const table = h('table', { class: 'og-items', 'aria-labelledby': 'og-items-title' },
    h('thead', null, h('tr', null, h('th', { scope: 'col' }, '#'), h('th', { scope: 'col' }, 'TEE'), h('th', { scope: 'col' }, 'Signed at'), h('th', { scope: 'col' }, 'Signature'))));
  const body = h('tbody');
  table.append(body);
  let shown = 0;
  const more = h('button', { type: 'button', class: 'button subtle' });
  const add = () => {
    for (const [i, it] of r.items.slice(shown, shown + PAGE).entries()) {
      const n = shown + i;
      body.append(h('tr', { id: `og-item-${n}`, class: `og-${it.signature}` },
        h('td', null, String(n)),
        h('td', null, it.tee_id ? [h('code', { class: 'hex', title: it.tee_id }, shortId(it.tee_id)), ' ', copyButton(it.tee_id, `the TEE id of item ${n}`)] : '—'),
        h('td', null, date(it.timestamp)),
        h('td', null, h('span', { class: `tag ${it.signature === 'valid' || it.signature === 'legacy-valid' ? 'ok' : it.signature === 'invalid' ? 'bad' : 'warn'}` }, it.signature))));
    }
    shown = Math.min(r.items.length, shown + PAGE);
    more.hidden = shown >= r.items.length;
    more.textContent = `Show ${fmtInt(Math.min(PAGE, r.items.length - shown))} more of ${fmtInt(r.items.length - shown)}`;
  };
  more.addEventListener('click', add);
  add();
  box.append(h('div', { class: 'table-wrap' }, table), more);
  return box;
}

function findings(r) {
  const box = h('div', { class: 'card', id: 'og-findings' }, h('h3', null, `Findings (${fmtInt(r.findings.length)})`));
  if (!r.findings.length) { box.append(h('p', { class: 'muted' }, 'None: nothing to report.')); return box; }
  const order = { error: 0, warning: 1, info: 2 };
  const list = h('ul', { class: 'findings-list' });
  for (const f of [...r.findings].sort((a, b) => order[a.severity] - order[b.severity]).slice(0, 500)) {
    list.append(h('li', { class: `finding ${f.severity}`, 'data-code': f.code },
      h('span', { class: `sev ${f.severity}` }, f.severity), ' ', h('code', null, f.code),
      f.item != null ? [' · ', r.kind === 'batch' ? h('a', { href: `#og-item-${f.item}` }, `item ${f.item}`) : `item ${f.item}`] : null,
      h('p', null, f.message), h('p', { class: 'hint' }, f.advice)));
  }
  box.append(list);
  if (r.findings.length > 500) box.append(h('p', { class: 'muted' }, `…and ${fmtInt(r.findings.length - 500)} more in the downloaded report.`));
  return box;
}
