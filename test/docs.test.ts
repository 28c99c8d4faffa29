import test from 'ava';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfig } from '../src/config/load-config.js';
import { ROOT } from './helpers/paths.js';

const generated = (script: string) => execFileSync(process.execPath, [join(ROOT, 'dist', 'scripts', script)], { encoding: 'utf8' });

test('the README lists every setting as the schema defines it', (t) => {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const section = /<!-- options:start[^\n]*-->\n([\s\S]*?)<!-- options:end -->/.exec(readme);
  t.truthy(section, 'README has the options section');
  t.is(section![1], generated('options-table.js'), 'regenerate with node dist/scripts/options-table.js');
});

test('config/bnviz.example.json documents every setting, loads, and gives the defaults', (t) => {
  const file = join(ROOT, 'config', 'bnviz.example.json');
  t.is(readFileSync(file, 'utf8'), generated('example-config.js'), 'regenerate with node dist/scripts/example-config.js');
  t.deepEqual(loadConfig({ env: {}, file }), loadConfig({ env: {} }));
});

test('--method layer is documented as over H, W and C, beside Keras\' LayerNormalization default (the last axis), in --help and the README', async (t) => {
  const { runCli } = await import('./helpers/run-cli.js');
  const help = (await runCli(['run', '--help'])).stdout.replace(/\s+/g, ' ');
  t.regex(help, /--method <m> batch, instance, layer \(over H, W and C, as Wu & He draw it; Keras' LayerNormalization defaults to C alone\) or group/);
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8').replace(/\s+/g, ' ');
  t.regex(readme, /`layer` is layer normalization as Wu & He \(2018, figure 2\) draw it for images; Keras' `LayerNormalization\(\)` defaults to `axis=-1`, the channels alone/);
});
