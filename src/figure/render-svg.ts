/**
 * Draws a spec on Skia's SVG canvas, and writes its texts itself: each line
 * one `<text>` holding the line as it is (Skia would split a line into runs
 * at every change of typeface and write ligatures as their own characters,
 * so "coffee" could not be found), in the figure's font, DejaVu Sans, so it
 * can be searched, selected and edited; images are embedded as PNG data. The root element gets a viewBox in figure
 * units (1/100 inch) and a size in inches, so the SVG scales and prints at
 * the PNG's size at 100 dpi.
 */
import type { GroupArrays } from '../types.js';
import { escapeHtml } from '../util/html.js';
import { requireCjs } from '../util/require-cjs.js';
import { drawSpec } from './draw-spec.js';
import { DPI_AT_SCALE_1 } from './encode-png.js';
import { ensureFonts } from './fonts.js';
import type { PlacedText } from './place-texts.js';
import { ASCENT, DESCENT, FONT_FAMILY, LINE_SPACING } from './text-width.js';
import type { FigureSpec } from './spec.js';

const { createCanvas, SvgExportFlag } = requireCjs('@napi-rs/canvas') as typeof import('@napi-rs/canvas');

/** SVG text of the figure, in figure units (1/100 inch) as its user units. */
export function renderSvg(spec: FigureSpec, arrays: GroupArrays): Buffer {
  ensureFonts();
  const width = Math.round(spec.width);
  const height = Math.round(spec.height);
  // Any flag but ConvertTextToPaths keeps text as text (one flag only: the binding takes no combination).
  // Without pretty printing, a text element holds its string alone, no indentation around it.
  const canvas = createCanvas(width, height, SvgExportFlag.NoPrettyXML);
  const texts: PlacedText[] = [];
  drawSpec(canvas.getContext('2d'), spec, arrays, texts);
  const svg = canvas.getContent().toString('utf8');
  if (!svg.trimEnd().endsWith('</svg>')) throw new Error('renderSvg: Skia\'s SVG does not end with </svg>');
  const root = `<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" width="${width}" height="${height}">`;
  if (!svg.includes(root)) throw new Error('renderSvg: Skia\'s SVG root element is not the one expected');
  const inches = (v: number) => `${+(v / DPI_AT_SCALE_1).toFixed(4)}in`;
  // the figure's full description, where its texts had to be shortened (SVG 1.1 5.4: a <title> child of the root)
  const title = spec.title ? `<title>${escapeHtml(spec.title)}</title>` : '';
  return Buffer.from(svg
    .replace(/<\/svg>\s*$/, `${texts.map(svgText).join('')}</svg>`)
    .replace(root, root.replace(`width="${width}" height="${height}"`, `width="${inches(width)}" height="${inches(height)}" viewBox="0 0 ${width} ${height}"`) + title)
    // where DejaVu Sans is not installed: Bitstream Vera Sans (its parent, same metrics), then Verdana or any sans-serif
    .replaceAll(`font-family="${FONT_FAMILY}"`, `font-family="${FONT_FAMILY}, Bitstream Vera Sans, Verdana, sans-serif"`));
}

const FAMILY = `${FONT_FAMILY}, Bitstream Vera Sans, Verdana, sans-serif`;
const ANCHOR = { left: 'start', center: 'middle', right: 'end' } as const;
const n = (v: number) => String(+v.toFixed(3));

/** A placed text as SVG: one <text> a line, placed as draw-spec.ts draws it on a canvas. */
function svgText(t: PlacedText): string {
  const common = `font-size="${n(t.size)}" font-family="${FAMILY}" fill="${t.color}" xml:space="preserve"`;
  if (t.rotate) {
    const cx = t.rect.x + t.rect.w / 2;
    const cy = t.rect.y + t.rect.h / 2;
    return `<text transform="translate(${n(cx)} ${n(cy)}) rotate(-90)" x="0" y="${n(((ASCENT - DESCENT) / 2) * t.size)}" text-anchor="middle" ${common}>${escapeHtml(t.lines[0] ?? '')}</text>`;
  }
  const x = t.align === 'left' ? t.rect.x : t.align === 'center' ? t.rect.x + t.rect.w / 2 : t.rect.x + t.rect.w;
  return t.lines.map((line, i) => `<text x="${n(x)}" y="${n(t.baseline + i * LINE_SPACING * t.size)}" text-anchor="${ANCHOR[t.align]}" ${common}>${escapeHtml(line)}</text>`).join('');
}
