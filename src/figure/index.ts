/**
 * bnviz figures: describe first (buildFigure, a pure serializable spec), draw
 * last (renderPng, renderSvg). drawFigures makes one group's files, without
 * writing them.
 */
import type { Canvas } from '@napi-rs/canvas';
import type { GroupArrays } from '../types.js';
import { buildFigure } from './build-figure.js';
import { DEFAULT_FIGURE_OPTIONS, type FigureInput, type FigureOptions } from './figure-options.js';
import { encodePng, encodeWebp } from './encode-png.js';
import { renderRgba } from './render-rgba.js';
import { renderSvg as drawSvg } from './render-svg.js';
import type { FigureFormat, FigureKind } from '../types.js';
import type { FigureSpec } from './spec.js';

export type { FigureKind, FigureSpec, AxesSpec, Mark, TextMark, Rect, Tick, AxisSpec, ImageSource } from './spec.js';
export type { FigureInput, FigureOptions } from './figure-options.js';
export { DEFAULT_FIGURE_OPTIONS } from './figure-options.js';
export { buildFigure } from './build-figure.js';
export { formatShare } from './unseen-shares.js';
export { axesTexts, axesExtent } from './place-texts.js';

/**
 * PNG bytes of a spec, at `options.scale` pixels per figure unit.
 * @example
 * const png = await renderPng(buildFigure('overview', input, options), input, { scale: 2 });
 */
export async function renderPng(spec: FigureSpec, arrays: GroupArrays, options: Pick<FigureOptions, 'scale'> = DEFAULT_FIGURE_OPTIONS): Promise<Buffer> {
  return encodePng(renderRgba(spec, arrays, { scale: options.scale }), options.scale);
}

/** SVG bytes of a spec (vector; scale does not apply). */
export const renderSvg: (spec: FigureSpec, arrays: GroupArrays) => Buffer = drawSvg;

export interface DrawFiguresOptions extends FigureOptions {
  figures: readonly FigureKind[];
  formats: readonly FigureFormat[];
  /** WebP figures: lossless, or lossy at this quality (default lossless). */
  webpQuality?: number | 'lossless';
  /** Also return each figure's spec as `<kind>.spec.json`. */
  spec: boolean;
}

/** A figure file; a PNG comes with the pixels it holds (RGBA), for what else is made of them. */
export interface FigureFile {
  name: string;
  bytes: Buffer;
  pixels?: { width: number; height: number; data: Buffer };
}

/**
 * One group's figure files, e.g. overview.png, overview.svg, overview.spec.json;
 * the caller writes them. A PNG is encoded off this thread (in libuv's pool)
 * while the next figure is drawn.
 * @param onCanvas is handed each PNG figure's canvas as drawn, at once (see renderRgba)
 * @example
 * const files = await drawFigures(await computeFiles(paths, { ...decodeOptions(config), ...computeOptions(config) }), groupOptions(config));
 * for (const f of files) writeFileSync(f.name, f.bytes); // overview.png, panels.png, compare.png
 */
export async function drawFigures(input: FigureInput, options: DrawFiguresOptions, onCanvas?: (kind: FigureKind, canvas: Canvas) => void): Promise<FigureFile[]> {
  const files: Array<Promise<FigureFile> | FigureFile> = [];
  for (const kind of options.figures) {
    const spec = buildFigure(kind, input, options);
    const raster = options.formats.filter((f) => f === 'png' || f === 'webp');
    if (raster.length) {
      // drawn once for the PNG and the WebP
      const pixels = renderRgba(spec, input.arrays, { scale: options.scale }, onCanvas && ((canvas) => onCanvas(kind, canvas)));
      for (const format of raster) {
        const name = `${kind}.${format}`;
        const encoded = (format === 'png' ? encodePng(pixels, options.scale) : encodeWebp(pixels, options.webpQuality ?? 'lossless')).then((bytes) => ({ name, bytes, pixels }));
        // should a later figure throw first, this one's failure is not left unhandled
        encoded.catch(() => undefined);
        files.push(encoded);
      }
    }
    if (options.formats.includes('svg')) files.push({ name: `${kind}.svg`, bytes: renderSvg(spec, input.arrays) });
    if (options.spec) files.push({ name: `${kind}.spec.json`, bytes: Buffer.from(JSON.stringify(spec)) });
  }
  return Promise.all(files);
}
