// Words a newcomer may not know, linked on first use to their definition in
// the page's glossary (#glossary in index.html, always on the page).

/** The word as a link to its glossary entry (`#g-<id>`). */
export function term(text, id) {
  const a = document.createElement('a');
  a.href = `#g-${id}`;
  a.className = 'term';
  a.textContent = text;
  return a;
}
