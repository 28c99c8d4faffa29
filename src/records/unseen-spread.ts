/**
 * How the share of unseen values (below 0 or above 1) spreads over a run's
 * images, per channel: a histogram of 20 bins of 5%, counted as the groups'
 * summary rows stream by (flat memory), drawn as an inline SVG at the top of
 * index.html.
 */
import { html, type Html } from '../util/html.js';
import type { SummaryRow } from '../group/group-task.js';
import type { SpreadTotals } from '../types.js';

export type { SpreadTotals } from '../types.js';

export const SPREAD_BINS = 20;
const CHANNEL_COLORS = { R: '#d62728', G: '#2ca02c', B: '#1f77b4' } as const;
/**
 * A second cue beside the colour, for readers who do not tell red from
 * green: R's bars are solid, G's hatched, B's dotted (SVG patterns), as the
 * legend shows, and each bin keeps the order R, G, B.
 */
const CHANNEL_FILLS = { R: 'solid', G: 'hatched', B: 'dotted' } as const;
const fillOf = (c: (typeof CHANNELS)[number]) => (c === 'R' ? CHANNEL_COLORS.R : `url(#bnviz-spread-${c})`);
const PATTERNS = html`<defs>
<pattern id="bnviz-spread-G" width="4" height="4" patternUnits="userSpaceOnUse" patternTransform="rotate(45)"><rect width="4" height="4" fill="${CHANNEL_COLORS.G}"/><line x1="1" y1="0" x2="1" y2="4" stroke="#fff" stroke-width="1.4"/></pattern>
<pattern id="bnviz-spread-B" width="4" height="4" patternUnits="userSpaceOnUse"><rect width="4" height="4" fill="${CHANNEL_COLORS.B}"/><circle cx="2" cy="2" r="1.1" fill="#fff"/></pattern>
</defs>`;
const CHANNELS = ['R', 'G', 'B'] as const;

/** The bin of a share in [0, 1]: [0, 5%) is 0, ..., [95%, 100%] is 19. */
export function spreadBin(share: number): number {
  return Math.min(SPREAD_BINS - 1, Math.max(0, Math.floor(share * SPREAD_BINS)));
}

/** Each image's unseen share per channel, flat: R, G, B of the first image, then the next. */
export function unseenShares(rows: readonly SummaryRow[]): number[] {
  const byFile = new Map<string, number[]>();
  for (const r of rows) {
    let shares = byFile.get(r.file);
    if (!shares) byFile.set(r.file, (shares = [0, 0, 0]));
    shares[CHANNELS.indexOf(r.channel)] = r.below0 + r.above1;
  }
  return [...byFile.values()].flat();
}

export class UnseenSpread {
  /** Per channel, images per bin. */
  readonly counts = { R: new Array<number>(SPREAD_BINS).fill(0), G: new Array<number>(SPREAD_BINS).fill(0), B: new Array<number>(SPREAD_BINS).fill(0) };
  private readonly sums = { R: 0, G: 0, B: 0 };
  private images = 0;

  /** A spread from its totals (a fleet run keeps them in Redis as its groups are counted). */
  static from(t: SpreadTotals): UnseenSpread {
    const spread = new UnseenSpread();
    for (const c of CHANNELS) {
      t.counts[c].forEach((n, b) => { spread.counts[c][b] = n; });
      spread.sums[c] = t.sums[c];
    }
    spread.images = t.images;
    return spread;
  }

  /** Its counts, sums and images (a copy). */
  totals(): SpreadTotals {
    return { counts: { R: [...this.counts.R], G: [...this.counts.G], B: [...this.counts.B] }, sums: { ...this.sums }, images: this.images };
  }

  add(rows: readonly SummaryRow[]): void {
    this.addShares(unseenShares(rows));
  }

  /** Adds images' shares as unseenShares gives them: R, G, B for each image. */
  addShares(shares: readonly number[]): void {
    for (let i = 0; i + 2 < shares.length; i += 3) {
      for (const [c, channel] of CHANNELS.entries()) {
        const share = shares[i + c]!;
        this.counts[channel][spreadBin(share)]!++;
        this.sums[channel] += share;
      }
      this.images++;
    }
  }

  /** The histogram as an SVG figure with its caption; empty when no image was counted. */
  svg(label: string): Html | '' {
    if (this.images === 0) return '';
    const w = 640;
    const h = 186;
    const left = 44;
    const bottom = 30;
    const top = 24; // the legend above the plot
    const plotW = w - left - 22;
    const plotH = h - top - bottom;
    const max = CHANNELS.reduce((m, c) => this.counts[c].reduce((a, n) => Math.max(a, n), m), 1);
    const binW = plotW / SPREAD_BINS;
    const barW = binW / 3.4;
    const bars = CHANNELS.flatMap((c, k) => this.counts[c].map((n, b) => {
      if (n === 0) return '';
      const bh = (n / max) * plotH;
      return html`<rect x="${(left + b * binW + 0.15 * binW + k * barW).toFixed(1)}" y="${(top + plotH - bh).toFixed(1)}" width="${barW.toFixed(1)}" height="${bh.toFixed(1)}" fill="${fillOf(c)}" fill-opacity="0.8" data-channel="${c}"><title>${c}: ${n} images with ${b * 5}–${b * 5 + 5}% unseen</title></rect>`;
    }));
    // The legend, top right: a swatch of each channel's colour and fill, and its name.
    const legend = CHANNELS.map((c, k) => {
      const x = left + plotW - 270 + k * 92;
      return html`<g class="legend" data-channel="${c}"><rect x="${x}" y="4" width="14" height="10" fill="${fillOf(c)}" fill-opacity="0.8" stroke="#333" stroke-width="0.5"/><text x="${x + 18}" y="13">${c} ${CHANNEL_FILLS[c]}</text></g>`;
    });
    const ticks = [0, 25, 50, 75, 100].map((p) => {
      const x = left + (p / 100) * plotW;
      return html`<line x1="${x}" x2="${x}" y1="${top + plotH}" y2="${top + plotH + 4}" stroke="#333"/><text x="${x}" y="${top + plotH + 16}" text-anchor="middle">${p}%</text>`;
    });
    const mean = (c: (typeof CHANNELS)[number]) => `${c} ${((this.sums[c] / this.images) * 100).toFixed(1)}%`;
    return html`<section class="spread">
<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${w} ${h}" width="${w}" height="${h}" font-size="11" data-r="${this.counts.R.join(',')}" data-g="${this.counts.G.join(',')}" data-b="${this.counts.B.join(',')}">
<line x1="${left}" x2="${left + plotW}" y1="${top + plotH}" y2="${top + plotH}" stroke="#333"/>
<line x1="${left}" x2="${left}" y1="${top}" y2="${top + plotH}" stroke="#333"/>
<text x="${left - 6}" y="${top + 8}" text-anchor="end">${max}</text><text x="${left - 6}" y="${top + plotH}" text-anchor="end">0</text>
<text x="12" y="${top + plotH / 2}" text-anchor="middle" transform="rotate(-90 12 ${top + plotH / 2})">images</text>
${PATTERNS}
${ticks}
${bars}
${legend}
</svg>
<p>How much of each image no image can show, per channel (${this.images} images, ${label}): the share of its values below 0 or above 1, in bins of 5%; in each bin the bars are R (red, solid), G (green, hatched), B (blue, dotted), left to right. Mean: ${mean('R')}, ${mean('G')}, ${mean('B')}.</p>
</section>`;
  }
}
