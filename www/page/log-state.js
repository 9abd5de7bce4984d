// What a reader keeps of each tiled log between visits, in IndexedDB: the
// core's state file (opaque bytes: the core checks its version and checksum)
// and, for the page's words, the size and when it was seen. Keyed by the
// log's URL. A browser without IndexedDB (or with it blocked) keeps nothing,
// and every visit verifies the log from the start.

const DB = 'onus';
const STORE = 'tiled-logs';

function open() {
  return new Promise((resolve, reject) => {
    const req = indexedDB.open(DB, 1);
    req.onupgradeneeded = () => req.result.createObjectStore(STORE);
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
  });
}

async function tx(mode, fn) {
  const db = await open();
  try {
    return await new Promise((resolve, reject) => {
      const t = db.transaction(STORE, mode);
      const req = fn(t.objectStore(STORE));
      t.oncomplete = () => resolve(req?.result);
      t.onerror = () => reject(t.error);
      t.onabort = () => reject(t.error);
    });
  } finally {
    db.close();
  }
}

/** {state: Uint8Array, size, root, origin, when} kept for `url`, or null. */
export async function loadLogState(url) {
  try {
    return (await tx('readonly', (s) => s.get(url))) ?? null;
  } catch {
    return null;
  }
}

export async function saveLogState(url, entry) {
  try {
    await tx('readwrite', (s) => s.put(entry, url));
    return true;
  } catch {
    return false;
  }
}

export async function dropLogState(url) {
  try {
    await tx('readwrite', (s) => s.delete(url));
  } catch { /* nothing kept, nothing to drop */ }
}
