// What a screen reader is told while a check runs: one polite status region
// (#announce), written a few times per check, never on every progress tick.

const MILESTONES = [25, 50, 75];
let region = null;
let passed = 0;

/** Says `text` once (the region is emptied first so that a repeat is read again). */
export function announce(text) {
  region ??= document.getElementById('announce');
  if (!region) return;
  region.textContent = '';
  // A separate task, so that assistive technology sees a change even for the same words.
  setTimeout(() => { region.textContent = text; }, 50);
}

/** A check started: milestones begin again. */
export function announceStart(label) {
  passed = 0;
  announce(`Checking ${label}…`);
}

/** Progress `p` ({bytes, total, statements}): said at 25, 50 and 75 percent only. */
export function announceProgress(p) {
  if (!p.total) return;
  const pct = (p.bytes / p.total) * 100;
  while (passed < MILESTONES.length && pct >= MILESTONES[passed]) {
    if (pct < 100) announce(`${MILESTONES[passed]} percent checked, ${p.statements.toLocaleString('en-US')} statements so far.`);
    passed++;
  }
}
