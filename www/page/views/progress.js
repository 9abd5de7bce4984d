// The progress card while a trace is checked: what is read, how many
// statements, how fast, and about how long is left (from the worker's counts).
import { fmtInt, fmtBytes, fmtDuration, visible } from '../../lib/dom.js';

const $ = (card, id) => card.querySelector(`#${id}`);

export function progressStarted(card, label) {
  $(card, 'progress-name').textContent = visible(label);
  $(card, 'progress-text').textContent = 'Starting the verifier…';
  $(card, 'progress-fill').style.width = '0%';
  $(card, 'progress-bar').classList.add('indeterminate');
  $(card, 'progress-bar').removeAttribute('aria-valuenow');
  card.hidden = false;
}

/** `p`: {bytes, total (null when unknown), statements, elapsed}. */
export function progressShown(card, p) {
  const bar = $(card, 'progress-bar');
  const secs = p.elapsed / 1000;
  const rate = secs > 0.05 ? p.statements / secs : 0;
  const parts = [];
  if (p.total) {
    const pct = Math.min(100, (p.bytes / p.total) * 100);
    bar.classList.remove('indeterminate');
    $(card, 'progress-fill').style.width = `${pct}%`;
    bar.setAttribute('aria-valuenow', String(Math.round(pct)));
    bar.setAttribute('aria-valuetext', `${Math.round(pct)}%, ${fmtInt(p.statements)} statements`);
    parts.push(`${fmtBytes(p.bytes)} of ${fmtBytes(p.total)}`);
  } else {
    bar.classList.add('indeterminate');
    bar.setAttribute('aria-valuetext', `${fmtBytes(p.bytes)} read, ${fmtInt(p.statements)} statements`);
    parts.push(`${fmtBytes(p.bytes)} read`);
  }
  bar.dataset.bytes = String(p.bytes);
  bar.dataset.statements = String(p.statements);
  parts.push(`${fmtInt(p.statements)} statements`);
  if (rate) parts.push(`${fmtInt(Math.round(rate))} statements/s`);
  if (p.total && p.bytes > 0 && secs > 0.3 && p.bytes < p.total) {
    const left = ((p.total - p.bytes) / (p.bytes / secs)) * 1000;
    parts.push(`about ${fmtDuration(left)} left`);
  }
  $(card, 'progress-text').textContent = parts.join(' · ');
}
