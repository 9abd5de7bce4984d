// "Check a receipt": one statement's inclusion proof, checked by the core in
// the engine worker against the pinned log key or the one remembered for the
// receipt's log. Pasted, typed, or a file; a receipt pasted anywhere on the
// page comes here too.
import { h, clear, fmtInt, shortKey } from '../../lib/dom.js';

/**
 * Wires the #receipt card; returns {checkText(text)} for receipts pasted
 * elsewhere. `receipt({text|file, pinned, keys})` asks the engine; `pinned` is
 * the key in the address; `keys()` the remembered ones; `nameOf(key)` a roster name.
 */
export function wireReceiptTool(card, { receipt, pinned, keys, nameOf }) {
  const $ = (id) => card.querySelector(`#${id}`);
  const out = $('receipt-result');
  const rin = $('receipt-input');
  const check = (what) => checkReceipt(out, what, { receipt, pinned, keys, nameOf });
  $('receipt-go').addEventListener('click', () => { if (rin.value.trim()) check({ text: rin.value }); });
  $('receipt-file').addEventListener('change', (e) => { const f = e.target.files[0]; if (f) check({ file: f }); e.target.value = ''; });
  card.addEventListener('dragover', (e) => { e.preventDefault(); card.classList.add('over'); });
  card.addEventListener('dragleave', () => card.classList.remove('over'));
  card.addEventListener('drop', (e) => {
    e.preventDefault();
    card.classList.remove('over');
    const f = e.dataTransfer?.files?.[0];
    if (f) check({ file: f });
    else { const t = e.dataTransfer?.getData('text/plain'); if (t) { rin.value = t; check({ text: t }); } }
  });
  return {
    /** Checks `text` as if pasted here; resolves to the core's receipt report (or null). */
    checkText(text) {
      rin.value = text;
      card.scrollIntoView({ block: 'nearest' });
      return check({ text });
    },
  };
}

async function checkReceipt(out, { text, file }, { receipt, pinned, keys, nameOf }) {
  clear(out).append(h('p', { class: 'muted' }, 'Checking…'));
  let res;
  try {
    res = await receipt({ text, file, pinned: pinned || undefined, keys: keys() });
  } catch (err) {
    clear(out).append(h('p', { class: 'bad-text' }, `The receipt could not be checked: ${err.message}.`));
    return null;
  }
  const r = res.result;
  clear(out);
  const what = r.index != null ? `Statement #${fmtInt(r.index)}${r.kind ? ` (${r.kind}${r.actor ? ` by ${nameOf(r.actor) ?? shortKey(r.actor)}` : ''})` : ''}` : 'The statement';
  let word, sentence;
  if (r.status === 'verified') {
    word = 'Receipt verified';
    sentence = `${what} is in the log “${r.origin}”: it is entry ${fmtInt(r.index)} of the ${fmtInt(r.size)} statements of a checkpoint signed by the log key ${pinned ? 'you pinned' : 'remembered on this device'}.`;
  } else if (r.status === 'unanchored') {
    word = 'Proof holds, signer unknown';
    sentence = `${what} is in a tree of ${fmtInt(r.size)} statements under a checkpoint for “${r.origin}”, but no key is known here for that log, so nothing shows who signed the checkpoint. Check a trace of that log once (its key is then remembered), or open this page with &key=VKEY.`;
  } else {
    word = 'Receipt failed';
    sentence = 'This receipt does not prove anything: see why below.';
  }
  out.append(h('div', { class: `receipt-verdict ${r.status}`, 'data-status': r.status }, h('p', { class: 'receipt-word' }, word), h('p', null, sentence)));
  if (r.findings.length) {
    const ul = h('ul', { class: 'finding-list' });
    // What happened, then what to do (the core keeps the two apart).
    for (const f of r.findings) ul.append(h('li', { class: `finding sev-${f.severity}` }, h('code', { class: 'code' }, f.code), ' ', h('span', null, f.message), f.advice ? ` ${f.advice}` : ''));
    out.append(ul);
  }
  return r;
}
