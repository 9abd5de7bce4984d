// The ways a trace comes in: the file picker, the link form, the paste box,
// paste anywhere (a trace, a link, or a receipt) and drop anywhere (the
// artifact and receipt cards take their own drops).
import { urlSource, typedUrlSource, fileSource, textSource, textKind } from './sources.js';

/** `onTrace(src)` checks a source (page/sources.js); `onReceipt(text)` checks a pasted receipt. */
export function wireIntake({ onTrace, onReceipt }) {
  const $ = (id) => document.getElementById(id);
  const handleText = (text) => {
    if (!text || !text.trim()) return;
    const kind = textKind(text);
    if (kind === 'receipt') onReceipt(text);
    else if (kind === 'url') onTrace(urlSource(text.trim()));
    else onTrace(textSource(text));
  };

  $('file-input').addEventListener('change', (e) => {
    const f = e.target.files[0];
    if (f) onTrace(fileSource(f));
    e.target.value = '';
  });
  $('url-form').addEventListener('submit', (e) => {
    e.preventDefault();
    const v = $('url-input').value.trim();
    if (v) onTrace(typedUrlSource(v));
  });
  $('paste-go').addEventListener('click', () => {
    const t = $('paste-input').value;
    if (t.trim()) onTrace(textSource(t));
  });

  // Paste anywhere (outside text fields).
  document.addEventListener('paste', (e) => {
    if (isEditable(e.target)) return;
    const dt = e.clipboardData;
    if (!dt) return;
    const file = dt.files && dt.files[0];
    e.preventDefault();
    if (file) onTrace(fileSource(file));
    else handleText(dt.getData('text/plain'));
  });

  // Drop anywhere; the overlay says so, except over the tools' own drop areas.
  const overlay = $('drop-overlay');
  let depth = 0;
  const hasFiles = (e) => [...(e.dataTransfer?.types || [])].some((t) => t === 'Files' || t === 'text/plain' || t === 'text/uri-list');
  document.addEventListener('dragenter', (e) => { if (hasFiles(e)) { depth++; if (!e.target.closest?.('.tool')) overlay.hidden = false; } });
  document.addEventListener('dragleave', () => { depth = Math.max(0, depth - 1); if (!depth) overlay.hidden = true; });
  document.addEventListener('dragover', (e) => { if (hasFiles(e)) { e.preventDefault(); overlay.hidden = !!e.target.closest?.('.tool'); } });
  document.addEventListener('drop', (e) => {
    depth = 0;
    overlay.hidden = true;
    if (e.defaultPrevented) return;
    e.preventDefault();
    const dt = e.dataTransfer;
    const file = dt?.files?.[0];
    if (file) onTrace(fileSource(file));
    else handleText(dt?.getData('text/uri-list') || dt?.getData('text/plain'));
  });
}

function isEditable(el) {
  return el && (el.tagName === 'INPUT' || el.tagName === 'TEXTAREA' || el.isContentEditable);
}
