// One-line embed of an Onus poll:
//   <script src="https://COLLECTOR/embed.js" data-log="https://COLLECTOR/logs/polls" data-poll="POLL_ID" async></script>
// Inserts the poll (poll.html from the same place as this script) in an iframe
// right where the script tag is, and sizes the iframe to the poll's height,
// which poll.html reports with postMessage. data-poll may be left out (the
// log's first poll); data-log may be relative to this script's address.
(() => {
  const script = document.currentScript;
  if (!script || !script.src) return;
  const here = new URL(script.src);
  const log = new URL(script.dataset.log || 'logs/polls', here).href;
  const frame = `onus-poll-${Math.random().toString(36).slice(2)}`;
  const src = new URL('poll.html', here);
  src.searchParams.set('log', log);
  if (script.dataset.poll) src.searchParams.set('poll', script.dataset.poll);
  src.searchParams.set('embed', frame);

  const iframe = document.createElement('iframe');
  iframe.src = src.href;
  iframe.title = script.dataset.title || 'Poll';
  iframe.loading = 'lazy';
  iframe.allow = 'clipboard-write';
  iframe.className = 'onus-poll';
  iframe.style.cssText = 'display:block;width:100%;max-width:560px;height:420px;border:0;overflow:hidden;background:transparent';
  iframe.setAttribute('scrolling', 'no');
  // Where the tag is; a tag in <head> cannot hold an iframe, so then at the end of <body>.
  if (script.parentNode && script.parentNode !== document.head) script.after(iframe);
  else document.body.append(iframe);

  window.addEventListener('message', (e) => {
    if (e.origin !== here.origin || e.source !== iframe.contentWindow) return;
    const d = e.data;
    if (!d || d.type !== 'onus-poll:height' || d.frame !== frame) return;
    const h = Math.ceil(Number(d.height));
    if (h > 0 && h < 10000) iframe.style.height = `${h}px`;
    if (typeof d.title === 'string' && d.title && !script.dataset.title) iframe.title = `Poll: ${d.title.slice(0, 200)}`;
  });
})();
