/**
 * index.html: a run's gallery that opens from disk, quickly at any size. It
 * holds the run's summary, how unseen shares spread over its images, the
 * groups with the most unseen (their thumbnails; a click opens the figure)
 * and the first failures with their reasons; every drawn group is paged from
 * small page scripts beside it (gallery-pages.ts), PAGE_SIZE at a time, so the
 * file stays the same size for ten groups or a million. Pictures load as they
 * scroll into view (loading=lazy, small WebP thumbnails) and cards off screen
 * are not laid out (content-visibility).
 */
import { html, trusted, type Html } from '../util/html.js';
import { SORT_CARDS_SCRIPT } from '../util/sort-cards-script.js';
import { GALLERY_PAGER_SCRIPT } from './gallery-pager-script.js';
import { cardView, PAGE_SIZE, type GalleryEntry } from './gallery-pages.js';
import type { RunRecord } from './run-record.js';
import type { UnseenSpread } from './unseen-spread.js';
import type { DatasetReport } from './dataset-report.js';

export type { GalleryEntry } from './gallery-pages.js';

/** Groups with the most unseen that index.html shows whole. */
export const WORST_GROUPS = 100;
/** Failures index.html lists (the first, in dataset order); failures.csv has them all. */
export const FAILURES_SHOWN = 100;

const pct = (v: number) => `${(v * 100).toFixed(1)}%`;

/** A group's card; the page scripts' cards are drawn to the same shape (gallery-pager-script.ts). */
function card(e: GalleryEntry): Html {
  const { thumb, main, links } = cardView(e.outputs);
  const href = (name: string) => `groups/${encodeURIComponent(e.groupId)}/${encodeURIComponent(name)}`;
  const linkList = links.map((o, j) => html`${j ? ' ' : ''}<a href="${href(o)}">${o}</a>`);
  return html`<figure data-order="${e.order}" data-unseen="${e.maxUnseen}">
  ${thumb ? html`<a href="${href(main ?? thumb)}"><img loading="lazy" decoding="async" width="360" height="180" src="${href(thumb)}" alt="${e.groupId}"></a>` : ''}
  <figcaption><b>${e.groupId}</b> <span class="unseen" title="largest share of values below 0 or above 1, any image and channel">up to ${pct(e.maxUnseen)} unseen</span><br><small>${e.files.join(', ')}</small><br><small>${linkList}</small></figcaption>
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

export interface GalleryFacts {
  /** The groups with the most unseen, most first (at most WORST_GROUPS). */
  worst: readonly GalleryEntry[];
  /** Drawn groups in the pages. */
  paged: number;
  /** Pages written (PAGE_SIZE groups each, the last fewer). */
  pages: number;
  spread?: UnseenSpread;
  /** The dataset's numbers, shown first. */
  report?: DatasetReport;
}

function failuresSection(run: RunRecord): Html | '' {
  const total = run.failures.length + run.failuresLeftOut;
  if (total === 0) return '';
  const shown = run.failures.slice(0, FAILURES_SHOWN);
  const items = shown.map((f, i) => html`${i ? '\n' : ''}<li><b>${f.groupId}</b> (${f.files.join(', ')}): ${f.error.message}</li>`);
  const which = shown.length < total ? `the first ${shown.length} in dataset order here, ` : '';
  return html`<section class="failures" id="failures"><h2>Failed groups (${total})</h2>
<p>${which}every one in <a href="failures.csv">failures.csv</a>.</p>
<ul>
${items}
</ul></section>`;
}

function pagedSection(f: GalleryFacts): Html {
  if (f.pages === 0) return html`<section id="all"><h2>Every group</h2><p>No group was drawn.</p><main class="grid" id="gallery"></main></section>`;
  return html`<section id="all"><h2>Every group, in dataset order (${f.paged}, ${PAGE_SIZE} a page)</h2>
<nav class="pager"><button id="prev" type="button">previous</button> page <input id="page" type="number" min="1" max="${f.pages}" value="1" aria-label="page number"> of <span id="pages">${f.pages}</span> <button id="next" type="button">next</button> <span id="page-note"></span></nav>
<p>Sort this page: <button data-sort="unseen-desc" type="button">most unseen first</button><button data-sort="unseen-asc" type="button">least unseen first</button><button data-sort="order" type="button">dataset order</button>
<small>(the groups of the page shown; the run's most unseen are above)</small></p>
<main class="grid" id="gallery"></main>
</section>
<script>${trusted(SORT_CARDS_SCRIPT)}${trusted(GALLERY_PAGER_SCRIPT)}
startPager(${f.pages});
</script>`;
}

export function galleryHtml(run: RunRecord, f: GalleryFacts): string {
  const c = run.counts;
  const worst = f.worst.map((e, i) => html`${i ? '\n' : ''}${card(e)}`);
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
.pager input{width:6em}
.report table{border-collapse:collapse;font-size:.9em;margin:.3rem 0}.report td,.report th{padding:.1rem .5rem;text-align:right;border-bottom:1px solid #eee}.report th:first-child,.report td:first-child{text-align:left}
.report p{font-size:.85em;color:#444;max-width:760px}
</style></head><body>
<header><h1>bnviz run ${run.runId}</h1>
<p>${run.root}: ${c.groups} groups of up to ${run.groupSize} (${c.images} images), ${normalizedWith(run)}.</p>
<p>${c.done + c.skipped} done${c.skipped ? ` (${c.skipped} from an earlier run)` : ''}, ${c.failed} failed. Status: ${run.status}.</p>
<p>Unseen: values below 0 (drawn black) or above 1 (drawn white), which no image can show. Every number: <a href="${run.summary ?? 'summary.csv'}">${run.summary ?? 'summary.csv'}</a>${run.summary === 'summary.csv.gz' ? ' (gzipped: more rows than a spreadsheet opens)' : ''}.</p>
</header>
${f.report?.html(normalizedWith(run)) ?? ''}
${f.spread?.svg(normalizedWith(run)) ?? ''}
${worst.length ? html`<section id="worst"><h2>Most unseen: ${worst.length < f.paged ? `the ${worst.length} groups of ${f.paged}` : `all ${worst.length} groups`}, most first</h2>
<div class="grid" id="worst-gallery">
${worst}
</div></section>` : ''}
${f.report?.foldersHtml() ?? ''}
${failuresSection(run)}
${pagedSection(f)}
</body></html>
`.text;
}
