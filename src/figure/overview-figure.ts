/**
 * The overview: the write-up's final figure (section 6), for N images a
 * 3 x 2N grid. Top row, per image, the densities of the original and of the
 * normalized values, the latter with the unseen spans shaded and the unseen
 * shares stated; below, each image drawn half original, half normalized.
 */
import { edgeNotes } from './beyond-range.js';
import { autoRange, densityMax, unseenSpans } from './density-marks.js';
import { figureFooter, givenInFull, givenSentence, type LegendItem } from './figure-footer.js';
import { methodNames, nameOf, type FigureInput, type FigureOptions } from './figure-options.js';
import { layoutGrid, type GridCell } from './grid-layout.js';
import { densityAxes, imageAxes } from './panel-axes.js';
import type { FigureSpec, Mark } from './spec.js';
import { rgbCss, STYLE, UNSEEN_MARK_COLORS } from './style.js';
import { FONT_FAMILY } from './text-width.js';
import { unseenShares } from './unseen-shares.js';

const CAPTION =
  'Shaded: values no image can show (below 0 is drawn black, above 1 white). ' +
  'Numbers at the top of the shaded spans: each channel\u2019s share of values below 0 (left) and above 1 (right).';

export function overviewFigure({ stats, arrays }: FigureInput, options: FigureOptions): FigureSpec {
  const n = stats.images.length;
  const width = Math.max(600, 400 * n);
  const height = 600;
  const names = methodNames(stats.method, stats.normalizedWith);
  const original = stats.images.map((im) => im.channels.map((c) => c.original));
  const normalized = stats.images.map((im) => im.channels.map((c) => c.normalized));
  const r = options.xRange === 'auto' ? autoRange([...original, ...normalized]) : options.xRange;
  const xDomain: [number, number] = [-r, r];
  // matplotlib's autoscale: the largest density plus a 5 % margin (sticky at 0).
  const top = (ch: typeof original[number]) => 1.05 * densityMax([ch]);
  const originalTop = original.map(top);
  const normalizedTop = normalized.map(top);

  const legend: LegendItem[] = options.markUnseen
    ? [
        { color: rgbCss(UNSEEN_MARK_COLORS.below), label: `marked on the ${names.short} half: every channel below 0 (drawn black)` },
        { color: rgbCss(UNSEEN_MARK_COLORS.above), label: 'every channel above 1 (drawn white)' },
      ]
    : [];
  // given statistics (--stats) are named in full: "Normalized with the dataset's mean and std (600 images)."
  const given = stats.normalizedWith ? `${givenSentence(stats.normalizedWith, width)} ` : '';
  const footer = figureFooter(width, height, given + CAPTION, legend);

  const cells: GridCell[] = [];
  for (let i = 0; i < n; i++) {
    cells.push({
      row: 0, col: 2 * i,
      build: (box) => {
        const notes = edgeNotes(original[i]!, arrays.original[i], xDomain, box.w, box.h, STYLE.shareSize);
        return [
          densityAxes({
            id: `density-original-${i}`, channels: original[i]!, xDomain, yTop: originalTop[i]!,
            title: { text: 'original', size: STYLE.titleSize, pad: STYLE.titlePad, peers: [names.short] },
            ...(i === 0 ? { yLabel: { text: 'Density', size: STYLE.titleSize, pad: STYLE.titlePad } } : {}),
            texts: notes.texts,
          }, box),
        ];
      },
    });
    cells.push({
      row: 0, col: 2 * i + 1,
      build: (box) => {
        // matplotlib's y range (5 % over the largest density) wherever the shares find room above the
        // curves (see unseenShares' slide); where the curves fill the top of a span wherever its block
        // goes, even at 6 pt, the range grows just enough to keep the numbers off them: a number
        // must never hide what it counts.
        const shares = unseenShares(normalized[i]!, box.w, box.h, { slide: { xDomain, yTop: normalizedTop[i]! } });
        const notes = edgeNotes(normalized[i]!, arrays.normalized[i], xDomain, box.w, box.h, STYLE.shareSize);
        return [
          densityAxes({
            id: `density-normalized-${i}`, channels: normalized[i]!, xDomain, yTop: normalizedTop[i]!,
            title: { text: names.short, size: STYLE.titleSize, pad: STYLE.titlePad, peers: ['original'] },
            above: [...unseenSpans(xDomain, 0.2), ...shares.marks], texts: [...shares.texts, ...notes.texts], keepClear: shares.regions,
          }, box),
        ];
      },
    });
    const img = arrays.original[i]!;
    const half = Math.floor(img.width / 2);
    cells.push({
      row: 1, col: 2 * i, rowSpan: 2, colSpan: 2, aspect: img.height / img.width,
      build: (box) => [
        imageAxes({
          id: `image-${i}`, source: { kind: 'split', index: i, markUnseen: options.markUnseen },
          width: img.width, height: img.height, ticks: true, caption: nameOf(stats.images[i]!),
          marks: seamMarks(half - 0.5),
        }, box),
      ],
    });
  }
  const axes = layoutGrid({ width, height, rows: 3, cols: 2 * n, reserveBottom: footer.height }, cells);
  return {
    kind: 'overview', width, height, font: FONT_FAMILY, background: '#ffffff', axes, texts: footer.texts, patches: footer.patches,
    ...(stats.normalizedWith ? { title: givenInFull(stats.normalizedWith) } : {}),
  };
}

/**
 * The seam between the halves (pixel columns half - 1 and half meet at
 * half - 0.5): the write-up's black dashed axvline, over a light line of the
 * same width, so it shows on black images, dark photos and letterbox bars
 * as on light ones (the dashes' gaps are light, the dashes dark).
 */
function seamMarks(x: number): Mark[] {
  return [
    { type: 'vline', x, color: STYLE.seamUnder, lineWidth: STYLE.dashWidth, dash: [] },
    { type: 'vline', x, color: '#000000', lineWidth: STYLE.dashWidth, dash: [...STYLE.dash] },
  ];
}
