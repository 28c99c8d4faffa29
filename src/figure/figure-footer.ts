/**
 * A footer under a figure's grid: a caption that says what the figure's
 * additions mean, and (for marked images) a legend of the marks' colours.
 * Returns figure-level texts and patches and the height it needs.
 */
import type { NormStats } from '../types.js';
import type { FigureSpec, TextMark } from './spec.js';
import { STYLE } from './style.js';
import { fitText, LINE_SPACING, textBlock, textWidth } from './text-width.js';

export interface LegendItem {
  color: string;
  label: string;
}

export interface Footer {
  height: number;
  texts: TextMark[];
  patches: FigureSpec['patches'];
}

/**
 * Breaks text into lines no wider than `width` at `size`, at spaces; a word
 * wider than a line (a long file name) is broken between characters.
 */
export function wrapText(text: string, size: number, width: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(' ').flatMap((w) => splitWord(w, size, width))) {
    const next = line ? `${line} ${word}` : word;
    if (line && textWidth(next, size) > width) {
      lines.push(line);
      line = word;
    } else line = next;
  }
  if (line) lines.push(line);
  return lines;
}

/** `word` in pieces no wider than `width` (whole characters, emoji included). */
function splitWord(word: string, size: number, width: number): string[] {
  if (textWidth(word, size) <= width) return [word];
  const pieces: string[] = [];
  let piece = '';
  for (const ch of word) {
    if (piece && textWidth(piece + ch, size) > width) {
      pieces.push(piece);
      piece = '';
    }
    piece += ch;
  }
  if (piece) pieces.push(piece);
  return pieces;
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

/**
 * The footer of a figure normalized with given statistics (--stats), which
 * names them in full, as the overview's does: titles and headings only have
 * room for a shortened name. None (height 0) otherwise.
 */
export function givenFooter(given: NormStats | undefined, width: number, height: number): Footer {
  return given ? figureFooter(width, height, givenSentence(given, width)) : { height: 0, texts: [], patches: [] };
}

/** "Normalized with the dataset's mean and std (600 images).": the statistics given (--stats), in full. */
export function givenInFull(given: NormStats): string {
  return `Normalized with ${given.label}.`;
}

/**
 * givenInFull on at most one line of the footer of a `width` wide figure: a
 * name too long for it (a file's) is shortened, so the footer never grows
 * into the data's room; the SVG's title holds the sentence in full.
 */
export function givenSentence(given: NormStats, width: number): string {
  const room = width - 2 * STYLE.layoutPad - textWidth('Normalized with .', STYLE.captionSize);
  return `Normalized with ${fitText(given.label, STYLE.captionSize, room)}.`;
}
