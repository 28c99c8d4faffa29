/**
 * `/runs/:runId/groups/:groupId`: one group's viewer. Its figures at full
 * size, its numbers (the unseen shares per image and channel, below 0 and
 * above 1), and previous/next among the gallery's groups with the same
 * filter and sort (links, and the arrow keys; Escape goes back to the run).
 */
import { html } from '../util/html.js';
import { pageShell } from './page-shell.js';

export function groupPage(nonce: string, runId: string, groupId: string): string {
  const body = html`<nav class="pager viewer-nav"><a id="back" href="/runs/${encodeURIComponent(runId)}">back to the run</a>
<a id="prev" rel="prev" hidden>&larr; previous</a> <span id="position" class="muted"></span> <a id="next" rel="next" hidden>next &rarr;</a>
<span class="muted">(keys: &larr; &rarr;, Esc)</span></nav>
<section class="summary"><span id="files" class="muted">loading ${groupId}...</span><span id="unseen" class="unseen"></span><span id="group-status"></span></section>
<p id="group-error" class="error" hidden></p>
<section id="numbers-section"><h2>Unseen shares</h2>
<table id="numbers"><thead><tr><th>file</th><th>channel</th><th>below 0</th><th>above 1</th><th>unseen</th><th>mean</th><th>std</th><th>normalized min</th><th>normalized max</th></tr></thead><tbody></tbody></table></section>
<section id="figures"></section>`;
  const script = `
var api = '/api/runs/' + encodeURIComponent(${JSON.stringify(runId).replace(/</g, '\\u003c')}) + '/groups/' + encodeURIComponent(${JSON.stringify(groupId).replace(/</g, '\\u003c')}) + location.search;
function pct(x) { return (x * 100).toFixed(2) + '%'; }
function num(x) { return typeof x === 'number' ? String(+x.toPrecision(4)) : ''; }
function link(id, url) { var a = document.getElementById(id); a.hidden = !url; if (url) a.href = url; }
fetch(api, { headers: { accept: 'application/json' }, credentials: 'same-origin' })
  .then(answer)
  .then(function (g) {
    document.getElementById('files').textContent = g.files.join(', ');
    var failed = g.status === 'failed';
    // A failed group was never computed: its reason, not a share of unseen values it does not have.
    document.getElementById('unseen').hidden = failed;
    document.getElementById('unseen').textContent = failed ? '' : pct(g.maxUnseen) + ' unseen at most';
    document.getElementById('group-status').textContent = g.status;
    document.getElementById('group-status').className = failed ? 'status-failed error' : 'status-' + g.status;
    document.getElementById('numbers-section').hidden = g.rows.length === 0;
    document.getElementById('back').href = g.run;
    link('prev', g.previous);
    link('next', g.next);
    document.getElementById('position').textContent = g.position >= 0 ? (g.position + 1) + ' of ' + g.of : 'not in the filtered list';
    if (g.error) { var e = document.getElementById('group-error'); e.hidden = false; e.textContent = (failed ? 'Failed: ' : '') + g.error.message; }
    var tb = document.querySelector('#numbers tbody');
    tb.replaceChildren.apply(tb, g.rows.map(function (r) {
      return el('tr', {}, [el('td', { text: r.file }), el('td', { text: r.channel }), el('td', { text: pct(r.below0) }), el('td', { text: pct(r.above1) }),
        el('td', { class: 'unseen-cell', text: pct(r.below0 + r.above1) }), el('td', { text: num(r.mean) }), el('td', { text: num(r.std) }), el('td', { text: num(r.normMin) }), el('td', { text: num(r.normMax) })]);
    }));
    var figs = document.getElementById('figures');
    figs.replaceChildren.apply(figs, g.figures.map(function (f) {
      if (/\\.(png|svg|webp)$/.test(f.name) && !/^thumb\\./.test(f.name)) return el('figure', { class: 'full' }, [el('img', { src: f.url, alt: f.name }), el('figcaption', {}, [el('a', { href: f.url, text: f.name })])]);
      return el('p', {}, [el('a', { href: f.url, text: f.name })]);
    }));
    document.addEventListener('keydown', function (e) {
      if (e.target && /^(INPUT|SELECT|TEXTAREA)$/.test(e.target.tagName)) return;
      if (e.key === 'ArrowLeft' && g.previous) location.href = g.previous;
      else if (e.key === 'ArrowRight' && g.next) location.href = g.next;
      else if (e.key === 'Escape') location.href = g.run;
    });
  })
  .catch(function (err) {
    // Not found is an answer, not a passing trouble: said in place of "loading", with the way back.
    if (err.status === 404) {
      document.getElementById('files').replaceChildren(el('span', { id: 'not-found', class: 'error', text: err.message }));
      document.getElementById('numbers-section').hidden = true;
      document.getElementById('position').textContent = '';
      return;
    }
    var b = document.getElementById('banner'); b.textContent = 'Cannot show this group: ' + err.message; b.style.display = 'block';
    document.getElementById('files').textContent = 'not loaded (see above); reload to try again';
  });
`;
  return pageShell({ title: `bnviz ${runId} ${groupId}`, heading: `bnviz run ${runId}, group ${groupId}`, nonce, body, script });
}
