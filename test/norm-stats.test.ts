/**
 * --stats: batch normalization with statistics other than the batch's own.
 * dataset gives values whose mean over the whole folder is 0 and variance 1;
 * a BN layer's file gives the layer's inference formula, computed here in
 * float64; imagenet the usual constants; the figures and stats.json say which.
 */
import test from 'ava';
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfig } from '../src/config/load-config.js';
import { computeFiles } from '../src/group/compute-files.js';
import { readStatsFile, resolveNormStats } from '../src/fit/norm-stats.js';
import { runDataset } from '../src/run/run-dataset.js';
import type { GroupStats } from '../src/types.js';
import { lookup } from './helpers/exact.js';
import { writePng } from './helpers/make-images.js';
import { EXAMPLE_FILES, tempDir } from './helpers/paths.js';
import { runCli } from './helpers/run-cli.js';

const DECODE = { size: 32, fit: 'cover' as const, background: '#000000', colorProfile: 'ignore' as const };

test('bnviz run --stats dataset: over the whole folder, every channel\'s normalized values have mean 0 and variance 1', async (t) => {
  const dir = tempDir();
  for (let i = 0; i < 7; i++) await writePng(join(dir, `i${i}.png`), 40 + 3 * i, 36, i);
  const out = tempDir();
  const config = loadConfig({ env: {}, flags: { out, stats: 'dataset', size: 32, figures: ['overview'], groupSize: 3, threads: 1 } });
  const { runDir, record } = await runDataset(dir, config);
  t.is(record.counts.done, 3);
  // per image and channel: mean and population std of its 32 x 32 normalized values; pooled over the folder
  const sums = [0, 1, 2].map(() => ({ n: 0, sum: 0, sumSq: 0 }));
  const labels = new Set<string>();
  for (const g of readdirSync(join(runDir, 'groups'))) {
    const stats = JSON.parse(readFileSync(join(runDir, 'groups', g, 'stats.json'), 'utf8')) as GroupStats;
    labels.add(stats.normalizedWith!.label);
    t.is(stats.batch, undefined, 'the batch\'s own moments are not used, so not reported');
    for (const image of stats.images) {
      image.channels.forEach((c, k) => {
        const n = 32 * 32;
        sums[k]!.n += n;
        sums[k]!.sum += c.normalized.mean * n;
        sums[k]!.sumSq += (c.normalized.std ** 2 + c.normalized.mean ** 2) * n;
      });
    }
  }
  t.deepEqual([...labels], ['the dataset\'s mean and std (7 images)']);
  for (const [k, s] of sums.entries()) {
    const mean = s.sum / s.n;
    const variance = s.sumSq / s.n - mean * mean;
    t.true(Math.abs(mean) < 1e-6, `channel ${k} mean ${mean}`);
    t.true(Math.abs(variance - 1) < 1e-6, `channel ${k} variance ${variance}`);
  }
});

test('--stats FILE with a BN layer\'s moving statistics: (x - moving_mean) / sqrt(moving_variance + epsilon) * gamma + beta, computed here', async (t) => {
  const layer = { moving_mean: [0.5, 0.4, 0.3], moving_variance: [0.06, 0.05, 0.07], gamma: [1.5, 0.8, 1.1], beta: [0.1, -0.2, 0.05], epsilon: 0.001 };
  const file = join(tempDir(), 'bn-layer.json');
  writeFileSync(file, JSON.stringify(layer));
  const normStats = await readStatsFile(file, 0.5);
  t.is(normStats.epsilon, 0.001, 'the layer\'s own epsilon, not the setting');
  const options = { ...DECODE, size: 64, method: 'batch' as const, epsilon: 0.5, gamma: 1, beta: 0, groups: 1, gridSize: 50, bwAdjust: 1, backend: 'auto' as const, normStats };
  const { arrays, stats } = await computeFiles(EXAMPLE_FILES, options);
  let worst = 0;
  arrays.original.forEach((img, i) => {
    const out = lookup(img.codes, arrays.normalized[i]!.values);
    for (let p = 0; p < img.codes.length; p++) {
      const c = p % 3;
      const x = img.codes[p]! / 255;
      const want = ((x - layer.moving_mean[c]!) / Math.sqrt(layer.moving_variance[c]! + layer.epsilon)) * layer.gamma[c]! + layer.beta[c]!;
      worst = Math.max(worst, Math.abs(out[p]! - want));
    }
  });
  t.true(worst < 1e-5, `largest difference ${worst}`);
  t.deepEqual(stats.normalizedWith?.mean, layer.moving_mean);
  t.regex(stats.normalizedWith!.label, /^the BN layer's moving statistics in bn-layer\.json$/);
  t.deepEqual(stats.moments.map((m) => m.mean), layer.moving_mean);
  // stats.json states the numbers used: the layer's epsilon, gamma and beta, not the settings (0.5, 1, 0)
  t.deepEqual([stats.epsilon, stats.options.epsilon, stats.options.gamma, stats.options.beta], [layer.epsilon, layer.epsilon, layer.gamma, layer.beta]);
});

test('--stats imagenet and a fit file: Normalize(mean, std), no epsilon; the figure\'s footer names them', async (t) => {
  const imagenet = (await resolveNormStats('imagenet', { method: 'batch', decode: DECODE, epsilon: 0.001 }))!;
  t.deepEqual(imagenet.mean, [0.485, 0.456, 0.406]);
  t.deepEqual(imagenet.variance.map((v) => +Math.sqrt(v).toFixed(12)), [0.229, 0.224, 0.225]);
  t.is(imagenet.epsilon, 0);
  const saved = join(tempDir(), 'fit.json');
  const fit = await runCli(['fit', join(EXAMPLE_FILES[0]!, '..'), '--save', saved]);
  t.is(fit.code, 0, fit.stderr);
  const out = tempDir();
  const r = await runCli(['render', ...EXAMPLE_FILES, '--out', out, '--stats', saved, '--figures', 'overview', '--spec']);
  t.is(r.code, 0, r.stderr);
  const stats = JSON.parse(readFileSync(join(out, 'stats.json'), 'utf8')) as GroupStats;
  const own = JSON.parse(readFileSync(saved, 'utf8')) as { mean: number[]; variance: number[] };
  t.deepEqual(stats.normalizedWith?.mean, own.mean);
  t.deepEqual(stats.normalizedWith?.variance, own.variance);
  // Normalize(mean, std) adds no epsilon: stats.json says 0, not the setting's 0.001
  t.deepEqual([stats.epsilon, stats.options.epsilon], [0, 0]);
  // the three examples are the whole folder: normalized with their own mean and std, every channel's pooled mean is 0
  for (let c = 0; c < 3; c++) t.true(Math.abs(stats.images.reduce((s, im) => s + im.channels[c]!.normalized.mean, 0) / 3) < 1e-6);
  t.true(readFileSync(join(out, 'overview.spec.json'), 'utf8').includes('Normalized with the mean and std in fit.json.'));
});

test('--stats refused where it cannot apply: another method, dataset without a folder, a missing or malformed file (exit 2, one line)', async (t) => {
  const bad = join(tempDir(), 'bad.json');
  writeFileSync(bad, JSON.stringify({ mean: [0.5, 0.5] }));
  const zero = join(tempDir(), 'zero.json');
  writeFileSync(zero, JSON.stringify({ mean: [0.5, 0.5, 0.5], std: [0.2, 0, 0.2] }));
  const cases: Array<[string[], RegExp]> = [
    [['--stats', 'imagenet', '--method', 'instance'], /^bnviz: --stats imagenet applies to --method batch .*instance normalization takes each image's own\n$/],
    [['--stats', 'dataset'], /^bnviz: --stats dataset needs the dataset's folder .*bnviz fit DIR --save FILE and pass --stats FILE\n$/],
    [['--stats', 'missing.json'], /^bnviz: .*missing\.json: file not found \(--stats takes batch, dataset, imagenet or a JSON file\)\n$/],
    [['--stats', bad], /^bnviz: .*bad\.json: expected \{"mean": \[r, g, b\], "std": \[r, g, b\]\}/],
    [['--stats', zero], /^bnviz: .*zero\.json: channel G has variance 0/],
  ];
  for (const [args, message] of cases) {
    const r = await runCli(['inspect', ...EXAMPLE_FILES, ...args]);
    t.is(r.code, 2, args.join(' '));
    t.regex(r.stderr, message);
  }
});

test('index.html opens with how the unseen share spreads over the run\'s images, per channel: the counts of summary.csv\'s shares in bins of 5%', async (t) => {
  const dir = tempDir();
  for (let i = 0; i < 8; i++) await writePng(join(dir, `i${i}.png`), 36 + 5 * i, 36, i);
  const out = tempDir();
  const config = loadConfig({ env: {}, flags: { out, stats: 'imagenet', size: 32, figures: ['overview'], groupSize: 3, threads: 1 } });
  const { runDir } = await runDataset(dir, config);
  const page = readFileSync(join(runDir, 'index.html'), 'utf8');
  // from summary.csv: the unseen column (below 0 plus above 1) of each image and channel
  const [header, ...lines] = readFileSync(join(runDir, 'summary.csv'), 'utf8').trim().split('\n');
  const cols = header!.split(',');
  const want: Record<string, number[]> = { R: Array(20).fill(0), G: Array(20).fill(0), B: Array(20).fill(0) };
  for (const line of lines) {
    const cells = line.split(',');
    const share = Number(cells[cols.indexOf('unseen')]);
    want[cells[cols.indexOf('channel')]!]![Math.min(19, Math.floor(share * 20))]++;
  }
  for (const c of ['R', 'G', 'B']) {
    const got = new RegExp(`data-${c.toLowerCase()}="([0-9,]+)"`).exec(page)?.[1];
    t.is(got, want[c]!.join(','), c);
  }
  t.is(want.R!.reduce((a, b) => a + b, 0), 8);
  t.regex(page, /How much of each image no image can show, per channel \(8 images, batch normalization with ImageNet&#39;s mean and std\)/);
  t.regex(page, /batch normalization with ImageNet&#39;s mean and std\.<\/p>/);
});

test('summary.csv under --stats dataset: beside each share, what the batch\'s own statistics give, equal to a --stats batch run of the same groups', async (t) => {
  const dir = tempDir();
  for (let i = 0; i < 6; i++) await writePng(join(dir, `i${i}.png`), 40 + 7 * i, 36 + i, i * 3);
  const rows = async (stats: string) => {
    const out = tempDir();
    const { runDir } = await runDataset(dir, loadConfig({ env: {}, flags: { out, stats, size: 32, figures: ['overview'], groupSize: 3, threads: 1 } }));
    const [header, ...lines] = readFileSync(join(runDir, 'summary.csv'), 'utf8').trim().split('\n');
    const cols = header!.split(',');
    return lines.map((l) => Object.fromEntries(l.split(',').map((v, i) => [cols[i]!, v])));
  };
  const withDataset = await rows('dataset');
  const withBatch = await rows('batch');
  t.is(withDataset.length, 6 * 3);
  for (const [i, r] of withDataset.entries()) {
    const b = withBatch[i]!;
    t.is(`${r.group}/${r.file}/${r.channel}`, `${b.group}/${b.file}/${b.channel}`);
    for (const k of ['below0', 'above1', 'unseen']) t.true(Math.abs(Number(r[`batch_${k}`]) - Number(b[k])) < 1e-6, `${r.file} ${r.channel} ${k}: ${r[`batch_${k}`]} vs ${b[k]}`);
    t.is(b.batch_below0, '', 'no side column without given statistics');
  }
  t.true(withDataset.some((r) => r.unseen !== r.batch_unseen), 'the two normalizations differ somewhere');
});
