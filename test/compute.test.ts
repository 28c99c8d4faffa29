import test from 'ava';
import { computeGroup, type ComputeOptions } from '../src/compute/compute-group.js';
import { normalize } from '../src/compute/normalize.js';
import { initBackend } from '../src/compute/backend.js';
import { minMaxMap, minMaxValues } from '../src/compute/min-max.js';
import { scottBandwidth } from '../src/compute/scott-bandwidth.js';
import { density } from '../src/compute/density.js';
import { levelTables } from '../src/compute/level-table.js';
import { countLevels } from '../src/compute/count-levels.js';
import { imageValues, originalValues } from '../src/compute/level-values.js';
import { decodeImage } from '../src/decode/decode-image.js';
import type { RgbImage } from '../src/types.js';
import { batchNorm64, channel, exactKde, lookup } from './helpers/exact.js';
import { EXAMPLE_FILES } from './helpers/paths.js';
import { hasReference, reference } from './helpers/reference.js';

const OPTIONS: ComputeOptions = { method: 'batch', epsilon: 1e-3, gamma: 1, beta: 0, groups: 1, gridSize: 200, bwAdjust: 1, backend: 'wasm' };
const rel = (a: number, b: number) => Math.abs(a - b) / Math.abs(b);
/** An image of 8-bit levels (its values are code / 255). */
const image = (codes: number[], width: number, height: number): RgbImage => ({ width, height, codes: Uint8Array.from(codes) });
const v = (code: number) => Math.fround(code / 255);

test.before(async () => {
  await initBackend('wasm');
});

const examples = (async () => {
  const images = await Promise.all(EXAMPLE_FILES.map((f) => decodeImage(f, { size: 256, fit: 'cover', background: '#000000' })));
  const result = await computeGroup(images, EXAMPLE_FILES, OPTIONS);
  return { images, result };
})();

test('normalize(batch) of a known 2x1x2 group gives (x - mean) / sqrt(var + eps) per channel, a table a level', async (t) => {
  // Two 1x2 images. R values 0, .2, .4, .6 -> mean .3, var .05; G all 128/255 -> var 0; B 0,0,0,1 -> mean .25, var .1875
  const a = image([0, 128, 0, 51, 128, 0], 2, 1);
  const b = image([102, 128, 0, 153, 128, 255], 2, 1);
  const { tables, batchMean, batchVariance } = await normalize([a, b], { ...OPTIONS, epsilon: 0.001 });
  t.deepEqual(batchMean.map((m) => +m.toFixed(6)), [0.3, +v(128).toFixed(6), 0.25]);
  t.deepEqual(batchVariance.map((m) => +m.toFixed(6)), [0.05, 0, 0.1875]);
  t.is(tables[0], tables[1], 'one table for the batch');
  t.is(tables[0]!.length, 256 * 3);
  const r = (x: number) => (x - 0.3) / Math.sqrt(0.051);
  const bb = (x: number) => (x - 0.25) / Math.sqrt(0.1885);
  const expected = [[r(0), 0, bb(0), r(v(51)), 0, bb(0)], [r(v(102)), 0, bb(0), r(v(153)), 0, bb(1)]];
  [a, b].forEach((img, i) => lookup(img.codes, tables[i]!).forEach((x, j) => t.true(Math.abs(x - expected[i]![j]!) < 1e-5, `image ${i} value ${j}: ${x} vs ${expected[i]![j]}`)));
});

test('normalize applies gamma and beta per channel after normalizing', async (t) => {
  const a = image([0, 0, 0, 255, 255, 255], 2, 1);
  const { tables } = await normalize([a], { ...OPTIONS, epsilon: 0, gamma: [2, 1, 0], beta: [0, 5, 1] });
  t.deepEqual(Array.from(lookup(a.codes, tables[0]!)).map((x) => +x.toFixed(5)), [-2, 4, 1, 2, 6, 1]);
});

test('normalize(instance) averages each image and channel over H, W only', async (t) => {
  const a = image([0, 0, 0, 102, 102, 102], 2, 1);
  const b = image([153, 153, 153, 255, 255, 255], 2, 1);
  const { tables, mean } = await normalize([a, b], { ...OPTIONS, method: 'instance', epsilon: 0 });
  t.deepEqual(mean.map((m) => +m.toFixed(6)), [0.2, 0.2, 0.2, 0.8, 0.8, 0.8]);
  [a, b].forEach((img, i) => t.deepEqual(Array.from(lookup(img.codes, tables[i]!)).map((x) => +x.toFixed(5)), [-1, -1, -1, 1, 1, 1]));
});

test('normalize(layer) averages each image over H, W and C together', async (t) => {
  const a = image([0, 0, 0, 102, 102, 102], 2, 1); // mean .2, var .04
  const b = image([0, 102, 204, 0, 102, 204], 2, 1); // mean .4, var .32 / 3
  const { tables } = await normalize([a, b], { ...OPTIONS, method: 'layer', epsilon: 0 });
  t.deepEqual(Array.from(lookup(a.codes, tables[0]!)).map((x) => +x.toFixed(5)), [-1, -1, -1, 1, 1, 1]);
  const s = Math.sqrt(0.32 / 3);
  t.deepEqual(Array.from(lookup(b.codes, tables[1]!)).map((x) => +x.toFixed(5)), [-0.4 / s, 0, 0.4 / s, -0.4 / s, 0, 0.4 / s].map((x) => +x.toFixed(5)));
});

test('normalize(group) with 1 group equals layer and with 3 groups equals instance', async (t) => {
  const imgs = [image([25, 178, 76, 229, 51, 102, 127, 127, 153, 0, 255, 204], 2, 2)];
  const g1 = await normalize(imgs, { ...OPTIONS, method: 'group', groups: 1 });
  const layer = await normalize(imgs, { ...OPTIONS, method: 'layer' });
  const g3 = await normalize(imgs, { ...OPTIONS, method: 'group', groups: 3 });
  const instance = await normalize(imgs, { ...OPTIONS, method: 'instance' });
  t.deepEqual(Array.from(g1.tables[0]!), Array.from(layer.tables[0]!));
  t.deepEqual(Array.from(g3.tables[0]!), Array.from(instance.tables[0]!));
  t.notDeepEqual(Array.from(g1.tables[0]!), Array.from(g3.tables[0]!));
});

test('minMaxValues maps every level\'s value with one min and max, as minMaxMap maps one value', (t) => {
  t.deepEqual(Array.from(minMaxValues(Float32Array.of(-2, 0, 2, 6, 1, -2), -2, 6)), [0, 0.25, 0.5, 1, 0.375, 0]);
  const f = minMaxMap(-2, 6);
  t.deepEqual([-2, 0, 2, 6, 1].map(f), [0, 0.25, 0.5, 1, 0.375]);
  t.deepEqual(Array.from(minMaxValues(Float32Array.of(3, 3), 3, 3)), [0, 0], 'a constant group maps to 0');
});

test('scottBandwidth is the ddof-1 std times n^-1/5 times adjust', (t) => {
  // values 0,1,2,3: ddof-0 std sqrt(1.25), ddof-1 std sqrt(5/3)
  t.true(Math.abs(scottBandwidth(Math.sqrt(1.25), 4) - Math.sqrt(5 / 3) * 4 ** -0.2) < 1e-12);
  t.true(Math.abs(scottBandwidth(Math.sqrt(1.25), 4, 2) - 2 * Math.sqrt(5 / 3) * 4 ** -0.2) < 1e-12);
  t.is(scottBandwidth(1, 1), 0);
});

test('density of a small sample agrees with the exact Gaussian sum within 0.1% of its peak', (t) => {
  const values = [0.1, 0.15, 0.2, 0.22, 0.5, 0.51, 0.8, 0.9, 0.95, 1.0];
  const min = 0.1, max = 1.0;
  const xs = Array.from({ length: 200 }, (_, i) => min + (i * (max - min)) / 199);
  const exact = exactKde(values, xs);
  const table = { values: Float64Array.from(values), counts: new Float64Array(values.length).fill(1), n: values.length };
  const d = density(table, min, max, exact.bandwidth, 200);
  const peak = Math.max(...exact.y);
  const worst = Math.max(...d.y.map((y, i) => Math.abs(y - exact.y[i])));
  t.true(worst / peak < 1e-3, `worst ${worst / peak}`);
});

test('density of one repeated value is empty (no density exists) rather than a division by zero', (t) => {
  const d = density({ values: Float64Array.of(0.5), counts: Float64Array.of(10), n: 10 }, 0.5, 0.5, 0, 200);
  t.deepEqual(d, { x: [], y: [] });
});

test('levelTables lists each channel\'s used levels in order, with their original and normalized values and counts', (t) => {
  const codes = Uint8Array.of(0, 255, 128, 0, 255, 128, 255, 255, 255);
  const original = originalValues(codes);
  const normalized = original.map((x) => x * 2 - 1);
  const [r, g, b] = levelTables(countLevels({ width: 3, height: 1, codes }), original, normalized);
  t.deepEqual(Array.from(r![0].values), [0, 1]);
  t.deepEqual(Array.from(r![0].counts), [2, 1]);
  t.deepEqual(Array.from(r![1].values), [-1, 1]);
  t.deepEqual(Array.from(g![0].counts), [3]);
  t.deepEqual(Array.from(b![1].values), [v(128) * 2 - 1, 1].map(Math.fround));
  t.is(r![0].n, 3);
});

test('computeGroup on the examples: batch mean and variance equal the reference within 1e-5 relative', async (t) => {
  if (!hasReference) return t.fail('../shared/reference/stats.json is missing');
  const { result } = await examples;
  for (let c = 0; c < 3; c++) {
    t.true(rel(result.stats.batch!.mean[c], reference!.batch.mean[c]) < 1e-5, `mean ${c}`);
    t.true(rel(result.stats.batch!.variance[c], reference!.batch.variance[c]) < 1e-5, `variance ${c}`);
  }
});

test('computeGroup on the examples: every normalized value equals the float64 formula within 1e-4', async (t) => {
  const { images, result } = await examples;
  const exact = batchNorm64(images.map(imageValues), 1e-3);
  let worst = 0;
  result.arrays.normalized.forEach((img, i) => lookup(img.codes, img.values).forEach((x, j) => { worst = Math.max(worst, Math.abs(x - exact.out[i][j])); }));
  t.true(worst < 1e-4, `worst ${worst}`);
});

test('computeGroup on the examples: shares below 0 and above 1 equal the reference within 1e-4', async (t) => {
  if (!hasReference) return t.fail('reference missing');
  const { result } = await examples;
  result.stats.images.forEach((img, i) => {
    t.is(img.file, reference!.images[i].file);
    img.channels.forEach((ch, c) => {
      for (const kind of ['original', 'normalized'] as const) {
        const ref = reference!.images[i].channels[c][kind];
        t.true(Math.abs(ch[kind].below0 - ref.below0) < 1e-4, `${img.file} ${ch.channel} ${kind} below0`);
        t.true(Math.abs(ch[kind].above1 - ref.above1) < 1e-4, `${img.file} ${ch.channel} ${kind} above1`);
        t.true(Math.abs(ch[kind].std - ref.std) < 1e-5 && Math.abs(ch[kind].mean - ref.mean) < 1e-5, `${kind} mean/std`);
        t.true(rel(ch[kind].bandwidth, ref.bandwidth) < 1e-5, `${kind} bandwidth`);
      }
    });
  });
});

test('computeGroup on the examples: every density is within 0.5% of its peak from the reference curve', async (t) => {
  if (!hasReference) return t.fail('reference missing');
  const { result } = await examples;
  let worst = 0;
  result.stats.images.forEach((img, i) => img.channels.forEach((ch, c) => {
    for (const kind of ['original', 'normalized'] as const) {
      const ref = reference!.images[i].channels[c][kind].density;
      const peak = Math.max(...ref.y);
      t.is(ch[kind].density.x.length, 200);
      ch[kind].density.x.forEach((x, j) => t.true(Math.abs(x - ref.x[j]) < 1e-5));
      ch[kind].density.y.forEach((y, j) => { worst = Math.max(worst, Math.abs(y - ref.y[j]) / peak); });
    }
  }));
  t.true(worst < 5e-3, `worst ${worst}`);
});

test('computeGroup on the examples: every density is within 0.1% of its peak from the exact Gaussian sum', async (t) => {
  const { images, result } = await examples;
  const exact = batchNorm64(images.map(imageValues), 1e-3);
  let worst = 0;
  images.forEach((img, i) => [0, 1, 2].forEach((c) => {
    for (const [kind, data] of [['original', imageValues(img)], ['normalized', exact.out[i]]] as const) {
      const curve = result.stats.images[i].channels[c][kind].density;
      const { y } = exactKde(channel(data, c), curve.x);
      const peak = Math.max(...y);
      curve.y.forEach((v, j) => { worst = Math.max(worst, Math.abs(v - y[j]) / peak); });
    }
  }));
  t.true(worst < 1e-3, `worst ${worst}`);
});

test('computeGroup: the min-max variant stays in [0, 1] and keeps the normalized density shape', async (t) => {
  const { result } = await examples;
  const { minmax } = result.stats;
  for (const img of result.stats.images) {
    for (const ch of img.channels) {
      t.true(ch.minmax.min >= 0 && ch.minmax.max <= 1);
      t.is(ch.minmax.below0 + ch.minmax.above1, 0);
      // a linear map: the scaled density is the normalized one stretched by (max - min)
      const k = minmax.max - minmax.min;
      const mid = 100;
      t.true(Math.abs(ch.minmax.density.y[mid] - ch.normalized.density.y[mid] * k) / (ch.normalized.density.y[mid] * k) < 1e-3);
    }
  }
});

test('computeGroup: min-max statistics from the level tables equal those of the min-max pixels', async (t) => {
  const { result } = await examples;
  const { images } = result.stats;
  result.arrays.minmax.forEach((img, i) => [0, 1, 2].forEach((c) => {
    const values = channel(lookup(img.codes, img.values), c);
    const s = images[i].channels[c].minmax;
    t.is(s.min, Math.min(...values));
    t.is(s.max, Math.max(...values));
    const mean = values.reduce((a, b) => a + b, 0) / values.length;
    t.true(Math.abs(s.mean - mean) < 1e-9);
  }));
});

test('computeGroup rejects images of different sizes, naming the file', async (t) => {
  const a = image(new Array(12).fill(128), 2, 2);
  const b = image(new Array(6).fill(128), 2, 1);
  const err = await t.throwsAsync(computeGroup([a, b], ['a.png', 'b.png'], OPTIONS));
  t.regex(err!.message, /b\.png is 2x1/);
});

test.serial('normalize gives the same values on the cpu backend as on wasm (and two groups in a row do not share buffers)', async (t) => {
  const a = image([0, 128, 51, 255, 128, 230, 76, 25, 102, 204, 153, 178], 2, 2);
  const b = image([230, 25, 128, 51, 76, 76, 178, 204, 25, 102, 51, 153], 2, 2);
  const wasm = await normalize([a, b], { ...OPTIONS, method: 'instance' });
  const first = Array.from(wasm.tables[0]!);
  const wasmAgain = await normalize([b, a], { ...OPTIONS, method: 'instance' });
  t.deepEqual(Array.from(wasm.tables[0]!), first, 'the first result is not overwritten by the second');
  t.deepEqual(first, Array.from(wasmAgain.tables[1]!));
  const tf = await import('@tensorflow/tfjs-core');
  await tf.setBackend('cpu');
  try {
    const cpu = await normalize([a, b], { ...OPTIONS, method: 'instance' });
    cpu.tables.forEach((table, i) => table.forEach((x, j) => t.true(Math.abs(x - wasm.tables[i]![j]!) < 1e-5)));
  } finally {
    await tf.setBackend('wasm');
  }
});
