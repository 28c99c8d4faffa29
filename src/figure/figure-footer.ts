/**
 * A footer under a figure's grid: a caption that says what the figure's
 * additions mean, and (for marked images) a legend of the marks' colours.
 * Returns figure-level texts and patches and the height it needs.
 */
import type { FigureSpec, TextMark } from './spec.js';
import { STYLE } from './style.js';
import { LINE_SPACING, textBlock, textWidth } from './text-width.js';

export interface LegendItem {
  color: string;
  label: string;
}

export interface Footer {
  height: number;
  texts: TextMark[];
  patches: FigureSpec['patches'];
}

/** Breaks text into lines no wider than `width` at `size`. */
export function wrapText(text: string, size: number, width: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(' ')) {
    const next = line ? `${line} ${word}` : word;
    if (line && textWidth(next, size) > width) {
      lines.push(line);
      line = word;
    } else line = next;
  }
  if (line) lines.push(line);
  return lines;
}

/** Lays the footer out along the bottom edge of a `width` x `height` figure, inside `pad`. */
export function figureFooter(width: number, height: number, caption: string, legend: LegendItem[] = []): Footer {
  const size = STYLE.captionSize;
  const pad = STYLE.layoutPad;
  const lineH = LINE_SPACING * size;
  const texts: TextMark[] = [];
  const patches: Footer['patches'] = [];
  // The legend goes in rows of items (a square and its label), wrapped to the width.
  const rows: LegendItem[][] = [];
  let row: LegendItem[] = [];
  let used = 0;
  const itemW = (it: LegendItem) => size * 1.6 + textWidth(it.label, size) + size * 1.5;
  for (const it of legend) {
    if (row.length && used + itemW(it) > width - 2 * pad) {
      rows.push(row);
      row = [];
      used = 0;
    }
    row.push(it);
    used += itemW(it);
  }
  if (row.length) rows.push(row);
  const lines = wrapText(caption, size, width - 2 * pad);
  const block = textBlock(lines, size);
  const h = block.h + rows.length * lineH + (rows.length ? size * 0.4 : 0);
  const top = height - pad - h;
  texts.push({ type: 'text', x: pad, y: top, lines, size, color: '#333333', align: 'left', valign: 'top' });
  rows.forEach((items, r) => {
    let x = pad;
    const y = top + block.h + size * 0.4 + r * lineH;
    for (const it of items) {
      patches.push({ x, y: y + size * 0.15, w: size * 1.1, h: size * 0.9, color: it.color, alpha: 1 });
      texts.push({ type: 'text', x: x + size * 1.6, y, lines: [it.label], size, color: '#333333', align: 'left', valign: 'top' });
      x += itemW(it);
    }
  });
  return { height: h + size * 0.5, texts, patches };
}
