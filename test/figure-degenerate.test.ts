/**
 * Figures of awkward groups stay whole: constant, all-black, all-white and
 * saturated images, alone and next to ordinary ones. Constant channels are
 * drawn as spikes at their value, ticks stay readable, panels keep their
 * room, and no text overlaps another or leaves the figure.
 */
import test from 'ava';
import { computeGroup } from '../src/compute/compute-group.js';
import { axesTexts, buildFigure, formatShare, type FigureInput, type FigureKind, type FigureSpec, type Rect } from '../src/figure/index.js';
import type { RgbImage } from '../src/types.js';

const OPTIONS = { xRange: 3.5, markUnseen: false, scale: 1 } as const;
const KINDS: FigureKind[] = ['overview', 'panels', 'compare'];
const W = 24;

function image(pixel: (x: number, y: number) => [number, number, number]): RgbImage {
  const codes = new Uint8Array(W * W * 3);
  for (let y = 0; y < W; y++) for (let x = 0; x < W; x++) codes.set(pixel(x, y), (y * W + x) * 3);
  return { width: W, height: W, codes };
}

const IMAGES: Record<string, RgbImage> = {
  normal: image((x, y) => [(x * 255) / (W - 1), (y * 255) / (W - 1), ((x + y) * 5) % 256]),
  constant: image(() => [128, 90, 200]),
  black: image(() => [0, 0, 0]),
  white: image(() => [255, 255, 255]),
  saturated: image(() => [255, 0, 0]),
  // mostly clipped highlights: 99.8% of the values at 255
  clipped: image((x, y) => (x === 0 && y === 0 ? [10, 20, 30] : [255, 255, 255])),
};

const GROUPS: Record<string, string[]> = {
  'constant alone': ['constant'],
  'black alone': ['black'],
  'white alone': ['white'],
  'saturated alone': ['saturated'],
  'black and white': ['black', 'white'],
  'black next to a normal image': ['black', 'normal'],
  'white next to a normal image': ['normal', 'white'],
  'saturated next to a normal image': ['saturated', 'normal'],
  'clipped next to a normal image': ['clipped', 'normal'],
  'every kind': ['normal', 'constant', 'black', 'white', 'saturated', 'clipped'],
};

async function input(names: string[], method: 'batch' | 'instance' = 'batch'): Promise<FigureInput> {
  const options = { method, epsilon: 1e-3, gamma: 1, beta: 0, groups: 1, gridSize: 100, bwAdjust: 1, backend: 'cpu' as const };
  return computeGroup(names.map((n) => IMAGES[n]!), names.map((n) => `${n}.png`), options);
}

function overlap(a: Rect, b: Rect, slack = 0.5): boolean {
  return a.x + slack < b.x + b.w && b.x + slack < a.x + a.w && a.y + slack < b.y + b.h && b.y + slack < a.y + a.h;
}

function inside(r: Rect, box: { width: number; height: number }): boolean {
  return r.x >= -1e-6 && r.y >= -1e-6 && r.x + r.w <= box.width + 1e-6 && r.y + r.h <= box.height + 1e-6;
}

/** Every text of the figure, overlays included, placed. */
function textsOf(spec: FigureSpec) {
  return spec.axes.flatMap((a) => axesTexts(a).map((p) => ({ owner: a.id, role: p.role, rect: p.rect, text: p.lines.join(' ') })));
}

for (const [name, names] of Object.entries(GROUPS)) {
  for (const kind of KINDS) {
    test(`buildFigure('${kind}') of ${name}: readable ticks, panels keep their room, no text overlaps another or leaves the figure`, async (t) => {
      const spec = buildFigure(kind, await input(names), OPTIONS);
      const reference = buildFigure(kind, await input(names.map(() => 'normal')), OPTIONS);
      for (const a of spec.axes.filter((x) => x.id.startsWith('density-'))) {
        const same = reference.axes.find((x) => x.id === a.id)!;
        t.true(a.box.w >= 0.85 * same.box.w && a.box.h >= 0.85 * same.box.h, `${a.id} is ${a.box.w.toFixed(0)} x ${a.box.h.toFixed(0)}, an ordinary group's ${same.box.w.toFixed(0)} x ${same.box.h.toFixed(0)}`);
        for (const tk of [...a.x.ticks, ...a.y.ticks]) t.true(tk.label.length <= 6, `${a.id} tick "${tk.label}"`);
      }
      const texts = textsOf(spec);
      for (const x of texts) t.true(inside(x.rect, spec), `${x.owner} "${x.text}" leaves the figure`);
      for (let i = 0; i < texts.length; i++) {
        for (let j = i + 1; j < texts.length; j++) {
          const [x, y] = [texts[i]!, texts[j]!];
          t.false(overlap(x.rect, y.rect), `${x.owner} "${x.text}" overlaps ${y.owner} "${y.text}"`);
        }
      }
      // overlays of a panel (the shares, the unseen labels) stay inside it; the notes of values beyond the range sit above it
      for (const a of spec.axes.filter((x) => x.frame)) {
        for (const x of axesTexts(a).filter((p) => p.role === 'overlay' && !/\u2192|\u2190/.test(p.lines[0]!))) {
          t.true(inside({ ...x.rect, x: x.rect.x - a.box.x, y: x.rect.y - a.box.y }, { width: a.box.w, height: a.box.h }), `${a.id} "${x.lines.join(' ')}" leaves its panel`);
        }
      }
    });
  }
}

test("buildFigure('overview') draws a constant channel as a spike at its value, in the channel's colour", async (t) => {
  const spec = buildFigure('overview', await input(['constant', 'normal']), OPTIONS);
  const original = spec.axes.find((a) => a.id === 'density-original-0')!;
  const spikes = original.marks.filter((m) => m.type === 'vline');
  t.deepEqual(spikes.map((m) => [m.channel, m.x, m.color]), [['R', +(128 / 255).toPrecision(5), '#ff0000'], ['G', +(90 / 255).toPrecision(5), '#008000'], ['B', +(200 / 255).toPrecision(5), '#0000ff']]);
  t.is(original.marks.filter((m) => m.type === 'area').length, 0);
  t.deepEqual(original.y.ticks, [], 'spikes alone: no density values to read');
  t.deepEqual(original.y.domain, [0, 1.05]);
  // the normal image keeps its curves and its ticks
  const other = spec.axes.find((a) => a.id === 'density-original-1')!;
  t.is(other.marks.filter((m) => m.type === 'area').length, 3);
  t.true(other.y.ticks.length >= 2);
});

test("buildFigure('overview') of a black image: three spikes at 0 narrowing from R to B, so each shows", async (t) => {
  const spec = buildFigure('overview', await input(['black']), OPTIONS);
  const spikes = spec.axes.find((a) => a.id === 'density-original-0')!.marks.filter((m) => m.type === 'vline');
  t.deepEqual(spikes.map((m) => m.x), [0, 0, 0]);
  const widths = spikes.map((m) => (m.type === 'vline' ? m.lineWidth : 0));
  t.true(widths[0]! > widths[1]! && widths[1]! > widths[2]!);
});

test("buildFigure('overview'): no share block covers a spike (a constant channel, drawn over the whole height) where its span has room beside it", async (t) => {
  // black beside a normal image: its spikes sit in the x < 0 span, under the corner's block
  for (const names of [['black', 'normal'], ['black', 'normal', 'normal', 'normal'], ['normal', 'normal', 'normal', 'white'], ['saturated', 'normal', 'normal'], ['constant', 'normal']]) {
    const spec = buildFigure('overview', await input(names), OPTIONS);
    for (const a of spec.axes.filter((x) => x.id.startsWith('density-normalized-'))) {
      const [d0, d1] = a.x.domain;
      const spikes = a.marks.filter((m) => m.type === 'vline').map((m) => (m.type === 'vline' ? m.x : 0));
      for (const p of a.marks.filter((m) => m.type === 'patch')) {
        if (p.type !== 'patch') continue;
        const [x0, x1] = [d0 + p.x * (d1 - d0), d0 + (p.x + p.w) * (d1 - d0)];
        for (const x of spikes) t.false(x >= x0 && x <= x1, `${names.join('+')} ${a.id}: the spike at ${x} runs under the shares at ${x0.toFixed(2)}..${x1.toFixed(2)}`);
      }
    }
  }
});

test("buildFigure('compare'): no inset covers the top of a spike (a constant image's channel, drawn over the whole height)", async (t) => {
  // alone, a constant or black image's normalized values are all 0: three spikes at 0, where the write-up's inset stands
  for (const names of [['constant'], ['black'], ['black', 'normal'], ['normal', 'constant', 'black', 'white', 'saturated', 'clipped']]) {
    const spec = buildFigure('compare', await input(names), OPTIONS);
    for (const inset of spec.axes.filter((a) => a.id.startsWith('inset-'))) {
      const parent = spec.axes.find((a) => a.id === inset.id.replace('inset-', 'density-'))!;
      const [d0, d1] = parent.x.domain;
      const at = (px: number) => d0 + ((px - parent.box.x) / parent.box.w) * (d1 - d0);
      const [x0, x1] = [at(inset.box.x), at(inset.box.x + inset.box.w)];
      for (const m of parent.marks) {
        if (m.type === 'vline') t.false(m.x >= x0 && m.x <= x1, `${names.join('+')} ${inset.id} at ${x0.toFixed(2)}..${x1.toFixed(2)} covers the ${m.channel} spike at ${m.x}`);
      }
      // and stays inside its panel, clear of the legend's letters
      t.true(inset.box.x >= parent.box.x && inset.box.x + inset.box.w <= parent.box.x + parent.box.w, `${inset.id} leaves its panel`);
      for (const o of parent.overlays ?? []) t.false(parent.box.x + o.x * parent.box.w >= inset.box.x && parent.box.x + o.x * parent.box.w <= inset.box.x + inset.box.w, `${inset.id} covers the legend's ${o.lines[0]}`);
    }
  }
});

test("buildFigure('compare') of a constant image alone: the heading says every value maps to 0, not onto 0...1", async (t) => {
  const heading = (spec: FigureSpec) => spec.axes.find((a) => a.id === 'heading-minmax')!.overlays![0]!.lines[0]!;
  t.is(heading(buildFigure('compare', await input(['constant']), OPTIONS)), 'after batch normalization (min-max scaled: every value 0.00 \u2192 0)');
  t.regex(heading(buildFigure('compare', await input(['normal', 'constant']), OPTIONS)), /min-max scaled: \u2212\d\.\d\d\u2026\d\.\d\d \u2192 0\u20261\)$/);
});

test('formatShare never rounds a share to 0% or 100% that is not exactly that', (t) => {
  t.is(formatShare(0), '0%');
  t.is(formatShare(1e-9), '<0.1%');
  t.is(formatShare(0.996), '99.6%');
  t.is(formatShare(0.9995), '>99.9%');
  t.is(formatShare(1 - 1e-9), '>99.9%');
  t.is(formatShare(1), '100%');
  t.is(formatShare(0.5), '50%');
  t.is(formatShare(0.95), '95.0%');
});

test("buildFigure('overview') notes at the edge what lies beyond a fixed x range, with its share; auto range needs no note", async (t) => {
  // one white pixel among 575 black: instance normalization puts it at (1 - m) / sqrt(v + eps), about 23, far beyond 3.5
  const star = image((x, y) => (x === 3 && y === 5 ? [255, 255, 255] : [0, 0, 0]));
  IMAGES.star = star;
  const data = await input(['star', 'normal'], 'instance');
  const spec = buildFigure('overview', data, OPTIONS);
  const panel = spec.axes.find((a) => a.id === 'density-normalized-0')!;
  const notes = (panel.overlays ?? []).filter((o) => o.meta?.beyond);
  t.is(notes.length, 1, 'one note, on the right edge, where the values leave');
  t.like(notes[0]!, { lines: ['0.2% \u2192'], align: 'right', meta: { beyond: 'above', edge: 3.5, value: 1 / (W * W), R: 1 / (W * W), G: 1 / (W * W), B: 1 / (W * W) } });
  t.true(notes[0]!.x > 0.5);
  // and on the left edge for values below the range: one black pixel among white ones
  IMAGES.hole = image((x, y) => (x === 3 && y === 5 ? [0, 0, 0] : [255, 255, 255]));
  const left = buildFigure('overview', await input(['hole'], 'instance'), OPTIONS).axes.find((a) => a.id === 'density-normalized-0')!;
  t.deepEqual((left.overlays ?? []).filter((o) => o.meta?.beyond).map((o) => [o.lines[0], o.align, o.meta!.edge]), [['\u2190 0.2%', 'left', -3.5]]);
  // the normal image's values stay inside: no note there, nor on any original panel
  t.is((spec.axes.find((a) => a.id === 'density-normalized-1')!.overlays ?? []).filter((o) => o.meta?.beyond).length, 0);
  t.is((spec.axes.find((a) => a.id === 'density-original-0')!.overlays ?? []).length, 0);
  const auto = buildFigure('overview', data, { ...OPTIONS, xRange: 'auto' });
  t.is(auto.axes.flatMap((a) => (a.overlays ?? []).filter((o) => o.meta?.beyond)).length, 0);
  // and nothing overlaps
  const texts = textsOf(spec);
  for (let i = 0; i < texts.length; i++) for (let j = i + 1; j < texts.length; j++) t.false(overlap(texts[i]!.rect, texts[j]!.rect), `${texts[i]!.text} overlaps ${texts[j]!.text}`);
});

test("buildFigure('overview') and ('panels') name each image under it by its path, shortened to the image's width", async (t) => {
  const long = 'holidays/2024/a-rather-long-folder-name/IMG_20240812_183012_with_a_long_suffix.png';
  const files = ['cats/x.png', 'dogs/x.png', long];
  const data = await computeGroup(files.map(() => IMAGES.normal!), files, { method: 'batch', epsilon: 1e-3, gamma: 1, beta: 0, groups: 1, gridSize: 50, bwAdjust: 1, backend: 'cpu' });
  for (const [kind, id] of [['overview', (i: number) => `image-${i}`], ['panels', (i: number) => `image-original-${i}`]] as const) {
    const spec = buildFigure(kind, data, OPTIONS);
    const labels = files.map((_, i) => spec.axes.find((a) => a.id === id(i))!.x.label);
    t.deepEqual(labels.slice(0, 2), ['cats/x.png', 'dogs/x.png'], `${kind}: two x.png of different folders told apart`);
    t.regex(labels[2]!, /^\u2026\/.*with_a_long_suffix\.png$|\u2026.*\.png$/, `${kind}: ${labels[2]}`);
    const a = spec.axes.find((x) => x.id === id(2))!;
    const placed = axesTexts(a).find((p) => p.role === 'label')!;
    t.true(placed.rect.w <= a.box.w + 1e-6, `${kind}: the name fits under its image`);
  }
});

for (const n of [1, 2, 3]) {
  test(`buildFigure('compare') for a group of ${n}: the before and after headings have one size, and the legend is no larger`, async (t) => {
    const spec = buildFigure('compare', await input(Array.from({ length: n }, () => 'normal')), OPTIONS);
    const size = (id: string) => spec.axes.find((a) => a.id === id)!.overlays![0]!.size;
    t.is(size('heading-original'), size('heading-minmax'));
    // the R/G/B legend is never larger than the headings (the write-up: 16 pt beside 24 pt)
    const legend = spec.axes.flatMap((a) => (a.overlays ?? []).filter((o) => /^[RGB]$/.test(o.lines[0]!)));
    t.is(legend.length, 3);
    for (const o of legend) t.true(o.size <= size('heading-original') + 1e-9, `legend ${o.lines[0]} at ${o.size.toFixed(1)} beside headings at ${size('heading-original').toFixed(1)}`);
  });
}

test("buildFigure('overview' and 'panels'): the note of what lies beyond the x range covers no part of the plot, where that tail is drawn", async (t) => {
  IMAGES.star = image((x, y) => (x === 3 && y === 5 ? [255, 255, 255] : [0, 0, 0]));
  for (const [kind, id] of [['overview', 'density-normalized-0'], ['panels', 'density-normalized-0']] as const) {
    const spec = buildFigure(kind, await input(['star', 'normal'], 'instance'), OPTIONS);
    const panel = spec.axes.find((a) => a.id === id)!;
    const notes = axesTexts(panel).filter((p) => p.role === 'overlay' && /\u2192|\u2190/.test(p.lines[0]!));
    t.is(notes.length, 1, kind);
    for (const n of notes) t.false(overlap(n.rect, panel.box, 0), `${kind}: "${n.lines[0]}" at ${JSON.stringify(n.rect)} covers the plot ${JSON.stringify(panel.box)}`);
    // and no opaque box is drawn at the panel's edge
    t.false(panel.marks.some((m) => m.type === 'patch' && (m.x <= 0 || m.x + m.w >= 1) && m.y <= 0), `${kind}: a patch at the bottom edge`);
    // no text overlaps another
    const texts = textsOf(spec);
    for (let i = 0; i < texts.length; i++) for (let j = i + 1; j < texts.length; j++) t.false(overlap(texts[i]!.rect, texts[j]!.rect), `${kind}: ${texts[i]!.text} overlaps ${texts[j]!.text}`);
  }
});
