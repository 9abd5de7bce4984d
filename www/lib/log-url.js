// The address of a tiled log: its prefix, ending in `/` (a link to its
// `checkpoint` names it too). One spelling for the page (its IndexedDB key)
// and the engine worker (where it fetches from).

export function logBase(url) {
  const u = new URL(url);
  if (u.pathname.endsWith('/checkpoint')) u.pathname = u.pathname.slice(0, -'checkpoint'.length);
  if (!u.pathname.endsWith('/')) u.pathname += '/';
  u.search = '';
  u.hash = '';
  return u.href;
}
