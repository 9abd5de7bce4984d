// One incident opened: who was blamed, who stepped forward, the remedy and
// status (all from the core's incident), then its statements in log order with
// a few words from each body (the core's parsed body: display only).
// Layout (www/style.css, .timeline): each step is a grid whose columns follow
// the timeline's own width (a container query), not the window's: kind, actor
// and number on one line and the detail and time below when it is narrow (a
// phone, a 640 px window, 200% zoom), one line each when it is wide.
import { h, shortHash } from '../../lib/dom.js';

const STEP = { request: 'Request', model: 'Model', compute: 'Compute', attest: 'Attest', fault: 'Fault', accept: 'Accept', resolve: 'Resolve', roster: 'Roster', log: 'Log', poll: 'Poll', vote: 'Vote' };

/** Fills `body` with incident `inc`; `ctx`: {who, roleText, openStatement, views}. */
export async function fillIncident(body, inc, { who, roleText, openStatement, views: viewsOf }) {
  const summary = h('dl', { class: 'facts compact incident-facts' });
  const fact = (k, ...v) => summary.append(h('dt', null, k), h('dd', null, ...v));
  fact('What went wrong', inc.what);
  fact('Blamed', inc.blame ? h('span', null, h('strong', null, who(inc.blame)), roleText(inc.blame)) : h('span', { class: 'muted' }, 'nobody'));
  if (inc.stepped_forward) {
    fact('Stepped forward', h('strong', null, who(inc.stepped_forward)), roleText(inc.stepped_forward), ' — ',
      inc.stepped_forward_role === 'party_at_fault' ? 'the party at fault' : 'someone else, not the party at fault');
  } else {
    fact('Stepped forward', h('span', { class: 'muted' }, 'nobody yet'));
  }
  if (inc.remedy) fact('Remedy', inc.remedy, inc.amount ? ` · ${inc.amount}` : '');
  fact('Status', inc.resolved ? 'resolved: the harmed party confirmed it is done' : inc.disputed ? 'disputed: the remedy was contested' : inc.stepped_forward ? 'accepted, not yet resolved' : inc.category === 'silent' ? 'found by the verifier; nobody signed anything about it' : 'open: nobody has taken responsibility');
  body.append(summary);
  const ol = h('ol', { class: 'timeline', 'aria-label': 'What happened, in log order' });
  body.append(ol);
  let views;
  try {
    views = await viewsOf(inc.statements);
  } catch (err) {
    ol.append(h('li', { class: 'muted' }, `The statements cannot be shown: ${err.message}`));
    return;
  }
  inc.statements.forEach((i, k) => {
    const v = views[k];
    const kind = v?.view?.kind ?? v?.row?.kind ?? '?';
    ol.append(h('li', { class: `step step-${kind}` },
      h('span', { class: 'step-dot', 'aria-hidden': 'true' }),
      h('span', { class: 'step-kind' }, STEP[kind] ?? kind),
      h('span', { class: 'step-who' }, v?.view?.actor ? who(v.view.actor) : ''),
      h('span', { class: 'step-detail' }, stepDetail(kind, v?.view?.body, who)),
      v?.view?.time ? h('time', { class: 'step-time', datetime: v.view.time }, v.view.time.replace('T', ' ').replace('Z', ' UTC')) : h('span', { class: 'step-time' }),
      h('button', { type: 'button', class: 'link step-link', onclick: () => openStatement(i), 'aria-label': `Open statement #${i}` }, `#${i}`)));
  });
}

/** A few words from a statement's body, for the timeline (display only). */
function stepDetail(kind, body, who) {
  if (!body || typeof body !== 'object') return '';
  const s = (x) => (typeof x === 'string' ? x : '');
  switch (kind) {
    case 'request': return s(body.model) ? `model ${s(body.model)}` : '';
    case 'compute': return s(body.output) ? `output ${shortHash(s(body.output), 10)}` : '';
    case 'attest': return [s(body.method), s(body.verdict) && `verdict: ${s(body.verdict)}`].filter(Boolean).join(', ');
    case 'fault': return [s(body.what), body.blame && `blames ${who(s(body.blame))}`].filter(Boolean).join(', ');
    case 'accept': return [s(body.remedy), s(body.amount)].filter(Boolean).join(' · ');
    case 'resolve': return s(body.outcome) ? `outcome: ${s(body.outcome)}` : '';
    default: return '';
  }
}
