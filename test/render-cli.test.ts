import test from 'ava';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { EXAMPLE_FILES, tempDir } from './helpers/paths.js';
import { runCli } from './helpers/run-cli.js';

test('bnviz render writes the chosen figures as PNG and SVG, their specs and stats.json', async (t) => {
  const out = tempDir();
  const { code, stdout, stderr } = await runCli(['render', ...EXAMPLE_FILES, '--out', out, '--figures', 'overview,compare', '--formats', 'png,svg', '--spec']);
  t.is(code, 0, stderr);
  const expected = ['compare.png', 'compare.spec.json', 'compare.svg', 'overview.png', 'overview.spec.json', 'overview.svg', 'stats.json'];
  t.deepEqual(readdirSync(out).sort(), expected);
  t.is(stdout.trim().split('\n').length, expected.length);
  const meta = await sharp(join(out, 'overview.png')).metadata();
  t.deepEqual([meta.width, meta.height], [1200, 600]);
  t.regex(readFileSync(join(out, 'overview.svg'), 'utf8').slice(0, 300), /<svg[^>]*width="12in" height="6in" viewBox="0 0 1200 600"/);
  const spec = JSON.parse(readFileSync(join(out, 'overview.spec.json'), 'utf8'));
  t.is(typeof spec, 'object');
  const stats = JSON.parse(readFileSync(join(out, 'stats.json'), 'utf8'));
  t.is(stats.images.length, 3);
});

test('bnviz render --scale 2 doubles the PNG size', async (t) => {
  const out = tempDir();
  const { code } = await runCli(['render', ...EXAMPLE_FILES, '--out', out, '--figures', 'overview', '--scale', '2']);
  t.is(code, 0);
  const meta = await sharp(join(out, 'overview.png')).metadata();
  t.deepEqual([meta.width, meta.height], [2400, 1200]);
});
