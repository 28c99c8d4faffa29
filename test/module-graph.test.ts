/**
 * What each part loads, read from the compiled modules' static imports: the
 * dashboard loads no image or tensor library (it serves what workers drew),
 * and the fleet's main thread no tensor or drawing library (the pool's
 * threads run the pipeline).
 */
import test from 'ava';
import { readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { ROOT } from './helpers/paths.js';

const DIST = join(ROOT, 'dist', 'src');

/**
 * Each package a module loads at start (its static imports and its top-level
 * `requireCjs` calls; not `import type`, not `await import()`, not a
 * `requireCjs` inside a function), with the chain of modules that leads to it.
 */
function packagesOf(entry: string): Map<string, string> {
  const found = new Map<string, string>();
  const seen = new Set<string>();
  const walk = (file: string, chain: string[]) => {
    if (seen.has(file)) return;
    seen.add(file);
    const here = [...chain, relative(DIST, file)];
    for (const m of readFileSync(file, 'utf8').matchAll(/^(?:import|export)\s[^;]*?from\s+'([^']+)'|^import\s+'([^']+)'|^(?:const\s[^=;]*=\s*)?requireCjs\('([^']+)'\)/gms)) {
      const spec = (m[1] ?? m[2] ?? m[3])!;
      if (spec.startsWith('.')) walk(resolve(dirname(file), spec), here);
      else if (!found.has(spec)) found.set(spec, here.join(' -> '));
    }
  };
  walk(join(DIST, entry), []);
  return found;
}

const IMAGE_AND_TENSOR = ['sharp', '@tensorflow/tfjs-core', '@tensorflow/tfjs-backend-wasm', '@napi-rs/canvas', '@napi-rs/image'];

test('the dashboard loads neither sharp, tfjs, Skia nor the PNG encoder', (t) => {
  const loaded = packagesOf('dashboard/build-dashboard.js');
  t.true(loaded.has('fastify'), 'the walk follows the imports');
  // and reads the pipeline's top-level requireCjs calls as it reads imports
  const pipeline = packagesOf('pool/group-worker.js');
  for (const p of IMAGE_AND_TENSOR) t.true(pipeline.has(p), `the pool's thread loads ${p}`);
  for (const p of IMAGE_AND_TENSOR) t.false(loaded.has(p), `${p} by ${loaded.get(p)}`);
});

test('a fleet worker\'s main thread loads neither tfjs, Skia nor the PNG encoder: the pool\'s threads draw', (t) => {
  const loaded = packagesOf('fleet/start-worker.js');
  t.true(loaded.has('bullmq') && loaded.has('piscina'), 'the walk follows the imports');
  for (const p of IMAGE_AND_TENSOR.filter((p) => p !== 'sharp')) t.false(loaded.has(p), `${p} by ${loaded.get(p)}`);
});
