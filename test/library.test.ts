/**
 * bnviz as a library: the package's main entry (what `import ... from
 * 'bnviz'` gives a user's script), used as a user would: a config from
 * flags, a plan of the example folder, the numbers of its three photos, a
 * figure's bytes, a whole run on disk, and the exported lists and schema.
 */
import test from 'ava';
import { existsSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import sharp from 'sharp';
import ts from 'typescript';
import * as bnviz from '../src/index.js';
import {
  BACKENDS, CHANNELS, computeFiles, computeOptions, ConfigError, decodeOptions, drawFigures, FIGURE_FORMATS, FIGURE_KINDS, FITS,
  groupOptions, groupOptionsSchema, isBnvizError, loadConfig, METHODS, planDataset, runDataset,
} from '../src/index.js';
import { EXAMPLE_FILES, EXAMPLES, ROOT, tempDir } from './helpers/paths.js';
import { hasReference, reference } from './helpers/reference.js';

const rel = (a: number, b: number) => Math.abs(a - b) / Math.abs(b);
const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

/** The write-up's settings, as flags: 256 px, cover, batch norm with epsilon 1e-3 on the wasm backend (compute.test's). */
const config = loadConfig({ env: {}, flags: { size: 256, backend: 'wasm', figures: 'overview', out: tempDir() } });

/** The example photos in the reference order, computed once for the tests below. */
const examples = computeFiles(EXAMPLE_FILES, { ...decodeOptions(config), ...computeOptions(config) });
examples.catch(() => {}); // failures are reported by the tests that await it

test("'bnviz' resolves to this entry: the package's main export is src/index", async (t) => {
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { name: string; main: string; exports: Record<string, string> };
  t.is(pkg.exports['.'], './dist/src/index.js');
  t.is(pkg.main, 'dist/src/index.js');
  // the package importing itself by name, as a dependent would
  const name = pkg.name;
  const byName = (await import(name)) as typeof bnviz;
  t.is(byName.loadConfig, bnviz.loadConfig);
  t.is(byName.runDataset, bnviz.runDataset);
  t.deepEqual(Object.keys(byName).sort(), Object.keys(bnviz).sort());
});

test('loadConfig takes flags over the defaults, as text or values; returns a frozen config; a bad value is a ConfigError naming it', (t) => {
  t.like(config, { size: 256, fit: 'cover', method: 'batch', epsilon: 0.001, backend: 'wasm', groupSize: 3, formats: ['png'], scale: 1, markUnseen: false });
  t.deepEqual(config.figures, ['overview'], 'a comma list becomes a list');
  t.true(Object.isFrozen(config));
  const fromText = loadConfig({ env: {}, flags: { size: '64', epsilon: '0.01', gamma: '1,2,3' } });
  t.like(fromText, { size: 64, epsilon: 0.01 });
  t.deepEqual(fromText.gamma, [1, 2, 3]);
  const err = t.throws(() => loadConfig({ env: {}, flags: { size: 3 } }));
  t.true(err instanceof ConfigError);
  t.true(isBnvizError(err, 'ConfigError'));
  t.regex(err!.message, /Expected an integer between 8 and 4096 for size but received 3/);
  t.throws(() => loadConfig({ env: {}, flags: { method: 'magic' } }), { instanceOf: ConfigError, message: /method/ });
});

test('planDataset on the example folder: one whole group of its three photos, sorted', async (t) => {
  const plan = await planDataset(EXAMPLES, { groupSize: config.groupSize });
  t.is(plan.root, EXAMPLES);
  t.is(plan.images, 3);
  t.is(plan.groups.length, 1);
  t.like(plan.groups[0], { index: 0, partial: false, files: ['astronaut.png', 'chelsea.png', 'coffee.png'] });
  t.regex(plan.groups[0]!.groupId, /^0001-[0-9a-f]{8}$/);
  const small = await planDataset(EXAMPLES, { groupSize: 2 });
  t.deepEqual(small.groups.map((g) => [g.files.length, g.partial]), [[2, false], [1, true]]);
});

test('computeFiles on the examples: statistics and arrays of every image, channel and variant', async (t) => {
  const { stats, arrays, decodeMs } = await examples;
  t.true(decodeMs >= 0);
  t.like(stats, { epsilon: 0.001, method: 'batch', backend: 'wasm' });
  t.deepEqual(stats.images.map((i) => i.file), EXAMPLE_FILES.map((f) => basename(f)));
  t.is(stats.batch!.mean.length, 3);
  t.is(stats.batch!.variance.length, 3);
  t.true(stats.minmax.min < stats.minmax.max);
  for (const img of stats.images) {
    t.deepEqual(img.channels.map((c) => c.channel), [...CHANNELS]);
    for (const c of img.channels) {
      for (const variant of ['original', 'normalized', 'minmax'] as const) {
        const v = c[variant];
        t.true(v.min <= v.mean && v.mean <= v.max, `${img.file} ${c.channel} ${variant} mean within min..max`);
        t.true(v.std >= 0 && v.bandwidth > 0);
        t.true(v.below0 >= 0 && v.below0 <= 1 && v.above1 >= 0 && v.above1 <= 1);
        t.is(v.density.x.length, config.gridSize);
        t.is(v.density.y.length, config.gridSize);
      }
      t.is(c.minmax.below0, 0, 'min-max scaled values lie in [0, 1]');
      t.is(c.minmax.above1, 0);
    }
  }
  for (const variant of ['original', 'normalized', 'minmax'] as const) {
    t.is(arrays[variant].length, 3, variant);
    for (const img of arrays[variant]) {
      t.deepEqual([img.width, img.height, img.codes.length, img.values.length], [256, 256, 256 * 256 * 3, 256 * 3], variant);
      t.true(img.codes instanceof Uint8Array && img.values instanceof Float32Array);
    }
  }
});

test('computeFiles on the examples: batch mean and variance equal the reference within 1e-5 relative', async (t) => {
  if (!hasReference) return t.fail('test/fixtures/reference/stats.json is missing');
  const { stats } = await examples;
  t.is(stats.epsilon, reference!.epsilon);
  for (let c = 0; c < 3; c++) {
    t.true(rel(stats.batch!.mean[c]!, reference!.batch.mean[c]!) < 1e-5, `mean ${CHANNELS[c]}: ${stats.batch!.mean[c]} vs ${reference!.batch.mean[c]}`);
    t.true(rel(stats.batch!.variance[c]!, reference!.batch.variance[c]!) < 1e-5, `variance ${CHANNELS[c]}: ${stats.batch!.variance[c]} vs ${reference!.batch.variance[c]}`);
  }
});

test('drawFigures with the config\'s figure options gives overview.png: a PNG of 1200 x 600', async (t) => {
  const files = await drawFigures(await examples, groupOptions(config));
  t.deepEqual(files.map((f) => f.name), ['overview.png']);
  const png = files[0]!.bytes;
  t.deepEqual([...png.subarray(0, 8)], PNG_SIGNATURE);
  const meta = await sharp(png).metadata();
  t.deepEqual([meta.format, meta.width, meta.height], ['png', 1200, 600]);
});

test('runDataset on the example folder writes run.json, summary.csv and index.html with one done group', async (t) => {
  const out = tempDir();
  const runConfig = loadConfig({ env: {}, flags: { out, runId: 'library', size: 64, figures: 'overview', threads: 1 } });
  const seen: string[] = [];
  const { record, runDir } = await runDataset(EXAMPLES, runConfig, {
    start: (info) => seen.push(`start ${info.groups} ${info.images}`),
    group: (result, progress) => seen.push(`${result.status} ${progress.finished}/${progress.total}`),
  });
  t.deepEqual(seen, ['start 1 3', 'done 1/1']);
  t.is(runDir, join(out, 'library'));
  t.like(record, { runId: 'library', root: EXAMPLES, status: 'finished', groupSize: 3 });
  t.deepEqual(record.counts, { groups: 1, images: 3, done: 1, skipped: 0, failed: 0, partialGroups: [] });
  t.deepEqual(record.failures, []);
  for (const f of ['run.json', 'summary.csv', 'index.html']) t.true(existsSync(join(runDir, f)), f);
  const onDisk = JSON.parse(readFileSync(join(runDir, 'run.json'), 'utf8'));
  t.deepEqual(onDisk.counts, record.counts);
  t.is(onDisk.status, 'finished');
  // a header, then one row per image and channel
  const csv = readFileSync(join(runDir, 'summary.csv'), 'utf8').trim().split('\n');
  t.is(csv.length, 1 + 3 * 3);
  t.is((readFileSync(join(runDir, 'index.html'), 'utf8').match(/<figure /g) ?? []).length, 1);
});

test('the exported lists of choices', (t) => {
  t.deepEqual([...CHANNELS], ['R', 'G', 'B']);
  t.deepEqual([...FITS], ['cover', 'contain', 'fill']);
  t.deepEqual([...METHODS], ['batch', 'instance', 'layer', 'group']);
  t.deepEqual([...BACKENDS], ['auto', 'wasm', 'cpu', 'node']);
  t.deepEqual([...FIGURE_KINDS], ['overview', 'panels', 'compare']);
  t.deepEqual([...FIGURE_FORMATS], ['png', 'svg', 'webp']);
});

test('groupOptionsSchema parses groupOptions(config) as it is, and refuses unknown keys and bad values', (t) => {
  const options = groupOptions(config);
  t.deepEqual(groupOptionsSchema.parse(options), options);
  t.false(Object.isFrozen(options), 'a copy the caller may change');
  t.false(groupOptionsSchema.safeParse({ ...options, extra: 1 }).success);
  t.false(groupOptionsSchema.safeParse({ ...options, method: 'magic' }).success);
  t.false(groupOptionsSchema.safeParse({ ...options, figures: [] }).success);
  const { size: _size, ...withoutSize } = options;
  t.false(groupOptionsSchema.safeParse(withoutSize).success);
});

test('every function the package exports has an @example in its published doc comment', (t) => {
  const index = join(ROOT, 'dist', 'src', 'index.d.ts');
  const program = ts.createProgram([index], { module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext, target: ts.ScriptTarget.ES2022, skipLibCheck: true });
  const checker = program.getTypeChecker();
  const entry = checker.getSymbolAtLocation(program.getSourceFile(index)!)!;
  const functions = checker.getExportsOfModule(entry)
    .map((s) => ((s.flags & ts.SymbolFlags.Alias) ? checker.getAliasedSymbol(s) : s))
    .filter((s) => (s.flags & ts.SymbolFlags.Function) !== 0);
  t.true(functions.length > 30, String(functions.length));
  const without = functions.filter((s) => !s.declarations!.some((d) => ts.getJSDocTags(d).some((tag) => tag.tagName.text === 'example')));
  t.deepEqual(without.map((s) => s.name).sort(), []);
});
