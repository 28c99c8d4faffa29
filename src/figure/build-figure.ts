/** Builds the spec of one figure kind: pure, serializable, no canvas. */
import { compareFigure } from './compare-figure.js';
import type { FigureInput, FigureOptions } from './figure-options.js';
import { overviewFigure } from './overview-figure.js';
import { panelsFigure } from './panels-figure.js';
import type { FigureKind, FigureSpec } from './spec.js';

const BUILDERS: Record<FigureKind, (input: FigureInput, options: FigureOptions) => FigureSpec> = {
  overview: overviewFigure,
  panels: panelsFigure,
  compare: compareFigure,
};

/**
 * @example
 * const input = await computeFiles(['a.png', 'b.png', 'c.png'], { ...decodeOptions(config), ...computeOptions(config) });
 * const spec = buildFigure('overview', input, groupOptions(config)); // plain data: panels, paths, spans, labels
 */
export function buildFigure(kind: FigureKind, input: FigureInput, options: FigureOptions): FigureSpec {
  const builder = BUILDERS[kind];
  if (!builder) throw new RangeError(`Expected a figure kind (overview, panels or compare) but received ${JSON.stringify(kind)}`);
  if (input.stats.images.length === 0) throw new RangeError('Expected a group of at least one image but received none');
  return builder(input, options);
}
