// Printing (www/print.css lays the page out): CSS cannot open a <details>, so
// the closed groups of what prints (the verdict's, the incidents', the
// findings'...) are opened just before printing and closed again after, as
// the reader left them.
const PRINTED = ['#verdict', '#banners', '#accountability', '#findings', '#votes', '#og'].map((s) => `${s} details:not([open])`).join(', ');
/** The groups opened for this printing (kept across a repeated beforeprint). */
let opened = [];

window.addEventListener('beforeprint', () => {
  const closed = [...document.querySelectorAll(PRINTED)];
  for (const d of closed) d.open = true;
  opened.push(...closed);
});

window.addEventListener('afterprint', () => {
  for (const d of opened) d.open = false;
  opened = [];
});
