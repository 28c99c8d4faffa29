/**
 * Which characters the figure font (DejaVu Sans) draws, from its own cmap
 * table, and text made drawable with it: a character the font lacks (emoji,
 * CJK, Hangul, ...) would be a box in the PNG and vanish from the SVG, or
 * come out in some other font where one is installed. Each character it
 * lacks, with the marks and joiners of its grapheme, becomes one U+FFFD
 * (the replacement character, which DejaVu Sans draws), the same in the PNG
 * and the SVG on every machine; the records (stats.json, summary.csv) keep
 * the names whole.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

export const REPLACEMENT = '\uFFFD';

/** The TrueType file of the figure font. */
export function fontFile(): string {
  return join(dirname(createRequire(import.meta.url).resolve('dejavu-fonts-ttf/package.json')), 'ttf', 'DejaVuSans.ttf');
}

/** Sorted [first, last] code point ranges mapped to a glyph. */
let ranges: Uint32Array | undefined;

/**
 * The code point ranges a TrueType font maps to glyphs: its Unicode cmap
 * subtable, format 12 (full range) when it has one, else format 4 (BMP).
 */
export function cmapRanges(font: Uint8Array): Uint32Array {
  const v = new DataView(font.buffer, font.byteOffset, font.byteLength);
  const tables = v.getUint16(4);
  let cmap = -1;
  for (let i = 0; i < tables; i++) {
    const at = 12 + i * 16;
    if (v.getUint32(at) === 0x636d6170) cmap = v.getUint32(at + 8); // 'cmap'
  }
  if (cmap < 0) throw new Error('the figure font has no cmap table');
  const subtables = v.getUint16(cmap + 2);
  let format4 = -1;
  let format12 = -1;
  for (let i = 0; i < subtables; i++) {
    const platform = v.getUint16(cmap + 4 + i * 8);
    const encoding = v.getUint16(cmap + 6 + i * 8);
    const at = cmap + v.getUint32(cmap + 8 + i * 8);
    const format = v.getUint16(at);
    const unicode = platform === 0 || (platform === 3 && (encoding === 1 || encoding === 10));
    if (unicode && format === 12) format12 = at;
    if (unicode && format === 4) format4 = at;
  }
  const out: number[] = [];
  if (format12 >= 0) {
    const groups = v.getUint32(format12 + 12);
    for (let g = 0; g < groups; g++) out.push(v.getUint32(format12 + 16 + g * 12), v.getUint32(format12 + 20 + g * 12));
  } else if (format4 >= 0) {
    const segments = v.getUint16(format4 + 6) / 2;
    const ends = format4 + 14;
    const starts = ends + segments * 2 + 2;
    const deltas = starts + segments * 2;
    const offsets = deltas + segments * 2;
    for (let s = 0; s < segments; s++) {
      const end = v.getUint16(ends + s * 2);
      const start = v.getUint16(starts + s * 2);
      const delta = v.getUint16(deltas + s * 2);
      const offset = v.getUint16(offsets + s * 2);
      if (start === 0xffff) continue;
      // a code point maps to a glyph unless it lands on glyph 0 (.notdef)
      let runStart = -1;
      for (let c = start; c <= end; c++) {
        let glyph: number;
        if (offset === 0) glyph = (c + delta) & 0xffff;
        else {
          const raw = v.getUint16(offsets + s * 2 + offset + (c - start) * 2);
          glyph = raw === 0 ? 0 : (raw + delta) & 0xffff;
        }
        if (glyph !== 0 && runStart < 0) runStart = c;
        if ((glyph === 0 || c === end) && runStart >= 0) {
          out.push(runStart, glyph === 0 ? c - 1 : c);
          runStart = -1;
        }
      }
    }
  } else {
    throw new Error('the figure font has no Unicode cmap subtable of format 4 or 12');
  }
  return Uint32Array.from(out);
}

/** Whether the figure font draws this code point. */
export function fontHas(codePoint: number): boolean {
  ranges ??= cmapRanges(readFileSync(fontFile()));
  let lo = 0;
  let hi = ranges.length / 2 - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (codePoint < ranges[mid * 2]!) hi = mid - 1;
    else if (codePoint > ranges[mid * 2 + 1]!) lo = mid + 1;
    else return true;
  }
  return false;
}

const graphemes = new Intl.Segmenter(undefined, { granularity: 'grapheme' });
const cache = new Map<string, string>();

/**
 * The text as the figure font can draw it: each grapheme with a character
 * the font lacks becomes one U+FFFD.
 * @example
 * drawable('cat 😀.png'); // 'cat \uFFFD.png'
 * drawable('été.png');    // 'été.png' (DejaVu Sans has it)
 */
export function drawable(text: string): string {
  // ASCII is always there: the common case costs one test
  if (/^[\x20-\x7e]*$/.test(text)) return text;
  let out = cache.get(text);
  if (out !== undefined) return out;
  out = '';
  for (const { segment } of graphemes.segment(text)) {
    let ok = true;
    for (const ch of segment) if (!fontHas(ch.codePointAt(0)!)) ok = false;
    out += ok ? segment : REPLACEMENT;
  }
  if (cache.size > 1000) cache.clear();
  cache.set(text, out);
  return out;
}
