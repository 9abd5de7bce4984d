// Where a trace comes from: a link, a file, pasted text. A source is
// {kind: 'url'|'blob', url?, blob?, name, label, size?}, or {error} when the
// input cannot be a trace's address. `label` is what the page calls it.
// A tiled log is {kind: 'log', url (its prefix), name, label}.
import { logBase } from '../lib/log-url.js';

export function urlSource(raw) {
  let url;
  try {
    url = new URL(raw.trim(), location.href);
  } catch {
    return { error: { kind: 'badurl', message: raw } };
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return { error: { kind: 'badurl', message: raw } };
  return { kind: 'url', url: url.href, name: url.href, label: url.origin === location.origin ? url.pathname.split('/').pop() || url.href : url.href };
}

/**
 * A link a person typed: `example.org/trace.jsonl` means https://example.org/…,
 * as in a browser's address bar (resolved against this page it would be a 404
 * from the page's own server). A path (`/x`, `./x`, `../x`) stays relative.
 */
export function typedUrlSource(raw) {
  const t = raw.trim();
  const hostPort = /^[^/:\s]+:\d+(\/|$)/.test(t);
  const hasScheme = /^[a-z][a-z0-9+.-]*:/i.test(t) && !hostPort;
  if (!hasScheme && !/^[./]/.test(t) && (hostPort || /^[^\s/]+\.[^\s/]+/.test(t))) {
    // As an address bar does: plain http for this machine, https elsewhere.
    const local = /^(localhost|127\.\d+\.\d+\.\d+|\[::1\])(:|\/|$)/i.test(t);
    return urlSource(`${local ? 'http' : 'https'}://${t}`);
  }
  return urlSource(t);
}

/** A tiled log (`?log=`): its prefix, as the engine worker and IndexedDB spell it. */
export function logSource(raw) {
  const u = urlSource(raw);
  if (u.error) return u;
  const url = logBase(u.url);
  return { kind: 'log', url, name: url, label: url };
}

export function fileSource(file) {
  return { kind: 'blob', blob: file, name: `file:${file.name}`, label: file.name || 'the file', size: file.size };
}

export function textSource(text) {
  const blob = new Blob([text], { type: 'text/plain' });
  return { kind: 'blob', blob, name: 'paste', label: 'the pasted text', size: blob.size };
}

/** What the engine worker needs of a source (a File or Blob is cloned by reference, not copied). */
export function engineSource(src) {
  if (src.kind === 'url') return { kind: 'url', url: src.url };
  if (src.kind === 'held') return { kind: 'held' };
  return { kind: 'blob', blob: src.blob };
}

/** What pasted or dropped text is, to route it: 'receipt', 'url' or 'trace'. */
export function textKind(text) {
  if (looksLikeReceipt(text)) return 'receipt';
  if (/^\s*https?:\/\/\S+\s*$/i.test(text)) return 'url';
  return 'trace';
}

/** A receipt is one JSON object with a "receipt" member (its keys may come in any order). */
function looksLikeReceipt(t) {
  if (t.length > (1 << 20) || !/^\s*\{/.test(t) || !t.includes('"receipt"')) return false;
  try {
    const o = JSON.parse(t);
    return !!o && typeof o === 'object' && !Array.isArray(o) && 'receipt' in o;
  } catch {
    return false; // several lines of JSON: a trace
  }
}
