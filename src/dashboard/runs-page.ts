/** `/`: every run with a progress bar, done/failed/total, rate, ETA, duration, start and finish times and the workers serving it, refreshed every second from `/api/runs`. */
import { html } from '../util/html.js';
import { pageShell } from './page-shell.js';

export function runsPage(nonce: string, prefix: string): string {
  const body = html`<p class="muted">Runs under the Redis prefix <code id="prefix"></code>, newest first; this page refreshes itself every second.</p>
<table id="runs"><thead><tr><th>run</th><th>status</th><th>progress</th><th>groups</th><th>done</th><th>failed</th><th>rate</th><th>ETA</th><th>duration</th><th>started</th><th>finished</th><th>workers</th></tr></thead><tbody></tbody></table>
<p id="empty" class="muted" hidden>No runs yet: <code>bnviz enqueue DIR</code> adds one.</p>`;
  const script = `
document.getElementById('prefix').textContent = ${JSON.stringify(prefix).replace(/</g, '\\u003c')};
poll('/api/runs', function (data) {
  var body = document.querySelector('#runs tbody');
  var rows = data.runs.map(function (r) {
    var href = '/runs/' + encodeURIComponent(r.runId);
    return el('tr', { 'data-run': r.runId }, [
      el('td', {}, [el('a', { href: href, class: 'run-link', text: r.runId })]),
      r.status === 'damaged'
        ? el('td', { class: 'status-damaged error', title: r.damaged, text: 'damaged (' + r.damaged + ')' })
        : el('td', { class: statusClass(r), text: statusText(r) }),
      el('td', {}, [progressBar(r)]),
      el('td', { class: 'counts', text: r.finished + ' / ' + r.total }),
      el('td', { text: String(r.done + r.skipped) }),
      el('td', { class: r.failed ? 'error' : '', text: String(r.failed) }),
      el('td', { text: rate(r) }),
      el('td', { text: r.finishedAt ? 'finished' : r.status === 'damaged' ? '?' : r.eta }),
      el('td', { class: 'duration', text: r.startedAt ? r.elapsed : '-' }),
      // short times (the full one in the title), so the table fits a laptop's window
      el('td', { class: 'muted', title: when(r.startedAt || r.enqueuedAt), text: r.startedAt ? shortWhen(r.startedAt) : 'enqueued ' + shortWhen(r.enqueuedAt) }),
      el('td', { class: 'muted finished-at', title: r.finishedAt ? when(r.finishedAt) : '', text: r.finishedAt ? shortWhen(r.finishedAt) : '-' }),
      el('td', { class: 'workers', text: r.finishedAt ? '-' : String(r.workers) })
    ]);
  });
  body.replaceChildren.apply(body, rows);
  document.getElementById('empty').hidden = rows.length > 0;
}, 1000);
`;
  return pageShell({ title: 'bnviz runs', heading: 'bnviz runs', nonce, body, script });
}
