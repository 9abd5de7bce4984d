// In place of a verdict when a trace could not be checked: what happened and
// what to do (page/errors.js), and the way on: try again, or another trace.
import { h, clear } from '../../lib/dom.js';
import { describeError } from '../errors.js';

/** `src` is the source that failed (with `error` when it never was a source); `onRetry(src)`. */
export function renderLoadError(box, err, src, { onRetry, onAnother }) {
  const { title, text, hint, publisher } = describeError(err, src);
  clear(box).append(h('h2', null, title), h('p', null, text), h('p', { class: 'hint' }, hint),
    publisher ? h('details', { class: 'for-publishers' }, h('summary', null, 'For publishers'), h('p', null, publisher)) : null);
  if (src && !src.error && err.kind !== 'options') {
    box.append(h('p', null, h('button', { type: 'button', class: 'button', onclick: () => onRetry(src) }, 'Try again'),
      ' ', h('button', { type: 'button', class: 'button subtle', onclick: onAnother }, 'Check another trace')));
  } else {
    box.append(h('p', null, h('button', { type: 'button', class: 'button', onclick: onAnother }, 'Check another trace')));
  }
  box.dataset.kind = err.kind === 'http' ? `http-${err.status}` : err.kind;
  box.hidden = false;
}
