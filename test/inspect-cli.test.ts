import test from 'ava';
import { runCli } from './helpers/run-cli.js';
import { EXAMPLE_FILES } from './helpers/paths.js';
import { hasReference, reference } from './helpers/reference.js';

test('bnviz inspect --json prints the reference stats.json schema, with the reference numbers', async (t) => {
  const { code, stdout, stderr } = await runCli(['inspect', ...EXAMPLE_FILES, '--json']);
  t.is(code, 0, stderr);
  const doc = JSON.parse(stdout);
  t.is(doc.epsilon, 0.001);
  t.is(doc.images.length, 3);
  if (!hasReference) return t.fail('reference missing');
  // every key of the reference document is present, with the same kind of value
  const shape = (v: unknown): unknown => (Array.isArray(v) ? ['array', shape(v[0])] : v && typeof v === 'object' ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, shape(x)])) : typeof v);
  const mine = shape(doc) as Record<string, unknown>;
  const theirs = shape(reference) as Record<string, unknown>;
  const covers = (a: unknown, b: unknown): boolean =>
    typeof b !== 'object' || b === null ? a === b : Object.entries(b).every(([k, v]) => covers((a as Record<string, unknown>)[k], v));
  t.true(covers(mine, theirs));
  t.deepEqual(doc.images.map((i: { file: string }) => i.file), reference!.images.map((i) => i.file));
  t.true(Math.abs(doc.images[0].channels[0].normalized.below0 - reference!.images[0].channels[0].normalized.below0) < 1e-4);
});

test('bnviz inspect without --json prints a readable table with the unseen shares', async (t) => {
  const { code, stdout } = await runCli(['inspect', ...EXAMPLE_FILES]);
  t.is(code, 0);
  t.regex(stdout, /batch mean\s+R\s+0\.5792/);
  t.regex(stdout, /astronaut\.png\s+R\s+normalized\s+-2\.2916\s+1\.6651\s+-0\.0950\s+1\.2675\s+41\.33%\s+22\.49%/);
});

test('bnviz inspect of a bad file exits 2 with the file and the reason', async (t) => {
  const { code, stderr } = await runCli(['inspect', 'missing.png']);
  t.is(code, 2);
  t.is(stderr.trim(), 'bnviz: missing.png: file not found');
});

test('bnviz inspect with a bad option value exits 2 naming the key', async (t) => {
  const { code, stderr } = await runCli(['inspect', ...EXAMPLE_FILES, '--epsilon', '-1']);
  t.is(code, 2);
  t.is(stderr.trim(), 'bnviz: Expected a number between 0 and 1 for --epsilon but received "-1"');
});
