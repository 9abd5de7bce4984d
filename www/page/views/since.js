// A tiled log's line about the reader's last visit: what is new since, or
// that a cache served an old checkpoint, or (loudly) that the log no longer
// extends what the reader saw. The facts come from the core (`since`, the
// report); this only words them.
import { h, fmtInt, fmtBytes } from '../../lib/dom.js';

/**
 * `since`: {kind: 'fresh'|'extended'|'stale'|'inconsistent', held, served};
 * `kept`: what IndexedDB held before ({when}) or null; `saved`: whether this
 * run's state was kept; `stateRefused`: why a kept state could not be used.
 */
export function renderSince(box, { report, since, kept, saved, stateRefused, info }) {
  const when = kept?.when ? ` on ${new Date(kept.when).toLocaleString()}` : '';
  const read = `${fmtInt(info.files)} files, ${fmtBytes(info.bytes)} fetched`;
  const size = report.sealed?.size ?? 0;
  if (stateRefused) {
    box.append(h('div', { class: 'banner info', role: 'status', id: 'state-refused' },
      `What this browser kept of this log could not be used (${stateRefused}); it was dropped, and the log was verified from the start.`));
  }
  let text = null, cls = 'banner info', role = 'status';
  switch (since.kind) {
    case 'fresh':
      text = `Verified from the first statement (${read}).${saved ? ' This browser keeps what it needs, so your next visit fetches only what is new.' : ''}`;
      break;
    case 'extended': {
      const added = size - since.held;
      text = added > 0
        ? `${fmtInt(added)} new ${added === 1 ? 'statement' : 'statements'} since your last visit${when}, consistent with what you saw (${read}).`
        : `No new statements since your last visit${when}: the log is as you saw it (${read}).`;
      break;
    }
    case 'stale':
      text = `The server showed an older checkpoint (size ${fmtInt(since.served)}) than the one you saw${when} (size ${fmtInt(since.held)}): a cache served an old copy. This is the log as you last saw it.`;
      break;
    case 'inconsistent':
      cls = 'banner danger';
      role = 'alert';
      text = `This log no longer extends what you saw${when} (size ${fmtInt(since.held)}): it forked or lost statements it had committed to (see the findings below). What your browser kept of it is kept, as evidence.`;
      break;
    default:
      return;
  }
  box.append(h('div', { class: cls, role, id: 'since' }, text));
}
