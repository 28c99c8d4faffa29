/**
 * Values beyond a density panel's fixed x range are not cut silently: at each
 * edge the curves leave, an arrow above the frame says how much lies
 * beyond ("\u2190 2.1%" on the left, "0.4% \u2192" on the right). The range itself stays as asked, so panels
 * of different groups keep comparing at one scale; `--x-range auto` widens it
 * to hold everything instead.
 */
import { CHANNELS, type TableImage, type ValueStats } from '../types.js';
import type { TextMark } from './spec.js';
import { formatShare } from './unseen-shares.js';

export interface EdgeNotes {
  texts: TextMark[];
}

/**
 * Per channel, the share of an image's values below `lo` and above `hi`,
 * over its own pixels (letterbox bars, mask 0, left out).
 */
export function sharesBeyond(img: TableImage, lo: number, hi: number): { below: number[]; above: number[] } {
  const below = [0, 0, 0];
  const above = [0, 0, 0];
  let n = 0;
  const { codes, values, mask } = img;
  for (let p = 0; p < codes.length / 3; ++p) {
    if (mask && !mask[p]) continue;
    n++;
    for (let c = 0; c < 3; ++c) {
      const v = values[codes[p * 3 + c]! * 3 + c]!;
      if (v < lo) below[c]!++;
      else if (v > hi) above[c]!++;
    }
  }
  const share = (k: number) => (n > 0 ? k / n : 0);
  return { below: below.map(share), above: above.map(share) };
}

/**
 * The notes of one panel (axes `w` x `h` figure units), or none when every
 * value is inside `xDomain`: one line a side, with the largest share of a
 * channel beyond that edge ("\u2190 0.4%", "12% \u2192"); the spec's meta holds
 * every channel's share. The statistics say whether anything is cut (min and
 * max); the pixels say how much.
 *
 * A note sits just above the frame, over the edge it reports: inside the
 * panel, any corner of that edge is where the values beyond it are drawn
 * (the tail at the bottom, a spike over the whole height), so a note there
 * would hide what it reports. Above the frame it stays clear of the title
 * too, which starts a title pad (12 pt) higher, more than the note's height.
 */
export function edgeNotes(channels: ValueStats[], img: TableImage | undefined, xDomain: [number, number], w: number, h: number, size: number): EdgeNotes {
  const out: EdgeNotes = { texts: [] };
  const [lo, hi] = xDomain;
  if (!img || channels.every((s) => s.min >= lo && s.max <= hi)) return out;
  const beyond = sharesBeyond(img, lo, hi);
  const inset = 2;
  for (const side of ['below', 'above'] as const) {
    const shares = beyond[side];
    const most = Math.max(...shares);
    if (most === 0) continue;
    const text = side === 'below' ? `\u2190 ${formatShare(most)}` : `${formatShare(most)} \u2192`;
    const meta: Record<string, string | number> = { beyond: side, edge: side === 'below' ? lo : hi, value: most };
    CHANNELS.forEach((ch, c) => (meta[ch] = shares[c]!));
    out.texts.push({
      type: 'text', x: side === 'below' ? 0 : 1, y: 1 + inset / h,
      lines: [text], size, color: '#000000', align: side === 'below' ? 'left' : 'right', valign: 'bottom', meta,
    });
  }
  return out;
}
