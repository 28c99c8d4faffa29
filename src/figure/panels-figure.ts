/**
 * The panels: the write-up's plot() figures (section 4.1-4.3) stacked in one
 * picture, one block each for the original, the normalized and the min-max
 * scaled data: a heading, the images, and their densities below them. The
 * normalized block shades the unseen spans, labels them "unseen (black)" and
 * "unseen (white)" as the write-up does, and states the unseen shares.
 */
import type { ValueStats } from '../types.js';
import { edgeNotes } from './beyond-range.js';
import { autoRange, densityMax, unseenSpans } from './density-marks.js';
import { givenFooter, givenInFull } from './figure-footer.js';
import { methodNames, nameOf, type FigureInput, type FigureOptions } from './figure-options.js';
import { layoutGrid, type GridCell } from './grid-layout.js';
import { densityAxes, headingAxes, imageAxes } from './panel-axes.js';
import type { FigureSpec, TextMark } from './spec.js';
import { PT, STYLE } from './style.js';
import { FONT_FAMILY, textBlock } from './text-width.js';
import { unseenShares } from './unseen-shares.js';

type Block = 'original' | 'normalized' | 'minmax';
const BLOCKS: Block[] = ['original', 'normalized', 'minmax'];
const LABEL_SIZE = 16 * PT;

export function panelsFigure({ stats, arrays }: FigureInput, options: FigureOptions): FigureSpec {
  const n = stats.images.length;
  const width = Math.max(600, 400 * n);
  // Each block is one of the write-up's 12 x 8 inch plot() figures.
  const blockHeight = 800;
  const names = methodNames(stats.method, stats.normalizedWith);
  const headings: Record<Block, string> = {
    original: 'original images',
    normalized: `${names.long} images`,
    minmax: `${names.long} + min-max scaled images`,
  };
  const cells: GridCell[] = [];
  BLOCKS.forEach((block, b) => {
    const channels = stats.images.map((im) => im.channels.map((c) => c[block]));
    // As the write-up's plot(xlim=None): one symmetric range that holds the block's curves.
    const r = options.xRange === 'auto' ? autoRange(channels) : options.xRange;
    const xDomain: [number, number] = [-r, r];
    cells.push({ row: 3 * b, col: 0, colSpan: n, build: (box) => [headingAxes(`heading-${block}`, headings[block], box, Object.values(headings))] });
    for (let i = 0; i < n; i++) {
      const img = arrays[block][i]!;
      cells.push({
        row: 3 * b + 1, col: i, aspect: img.height / img.width,
        build: (box) => [imageAxes({ id: `image-${block}-${i}`, source: { kind: 'whole', array: block, index: i }, width: img.width, height: img.height, ticks: true, caption: nameOf(stats.images[i]!) }, box)],
      });
      cells.push({
        row: 3 * b + 2, col: i,
        build: (box) => {
          const notes = edgeNotes(channels[i]!, arrays[block][i], xDomain, box.w, box.h, 11 * PT);
          const labels = block === 'normalized' ? unseenLabels(channels[i]!, xDomain, box.w, box.h) : { above: [], texts: [], keepClear: [] };
          return [densityAxes({
            id: `density-${block}-${i}`, channels: channels[i]!, xDomain, yTop: yTop(channels[i]!),
            yLabel: { text: 'Density', size: STYLE.axisLabelSize, pad: STYLE.axisLabelPad },
            above: labels.above, texts: [...labels.texts, ...notes.texts], keepClear: labels.keepClear,
          }, box)];
        },
      });
    }
  });
  const rowRatios = BLOCKS.flatMap(() => [0.1, 1, 1]);
  const height = blockHeight * BLOCKS.length;
  const footer = givenFooter(stats.normalizedWith, width, height);
  const axes = layoutGrid({ width, height, rows: 3 * BLOCKS.length, cols: n, rowRatios, reserveBottom: footer.height }, cells);
  return {
    kind: 'panels', width, height, font: FONT_FAMILY, background: '#ffffff', axes, texts: footer.texts, patches: [],
    ...(stats.normalizedWith ? { title: givenInFull(stats.normalizedWith) } : {}),
  };
}

function yTop(channels: ValueStats[]): number {
  return 1.05 * densityMax([channels]);
}

/**
 * The write-up's spans (alpha 0.5) and labels at axes x 0.05 and 0.7, with
 * the shares beneath. The labels hang from near the top (the write-up puts
 * their baseline at 0.8, which only fits its tall panels).
 */
function unseenLabels(channels: ValueStats[], xDomain: [number, number], w: number, h: number) {
  const top = 1 - 6 / h;
  const label = (x: number, text: string, color: string): TextMark => ({
    type: 'text', x, y: top, lines: ['unseen', text], size: LABEL_SIZE, color, align: 'left', valign: 'top',
  });
  const labels = [label(0.05, '(black)', '#000000'), label(0.7, '(white)', '#ffffff')];
  const sharesTop = top - (textBlock(['unseen', '(black)'], LABEL_SIZE).h + 4) / h;
  const shares = unseenShares(channels, w, h, { top: sharesTop, size: 11 * PT });
  const labelW = textBlock(['unseen', '(white)'], LABEL_SIZE).w / w;
  const regions = [
    { ...shares.regions[0]!, x1: Math.max(shares.regions[0]!.x1, 0.05 + labelW) },
    { ...shares.regions[1]!, x0: Math.min(shares.regions[1]!.x0, 0.7) },
  ];
  return { above: [...unseenSpans(xDomain, 0.5), ...shares.marks], texts: [...labels, ...shares.texts], keepClear: regions };
}
