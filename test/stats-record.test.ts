import test from 'ava';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfig } from '../src/config/load-config.js';
import { imageValues } from '../src/compute/level-values.js';
import { decodeImage } from '../src/decode/decode-image.js';
import { computeFiles } from '../src/group/compute-files.js';
import { runDataset } from '../src/run/run-dataset.js';
import { CHANNELS, type GroupStats, type RgbImage } from '../src/types.js';
import { EXAMPLE_FILES, EXAMPLES, tempDir } from './helpers/paths.js';

const decode = { size: 64, fit: 'cover' as const, background: '#000000', colorProfile: 'ignore' as const };
const compute = { method: 'batch' as const, epsilon: 1e-3, gamma: [1, 2, 0.5] as [number, number, number], beta: 0.25, groups: 1, gridSize: 40, bwAdjust: 1.5, backend: 'cpu' as const };
const version = (JSON.parse(readFileSync('package.json', 'utf8')) as { version: string }).version;

/** Mean and biased variance in float64 over the given channels of the given images. */
function moments(images: RgbImage[], channels: number[]): { mean: number; variance: number } {
  let n = 0, sum = 0, sq = 0;
  for (const img of images) {
    const data = imageValues(img);
    for (let i = 0; i < data.length; i += 3) for (const c of channels) { n++; sum += data[i + c]!; sq += data[i + c]! ** 2; }
  }
  const mean = sum / n;
  return { mean, variance: sq / n - mean * mean };
}
const close = (a: number, b: number) => Math.abs(a - b) <= 1e-5 * Math.max(1, Math.abs(b));

test('stats.json states the version and every option that shapes the numbers', async (t) => {
  const { stats } = await computeFiles(EXAMPLE_FILES, { ...decode, ...compute });
  t.is(stats.version, version);
  // alpha: not given, the default (drop) is the one used, and stated
  t.deepEqual(stats.options, { ...decode, alpha: 'drop', method: 'batch', epsilon: 1e-3, gamma: [1, 2, 0.5], beta: 0.25, groups: 1, gridSize: 40, bwAdjust: 1.5 });
  t.is(stats.images[0].channels[0].original.density.x.length, 40);
});

test('stats.json of batch normalization: three batch moments over N,H,W, as the batch key gives them', async (t) => {
  const { stats } = await computeFiles(EXAMPLE_FILES, { ...decode, ...compute });
  const images = await Promise.all(EXAMPLE_FILES.map((f) => decodeImage(f, decode)));
  t.deepEqual(stats.moments.map((m) => [m.image, m.channels, m.over]), CHANNELS.map((c) => [undefined, [c], 'N,H,W']));
  for (const [c, m] of stats.moments.entries()) {
    const expected = moments(images, [c]);
    t.true(close(m.mean, expected.mean) && close(m.variance, expected.variance), `${m.channels}: ${m.mean} ${m.variance} vs ${expected.mean} ${expected.variance}`);
    t.is(stats.batch!.mean[c], m.mean);
    t.is(stats.batch!.variance[c], m.variance);
  }
});

for (const [method, groups, per] of [['instance', 1, 1], ['layer', 1, 3], ['group', 3, 1], ['group', 1, 3]] as const) {
  test(`stats.json of ${method} normalization (groups ${groups}): the moments it used, per image, no batch moments`, async (t) => {
    const { stats } = await computeFiles(EXAMPLE_FILES, { ...decode, ...compute, method, groups });
    const images = await Promise.all(EXAMPLE_FILES.map((f) => decodeImage(f, decode)));
    t.false('batch' in stats, 'no batch moments for a method that does not use them');
    t.is(stats.moments.length, EXAMPLE_FILES.length * (3 / per));
    for (const [k, m] of stats.moments.entries()) {
      const image = Math.floor(k / (3 / per));
      const channels = per === 1 ? [k % 3] : [0, 1, 2];
      t.is(m.image, EXAMPLE_FILES[image]);
      t.deepEqual(m.channels, channels.map((c) => CHANNELS[c]));
      t.is(m.over, per === 1 ? 'H,W' : 'H,W,C');
      const expected = moments([images[image]], channels);
      t.true(close(m.mean, expected.mean) && close(m.variance, expected.variance), `${m.image} ${m.channels}: ${m.mean} ${m.variance} vs ${expected.mean} ${expected.variance}`);
    }
  });
}

test('runDataset: run.json and each stats.json state the version and the options, colour profile included', async (t) => {
  const out = tempDir();
  const config = loadConfig({ env: {}, flags: { out, runId: 'described', size: 32, figures: 'overview', threads: 1, colorProfile: 'convert', method: 'layer' } });
  const { record, runDir } = await runDataset(EXAMPLES, config);
  t.is(record.versions.bnviz, version);
  t.like(record.options, { colorProfile: 'convert', method: 'layer', size: 32 });
  const [group] = readdirSync(join(runDir, 'groups'));
  const stats = JSON.parse(readFileSync(join(runDir, 'groups', group, 'stats.json'), 'utf8')) as GroupStats;
  t.is(stats.version, version);
  t.like(stats.options, { colorProfile: 'convert', method: 'layer', size: 32, fit: 'cover' });
  t.is(stats.moments.length, 3);
});
