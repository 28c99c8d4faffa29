/**
 * `/runs/:runId`: one run's progress, a gallery of its finished groups
 * (thumbnails; a click opens the full figure), sortable by unseen share,
 * its failures with their reasons and the workers alive, refreshed every
 * second from `/api/runs/:runId`. Cards are added as groups finish and never
 * rebuilt, so images already loaded stay put.
 */
import { html } from '../util/html.js';
import { pageShell } from './page-shell.js';

export function runPage(nonce: string, runId: string): string {
  const body = html`<section class="summary" id="summary"><span class="muted">loading ${runId}...</span></section>
<section id="failures-section" hidden><h2>Failed groups (<span id="failed-count">0</span>)</h2>
<table id="failures"><thead><tr><th>group</th><th>files</th><th>reason</th></tr></thead><tbody></tbody></table>
<p id="failures-more" class="muted" hidden></p></section>
<section><h2>Workers alive (<span id="worker-count">0</span>)</h2>
<table id="workers"><thead><tr><th>worker</th><th>queue</th><th>active / threads</th><th>processed</th><th>failed</th><th>last seen</th></tr></thead><tbody></tbody></table></section>
<section><h2>Finished groups (<span id="group-count">0</span>)
<label class="muted" style="font-weight:normal;margin-left:1rem">sort <select id="sort">
<option value="order">dataset order</option><option value="unseen-desc">most unseen first</option><option value="unseen-asc">least unseen first</option>
</select></label></h2>
<p class="muted">Unseen: the largest share of one image's channel below 0 (drawn black) or above 1 (drawn white) after normalization, which no image can show.</p>
<div class="grid" id="gallery"></div></section>`;
  const script = `
var runId = ${JSON.stringify(runId).replace(/</g, '\\u003c')};
var cards = new Map();
var gallery = document.getElementById('gallery');
var sortSelect = document.getElementById('sort');
function card(g) {
  var caption = el('figcaption', {}, [
    el('b', { text: g.groupId }), ' ',
    el('span', { class: 'unseen', text: (g.maxUnseen * 100).toFixed(1) + '% unseen' }),
    el('br'), el('small', { class: 'muted', text: g.files.join(', ') }), el('br')
  ]);
  g.links.forEach(function (l) { caption.appendChild(el('a', { href: l.url, text: l.name })); caption.appendChild(document.createTextNode(' ')); });
  var thumb = g.thumbnail ? el('a', { href: g.thumbnail, class: 'thumb', title: 'open the full figure' }, [el('img', { src: g.thumbnail, alt: 'figure of group ' + g.groupId, loading: 'lazy' })]) : null;
  return el('figure', { 'data-group': g.groupId, 'data-order': g.groupId, 'data-unseen': String(g.maxUnseen) }, [thumb, caption]);
}
function sortGallery() { sortCards(gallery, sortSelect.value); }
sortSelect.addEventListener('change', sortGallery);
function summary(r) {
  if (!r) return [el('span', { class: 'muted', text: 'No record of this run in Redis; showing its output folder.' })];
  return [
    progressBar(r),
    el('span', { id: 'counts', text: r.finished + ' / ' + r.total + ' groups: ' + (r.done + r.skipped) + ' done, ' + r.failed + ' failed' }),
    el('span', { class: 'status-' + r.status, id: 'status', text: r.status }),
    el('span', { text: rate(r) + ' over ' + r.elapsed + (r.status === 'finished' ? '' : ', ETA ' + r.eta) }),
    r.root ? el('span', { class: 'muted', text: r.root + (r.queue ? ' (queue ' + r.queue + ')' : '') }) : null
  ].filter(Boolean);
}
poll('/api/runs/' + encodeURIComponent(runId), function (data) {
  var s = document.getElementById('summary');
  s.replaceChildren.apply(s, summary(data.run));
  var failed = data.run ? data.run.failed : data.failures.length;
  document.getElementById('failures-section').hidden = failed === 0;
  document.getElementById('failed-count').textContent = String(failed);
  var more = document.getElementById('failures-more');
  more.hidden = failed <= data.failures.length;
  more.textContent = 'The first ' + data.failures.length + ' of ' + failed + ' are listed (bnviz status ' + runId + ' --json has them all).';
  var fb = document.querySelector('#failures tbody');
  fb.replaceChildren.apply(fb, data.failures.map(function (f) {
    return el('tr', {}, [el('td', { class: 'id', text: f.groupId }), el('td', { class: 'muted', text: f.files.join(', ') }), el('td', { class: 'error', text: f.error.message })]);
  }));
  document.getElementById('worker-count').textContent = String(data.workers.length);
  var wb = document.querySelector('#workers tbody');
  wb.replaceChildren.apply(wb, data.workers.map(function (w) {
    return el('tr', {}, [el('td', { class: 'id', text: w.host + ':' + w.pid }), el('td', { text: w.queue }), el('td', { text: w.active + ' / ' + w.threads }),
      el('td', { text: String(w.processed) }), el('td', { text: String(w.failed) }), el('td', { class: 'muted', text: w.secondsAgo + ' s ago' })]);
  }));
  var added = false;
  data.groups.forEach(function (g) {
    if (cards.has(g.groupId)) return;
    var c = card(g);
    cards.set(g.groupId, c);
    gallery.appendChild(c);
    added = true;
  });
  if (added) sortGallery();
  document.getElementById('group-count').textContent = String(cards.size);
}, 1000);
`;
  return pageShell({ title: `bnviz run ${runId}`, heading: `bnviz run ${runId}`, nonce, body, script });
}
