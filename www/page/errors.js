// What the page says when a trace could not be checked: a title, what
// happened, and what the reader can do. Only the page's own words: the error's
// kind picks them ('http', 'network', 'read', 'badurl', 'options', 'policy', 'otherlog', 'index', 'memory',
// 'panic', 'fatal'); nothing here judges a trace.

const HTTP_TEXT = { 400: 'Bad Request', 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found', 410: 'Gone', 429: 'Too Many Requests', 500: 'Internal Server Error', 502: 'Bad Gateway', 503: 'Service Unavailable', 504: 'Gateway Timeout' };

/**
 * {title, text, hint, publisher?} for a load that failed, from the error's kind
 * (see engine/worker.js). `hint` is what the reader can do in this page;
 * `publisher`, where there is one, is for whoever runs the log or its tools
 * (command lines), shown behind a "For publishers" detail.
 */
export function describeError(err, src) {
  const where = src && src.url ? src.url : src?.label || 'the trace';
  switch (err.kind) {
    case 'http': {
      const text = err.statusText || HTTP_TEXT[err.status] || '';
      const head = `HTTP ${err.status}${text ? ` ${text}` : ''}`;
      if (err.status === 404 || err.status === 410) {
        return { title: `Trace not found (${head})`, text: `The server answered “${head}” for ${where}.`, hint: 'Check the link for a typo, or ask whoever shared it for the current address of the trace.' };
      }
      if (err.status === 401 || err.status === 403) {
        return { title: `Access refused (${head})`, text: `The server would not send ${where}.`, hint: 'It may need a login, which this page does not do. Download the trace yourself and open it here with “Choose a trace file”.' };
      }
      if (err.status >= 500) {
        return { title: `The server failed (${head})`, text: `The server hosting ${where} had a problem of its own.`, hint: 'Try again in a moment; if it persists, tell the publisher.' };
      }
      return { title: `The server answered ${head}`, text: `Fetching ${where} did not succeed.`, hint: 'Check the link, or download the trace and open it here as a file.' };
    }
    case 'network':
      return {
        title: 'The trace could not be fetched',
        text: `Your browser could not read ${where}: the network may be down, the address may be wrong, or the server does not allow other sites to read the file (CORS).`,
        hint: 'If you run that server, send the header “Access-Control-Allow-Origin: *” with the trace. Otherwise download the file and open it here with “Choose a trace file”, or drop it on the page.',
      };
    case 'read':
      return { title: 'The download broke off', text: `The connection closed before the whole trace arrived (${err.message}).`, hint: 'Try again; nothing was concluded about the trace.' };
    case 'badurl':
      return { title: 'That is not a link to a trace', text: `“${err.message}” is not an http or https address.`, hint: 'Paste the full address of the trace file, e.g. https://example.org/trace.jsonl.' };
    case 'options':
      if (/^(policy line \d+|the policy)/.test(err.message || '')) {
        return { title: 'The trust policy cannot be used', text: err.message, hint: 'The policy= link must point at a C2SP tlog-policy text: log, witness, group and quorum lines (docs/FORMAT.md section 9). Nothing was checked with it.' };
      }
      return { title: 'The pinned log key cannot be used', text: err.message, hint: 'The key= part of the address must be the log’s verifier key (origin+keyid+base64) or its base64url public key: copy it again from whoever published the log.', publisher: '`onus keygen` prints a log’s verifier key (vkey); that is the value for key=.' };
    case 'policy':
      return { title: 'The trust policy could not be fetched', text: err.message, hint: 'Check the policy= link (it must be reachable from this page, with CORS if it is on another site). Nothing was checked: a trace is not read without the policy you asked for.' };
    case 'index':
      return { title: 'No such statement in this log', text: err.message, hint: 'Check the index= number in the address: statements are numbered from 0.' };
    case 'otherlog':
      return { title: 'This address now serves another log', text: err.message, hint: 'What you saw here before was another log. If you expected the change, clear this site’s data in your browser to start afresh; otherwise ask the publisher why the address changed logs.' };
    case 'memory':
      return {
        title: 'This trace is too large for this browser',
        text: `Checking ${where} needed more memory than this browser gives the page. Nothing was concluded about the trace.`,
        hint: 'Open this page on a computer with more memory, in a 64-bit browser, or ask the publisher for it as a tiled log (a link with ?log=), which this page checks piece by piece.',
        publisher: 'The command line reads a trace as a stream with little memory: `onus verify` followed by the trace’s address or file. `onus publish` writes a trace as a tiled log for readers in the browser.',
      };
    case 'panic':
      return { title: 'The verifier stopped on an internal error', text: `Onus hit a bug and stopped: “${err.message}”.`, hint: 'This says nothing about whether the trace is good or bad. Please report it (with the trace if you can); the page has restarted its verifier.' };
    case 'fatal':
      return { title: 'The verifier could not start', text: err.message, hint: 'This page needs WebAssembly and module workers (any current browser). If you host it, serve .wasm files as application/wasm.' };
    default:
      return { title: 'Something went wrong', text: err.message || String(err), hint: 'Try again; if it persists, please report it.' };
  }
}
