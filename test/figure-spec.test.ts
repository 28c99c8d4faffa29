/**
 * The figure specs, checked as data: panels inside the figure and apart,
 * decorations that never overlap, readable ticks, unseen spans where the
 * values cannot be shown, and unseen shares that state the statistics.
 */
import test from 'ava';
import { axesTexts, buildFigure, formatShare, type AxesSpec, type FigureKind, type FigureSpec, type Rect } from '../src/figure/index.js';
import { exampleInput, exampleInputOf } from './helpers/figure-example-input.js';

const OPTIONS = { xRange: 3.5, markUnseen: false, scale: 1 } as const;
const KINDS: FigureKind[] = ['overview', 'panels', 'compare'];

function overlap(a: Rect, b: Rect, slack = 0.5): boolean {
  return a.x + slack < b.x + b.w && b.x + slack < a.x + a.w && a.y + slack < b.y + b.h && b.y + slack < a.y + a.h;
}

function inside(r: Rect, spec: FigureSpec): boolean {
  return r.x >= 0 && r.y >= 0 && r.x + r.w <= spec.width + 1e-6 && r.y + r.h <= spec.height + 1e-6;
}

/** Insets sit inside their parent panel by design; everything else must stand apart. */
const isInset = (a: AxesSpec) => a.id.startsWith('inset-');

for (const kind of KINDS) {
  for (const n of [1, 2, 3, 6]) {
    test(`buildFigure('${kind}') for a group of ${n}: panels and their texts stay inside the figure and never overlap`, async (t) => {
      const spec = buildFigure(kind, await exampleInputOf(n), OPTIONS);
      const main = spec.axes.filter((a) => !isInset(a));
      t.is(main.filter((a) => a.id.startsWith('density-')).length, kind === 'overview' ? 2 * n : kind === 'panels' ? 3 * n : 2 * n);
      for (const a of spec.axes) t.true(inside(a.box, spec), `${a.id} box leaves the figure`);
      for (let i = 0; i < main.length; i++) {
        for (let j = i + 1; j < main.length; j++) t.false(overlap(main[i]!.box, main[j]!.box), `${main[i]!.id} overlaps ${main[j]!.id}`);
      }
      // Every tick label, axis label and title: inside the figure, clear of other panels and of other axes' texts.
      const texts = main.flatMap((a) => axesTexts(a).filter((p) => p.role !== 'overlay').map((p) => ({ owner: a.id, rect: p.rect, text: p.lines.join(' ') })));
      for (const x of texts) t.true(inside(x.rect, spec), `${x.owner} "${x.text}" leaves the figure`);
      for (const x of texts) {
        for (const a of main) if (a.id !== x.owner) t.false(overlap(x.rect, a.box), `${x.owner} "${x.text}" covers ${a.id}`);
        for (const y of texts) if (y !== x) t.false(overlap(x.rect, y.rect), `${x.owner} "${x.text}" overlaps ${y.owner} "${y.text}"`);
      }
      for (const x of spec.texts) t.true(inside({ x: x.x, y: x.y, w: 1, h: 1 }, spec));
    });
  }
}

test("buildFigure('overview') gives density panels readable ticks: matplotlib's steps (-2.5, 0.0, 2.5 on +-3.5), labels that agree in decimals", async (t) => {
  const spec = buildFigure('overview', await exampleInput(), OPTIONS);
  for (const a of spec.axes.filter((x) => x.id.startsWith('density-'))) {
    t.true(a.x.ticks.length >= 3, `${a.id} has ${a.x.ticks.length} x ticks`);
    t.true(a.y.ticks.length >= 2, `${a.id} has ${a.y.ticks.length} y ticks`);
    t.deepEqual(a.x.domain, [-3.5, 3.5]);
    // as the write-up's figures read it
    t.deepEqual(a.x.ticks.map((tk) => tk.label), ['\u22122.5', '0.0', '2.5']);
    t.is(a.y.domain[0], 0);
    for (const axis of [a.x, a.y]) {
      const steps = axis.ticks.slice(1).map((tk, i) => +(tk.value - axis.ticks[i]!.value).toPrecision(6));
      t.true(steps.every((s) => s === steps[0]), `${a.id} ticks are evenly spaced`);
      // matplotlib's AutoLocator steps: 1, 2, 2.5 or 5 times a power of ten
      const mantissa = +(steps[0]! / 10 ** Math.floor(Math.log10(steps[0]!))).toPrecision(6);
      t.true([1, 2, 2.5, 5].includes(mantissa), `${a.id} step ${steps[0]} is 1, 2, 2.5 or 5 times a power of ten`);
      const decimals = new Set(axis.ticks.map((tk) => (tk.label.split('.')[1] ?? '').length));
      t.is(decimals.size, 1, `${a.id} labels ${axis.ticks.map((tk) => tk.label).join(' ')}`);
    }
  }
  const first = spec.axes.find((a) => a.id === 'density-original-0')!;
  t.is(first.y.label, 'Density');
  t.is(first.title?.text, 'original');
  t.is(spec.axes.find((a) => a.id === 'density-normalized-0')!.title?.text, 'batch norm.');
  t.deepEqual(spec.axes.find((a) => a.id === 'image-0')!.x.ticks.map((tk) => tk.label), ['0', '50', '100', '150', '200', '250']);
});

test("buildFigure('overview') with xRange 'auto' makes a symmetric range that holds every curve", async (t) => {
  const input = await exampleInput();
  const spec = buildFigure('overview', input, { ...OPTIONS, xRange: 'auto' });
  const a = spec.axes.find((x) => x.id === 'density-normalized-1')!;
  const reach = Math.max(...input.stats.images.flatMap((im) => im.channels.flatMap((c) => [Math.abs(c.normalized.min), Math.abs(c.normalized.max)])));
  t.is(a.x.domain[0], -a.x.domain[1]);
  t.true(a.x.domain[1] > reach && a.x.domain[1] < reach * 1.1);
});

for (const kind of ['overview', 'panels'] as const) {
  test(`buildFigure('${kind}') shades x < 0 and x > 1 on normalized panels only, and states the unseen shares of the statistics`, async (t) => {
    const input = await exampleInput();
    const spec = buildFigure(kind, input, OPTIONS);
    for (const a of spec.axes.filter((x) => x.id.startsWith('density-'))) {
      const spans = a.marks.filter((m) => m.type === 'span');
      if (!a.id.startsWith('density-normalized-')) {
        t.is(spans.length, 0, `${a.id} has no spans`);
        continue;
      }
      t.deepEqual(spans.map((s) => [s.x0, s.x1, s.role]), [[-3.5, 0, 'unseen-below'], [1, 3.5, 'unseen-above']]);
      const i = Number(a.id.split('-').pop());
      const texts = (a.overlays ?? []).map((o) => o.lines.join(' '));
      for (const [c, ch] of input.stats.images[i]!.channels.entries()) {
        for (const key of ['below0', 'above1'] as const) {
          const stated = (a.overlays ?? []).find((o) => o.meta?.share === key && o.meta.channel === ch.channel);
          t.truthy(stated, `${a.id} states ${key} of ${ch.channel}`);
          t.is(stated!.meta!.value, ch.normalized[key]);
          t.is(stated!.lines[0], `${'RGB'[c]} ${formatShare(ch.normalized[key])}`);
          // Below-0 shares sit on the left, inside the shaded x < 0 span; above-1 shares on the right.
          t.is(stated!.x < 0.5, key === 'below0');
        }
      }
      if (kind === 'panels') t.deepEqual(texts.slice(0, 2), ['unseen (black)', 'unseen (white)']);
    }
  });
}

test('formatShare reads at a glance: 0%, <0.1%, one decimal below 10%, whole percent above', (t) => {
  t.is(formatShare(0), '0%');
  t.is(formatShare(0.0004), '<0.1%');
  t.is(formatShare(0.0374), '3.7%');
  t.is(formatShare(0.4133), '41%');
});

test("buildFigure('overview') keeps every curve below the stated shares, so no number hides a curve", async (t) => {
  const spec = buildFigure('overview', await exampleInput(), OPTIONS);
  for (const a of spec.axes.filter((x) => x.id.startsWith('density-normalized-'))) {
    const patches = a.marks.filter((m) => m.type === 'patch');
    t.is(patches.length, 2);
    for (const p of patches) {
      const x0 = a.x.domain[0] + p.x * (a.x.domain[1] - a.x.domain[0]);
      const x1 = a.x.domain[0] + (p.x + p.w) * (a.x.domain[1] - a.x.domain[0]);
      for (const m of a.marks) {
        if (m.type !== 'area') continue;
        m.x.forEach((x, k) => {
          if (x >= x0 && x <= x1) t.true(m.y[k]! / a.y.domain[1] <= p.y + 1e-9, `${a.id} ${m.channel} at ${x} runs under the shares`);
        });
      }
    }
  }
});

test("buildFigure('overview') of the examples: every density panel's y range is matplotlib's (5 % over its largest density), the shares finding room above the curves", async (t) => {
  const spec = buildFigure('overview', await exampleInput(), OPTIONS);
  for (const a of spec.axes.filter((x) => x.id.startsWith('density-'))) {
    let max = 0;
    for (const m of a.marks) if (m.type === 'area') for (const y of m.y) max = Math.max(max, y);
    // the curves' points are rounded to 5 digits in the spec
    t.true(Math.abs(a.y.domain[1] / (1.05 * max) - 1) < 1e-4, `${a.id}: y top ${a.y.domain[1].toFixed(3)}, matplotlib's ${(1.05 * max).toFixed(3)}`);
  }
  // the write-up's astronaut panel: 0.0, 0.2, 0.4, 0.6
  t.deepEqual(spec.axes.find((a) => a.id === 'density-normalized-0')!.y.ticks.map((tk) => tk.label), ['0.0', '0.2', '0.4', '0.6']);
});

test('buildFigure returns plain JSON: the spec survives a JSON round trip unchanged and stays small', async (t) => {
  const input = await exampleInput();
  for (const kind of KINDS) {
    const spec = buildFigure(kind, input, { ...OPTIONS, markUnseen: true });
    const json = JSON.stringify(spec);
    t.deepEqual(JSON.parse(json), spec);
    t.true(json.length < 200_000, `${kind} spec is ${json.length} bytes`);
  }
});

test("buildFigure('overview') with markUnseen marks the split images and adds a legend that names the marks", async (t) => {
  const input = await exampleInput();
  const plain = buildFigure('overview', input, OPTIONS);
  const marked = buildFigure('overview', input, { ...OPTIONS, markUnseen: true });
  const source = (s: FigureSpec) => s.axes.find((a) => a.id === 'image-0')!.marks.find((m) => m.type === 'image')!;
  t.deepEqual(source(marked), { ...source(plain), source: { kind: 'split', index: 0, markUnseen: true } });
  t.is(plain.patches.length, 0);
  t.is(marked.patches.length, 2);
  const legend = marked.texts.map((x) => x.lines.join(' ')).join(' ');
  t.regex(legend, /below 0 \(drawn black\)/);
  t.regex(legend, /above 1 \(drawn white\)/);
});

test("buildFigure rejects an unknown kind and an empty group with a message that says what was expected", async (t) => {
  const input = await exampleInput();
  t.throws(() => buildFigure('histogram' as FigureKind, input, OPTIONS), { message: /Expected a figure kind/ });
  t.throws(() => buildFigure('overview', { ...input, stats: { ...input.stats, images: [] } }, OPTIONS), { message: /at least one image/ });
});
