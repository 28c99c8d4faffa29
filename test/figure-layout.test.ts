/**
 * The layout never lets text take room from the data, for any text: over
 * names long, short, empty, unicode and emoji (image files, and a statistics
 * file under --stats FILE), and groups of 1 to 12, every image and every
 * panel is there, each density panel keeps the room it has with plain names,
 * and no text overlaps another or leaves the figure. Names come from a
 * seeded generator, so a failure repeats.
 */
import test from 'ava';
import { computeGroup } from '../src/compute/compute-group.js';
import { axesTexts, buildFigure, type AxesSpec, type FigureInput, type FigureKind, type FigureSpec, type Rect } from '../src/figure/index.js';
import { placeText } from '../src/figure/place-texts.js';
import type { NormStats, RgbImage } from '../src/types.js';

const OPTIONS = { xRange: 3.5, markUnseen: false, scale: 1 } as const;
const KINDS: FigureKind[] = ['overview', 'panels', 'compare'];
const W = 16;

/** mulberry32: a small seeded generator (public domain, Tommy Ettinger). */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const ALPHABETS = [
  'abcdefghijklmnopqrstuvwxyz_-0123456789',
  'ABCDEFGHIJKLMNOPQRSTUVWXYZ',
  '\u00e9\u00e8\u00fc\u00df\u00e7\u00f1\u0153\u00e5',
  '\u65e5\u672c\u8a9e\u4e2d\u6587\ud55c\uad6d\uc5b4',
  '\u0391\u03b2\u03b3\u03b4\u03a9\u0416\u0436\u044f',
  '\u{1F431}\u{1F389}\u{1F44D}\u{1F30D}\u{1F9EA}',
  ' ',
];

function name(rand: () => number): string {
  const kind = rand();
  if (kind < 0.1) return '';
  const length = kind < 0.4 ? 1 + Math.floor(rand() * 12) : 20 + Math.floor(rand() * 300);
  let out = '';
  for (let i = 0; i < length; i++) {
    const alphabet = [...ALPHABETS[Math.floor(rand() * ALPHABETS.length)]!];
    out += alphabet[Math.floor(rand() * alphabet.length)];
  }
  return rand() < 0.3 ? `folder/${out}/x.png` : `${out}.png`;
}

function image(seed: number): RgbImage {
  const rand = random(seed);
  const codes = Uint8Array.from({ length: W * W * 3 }, () => Math.floor(rand() * 256));
  return { width: W, height: W, codes };
}

async function input(files: string[], statsFile?: string): Promise<FigureInput> {
  const normStats: NormStats | undefined = statsFile === undefined ? undefined : {
    source: 'file', file: `/data/${statsFile}`, label: `the BN layer's moving statistics in ${statsFile}`,
    mean: [0.5, 0.5, 0.5], variance: [0.08, 0.08, 0.08], epsilon: 1e-3,
  };
  const options = { method: 'batch' as const, epsilon: 1e-3, gamma: 1, beta: 0, groups: 1, gridSize: 40, bwAdjust: 1, backend: 'cpu' as const, ...(normStats ? { normStats } : {}) };
  return computeGroup(files.map((_, i) => image(i + 1)), files, options);
}

function overlap(a: Rect, b: Rect, slack = 0.5): boolean {
  return a.x + slack < b.x + b.w && b.x + slack < a.x + a.w && a.y + slack < b.y + b.h && b.y + slack < a.y + a.h;
}

function inside(r: Rect, box: { width: number; height: number }): boolean {
  return r.x >= -1e-6 && r.y >= -1e-6 && r.x + r.w <= box.width + 1e-6 && r.y + r.h <= box.height + 1e-6;
}

/** Every text of the figure, the footer's included, placed in figure units. */
function textsOf(spec: FigureSpec) {
  return [
    ...spec.axes.flatMap((a) => axesTexts(a).map((p) => ({ owner: a.id, rect: p.rect, text: p.lines.join(' ') }))),
    ...spec.texts.map((t) => ({ owner: 'footer', rect: placeText(t, t.x, t.y).rect, text: t.lines.join(' ') })),
  ];
}

/** The image indices the figure draws (each must be there). */
function imagesDrawn(spec: FigureSpec): number[] {
  const seen = new Set<number>();
  for (const a of spec.axes) for (const m of a.marks) if (m.type === 'image' && a.box.w > 1 && a.box.h > 1) seen.add(m.source.index);
  return [...seen].sort((x, y) => x - y);
}

const SIZES = [1, 2, 3, 7, 12];

for (const kind of KINDS) {
  test(`buildFigure('${kind}') for any names, groups of ${SIZES.join(', ')}: every image and panel keeps its room; no text overlaps another or leaves the figure`, async (t) => {
    const rand = random(kind.length * 7919);
    for (const n of SIZES) {
      const plain = buildFigure(kind, await input(Array.from({ length: n }, (_, i) => `p${i}.png`), 'bn.json'), OPTIONS);
      for (let round = 0; round < 3; round++) {
        const files = Array.from({ length: n }, () => name(rand));
        const statsFile = name(rand).replace(/\.png$/, '.json').replace(/^folder\/|\/x\.json$/g, '');
        const spec = buildFigure(kind, await input(files, statsFile), OPTIONS);
        const what = `n=${n} round ${round}: ${JSON.stringify([statsFile, ...files]).slice(0, 300)}`;
        t.deepEqual(imagesDrawn(spec), Array.from({ length: n }, (_, i) => i), `every image is drawn: ${what}`);
        t.is(spec.axes.length, plain.axes.length, `every panel is there: ${what}`);
        for (const a of spec.axes.filter((x) => x.id.startsWith('density-'))) {
          const same = plain.axes.find((x) => x.id === a.id)!;
          t.true(a.box.w >= 0.85 * same.box.w && a.box.h >= 0.85 * same.box.h, `${a.id} is ${a.box.w.toFixed(0)} x ${a.box.h.toFixed(0)}, with plain names ${same.box.w.toFixed(0)} x ${same.box.h.toFixed(0)}: ${what}`);
        }
        const texts = textsOf(spec);
        for (const x of texts) t.true(inside(x.rect, spec), `${x.owner} "${x.text.slice(0, 60)}" leaves the figure: ${what}`);
        for (let i = 0; i < texts.length; i++) {
          for (let j = i + 1; j < texts.length; j++) {
            const [x, y] = [texts[i]!, texts[j]!];
            if (overlap(x.rect, y.rect)) t.fail(`${x.owner} "${x.text.slice(0, 40)}" overlaps ${y.owner} "${y.text.slice(0, 40)}": ${what}`);
          }
        }
      }
    }
  });
}

test('buildFigure(\'overview\') under --stats resnet50_first_batchnorm_layer.json: titles shortened to their panels, the footer names the file in full', async (t) => {
  const spec = buildFigure('overview', await input(['a.png', 'b.png', 'c.png'], 'resnet50_first_batchnorm_layer.json'), OPTIONS);
  for (let i = 0; i < 3; i++) {
    const a = spec.axes.find((x) => x.id === `density-normalized-${i}`)!;
    const title = axesTexts(a).find((p) => p.role === 'title')!;
    // a title may overhang its panel by about two y tick labels, as the write-up's "batch norm." does
    t.true(title.rect.w <= a.box.w + 45, `title "${title.lines[0]}" is ${title.rect.w.toFixed(0)} over a panel of ${a.box.w.toFixed(0)}`);
    t.regex(title.lines[0]!, /\u2026.*norm\.$/);
    t.true(a.marks.some((m) => m.type === 'area'), 'the curves are drawn');
  }
  t.true(spec.texts.some((x) => x.lines.join(' ').includes('resnet50_first_batchnorm_layer.json')));
  t.is(spec.title, 'Normalized with the BN layer\'s moving statistics in resnet50_first_batchnorm_layer.json.');
});

/** An image whose values stay within a level of 128: one sharp peak, far higher than a photo's densities. */
function peaked(seed: number): RgbImage {
  const rand = random(seed);
  return { width: W, height: W, codes: Uint8Array.from({ length: W * W * 3 }, () => 127 + Math.floor(rand() * 3)) };
}

/** The highest curve of a panel over its y range (0 for spikes alone). */
function height(a: AxesSpec): number {
  let top = 0;
  for (const m of a.marks) if (m.type === 'area') top = Math.max(top, ...m.y);
  return top / a.y.domain[1];
}

test("buildFigure('compare'): one y range while it keeps every curve a quarter high; a peaked image among 7 gives each column its own, with tick labels, and the footer says so", async (t) => {
  const options = { method: 'batch' as const, epsilon: 1e-3, gamma: 1, beta: 0, groups: 1, gridSize: 40, bwAdjust: 1, backend: 'cpu' as const };
  const similar = buildFigure('compare', await computeGroup([image(1), image(2), image(3)], ['a.png', 'b.png', 'c.png'], options), OPTIONS);
  const panels = (spec: FigureSpec) => spec.axes.filter((a) => a.id.startsWith('density-'));
  t.is(new Set(panels(similar).map((a) => a.y.domain[1])).size, 1, 'three similar images share the y range');
  t.deepEqual(similar.texts, []);
  const images = [image(1), image(2), peaked(3), image(4), image(5), image(6), image(7)];
  const spec = buildFigure('compare', await computeGroup(images, images.map((_, i) => `${i}.png`), options), OPTIONS);
  for (const a of panels(spec)) {
    t.true(height(a) >= 0.25, `${a.id}: its highest curve is ${(100 * height(a)).toFixed(0)}% of its y range`);
    t.true(a.y.tickLabels && a.y.ticks.length >= 2, `${a.id} has its own y tick labels`);
  }
  t.regex(spec.texts.map((x) => x.lines.join(' ')).join(' '), /Each image has its own density scale/);
});
