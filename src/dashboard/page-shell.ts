/**
 * The frame of every dashboard page: a small stylesheet, a header, and one
 * inline script allowed by a per-response nonce (the Content-Security-Policy
 * allows no other script). Pages are shells that their script fills from the
 * JSON API with DOM calls and textContent, so text from Redis or the output
 * folder is never parsed as HTML.
 */
import { randomBytes } from 'node:crypto';
import { html, trusted, type Html } from '../util/html.js';
import { SORT_CARDS_SCRIPT } from '../util/sort-cards-script.js';

export function newNonce(): string {
  return randomBytes(16).toString('base64');
}

/** The CSP header of a page whose only script carries `nonce`. */
export function pagePolicy(nonce: string): string {
  return `default-src 'none'; script-src 'nonce-${nonce}'; style-src 'unsafe-inline'; img-src 'self'; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'`;
}

const STYLE = `
body{font-family:"DejaVu Sans",system-ui,sans-serif;margin:0;color:#222;background:#f6f6f4}
header{background:#222;color:#eee;padding:.6rem 1.2rem;display:flex;gap:1.2rem;align-items:baseline}
header a{color:#eee}
header h1{font-size:1.1rem;margin:0}
main{padding:1rem 1.2rem}
table{border-collapse:collapse;width:100%;background:#fff}
th,td{text-align:left;padding:.35rem .5rem;border-bottom:1px solid #e4e4e0;vertical-align:middle}
th{font-weight:600;font-size:.9em;color:#555}
.bar{position:relative;width:14rem;height:1.3rem;background:#e4e4e0;border-radius:3px;overflow:hidden}
.bar .fill{position:absolute;inset:0 auto 0 0;background:#3a7d44}
.bar .fail{position:absolute;inset:0 auto 0 0;background:repeating-linear-gradient(135deg,#b33 0 4px,#e07070 4px 7px)}
.bar .pct-failed{position:absolute;right:.4rem;top:0;font-size:.8em;line-height:1.3rem;color:#700;font-weight:600;text-shadow:0 0 3px #fff,0 0 1px #fff}
.bar .pct{position:relative;display:block;font-size:.8em;padding-left:.4rem;line-height:1.3rem;color:#111;text-shadow:0 0 3px #fff,0 0 1px #fff}
.muted{color:#777}
.id,#runs td:not(:last-child){white-space:nowrap}
#runs td.duration,#runs td.muted,#runs td[class^=status]{white-space:normal}
.status-finished{color:#3a7d44}.status-finished.with-failures{color:#a00}.status-running{color:#1f5fa8}.status-queued{color:#777}
.error{color:#a00}
#banner{display:none;background:#fbe3e3;color:#700;padding:.4rem 1.2rem}
.grid{display:grid;grid-template-columns:repeat(auto-fill,minmax(300px,1fr));gap:.8rem}
figure{margin:0;border:1px solid #ddd;border-radius:6px;padding:.4rem;background:#fff}
figure img{width:100%;height:auto;display:block}
figcaption{font-size:.85em;margin-top:.3rem}
.unseen{background:#333;color:#fff;border-radius:3px;padding:0 .3rem}
section{margin-bottom:1.4rem}
h2{font-size:1rem;margin:.2rem 0 .5rem}
.summary{display:flex;gap:1.5rem;align-items:center;flex-wrap:wrap;margin-bottom:1rem}
.glance{display:flex;gap:2rem;flex-wrap:wrap}
.chart{background:#fff;border:1px solid #ddd;border-radius:6px;padding:.4rem;min-height:2rem}
.filters{display:flex;gap:1rem;flex-wrap:wrap;align-items:center;margin-bottom:.4rem;font-size:.9em}
.filters input[type=number]{width:4.5rem}
.pager{margin:.5rem 0;display:flex;gap:.8rem;align-items:center}
figure.full{margin-bottom:1rem}
figure.full img{max-width:100%;width:auto}
`;

/** A whole page. `body` is HTML made with `html`; `script` is trusted code of ours. */
export function pageShell(p: { title: string; heading: string; nonce: string; body: Html; script: string }): string {
  return html`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${p.title}</title><style>${trusted(STYLE)}</style></head>
<body>
<header><h1>${p.heading}</h1><a href="/">runs</a><a href="/queues">queue</a></header>
<div id="banner" role="alert"></div>
<main>
${p.body}
</main>
<script nonce="${p.nonce}">
${trusted(CLIENT_COMMON)}
${trusted(SORT_CARDS_SCRIPT)}
${trusted(p.script)}
</script>
</body></html>
`.text;
}

/**
 * Browser code both pages share: an element builder that sets text with
 * textContent, a progress bar, and a poll loop that waits for each answer
 * before asking again (no pile-up when the server is slow) and shows a
 * banner while the server cannot be reached (`url` may be a function, asked
 * before each request).
 */
const CLIENT_COMMON = `
function el(tag, attrs, children) {
  var e = document.createElement(tag);
  for (var k in attrs || {}) {
    if (k === 'text') e.textContent = attrs[k];
    else if (k === 'class') e.className = attrs[k];
    else e.setAttribute(k, attrs[k]);
  }
  (children || []).forEach(function (c) { if (c) e.appendChild(typeof c === 'string' ? document.createTextNode(c) : c); });
  return e;
}
function progressBar(r) {
  var total = r.total || 0, ok = total ? (r.done + r.skipped) / total * 100 : 0, fail = total ? r.failed / total * 100 : 0;
  // Failures are never too thin to see (1 of 3,000 would be a hair): at least 4% of the bar, taken from the done part.
  if (r.failed > 0 && fail < 4) { ok = Math.max(0, ok - (4 - fail)); fail = 4; }
  var text = r.percent + '% counted' + (r.failed ? ', ' + r.failed + ' failed' : '');
  return el('div', { class: 'bar' + (r.failed ? ' with-failures' : ''), role: 'progressbar', 'aria-valuemin': '0', 'aria-valuemax': '100', 'aria-valuenow': String(r.percent), 'aria-valuetext': text, title: text }, [
    el('div', { class: 'fill', style: 'width:' + ok.toFixed(2) + '%' }),
    el('div', { class: 'fail', style: 'left:' + ok.toFixed(2) + '%;width:' + fail.toFixed(2) + '%' }),
    el('span', { class: 'pct', text: r.percent + '%' }),
    r.failed ? el('span', { class: 'pct-failed', text: r.failed + ' failed' }) : null
  ]);
}
/** A response's JSON; for an error, what its body says (the server names what failed: Redis away, say), else its status. */
function answer(res) {
  if (res.ok) return res.json();
  return res.json().then(function (d) { return d && d.error; }, function () { return ''; }).then(function (said) {
    var e = new Error(said || res.status + ' ' + res.statusText);
    e.status = res.status;
    e.body = said;
    throw e;
  });
}
function poll(url, render, everyMs) {
  var banner = document.getElementById('banner');
  function once() {
    fetch(typeof url === 'function' ? url() : url, { headers: { accept: 'application/json' }, credentials: 'same-origin' })
      .then(answer)
      .then(function (data) { banner.style.display = 'none'; return render(data); })
      .catch(function (err) { banner.textContent = 'Cannot update: ' + err.message + ' (retrying)'; banner.style.display = 'block'; })
      .then(function (stop) { if (stop !== true) setTimeout(once, everyMs); });
  }
  once();
}
function rate(r) { var v = r.rate; return (v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2)) + ' groups/s'; }
function when(iso) { return iso ? new Date(iso).toLocaleString() : '?'; }
/** A time in a table: the time of day when it is today, else the date too (the full time in its title). */
function shortWhen(iso) {
  if (!iso) return '?';
  var d = new Date(iso);
  return d.toDateString() === new Date().toDateString() ? d.toLocaleTimeString() : d.toLocaleDateString() + ' ' + d.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
}
function statusText(r) { return r.status === 'finished' && r.failed ? 'finished, ' + r.failed + ' failed' : r.status; }
function statusClass(r) { return 'status-' + r.status + (r.failed ? ' with-failures' : ''); }
`;
