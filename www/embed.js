// One-line embed of an Onus poll:
//   <script src="https://COLLECTOR/embed.js" data-log="https://COLLECTOR/logs/polls" data-poll="POLL_ID" async></script>
// Inserts the poll (poll.html from the same place as this script) in an iframe
// right where the script tag is, and sizes the iframe to the poll's height,
// which poll.html reports with postMessage. data-poll may be left out (the
// log's first poll); data-log may be relative to this script's address.
// data-theme="light" (the default), "dark" or "auto" (the visitor's OS
// setting) picks the widget's colours; data-title names the iframe.
// If poll.html never reports (its host is down), a line of text with a link
// to the poll takes the iframe's place, built from DOM nodes (no markup).
(() => {
  const script = document.currentScript;
  if (!script || !script.src) return;
  const here = new URL(script.src);
  const log = new URL(script.dataset.log || 'logs/polls', here).href;
  const theme = ['light', 'dark', 'auto'].includes(script.dataset.theme) ? script.dataset.theme : 'light';
  const frame = `onus-poll-${Math.random().toString(36).slice(2)}`;
  const page = new URL('poll.html', here);
  page.searchParams.set('log', log);
  if (script.dataset.poll) page.searchParams.set('poll', script.dataset.poll);
  const src = new URL(page);
  src.searchParams.set('theme', theme);
  src.searchParams.set('embed', frame);

  const iframe = document.createElement('iframe');
  iframe.src = src.href;
  iframe.title = script.dataset.title || 'Poll';
  iframe.loading = 'lazy';
  iframe.allow = 'clipboard-write';
  iframe.className = 'onus-poll';
  iframe.style.cssText = 'display:block;width:100%;max-width:560px;height:420px;border:0;overflow:hidden;background:transparent';
  // The iframe's color-scheme must be the widget's: where the two differ,
  // browsers paint an opaque canvas (black or white) behind the widget
  // instead of letting the host page show through.
  iframe.style.colorScheme = theme === 'auto' ? 'light dark' : theme;
  iframe.setAttribute('scrolling', 'no');
  // Where the tag is; a tag in <head> cannot hold an iframe, so then at the end of <body>.
  if (script.parentNode && script.parentNode !== document.head) script.after(iframe);
  else document.body.append(iframe);

  // ---- when poll.html does not load ----
  // poll.html reports its height as soon as it is laid out, long before the
  // votes are counted; no report soon after the frame's load event (an error
  // page, a 404) or a while after the frame came near the screen (a host that
  // does not answer) means it is not there.
  const AFTER_LOAD_MS = 4000;
  const AT_ALL_MS = 20000;
  let heard = false;
  let timer = 0;
  let fallback = null;
  const wait = (ms) => {
    clearTimeout(timer);
    timer = setTimeout(giveUp, ms);
  };
  iframe.addEventListener('load', () => { if (!heard) wait(AFTER_LOAD_MS); });
  // A lazy iframe loads only near the viewport: the wait starts there.
  const near = new IntersectionObserver((entries) => {
    if (!entries.some((e) => e.isIntersecting)) return;
    near.disconnect();
    if (!heard && !timer) wait(AT_ALL_MS);
  }, { rootMargin: '600px' });
  near.observe(iframe);

  function giveUp() {
    if (heard || fallback) return;
    const title = script.dataset.title;
    fallback = document.createElement('p');
    fallback.className = 'onus-poll-fallback';
    fallback.setAttribute('role', 'status');
    fallback.style.cssText = 'box-sizing:border-box;max-width:560px;margin:0;padding:10px 14px;border:1px solid;border-radius:10px;font:inherit;color:inherit;background:transparent';
    const link = document.createElement('a');
    link.href = page.href;
    link.target = '_blank';
    link.rel = 'noopener';
    link.textContent = 'Open the poll';
    const again = document.createElement('button');
    again.type = 'button';
    again.textContent = 'Try again';
    again.style.marginLeft = '0.5em';
    again.addEventListener('click', retry);
    fallback.append(`${title ? `The poll “${title}”` : 'This poll'} could not be loaded from ${here.host}. `, link, ' in a new tab, or', again);
    iframe.style.display = 'none';
    iframe.after(fallback);
  }
  function retry() {
    fallback?.remove();
    fallback = null;
    iframe.style.display = 'block';
    iframe.src = src.href; // the same address again: a new load
    wait(AT_ALL_MS);
  }

  window.addEventListener('message', (e) => {
    if (e.origin !== here.origin || e.source !== iframe.contentWindow) return;
    const d = e.data;
    if (!d || d.type !== 'onus-poll:height' || d.frame !== frame) return;
    if (!heard) {
      heard = true;
      clearTimeout(timer);
      near.disconnect();
    }
    // It came after all (a slow host): the poll takes its place back.
    if (fallback) {
      fallback.remove();
      fallback = null;
      iframe.style.display = 'block';
    }
    const h = Math.ceil(Number(d.height));
    if (h > 0 && h < 10000) iframe.style.height = `${h}px`;
    if (typeof d.title === 'string' && d.title && !script.dataset.title) iframe.title = `Poll: ${d.title.slice(0, 200)}`;
  });
})();
