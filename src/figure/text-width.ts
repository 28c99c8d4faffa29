/**
 * Text metrics of DejaVu Sans (matplotlib's default font, shipped with the
 * project by dejavu-fonts-ttf), without a canvas, so layout stays pure. The
 * advance widths are the font's own (per 1000 units of em, ASCII 32-126, as
 * Skia measures them); kerning is ignored, which only ever overestimates.
 */

export const FONT_FAMILY = 'DejaVu Sans';

/** Ascent and descent per em (the font's hhea metrics, as Skia reports them). */
export const ASCENT = 0.928;
export const DESCENT = 0.236;
/** Distance between baselines of successive lines, per em (matplotlib's linespacing 1.2). */
export const LINE_SPACING = 1.2;

// prettier-ignore
const ADVANCE = [
  318, 401, 460, 838, 636, 950, 780, 275, 390, 390, 500, 838, 318, 361, 318, 337,
  636, 636, 636, 636, 636, 636, 636, 636, 636, 636, 337, 337, 838, 838, 838, 531,
  1000, 684, 686, 698, 770, 632, 575, 775, 752, 295, 295, 656, 557, 863, 748, 787,
  603, 787, 695, 635, 611, 732, 684, 989, 685, 611, 685, 390, 337, 390, 838, 500,
  500, 613, 635, 550, 635, 615, 352, 635, 634, 278, 278, 579, 278, 974, 634, 612,
  635, 635, 411, 521, 392, 634, 592, 818, 592, 592, 525, 636, 337, 636, 838,
];
const OTHER: Record<string, number> = { '\u2212': 838, '\u2264': 838, '\u2265': 838, '\u00b7': 318, '\u2014': 1000, '\u2026': 1000, '\u2190': 838, '\u2192': 838 };

/** Width of one line of text at `size` (font size in figure units). */
export function textWidth(text: string, size: number): number {
  let units = 0;
  for (const ch of text) {
    const code = ch.codePointAt(0)!;
    units += code >= 32 && code < 127 ? ADVANCE[code - 32]! : (OTHER[ch] ?? 1000);
  }
  return (units / 1000) * size;
}

/** Width and height of a block of lines (height from the first line's top to the last line's bottom). */
export function textBlock(lines: string[], size: number): { w: number; h: number } {
  const w = Math.max(0, ...lines.map((l) => textWidth(l, size)));
  const h = lines.length === 0 ? 0 : (ASCENT + DESCENT) * size + (lines.length - 1) * LINE_SPACING * size;
  return { w, h };
}

/**
 * `text` shortened to fit `maxWidth` at `size`: a path loses its leading
 * folders first ("\u2026/cats/x.png"), then the name its middle
 * ("very_lo\u2026name.png"), so the end of a name, which tells files apart,
 * stays.
 */
export function fitText(text: string, size: number, maxWidth: number): string {
  if (textWidth(text, size) <= maxWidth) return text;
  const parts = text.split('/');
  for (let k = 1; k < parts.length; k++) {
    const shorter = `\u2026/${parts.slice(k).join('/')}`;
    if (textWidth(shorter, size) <= maxWidth) return shorter;
  }
  const name = parts[parts.length - 1]!;
  for (let keep = name.length - 1; keep > 1; keep--) {
    const head = Math.ceil(keep / 2);
    const shorter = `${name.slice(0, head)}\u2026${name.slice(name.length - (keep - head))}`;
    if (textWidth(shorter, size) <= maxWidth) return shorter;
  }
  return '\u2026';
}
