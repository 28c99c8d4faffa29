/**
 * The dataset report at the top of index.html: what the whole dataset looks
 * like and what normalization does to it, made from the groups' summary rows
 * as they stream by (finalizeRun), in memory bounded by the class folders
 * (a few numbers each), whatever the run's size:
 * - the dataset's mean and std per channel, pooled from each image's (every
 *   image has size x size pixels, so each weighs the same; letterbox bars,
 *   left out of an image's numbers, make that approximate with --fit contain);
 * - the share of all values pushed below 0 or above 1, per channel, under
 *   the statistics the run normalized with and, beside it, with --stats
 *   (dataset, imagenet, a file) under each batch's own, with --stats batch
 *   under the dataset's (summed from the groups' level counts by the driver:
 *   fit/dataset-shares.ts);
 * - how groups' largest unseen shares spread (quantiles from bins of 0.1%);
 * - a table per class folder (the folder of each image; ImageFolder's
 *   layout): images, mean and worst unseen share per channel, sortable.
 */
import { html, trusted, type Html } from '../util/html.js';
import type { SummaryRow } from '../group/group-task.js';
import { CHANNELS, type DatasetShares } from '../types.js';

const C = CHANNELS.length;
const QUANTILE_BINS = 1000;

/** One class folder's numbers: images, and per channel the sum and largest of their unseen shares. */
export interface FolderTotals {
  images: number;
  sum: [number, number, number];
  max: [number, number, number];
}

/** The report's numbers, as report.json holds them. */
export interface DatasetFacts {
  images: number;
  groups: number;
  /** Pooled over every image, per channel R, G, B (values in [0, 1] as a model reads them). */
  mean: number[];
  std: number[];
  /** Share of all values below 0 / above 1 after normalization, per channel, under the statistics the run used. */
  below0: number[];
  above1: number[];
  /** The same under each batch's own statistics, when the run normalized with given ones (--stats). */
  batchBelow0?: number[];
  batchAbove1?: number[];
  /**
   * The same under the dataset's statistics (its mean and variance over the
   * groups counted, as --stats dataset takes them), when the run normalized
   * each batch by its own; over `datasetGroups` groups (fewer than `groups`
   * when some group's level counts were lost: a fleet worker killed after it
   * counted them, or a group skipped whose record predates them).
   */
  datasetBelow0?: number[];
  datasetAbove1?: number[];
  datasetGroups?: number;
  /** Groups' largest unseen shares: quantiles 0, 10, 50, 90, 100%. */
  groupQuantiles: number[];
  folders: Record<string, FolderTotals>;
}

const folderOf = (file: string) => (file.includes('/') ? file.slice(0, file.lastIndexOf('/')) : '.');

export class DatasetReport {
  private images = 0;
  private groups = 0;
  private readonly sumMean = [0, 0, 0];
  private readonly sumSquare = [0, 0, 0];
  private readonly below = [0, 0, 0];
  private readonly above = [0, 0, 0];
  private readonly batchBelow = [0, 0, 0];
  private readonly batchAbove = [0, 0, 0];
  private batchRows = 0;
  private readonly groupBins = new Array<number>(QUANTILE_BINS + 1).fill(0);
  private readonly folders = new Map<string, FolderTotals>();

  /** @param dataset the shares under the dataset's statistics, for a run that normalized each batch by its own */
  constructor(private readonly dataset?: DatasetShares) {}

  /** A counted group's rows (one per image and channel). */
  add(rows: readonly SummaryRow[]): void {
    if (rows.length === 0) return;
    this.groups++;
    let groupMax = 0;
    const seen = new Set<string>();
    for (const r of rows) {
      const c = CHANNELS.indexOf(r.channel);
      if (!seen.has(r.file)) {
        seen.add(r.file);
        this.images++;
      }
      const unseen = r.below0 + r.above1;
      groupMax = Math.max(groupMax, unseen);
      this.sumMean[c]! += r.mean;
      this.sumSquare[c]! += r.std * r.std + r.mean * r.mean;
      this.below[c]! += r.below0;
      this.above[c]! += r.above1;
      if (r.batchBelow0 !== undefined && r.batchAbove1 !== undefined) {
        this.batchBelow[c]! += r.batchBelow0;
        this.batchAbove[c]! += r.batchAbove1;
        this.batchRows++;
      }
      const name = folderOf(r.file);
      let f = this.folders.get(name);
      if (!f) this.folders.set(name, (f = { images: 0, sum: [0, 0, 0], max: [0, 0, 0] }));
      if (c === 0) f.images++;
      f.sum[c] += unseen;
      f.max[c] = Math.max(f.max[c], unseen);
    }
    this.groupBins[Math.min(QUANTILE_BINS, Math.max(0, Math.round(groupMax * QUANTILE_BINS)))]!++;
  }

  facts(): DatasetFacts {
    const n = this.images || 1;
    const mean = this.sumMean.map((s) => s / n);
    return {
      images: this.images,
      groups: this.groups,
      mean,
      std: this.sumSquare.map((s, c) => Math.sqrt(Math.max(0, s / n - mean[c]! ** 2))),
      below0: this.below.map((s) => s / n),
      above1: this.above.map((s) => s / n),
      ...(this.batchRows > 0 ? { batchBelow0: this.batchBelow.map((s) => s / n), batchAbove1: this.batchAbove.map((s) => s / n) } : {}),
      ...(this.dataset ? { datasetBelow0: [...this.dataset.below0], datasetAbove1: [...this.dataset.above1], datasetGroups: this.dataset.groups } : {}),
      groupQuantiles: [0, 0.1, 0.5, 0.9, 1].map((q) => this.quantile(q)),
      folders: Object.fromEntries([...this.folders.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))),
    };
  }

  /** The q-quantile of groups' largest unseen shares, to the bin (0.1%). */
  private quantile(q: number): number {
    if (this.groups === 0) return 0;
    const rank = Math.max(1, Math.ceil(q * this.groups));
    let seen = 0;
    for (let b = 0; b <= QUANTILE_BINS; b++) {
      seen += this.groupBins[b]!;
      if (seen >= rank) return b / QUANTILE_BINS;
    }
    return 1;
  }

  /** The report as index.html shows it; empty when no group was counted. */
  html(label: string): Html | '' {
    if (this.groups === 0) return '';
    return reportSection(this.facts(), label);
  }

  /** The table per folder with its sorting script, as index.html shows it below the worst groups; empty for one folder. */
  foldersHtml(): Html | '' {
    const f = this.facts();
    const table = folderSection(f);
    return table ? html`${table}
<script>${trusted(SORT_TABLE_SCRIPT)}</script>` : '';
  }
}

/**
 * The report's section from its numbers (index.html, and the dashboard from
 * report.json): the dataset's statistics, the unseen shares, the spread of
 * groups' largest.
 */
export function reportSection(f: DatasetFacts, label: string): Html {
  const pct = (v: number) => `${(v * 100).toFixed(1)}%`;
  const num = (v: number) => v.toFixed(4);
  const cells = (values: number[], fmt: (v: number) => string) => CHANNELS.map((_, c) => html`<td>${fmt(values[c]!)}</td>`);
  const unseen = (b: number[], a: number[]) => b.map((v, c) => v + a[c]!);
  // beside the run's own statistics, the others: each batch's (a run with --stats) or the dataset's (--stats batch)
  const over = f.datasetGroups !== undefined && f.datasetGroups < f.groups ? html` <small>(over ${f.datasetGroups} of the ${f.groups} groups)</small>` : '';
  const otherRows = f.batchBelow0 && f.batchAbove1
    ? html`<tr><th>unseen, each batch's own statistics</th>${cells(unseen(f.batchBelow0, f.batchAbove1), pct)}</tr>`
    : f.datasetBelow0 && f.datasetAbove1
      ? html`<tr><th>unseen, the dataset's statistics (as --stats dataset)${over}</th>${cells(unseen(f.datasetBelow0, f.datasetAbove1), pct)}</tr>
<tr><th>&nbsp; below 0 (black)</th>${cells(f.datasetBelow0, pct)}</tr>
<tr><th>&nbsp; above 1 (white)</th>${cells(f.datasetAbove1, pct)}</tr>`
      : html`<tr><th>unseen, other statistics</th><td colspan="3"><small>none to set beside the row above (batch normalization with each batch's own statistics sets the dataset's beside them; --stats dataset, each batch's own)</small></td></tr>`;
  const q = f.groupQuantiles;
  return html`<section class="report" id="report"><h2>The dataset</h2>
<table class="stats"><tr><th></th>${CHANNELS.map((c) => html`<th>${c}</th>`)}</tr>
<tr><th>mean (values in [0, 1])</th>${cells(f.mean, num)}</tr>
<tr><th>std</th>${cells(f.std, num)}</tr>
<tr><th>unseen after ${label}</th>${cells(unseen(f.below0, f.above1), pct)}</tr>
<tr><th>&nbsp; below 0 (black)</th>${cells(f.below0, pct)}</tr>
<tr><th>&nbsp; above 1 (white)</th>${cells(f.above1, pct)}</tr>
${otherRows}
</table>
<p>${f.images} images in ${f.groups} groups counted. Share of all values that normalization pushes out of [0, 1], per channel. Groups' largest unseen share (any image and channel): least ${pct(q[0]!)}, 10% ${pct(q[1]!)}, median ${pct(q[2]!)}, 90% ${pct(q[3]!)}, most ${pct(q[4]!)}.</p>
</section>`;
}

/**
 * The table per folder (more than one folder), sortable with
 * SORT_TABLE_SCRIPT; below the worst groups, so a dataset of a thousand
 * classes does not push their figures out of view.
 */
export function folderSection(f: DatasetFacts): Html | '' {
  const pct = (v: number) => `${(v * 100).toFixed(1)}%`;
  const folders = Object.entries(f.folders);
  if (folders.length < 2) return '';
  const folderRows = folders.map(([name, t], i) => html`${i ? '\n' : ''}<tr><td>${name}</td><td>${t.images}</td>${CHANNELS.map((_, c) => html`<td>${pct(t.sum[c] / (t.images || 1))}</td>`)}${CHANNELS.map((_, c) => html`<td>${pct(t.max[c])}</td>`)}</tr>`);
  return html`<section class="report" id="by-folder"><h2>By folder (${folders.length}; click a heading to sort)</h2>
<table class="folders" id="folders"><thead><tr><th data-key="text">folder</th><th data-key="num">images</th>${CHANNELS.map((c) => html`<th data-key="num">mean unseen ${c}</th>`)}${CHANNELS.map((c) => html`<th data-key="num">worst ${c}</th>`)}</tr></thead>
<tbody>
${folderRows}
</tbody></table>
</section>`;
}

/** Sorts the folder table by the column clicked (again: the other way). */
export const SORT_TABLE_SCRIPT = `(function(){var t=document.getElementById('folders');if(!t)return;var hs=t.tHead.rows[0].cells;
for(var i=0;i<hs.length;i++)(function(i){hs[i].style.cursor='pointer';hs[i].addEventListener('click',function(){
var num=hs[i].getAttribute('data-key')==='num';var dir=hs[i].getAttribute('data-dir')==='desc'?1:-1;hs[i].setAttribute('data-dir',dir===1?'asc':'desc');
var rows=Array.prototype.slice.call(t.tBodies[0].rows);var v=function(r){var s=r.cells[i].textContent;return num?parseFloat(s):s;};
rows.sort(function(a,b){var x=v(a),y=v(b);return (x<y?-1:x>y?1:0)*dir;});rows.forEach(function(r){t.tBodies[0].appendChild(r);});});})(i);})();`;
