// A "copy link" control: copies this page's address with another hash
// (location.href without its hash, then `#` + hash) to the clipboard.
//
//   copyLinkButton('incident=50', 'Copy link to this incident')
//
// returns a <span class="copy-link"> holding the button and a polite live
// region (role="status") that says "Link copied" when the clipboard took it.
// When the clipboard is refused (no permission, not a secure context, no
// navigator.clipboard), a read-only text field with the address appears next
// to the button, focused and selected, and the live region says to copy it
// with Ctrl+C / ⌘C. `hash` may be a function, called at each press.
import { h } from './dom.js';

/** The address of this page with `#hash` instead of its own hash. */
export function linkTo(hash) {
  return `${location.href.split('#')[0]}#${hash}`;
}

export function copyLinkButton(hash, label = 'Copy link') {
  const status = h('span', { class: 'copy-link-status', role: 'status', 'aria-live': 'polite' });
  const wrap = h('span', { class: 'copy-link' });
  let timer = null;
  const say = (text, fade) => {
    clearTimeout(timer);
    status.textContent = text;
    if (fade) timer = setTimeout(() => { status.textContent = ''; }, 4000);
  };
  const button = h('button', { type: 'button', class: 'button small subtle copy-link-button' }, label);
  button.addEventListener('click', async () => {
    const url = linkTo(typeof hash === 'function' ? hash() : hash);
    wrap.querySelector('.copy-link-field')?.remove();
    try {
      if (!navigator.clipboard?.writeText) throw new Error('no clipboard');
      await navigator.clipboard.writeText(url);
      say('Link copied', true);
    } catch {
      const field = h('input', { type: 'text', class: 'copy-link-field', readonly: true, value: url, 'aria-label': 'Link to copy', spellcheck: 'false' });
      wrap.append(field);
      field.focus();
      field.select();
      say('Your browser did not let the page copy: the link is selected, copy it with Ctrl+C or ⌘C.', false);
    }
  });
  wrap.append(button, status);
  return wrap;
}

