/**
 * The comparison (the write-up's section 4.4): densities before and after
 * normalization, the after row min-max scaled so both share one x range, a
 * small inset of each image, and an R/G/B legend. As the write-up's
 * sharex/sharey subplots, all panels share both ranges, as long as one y
 * range keeps every panel readable (see yScales).
 */
import type { ValueStats } from '../types.js';
import { densityMax, isSpike } from './density-marks.js';
import { figureFooter, givenInFull, givenSentence } from './figure-footer.js';
import { methodNames, type FigureInput, type FigureOptions } from './figure-options.js';
import { fitAspect, layoutGrid, type GridCell } from './grid-layout.js';
import { clearTop, spikeUnder } from './clear-top.js';
import { densityAxes, headingAxes, imageAxes } from './panel-axes.js';
import type { FigureSpec, Mark, TextMark } from './spec.js';
import { CHANNEL_COLORS, PT, STYLE } from './style.js';
import { FONT_FAMILY } from './text-width.js';

/** inset_axes([0.02, 0.69, 0.3, 0.3]) in axes fractions. */
const INSET = { x: 0.02, y: 0.69, w: 0.3, h: 0.3 };
/** The inset's place mirrored to the panel's right. */
const MIRROR_X = 1 - INSET.x - INSET.w;
/** Where the R/G/B legend stands (axes fractions), kept clear of curves and insets. */
const LEGEND_REGION = { x0: 0.68, x1: 1, y0: 0.63 };
const LEGEND_SIZE = 16 * PT;

export function compareFigure({ stats, arrays }: FigureInput, _options: FigureOptions): FigureSpec {
  const n = stats.images.length;
  const width = Math.max(600, 400 * n);
  const height = 800;
  const names = methodNames(stats.method, stats.normalizedWith);
  const rows = [
    { key: 'original' as const, heading: `before ${names.noun}` },
    {
      key: 'minmax' as const,
      // min-max scaling maps a range of one value (a constant image alone) to 0, not onto 0...1
      heading: stats.minmax.max > stats.minmax.min
        ? `after ${names.noun} (min-max scaled: ${fmt(stats.minmax.min)}\u2026${fmt(stats.minmax.max)} \u2192 0\u20261)`
        : `after ${names.noun} (min-max scaled: every value ${fmt(stats.minmax.min)} \u2192 0)`,
    },
  ];
  const channels = rows.map((r) => stats.images.map((im) => im.channels.map((c) => c[r.key])));
  const all = channels.flat(2);
  const lo = Math.min(...all.map((s) => s.min)), hi = Math.max(...all.map((s) => s.max));
  const margin = 0.05 * (hi - lo || 1);
  const xDomain: [number, number] = [lo - margin, hi + margin];
  // The legend's letters are never larger than the headings (the write-up's
  // 16 pt beside 24 pt headings): a narrow figure (one image) shrinks its
  // headings, so the size the first heading got in this layout round (its
  // cell is built before the panels') caps the legend's.
  let headingSize: number = STYLE.headingSize;
  const hasLegend = (i: number, r: number) => r === 0 && i === n - 1;
  const insetX = channels.map((row, r) => row.map((ch, i) => placeInset(ch, xDomain, hasLegend(i, r))));
  const regions = (i: number, r: number) => [
    { x0: insetX[r]![i]!, x1: insetX[r]![i]! + INSET.w, y0: INSET.y },
    ...(hasLegend(i, r) ? [LEGEND_REGION] : []),
  ];
  // Each panel's y top, high enough that no curve runs under an inset or the legend.
  const tops = channels.map((row, r) => row.map((ch, i) => clearTop(ch, xDomain, 1.05 * maxY(ch), regions(i, r))));
  const scales = yScales(channels, tops);

  const cells: GridCell[] = [];
  rows.forEach((row, r) => {
    cells.push({
      row: 2 * r, col: 0, colSpan: n,
      build: (box) => {
        const heading = headingAxes(`heading-${row.key}`, row.heading, box, rows.map((x) => x.heading));
        headingSize = heading.overlays![0]!.size;
        return [heading];
      },
    });
    for (let i = 0; i < n; i++) {
      const img = arrays[row.key][i]!;
      cells.push({
        row: 2 * r + 1, col: i,
        build: (box) => {
          const main = densityAxes({
            id: `density-${row.key}-${i}`, channels: channels[r]![i]!, xDomain, yTop: scales.tops[i]!,
            xTickLabels: r === rows.length - 1, yTickLabels: i === 0 || !scales.shared,
            sharedY: !(scales.shared ? all : [...channels[0]![i]!, ...channels[1]![i]!]).every(isSpike),
            ...(i === 0 ? { yLabel: { text: 'Density', size: STYLE.axisLabelSize, pad: STYLE.axisLabelPad } } : {}),
            ...(hasLegend(i, r) ? legendMarks(Math.min(LEGEND_SIZE, headingSize)) : {}),
          }, box);
          const x = insetX[r]![i]!;
          const inset = fitAspect(
            { x: box.x + x * box.w, y: box.y + (1 - INSET.y - INSET.h) * box.h, w: INSET.w * box.w, h: INSET.h * box.h },
            img.height / img.width,
          );
          // inset_axes keeps its box's left edge (anchor at the parent's fraction), so align it left;
          // at the mirror place, right, as far from the frame as the write-up's is on the left.
          inset.x = x === MIRROR_X ? box.x + (x + INSET.w) * box.w - inset.w : box.x + x * box.w;
          return [main, imageAxes({ id: `inset-${row.key}-${i}`, source: { kind: 'whole', array: row.key, index: i }, width: img.width, height: img.height, ticks: false }, inset)];
        },
      });
    }
  });
  const note = [...(stats.normalizedWith ? [givenSentence(stats.normalizedWith, width)] : []), ...(scales.shared ? [] : [OWN_SCALES])].join(' ');
  const footer = note ? figureFooter(width, height, note) : { height: 0, texts: [], patches: [] };
  const axes = layoutGrid({ width, height, rows: 4, cols: n, rowRatios: [0.14, 1, 0.14, 1], reserveBottom: footer.height }, cells);
  return {
    kind: 'compare', width, height, font: FONT_FAMILY, background: '#ffffff', axes, texts: footer.texts, patches: [],
    ...(stats.normalizedWith ? { title: givenInFull(stats.normalizedWith) } : {}),
  };
}

/**
 * One y range for all panels (the write-up's sharey, for three similar
 * photos) when it keeps every curve at least a quarter of the panel high;
 * else each column (an image, before and after) its own, which the footer
 * says (OWN_SCALES). In a 7-image group one peaked image (a density of 24-29)
 * set the shared top near 43 and drew four others as flat lines.
 */
export function yScales(channels: ValueStats[][][], tops: number[][]): { shared: boolean; tops: number[] } {
  const shared = Math.max(...tops.flat());
  const readable = channels.every((row) => row.every((ch) => ch.every(isSpike) || maxY(ch) >= MIN_HEIGHT * shared));
  const columns = tops[0]!.map((_, i) => Math.max(...tops.map((row) => row[i]!)));
  return readable ? { shared: true, tops: columns.map(() => shared) } : { shared: false, tops: columns };
}

/** The least height of a panel's highest curve, as a share of its y range, that one shared range must leave. */
const MIN_HEIGHT = 0.25;
const OWN_SCALES = 'Each image has its own density scale (y axis): on one scale for all, some would be flat lines.';

function maxY(channels: ValueStats[]): number {
  return densityMax([channels]);
}

function fmt(v: number): string {
  return v.toFixed(2).replace('-', '\u2212');
}

/**
 * The inset's left edge (axes fraction): the write-up's 0.02, unless a spike
 * (a constant channel, drawn over the panel's whole height) runs there,
 * whose top the opaque image would hide whatever the y range. Then the
 * mirror place at the right (0.68), or the first place between, a hundredth
 * of the width apart, that is clear of spikes and of the legend. With no
 * such place it stays at 0.02.
 */
export function placeInset(channels: ValueStats[], xDomain: [number, number], legend: boolean): number {
  const places = [INSET.x, MIRROR_X, ...Array.from({ length: 65 }, (_, k) => INSET.x + (k + 1) / 100)];
  // half a spike's widest line (1.5 pt) at a panel of the narrowest compare (about 150 units wide)
  const pad = 0.015;
  const free = (x: number) =>
    !spikeUnder(channels, xDomain, { x0: x, x1: x + INSET.w }, pad) && !(legend && x + INSET.w > LEGEND_REGION.x0);
  return places.find(free) ?? INSET.x;
}

/** The write-up's hand-made legend: a patch (alpha 0.5) and the channel's letter, at (0.7, 0.85 - 0.1 i). */
function legendMarks(size: number): { above: Mark[]; texts: TextMark[] } {
  const above: Mark[] = [];
  const texts: TextMark[] = [];
  CHANNEL_COLORS.forEach((color, i) => {
    const y = 0.85 - 0.1 * i;
    above.push({ type: 'patch', x: 0.7, y, w: 0.12, h: 0.05, color, alpha: 0.5 });
    texts.push({ type: 'text', x: 0.9, y, lines: ['RGB'[i]!], size, color: '#000000', align: 'center', valign: 'baseline' });
  });
  return { above, texts };
}
