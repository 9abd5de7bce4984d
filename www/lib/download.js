// Saves a value as a pretty-printed JSON file (a report, the evidence of a
// fork or a rollback), or any text (the HTML report), from a Blob URL:
// nothing is uploaded.

export function downloadJson(name, value) {
  downloadText(name, `${JSON.stringify(value, null, 2)}\n`, 'application/json');
}

export function downloadText(name, text, type) {
  const blob = new Blob([text], { type });
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  a.hidden = true;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
