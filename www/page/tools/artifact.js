// "Check an artifact": a file (hashed with BLAKE3 in the engine worker, so it
// never leaves the device) or a typed hash, and the statements of the checked
// trace that commit to it.
import { h, clear, fmtInt, fmtBytes } from '../../lib/dom.js';

/**
 * Wires the #artifact card. `committingTo({file}|{hash}, onProgress)` asks the
 * engine; `who(key)` names an actor; `openStatement(index)` shows one.
 */
export function wireArtifactTool(card, { committingTo, who, openStatement }) {
  const $ = (id) => card.querySelector(`#${id}`);
  const out = $('artifact-result');
  const check = (what) => checkArtifact(out, what, { committingTo, who, openStatement });
  const zone = $('artifact-drop');
  const pick = $('artifact-input');
  zone.addEventListener('click', () => pick.click());
  zone.addEventListener('keydown', (e) => { if (e.key === 'Enter' || e.key === ' ') { e.preventDefault(); pick.click(); } });
  pick.addEventListener('change', () => { if (pick.files[0]) check({ file: pick.files[0] }); pick.value = ''; });
  zone.addEventListener('dragover', (e) => { e.preventDefault(); zone.classList.add('over'); });
  zone.addEventListener('dragleave', () => zone.classList.remove('over'));
  zone.addEventListener('drop', (e) => {
    e.preventDefault();
    zone.classList.remove('over');
    const f = e.dataTransfer?.files?.[0];
    if (f) check({ file: f });
  });
  $('hash-form').addEventListener('submit', (e) => {
    e.preventDefault();
    const v = $('hash-input').value.trim().toLowerCase();
    if (!/^[0-9a-f]{64}$/.test(v)) {
      clear(out).append(h('p', { class: 'bad-text' }, 'A BLAKE3 hash is 64 hexadecimal digits, as b3sum prints it.'));
      return;
    }
    check({ hash: v });
  });
}

async function checkArtifact(out, { file, hash }, { committingTo, who, openStatement }) {
  clear(out);
  const bar = h('div', { class: 'bar small', role: 'progressbar', 'aria-label': 'Hashing progress', 'aria-valuemin': '0', 'aria-valuemax': '100' }, h('div', { class: 'bar-fill' }));
  const text = h('p', { class: 'muted' }, file ? `Hashing ${file.name}…` : 'Looking…');
  if (file) out.append(bar);
  out.append(text);
  let res;
  try {
    res = await committingTo(file ? { file } : { hash }, (p) => {
      const pct = p.total ? (p.bytes / p.total) * 100 : 0;
      bar.firstChild.style.width = `${pct}%`;
      bar.setAttribute('aria-valuenow', String(Math.round(pct)));
      text.textContent = `Hashing ${file.name}: ${fmtBytes(p.bytes)} of ${fmtBytes(p.total)}`;
    });
  } catch (err) {
    clear(out).append(h('p', { class: 'bad-text' }, `That did not work: ${err.message}.`));
    return;
  }
  clear(out);
  out.append(h('p', null, file ? `${file.name} (${fmtBytes(file.size)}) has BLAKE3 hash ` : 'BLAKE3 hash ', h('code', { class: 'hex', id: 'artifact-hash' }, res.hash)));
  if (res.indexes == null) {
    out.append(h('p', { class: 'muted' }, 'Check a trace to see which of its statements commit to it.'));
    return;
  }
  if (!res.indexes.length) {
    out.append(h('p', { class: 'result-line none' }, 'No statement in this trace commits to this file.'));
    return;
  }
  const n = res.indexes.length;
  out.append(h('p', { class: 'result-line found' }, `${fmtInt(n)} ${n === 1 ? 'statement commits' : 'statements commit'} to it:`));
  const ul = h('ul', { class: 'commit-list' });
  res.rows.forEach((r) => ul.append(h('li', null, h('button', { type: 'button', class: 'link', onclick: () => openStatement(r.index) }, `#${r.index}`),
    ` ${r.kind} by ${r.actor ? who(r.actor) : '?'}`)));
  if (n > res.rows.length) ul.append(h('li', { class: 'muted' }, `and ${fmtInt(n - res.rows.length)} more`));
  out.append(ul);
}
