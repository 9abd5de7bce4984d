// The address bar follows what the page shows (History API): `?trace=` or
// `?log=` for a check by address, a bare address for a file or pasted text
// (which no link can name), and `#statement=N` / `#incident=N` for what is
// open. Back and Forward go to the checks shown before. The pinned key and
// trust policy (`&key=`, `&policy=`) stay, as they still apply.

/** Sources by history entry, for Back to a file or pasted text (kept for this visit only). */
const held = new Map();
let nextEntry = 1;
/** The check the address names now: its query and history entry. */
let current = { search: location.search, entry: null };

/** Records that `src` (page/sources.js) is now being checked: a new history entry. */
export function pushCheck(src) {
  const url = new URL(location.href);
  url.hash = '';
  url.searchParams.delete('trace');
  url.searchParams.delete('log');
  url.searchParams.delete('index');
  url.searchParams.delete('og');
  if (src.kind === 'url') url.searchParams.set('trace', relative(src.url));
  else if (src.kind === 'log') url.searchParams.set('log', relative(src.url));
  const entry = nextEntry++;
  if (src.kind === 'blob') held.set(entry, src);
  history.pushState({ onus: entry }, '', url.href);
  current = { search: url.search, entry };
}

/**
 * After Back or Forward: is it another check than the one shown? Following a
 * fragment link (#g-checkpoint, #statement=N) also fires popstate, with no
 * state and the same query: that is the same check.
 */
export function movedToAnotherCheck(state) {
  const entry = state?.onus ?? null;
  if (location.search === current.search && (entry == null || entry === current.entry)) return false;
  current = { search: location.search, entry };
  return true;
}

/** The file or text a history entry checked, if this visit still holds it. */
export function heldSource(state) {
  return state && held.get(state.onus);
}

/** `#statement=N` or `#incident=N` in the address: {statement} | {incident} | {}. */
export function shownInAddress() {
  const m = /^#(statement|incident)=(\d+)$/.exec(location.hash);
  return m ? { [m[1]]: Number(m[2]) } : {};
}

/** Keeps the hash in step with what is open (`what`: 'statement' | 'incident'; null closes). */
export function showInAddress(what, n) {
  const url = new URL(location.href);
  const hash = n == null ? '' : `#${what}=${n}`;
  if (url.hash === hash || (n == null && !/^#(statement|incident)=/.test(url.hash))) return;
  url.hash = hash;
  history.replaceState(history.state, '', url.href);
}

/** An address on this page's own server is written relative to it, as npm start's links are. */
function relative(href) {
  const u = new URL(href);
  const here = new URL('.', location.href);
  return u.href.startsWith(here.href) ? u.href.slice(here.href.length) : u.href;
}
