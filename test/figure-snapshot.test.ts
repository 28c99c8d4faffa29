/**
 * Snapshots of the three figures for the example images, compared by
 * perceptual similarity (SSIM) with the PNGs kept in fixtures/figures, which
 * were drawn by this renderer once and checked by eye beside the write-up's
 * reference figures. On a mismatch the new picture is written beside the
 * fixture as `<name>-changed.png`. BNVIZ_UPDATE_FIGURES=1 rewrites the fixtures.
 *
 * Beside each PNG, the figure's spec (buildFigure's serializable layout) is
 * kept as `<name>.spec.json`, pretty-printed so that a change reads as a diff,
 * and compared exactly. On a mismatch the new spec is written beside the
 * fixture as `<name>.spec-changed.json`; BNVIZ_UPDATE_SNAPSHOTS=1 rewrites
 * the spec fixtures, to accept a change on purpose.
 */
import test from 'ava';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import sharp from 'sharp';
import { ssim } from 'ssim.js';
import { buildFigure, drawFigures, renderPng, renderSvg, type FigureKind, type FigureOptions, type FigureSpec } from '../src/figure/index.js';
import { exampleInput, FIXTURES } from './helpers/figure-example-input.js';

/** Below this mean SSIM a figure reads differently (text moved, a curve or span lost); font hinting noise stays above 0.99. */
const THRESHOLD = 0.985;
const OPTIONS = { xRange: 3.5, markUnseen: false, scale: 1 } as const;

async function rgba(png: Buffer) {
  const { data, info } = await sharp(png).ensureAlpha().raw().toBuffer({ resolveWithObject: true });
  return { data: new Uint8ClampedArray(data.buffer, data.byteOffset, data.length), width: info.width, height: info.height };
}

async function assertSimilar(t: import('ava').ExecutionContext, name: string, png: Buffer): Promise<void> {
  const fixture = join(FIXTURES, `${name}.png`);
  const changed = join(FIXTURES, `${name}-changed.png`);
  // Fixtures are stored at full compression: they are read far more often than written.
  if (process.env.BNVIZ_UPDATE_FIGURES === '1') writeFileSync(fixture, await sharp(png).png({ compressionLevel: 9 }).toBuffer());
  if (!existsSync(fixture)) {
    writeFileSync(changed, png);
    t.fail(`no fixture ${fixture}; the new figure is in ${changed}`);
    return;
  }
  const [actual, expected] = await Promise.all([rgba(png), sharp(fixture).toBuffer().then(rgba)]);
  t.deepEqual([actual.width, actual.height], [expected.width, expected.height], `${name} size`);
  if (actual.width !== expected.width || actual.height !== expected.height) {
    writeFileSync(changed, png);
    return;
  }
  const { mssim } = ssim(actual, expected, { ssim: 'bezkrovny' });
  if (mssim < THRESHOLD) writeFileSync(changed, png);
  else rmSync(changed, { force: true });
  t.true(mssim >= THRESHOLD, `${name}: SSIM ${mssim.toFixed(4)} < ${THRESHOLD}; see ${changed}`);
}

/** A spec as its JSON file holds it: pretty-printed, 2-space indent, a final newline. */
const specText = (spec: FigureSpec) => `${JSON.stringify(spec, null, 2)}\n`;

function assertSpecSnapshot(t: import('ava').ExecutionContext, name: string, spec: FigureSpec): void {
  const fixture = join(FIXTURES, `${name}.spec.json`);
  const changed = join(FIXTURES, `${name}.spec-changed.json`);
  const text = specText(spec);
  if (process.env.BNVIZ_UPDATE_SNAPSHOTS === '1') {
    writeFileSync(fixture, text);
    rmSync(changed, { force: true });
    t.log(`wrote ${fixture}`);
  }
  const accept = `if the change is meant, accept it: run the tests with BNVIZ_UPDATE_SNAPSHOTS=1, which writes ${fixture}`;
  if (!existsSync(fixture)) {
    writeFileSync(changed, text);
    t.fail(`no fixture ${fixture}; the spec is in ${changed}; ${accept}`);
    return;
  }
  const actual = JSON.parse(text) as unknown;
  const expected = JSON.parse(readFileSync(fixture, 'utf8')) as unknown;
  if (isDeepStrictEqual(actual, expected)) rmSync(changed, { force: true });
  else writeFileSync(changed, text);
  t.deepEqual(actual, expected, `${name}: the spec differs from ${fixture}; the new one is in ${changed} (diff the two files); ${accept}`);
}

const SNAPSHOTS: Array<{ name: string; kind: FigureKind; options: FigureOptions }> = [
  { name: 'overview', kind: 'overview', options: OPTIONS },
  { name: 'panels', kind: 'panels', options: OPTIONS },
  { name: 'compare', kind: 'compare', options: OPTIONS },
  { name: 'overview-marked', kind: 'overview', options: { ...OPTIONS, markUnseen: true } },
];

for (const { name, kind, options } of SNAPSHOTS) {
  test(`buildFigure('${kind}'${options.markUnseen ? ', markUnseen' : ''}) for the examples: the same spec each time, equal to ${name}.spec.json`, async (t) => {
    const input = await exampleInput();
    const spec = buildFigure(kind, input, options);
    t.is(specText(buildFigure(kind, input, options)), specText(spec), 'the same input gives the same spec');
    assertSpecSnapshot(t, name, spec);
  });
}

for (const kind of ['overview', 'panels', 'compare'] as FigureKind[]) {
  test(`renderPng(buildFigure('${kind}')) for the examples looks like its fixture`, async (t) => {
    const input = await exampleInput();
    const png = await renderPng(buildFigure(kind, input, OPTIONS), input.arrays, OPTIONS);
    await assertSimilar(t, kind, png);
  });
}

test("renderPng(buildFigure('overview', markUnseen)) marks lost pixels and looks like its fixture", async (t) => {
  const input = await exampleInput();
  const options = { ...OPTIONS, markUnseen: true };
  await assertSimilar(t, 'overview-marked', await renderPng(buildFigure('overview', input, options), input.arrays, options));
});

/** The PNG's pHYs chunk: pixels per metre in x and y, and the unit (1: metre). */
function physOf(png: Buffer): [number, number, number] | undefined {
  for (let o = 8; o < png.length; o += 12 + png.readUInt32BE(o)) {
    if (png.toString('latin1', o + 4, o + 8) === 'pHYs') return [png.readUInt32BE(o + 8), png.readUInt32BE(o + 12), png[o + 16]!];
  }
  return undefined;
}

test('renderPng at scale 2 doubles the pixels: 2400 x 1200 for the overview', async (t) => {
  const input = await exampleInput();
  const png = await renderPng(buildFigure('overview', input, OPTIONS), input.arrays, { scale: 2 });
  const meta = await sharp(png).metadata();
  t.deepEqual([meta.width, meta.height, meta.format], [2400, 1200, 'png']);
});

test('renderPng states 100 dpi times the scale (pHYs 3937 px/m at scale 1), so the figure prints at 12 x 6 inches', async (t) => {
  const input = await exampleInput();
  const spec = buildFigure('overview', input, OPTIONS);
  for (const [scale, perMetre, dpi] of [[1, 3937, 100], [2, 7874, 200], [0.5, 1969, 50]] as const) {
    const png = await renderPng(spec, input.arrays, { scale });
    t.deepEqual(physOf(png), [perMetre, perMetre, 1], `scale ${scale}`);
    const meta = await sharp(png).metadata();
    t.is(meta.density, dpi);
    t.is(meta.width! / meta.density!, 12, 'inches wide');
  }
});

test('renderSvg gives an SVG with a viewBox in figure units, a size in inches, real text and the images embedded', async (t) => {
  const input = await exampleInput();
  const svg = renderSvg(buildFigure('overview', input, OPTIONS), input.arrays).toString('utf8');
  t.regex(svg, /^<\?xml|^<svg/);
  t.regex(svg, /<svg [^>]*width="12in" height="6in" viewBox="0 0 1200 600"/);
  t.regex(svg, /<image|data:image\/png/);
  // the labels are text a reader can search and select, in the figure's font
  t.regex(svg, /<text [^>]*font-family="[^"]*DejaVu Sans[^"]*"[^>]*>Density<\/text>/);
  t.regex(svg, />original<\/text>/);
  // librsvg renders at 72 dpi: 12 x 6 inches
  const meta = await sharp(Buffer.from(svg)).metadata();
  t.deepEqual([meta.width, meta.height], [12 * 72, 6 * 72]);
});

test('drawFigures returns the named files of each figure and format, with the specs as JSON', async (t) => {
  const input = await exampleInput();
  const files = await drawFigures(input, { ...OPTIONS, figures: ['overview', 'compare'], formats: ['png', 'svg'], spec: true });
  t.deepEqual(files.map((f) => f.name), ['overview.png', 'overview.svg', 'overview.spec.json', 'compare.png', 'compare.svg', 'compare.spec.json']);
  t.is(JSON.parse(files[2]!.bytes.toString('utf8')).kind, 'overview');
  t.deepEqual([...files[0]!.bytes.subarray(1, 4)].map((b) => String.fromCharCode(b)).join(''), 'PNG');
});
