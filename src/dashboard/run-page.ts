/**
 * `/runs/:runId`: one run's progress, the run at a glance (how unseen shares
 * spread over the dataset, groups finished over time, each worker's pace),
 * its failures, and a gallery of its finished groups one page at a time,
 * filtered by file name, status and unseen share and sorted. The page polls
 * a small summary every second and asks for its page of groups again only
 * when the run's groups changed (or the filter did), so it stays light
 * however large the run. The filter lives in the address, so a link or the
 * viewer's way back keeps it. A search by name on a large run comes in
 * stretches: the page shows what was found so far and asks again until the
 * server has read every name. An unknown run gets a 404 page.
 */
import { html } from '../util/html.js';
import { pageShell } from './page-shell.js';

/** Groups a gallery page shows. */
export const PAGE_SIZE = 60;

export function runPage(nonce: string, runId: string, known = true): string {
  if (!known) {
    const body = html`<p id="not-found">No run <code>${runId}</code>: Redis has no record of it under this prefix and the output folder has no groups of it.</p>
<p><a href="/">All runs</a></p>`;
    return pageShell({ title: `bnviz: no run ${runId}`, heading: 'bnviz: no such run', nonce, body, script: '' });
  }
  const body = html`<section class="summary" id="summary"><span class="muted">loading ${runId}...</span></section>
<p class="muted"><a id="report-link" href="/runs/${encodeURIComponent(runId)}/report">The dataset report</a> (written with the run's records, once every group is counted)</p>
<div id="spread"></div>
<section class="glance"><div><h2>Unseen share over the dataset</h2><div id="histogram" class="chart"></div></div>
<div><h2>Groups finished over time</h2><div id="rate-chart" class="chart"></div></div></section>
<section id="failures-section" hidden><h2>Failed groups (<span id="failed-count">0</span>)</h2>
<p id="retry-box" hidden><button type="button" id="retry">retry the failed groups</button> <span id="retry-result" class="muted" role="status"></span></p>
<table id="failures"><thead><tr><th>group</th><th>files</th><th>reason</th></tr></thead><tbody></tbody></table>
<p id="failures-more" class="muted" hidden></p></section>
<section id="workers-section"><h2>Workers alive (<span id="worker-count">0</span>)</h2>
<table id="workers"><thead><tr><th>worker</th><th>queue</th><th>jobs in hand / threads</th><th>doing now</th><th>processed</th><th>failed</th><th>groups/s</th><th>last seen</th></tr></thead><tbody></tbody></table></section>
<section><h2>Finished groups (<span id="group-count">0</span>)</h2>
<form id="filters" class="filters" autocomplete="off">
<label>file or group <input id="q" name="q" type="search" placeholder="name contains..."></label>
<label>status <select id="status-filter" name="status"><option value="">any</option><option value="done">done</option><option value="skipped">already done</option><option value="failed">failed</option></select></label>
<label>unseen from <input id="min" name="minUnseen" type="number" min="0" max="100" step="0.1" placeholder="0">%</label>
<label>to <input id="max" name="maxUnseen" type="number" min="0" max="100" step="0.1" placeholder="100">%</label>
<label>sort <select id="sort" name="sort"><option value="order">dataset order</option><option value="unseen-desc">most unseen first</option><option value="unseen-asc">least unseen first</option></select></label>
</form>
<p class="muted">Unseen: the largest share of one image's channel below 0 (drawn black) or above 1 (drawn white) after normalization, which no image can show.</p>
<nav class="pager"><button type="button" id="prev">previous</button> <span id="range">-</span> <button type="button" id="next">next</button></nav>
<div class="grid" id="gallery"></div></section>`;
  const script = `
var runId = ${JSON.stringify(runId).replace(/</g, '\\u003c')};
var base = '/api/runs/' + encodeURIComponent(runId);
var PAGE = ${PAGE_SIZE};
var version = null, shown = null, offset = 0, total = 0, busy = false, again = false;
var gallery = document.getElementById('gallery');
var inputs = { q: document.getElementById('q'), status: document.getElementById('status-filter'), min: document.getElementById('min'), max: document.getElementById('max'), sort: document.getElementById('sort') };
(function fromAddress() {
  var p = new URLSearchParams(location.search);
  inputs.q.value = p.get('q') || '';
  inputs.status.value = p.get('status') || '';
  inputs.min.value = p.get('minUnseen') ? String(+(p.get('minUnseen') * 100).toFixed(4)) : '';
  inputs.max.value = p.get('maxUnseen') ? String(+(p.get('maxUnseen') * 100).toFixed(4)) : '';
  inputs.sort.value = p.get('sort') || 'order';
  offset = Math.max(0, Math.floor(Number(p.get('offset')) || 0));
})();
function query(withPaging) {
  var p = new URLSearchParams();
  if (inputs.q.value.trim()) p.set('q', inputs.q.value.trim());
  if (inputs.status.value) p.set('status', inputs.status.value);
  if (inputs.min.value !== '') p.set('minUnseen', String(Math.min(100, Math.max(0, Number(inputs.min.value))) / 100));
  if (inputs.max.value !== '') p.set('maxUnseen', String(Math.min(100, Math.max(0, Number(inputs.max.value))) / 100));
  if (inputs.sort.value !== 'order') p.set('sort', inputs.sort.value);
  if (withPaging && offset) p.set('offset', String(offset));
  return p;
}
var cards = new Map();
function card(g) {
  var key = g.groupId + ' ' + g.thumbnail + ' ' + g.viewer;
  var known = cards.get(key);
  if (known) return known;
  var caption = el('figcaption', {}, [
    el('a', { href: g.viewer, class: 'id', text: g.groupId }), ' ',
    g.status === 'failed' ? el('span', { class: 'error', text: 'failed' }) : el('span', { class: 'unseen', text: (g.maxUnseen * 100).toFixed(1) + '% unseen' }),
    g.status === 'skipped' ? el('span', { class: 'muted', text: ' (from an earlier run)' }) : null,
    el('br'), el('small', { class: 'muted', text: g.files.join(', ') })
  ]);
  var thumb = g.thumbnail ? el('a', { href: g.viewer, class: 'thumb', title: 'open the viewer' }, [el('img', { src: g.thumbnail, alt: 'figure of group ' + g.groupId, loading: 'lazy', width: '300', height: '150' })]) : null;
  var c = el('figure', { 'data-group': g.groupId, 'data-unseen': String(g.maxUnseen) }, [thumb, caption]);
  cards.set(key, c);
  return c;
}
function loadGroups() {
  if (busy) { again = true; return; }
  busy = true;
  var p = query(false);
  p.set('offset', String(offset));
  p.set('limit', String(PAGE));
  fetch(base + '/groups?' + p, { headers: { accept: 'application/json' }, credentials: 'same-origin' })
    .then(answer)
    .then(function (data) {
      total = data.total;
      // a search by name still reading the run's names: what it found so far, and ask again for the rest
      var searching = data.searching;
      if (searching) again = true;
      if (!searching && offset > 0 && offset >= total) { offset = Math.max(0, Math.floor((total - 1) / PAGE) * PAGE); again = true; return; }
      shown = data.version;
      var list = data.groups.map(card);
      var keep = new Set(list);
      cards.forEach(function (c, k) { if (!keep.has(c)) cards.delete(k); });
      gallery.replaceChildren.apply(gallery, list);
      document.getElementById('range').textContent = (total === 0 ? (searching ? 'none found yet' : 'no groups match') : (offset + 1) + '-' + (offset + data.groups.length) + ' of ' + total + (searching ? ' found so far' : ''))
        + (searching ? ' (searching the names: ' + Math.floor((100 * searching.read) / Math.max(1, searching.of)) + '%)' : '');
      document.getElementById('prev').disabled = offset === 0;
      document.getElementById('next').disabled = offset + PAGE >= total;
    })
    .catch(function (err) { var b = document.getElementById('banner'); b.textContent = 'Cannot load the groups: ' + err.message; b.style.display = 'block'; })
    .then(function () { busy = false; if (again) { again = false; loadGroups(); } });
}
function changed() {
  offset = 0;
  history.replaceState(null, '', location.pathname + (query(true).toString() ? '?' + query(true) : ''));
  loadGroups();
}
var typing = null;
[inputs.q, inputs.min, inputs.max].forEach(function (i) { i.addEventListener('input', function () { clearTimeout(typing); typing = setTimeout(changed, 250); }); });
[inputs.status, inputs.sort].forEach(function (i) { i.addEventListener('change', changed); });
document.getElementById('filters').addEventListener('submit', function (e) { e.preventDefault(); changed(); });
function turn(by) {
  offset = Math.max(0, offset + by);
  history.replaceState(null, '', location.pathname + (query(true).toString() ? '?' + query(true) : ''));
  loadGroups();
  window.scrollTo(0, document.getElementById('filters').offsetTop);
}
document.getElementById('prev').addEventListener('click', function () { turn(-PAGE); });
document.getElementById('next').addEventListener('click', function () { turn(PAGE); });
function summary(r, queue) {
  if (!r) return [el('span', { class: 'muted', text: 'No record of this run in Redis; showing its output folder.' })];
  return [
    progressBar(r),
    el('span', { id: 'counts', text: r.finished + ' / ' + r.total + ' groups: ' + (r.done + r.skipped) + ' done, ' + r.failed + ' failed' }),
    el('span', { class: statusClass(r), id: 'status', text: statusText(r) }),
    el('span', { id: 'pace', text: rate(r) + ' over ' + r.elapsed + (r.status === 'finished' ? ', finished ' + when(r.finishedAt) : ', ETA ' + r.eta) }),
    queue ? el('span', { id: 'queue-depth', title: 'the jobs of every run on queue ' + queue.queue, text: 'queue ' + queue.queue + ': ' + queue.waiting + ' waiting, ' + queue.prioritized + ' prioritized, ' + queue.active + ' active, ' + queue.delayed + ' delayed' }) : null,
    el('span', { id: 'attempts', class: 'muted', text: 'attempts: ' + r.attemptsText }),
    r.root ? el('span', { class: 'muted', text: r.root + (r.queue ? ' (queue ' + r.queue + ')' : '') }) : null,
    r.firstPass ? el('span', { id: 'first-pass', class: 'muted', text: r.firstPass }) : null,
    r.enqueue ? el('span', { id: 'enqueue', class: 'error', text: r.enqueue }) : null
  ].filter(Boolean);
}
var SVG = 'http://www.w3.org/2000/svg';
function svg(tag, attrs) { var e = document.createElementNS(SVG, tag); for (var k in attrs) e.setAttribute(k, attrs[k]); return e; }
function bars(box, counts, label, title) {
  var w = 360, h = 110, max = Math.max.apply(null, counts.concat([1])), bw = w / Math.max(1, counts.length);
  var s = svg('svg', { viewBox: '0 0 ' + w + ' ' + (h + 16), width: String(w), height: String(h + 16), role: 'img' });
  counts.forEach(function (c, i) {
    var bh = Math.round((c / max) * h);
    var r = svg('rect', { x: (i * bw + 1).toFixed(1), y: String(h - bh), width: Math.max(1, bw - 2).toFixed(1), height: String(bh), fill: '#3a7d44' });
    var t = svg('title', {}); t.textContent = title(i, c); r.appendChild(t);
    s.appendChild(r);
  });
  var a = svg('text', { x: '0', y: String(h + 13), 'font-size': '11', fill: '#555' }); a.textContent = label[0]; s.appendChild(a);
  var b = svg('text', { x: String(w), y: String(h + 13), 'font-size': '11', fill: '#555', 'text-anchor': 'end' }); b.textContent = label[1]; s.appendChild(b);
  box.replaceChildren(s);
}
function pct(x) { return +(x * 100).toFixed(1) + '%'; }
function clock(ms) { return new Date(ms).toLocaleTimeString(); }
function glance(data) {
  // the server's SVG figure (escaped there), as index.html shows it
  if (data.spread !== undefined) document.getElementById('spread').innerHTML = data.spread;
  if (data.histogram) {
    var e = data.histogram.edges;
    bars(document.getElementById('histogram'), data.histogram.counts, ['0%', pct(e[e.length - 1])], function (i, c) { return pct(e[i]) + '-' + pct(e[i + 1]) + ': ' + c + ' groups'; });
  }
  if (data.rate) {
    var r = data.rate;
    if (r.counts.length === 0) document.getElementById('rate-chart').replaceChildren(el('span', { class: 'muted', text: 'no group finished yet' }));
    else bars(document.getElementById('rate-chart'), r.counts, [clock(r.start), clock(r.start + r.sliceMs * r.counts.length)],
      function (i, c) { return clock(r.start + i * r.sliceMs) + ': ' + c + ' groups in ' + (r.sliceMs / 1000) + ' s'; });
  }
}
document.getElementById('retry').addEventListener('click', function () {
  var button = this, said = document.getElementById('retry-result');
  button.disabled = true;
  said.textContent = 'retrying...';
  // JSON, so no other site's form can send it; the token goes by the page's cookie
  fetch(base + '/retry', { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json' }, credentials: 'same-origin', body: '{}' })
    .then(answer)
    .then(function (d) { said.textContent = d.retried + (d.retried === 1 ? ' group is' : ' groups are') + ' back in the queue'; })
    .catch(function (err) { said.textContent = 'Cannot retry: ' + err.message; })
    .then(function () { button.disabled = false; });
});
poll(function () { return base + (version === null ? '' : '?since=' + version); }, function (data) {
  var s = document.getElementById('summary');
  s.replaceChildren.apply(s, summary(data.run, data.queueDepth));
  glance(data);
  var failed = data.run ? data.run.failed : data.failures.length;
  document.getElementById('failures-section').hidden = failed === 0;
  document.getElementById('failed-count').textContent = String(failed);
  var more = document.getElementById('failures-more');
  more.hidden = failed <= data.failures.length;
  more.textContent = 'The first ' + data.failures.length + ' of ' + failed + ' are listed: choose status "failed" below to page through them all (bnviz status ' + runId + ' --json lists them too).';
  var fb = document.querySelector('#failures tbody');
  fb.replaceChildren.apply(fb, data.failures.map(function (f) {
    var viewer = '/runs/' + encodeURIComponent(runId) + '/groups/' + encodeURIComponent(f.groupId) + '?status=failed';
    return el('tr', {}, [el('td', { class: 'id' }, [el('a', { href: viewer, class: 'failed-link', text: f.groupId })]), el('td', { class: 'muted', text: f.files.join(', ') }), el('td', { class: 'error', text: f.error.message })]);
  }));
  document.getElementById('retry-box').hidden = !data.actions || failed === 0;
  document.getElementById('retry').textContent = 'retry the ' + (failed === 1 ? 'failed group' : failed + ' failed groups');
  // A finished run has no workers of its own: the section goes.
  var finished = data.run && data.run.status === 'finished';
  document.getElementById('workers-section').hidden = !!finished;
  document.getElementById('worker-count').textContent = String(data.workers.length);
  var wb = document.querySelector('#workers tbody');
  wb.replaceChildren.apply(wb, data.workers.map(function (w) {
    var doing = (w.jobs || []).map(function (j) { return (j.runId === runId ? '' : j.runId + ' ') + (j.groupId || 'slice ' + j.slice) + ': ' + j.stage; });
    return el('tr', {}, [el('td', { class: 'id', text: w.host + ':' + w.pid }), el('td', { text: w.queue }), el('td', { text: w.active + ' / ' + w.threads }),
      el('td', { class: 'doing' }, doing.length ? doing.map(function (d, i) { return el('div', { text: d }); }) : [el('span', { class: 'muted', text: 'idle' })]),
      el('td', { text: String(w.processed) }), el('td', { text: String(w.failed) }), el('td', { text: w.rate.toFixed(2) }), el('td', { class: 'muted', text: w.secondsAgo + ' s ago' })]);
  }));
  document.getElementById('group-count').textContent = String(data.groups);
  version = data.version;
  if (shown !== version) loadGroups();
}, 1000);
`;
  return pageShell({ title: `bnviz run ${runId}`, heading: `bnviz run ${runId}`, nonce, body, script });
}
