// What the views need to know about the report on screen, looked up rather
// than recomputed: who a key is (the roster's names and roles), and the
// findings about each statement.
import { shortKey } from '../lib/dom.js';

/** Lookups for `report` (null: no report yet, so no names). */
export function reportContext(report) {
  const roster = new Map((report?.roster ?? []).map((m) => [m.key, m]));
  const findingsByIndex = new Map();
  for (const f of report?.findings ?? []) {
    if (f.index == null) continue;
    if (!findingsByIndex.has(f.index)) findingsByIndex.set(f.index, []);
    findingsByIndex.get(f.index).push(f);
  }
  /** A key's roster name; the log's own key is called the log key. */
  const nameOf = (key) => {
    if (!key) return null;
    const m = roster.get(key);
    if (m) return m.name;
    return report && key === report.log_key ? 'log key' : null;
  };
  const malformed = (report?.findings ?? []).filter((f) => f.code === 'statement.malformed').length
    + ((report?.findings_omitted ?? []).find((o) => o.code === 'statement.malformed')?.count ?? 0);
  return {
    /** Not a trace at all: no valid first statement and no line is a statement (an image, a JSON document, prose). */
    notATrace: !!report && report.origin == null && report.statements > 0 && malformed === report.statements,
    nameOf,
    who: (key) => (key ? nameOf(key) ?? shortKey(key) : 'nobody'),
    roleOf: (key) => roster.get(key)?.role ?? null,
    roleText: (key) => { const m = roster.get(key); return m ? ` (${m.role})` : ''; },
    findingsAt: (i) => findingsByIndex.get(i) ?? [],
  };
}
