/**
 * What starting costs: the CPU a fresh process spends loading the packages
 * every pool thread loads (sharp, tfjs-core and its wasm and cpu backends,
 * Skia, the PNG encoder), imported as ES modules against `require`d (what
 * src/util/require-cjs.ts chose), and `bnviz run` on the three bundled
 * examples from start to end. Medians of alternating runs, each in a fresh
 * process. `npm run build && node dist/scripts/bench-start.js`
 */
import { spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join, resolve } from 'node:path';

const ROOT = resolve('.');
const RUNS = 7;
const PACKAGES = ['sharp', '@tensorflow/tfjs-core', '@tensorflow/tfjs-backend-wasm', '@tensorflow/tfjs-backend-cpu', '@napi-rs/canvas', '@napi-rs/image'];
const median = (v: number[]) => [...v].sort((a, b) => a - b)[v.length >> 1]!;

/** CPU ms a fresh Node process spends loading PACKAGES one way (measured inside it, start-up of Node itself excluded). */
function loadCpuMs(how: 'import' | 'require'): number {
  const body = `
    const { createRequire } = await import('node:module');
    const require = createRequire(${JSON.stringify(join(ROOT, 'package.json'))});
    const names = ${JSON.stringify(PACKAGES)};
    const c0 = process.cpuUsage();
    for (const n of names) ${how === 'require' ? 'require(n)' : 'await import(require.resolve(n))'};
    const c = process.cpuUsage(c0);
    console.log((c.user + c.system) / 1000);`;
  const res = spawnSync(process.execPath, ['--input-type=module', '-e', body], { cwd: ROOT, encoding: 'utf8' });
  if (res.status !== 0) throw new Error(res.stderr);
  return Number(res.stdout.trim());
}

/** Wall and CPU ms of `bnviz run examples` (overview) in a child, from spawn to exit. */
function runExamples(): { wallMs: number; cpuMs: number } {
  const out = join(ROOT, '.tmp', 'bench-start');
  rmSync(out, { recursive: true, force: true });
  const t0 = performance.now();
  const res = spawnSync('/usr/bin/time', ['-f', '%U %S', process.execPath, join(ROOT, 'dist', 'src', 'cli.js'), 'run', 'examples', '--out', out, '--run', 'start', '--figures', 'overview', '--json'], { cwd: ROOT, encoding: 'utf8' });
  const wallMs = performance.now() - t0;
  if (res.status !== 0) throw new Error(res.stderr);
  const [user, system] = res.stderr.trim().split('\n').at(-1)!.split(' ').map(Number);
  rmSync(out, { recursive: true, force: true });
  return { wallMs, cpuMs: (user! + system!) * 1000 };
}

const samples = { import: [] as number[], require: [] as number[], wall: [] as number[], cpu: [] as number[] };
for (let i = 0; i < RUNS; i++) {
  samples.import.push(loadCpuMs('import'));
  samples.require.push(loadCpuMs('require'));
  const r = runExamples();
  samples.wall.push(r.wallMs);
  samples.cpu.push(r.cpuMs);
}
console.log(`loading ${PACKAGES.join(', ')} in a fresh process, median of ${RUNS}:`);
console.log(`  as ES modules (import)  ${median(samples.import).toFixed(0).padStart(5)} ms CPU`);
console.log(`  with require            ${median(samples.require).toFixed(0).padStart(5)} ms CPU`);
console.log(`bnviz run examples --figures overview (1 group of 3), median of ${RUNS}: ${median(samples.wall).toFixed(0)} ms wall, ${median(samples.cpu).toFixed(0)} ms CPU`);
