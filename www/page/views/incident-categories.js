// The four kinds of incident (docs/FORMAT.md section 5), in the order the
// bars, the chart's stacks, its legend and the filters show them. Each label
// says what its bar counts; `answer` is the opinion poll's answer the category
// stands for (the project's question, "What matters more in decentralized
// AI?"): context only, never a bar's label. The colour of a category is the
// CSS class `cat-<cat>` (www/style.css).
export const CATEGORIES = [
  { cat: 'detected_only', label: 'Detected, nobody took responsibility', short: 'detected only', answer: 'knowing what went wrong', desc: 'A signed fault or failed attest names it, but nobody accepted responsibility.' },
  { cat: 'responsibility_only', label: 'Responsibility taken, nothing signed detected it', short: 'responsibility only', answer: 'someone taking responsibility', desc: 'Someone accepted responsibility, with no signed fault or failed attest about it.' },
  { cat: 'both', label: 'Both: detected and responsibility taken', short: 'both', answer: 'both are essential', desc: 'A signed fault or failed attest names it, and someone accepted responsibility.' },
  { cat: 'silent', label: 'Nobody signed anything', short: 'nobody signed', answer: 'neither', desc: 'Anomalies the verifier found itself (computes that disagree) that no statement mentions.' },
];

export const categoryOf = (cat) => CATEGORIES.find((c) => c.cat === cat);

/** An incident's `what` in words: "wrong-output" -> "Wrong output". */
export function whatText(what) {
  const s = String(what ?? '').replace(/-/g, ' ');
  return s.replace(/^./, (c) => c.toUpperCase()) || '?';
}

export const plural = (n, one, many = `${one}s`) => (n === 1 ? one : many);
