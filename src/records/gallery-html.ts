/**
 * index.html: a static gallery of a run that opens from disk. Every group's
 * thumbnail (a click opens its figure), sortable by unseen share, and the
 * failures with their reasons. At thousands of groups the pictures load as
 * they scroll into view (loading=lazy, small WebP thumbnails) and cards off
 * screen are not laid out (content-visibility), so the page stays quick.
 */
import { html, trusted, type Html } from '../util/html.js';
import { SORT_CARDS_SCRIPT } from '../util/sort-cards-script.js';
import { mainFigureOf, thumbnailOf } from './group-record.js';
import { THUMBNAIL } from './thumbnail.js';
import type { RunRecord } from './run-record.js';
import type { UnseenSpread } from './unseen-spread.js';

export interface GalleryEntry {
  groupId: string;
  files: string[];
  /** Largest unseen share of any image and channel. */
  maxUnseen: number;
  outputs: string[];
}

const pct = (v: number) => `${(v * 100).toFixed(1)}%`;

function card(e: GalleryEntry, i: number): Html {
  const thumb = thumbnailOf(e.outputs);
  const main = mainFigureOf(e.outputs);
  const href = (name: string) => `groups/${encodeURIComponent(e.groupId)}/${encodeURIComponent(name)}`;
  const links = e.outputs.filter((o) => o !== THUMBNAIL).map((o, j) => html`${j ? ' ' : ''}<a href="${href(o)}">${o}</a>`);
  return html`<figure data-order="${i}" data-unseen="${e.maxUnseen}">
  ${thumb ? html`<a href="${href(main ?? thumb)}"><img loading="lazy" decoding="async" width="360" height="180" src="${href(thumb)}" alt="${e.groupId}"></a>` : ''}
  <figcaption><b>${e.groupId}</b> <span class="unseen" title="largest share of values below 0 or above 1, any image and channel">up to ${pct(e.maxUnseen)} unseen</span><br>
  <small>${e.files.join(', ')}</small><br><small>${links}</small></figcaption>
</figure>`;
}

/** What the run normalized with: "batch normalization, epsilon 0.001", or the statistics given (--stats). */
function normalizedWith(run: RunRecord): string {
  return normalizationLabel(run.options);
}

/** What the values were normalized with, as the unseen spread's caption says it. */
export function normalizationLabel(options: Pick<RunRecord['options'], 'method' | 'epsilon' | 'normStats'>): string {
  const given = options.normStats;
  return given ? `${options.method} normalization with ${given.label}` : `${options.method} normalization, epsilon ${options.epsilon}`;
}

export function galleryHtml(run: RunRecord, entries: GalleryEntry[], spread?: UnseenSpread): string {
  const cards = entries.map((e, i) => html`${i ? '\n' : ''}${card(e, i)}`);
  const failures = run.failures.map((f, i) => html`${i ? '\n' : ''}<li><b>${f.groupId}</b> (${f.files.join(', ')}): ${f.error.message}</li>`);
  const c = run.counts;
  return html`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>bnviz: ${run.runId}</title>
<style>
body{font-family:"DejaVu Sans",system-ui,sans-serif;margin:1.5rem;color:#222}
header p{margin:.2rem 0}
.grid{display:grid;grid-template-columns:repeat(auto-fill,minmax(360px,1fr));gap:1rem}
figure{margin:0;border:1px solid #ddd;border-radius:6px;padding:.5rem;background:#fff;content-visibility:auto;contain-intrinsic-size:auto 260px}
figure img{width:100%;height:auto;display:block}
.unseen{background:#333;color:#fff;border-radius:3px;padding:0 .3rem;font-size:.85em}
.failures{color:#a00}
.spread{margin:.5rem 0 1rem}.spread p{font-size:.85em;color:#444;max-width:640px}
button{margin-right:.4rem}
</style></head><body>
<header><h1>bnviz run ${run.runId}</h1>
<p>${run.root}: ${c.groups} groups of up to ${run.groupSize} (${c.images} images), ${normalizedWith(run)}.</p>
<p>${c.done + c.skipped} done${c.skipped ? ` (${c.skipped} from an earlier run)` : ''}, ${c.failed} failed. Status: ${run.status}.</p>
<p>Unseen: values below 0 (drawn black) or above 1 (drawn white), which no image can show.</p>
${spread?.svg(normalizedWith(run)) ?? ''}
<p>Sort: <button data-sort="unseen-desc">most unseen first</button><button data-sort="unseen-asc">least unseen first</button><button data-sort="order">dataset order</button></p>
</header>
${failures.length ? html`<section class="failures"><h2>Failed groups (${failures.length})</h2><ul>\n${failures}\n</ul></section>` : ''}
<main class="grid" id="gallery">
${cards}
</main>
<script>${trusted(SORT_CARDS_SCRIPT)}
document.querySelectorAll('button[data-sort]').forEach(function (b) {
  b.addEventListener('click', function () { sortCards(document.getElementById('gallery'), b.dataset.sort); });
});
</script>
</body></html>
`.text;
}
