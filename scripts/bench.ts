/**
 * `npm run bench`: medians, ratios and peak memory, all measured in this one
 * run (timings on a shared machine are noisy; compare numbers from the same
 * run). Sections:
 *   compute  decode, normalize, densities, statistics per group of three
 *            256x256 images, in one thread (UV_THREADPOOL_SIZE=1, sharp
 *            concurrency 1)
 *   figure   lay out, draw and encode the overview PNG
 *   run      `bnviz run` on 200 generated groups, overview only, 1 thread and
 *            every core: groups/s, per-stage medians, peak RSS
 *   memory   `bnviz run` on 2,000 groups: peak RSS (BENCH_MEMORY=0 skips)
 *   fleet    enqueue rate and workers' groups/s, when Redis is up (BENCH_FLEET=0 skips)
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import sharp from 'sharp';
import { initBackend } from '../src/compute/backend.js';
import { density } from '../src/compute/density.js';
import { levelTables, mapTable, tablesRange } from '../src/compute/level-table.js';
import { minMaxMap } from '../src/compute/min-max.js';
import { normalize } from '../src/compute/normalize.js';
import { scottBandwidth } from '../src/compute/scott-bandwidth.js';
import { summarize } from '../src/compute/summarize.js';
import { decodeImage } from '../src/decode/decode-image.js';
import { benchOverview } from './bench-figures.js';
import { benchDataset } from './bench-data.js';
import { benchFitAll } from './bench-fit.js';

const ROOT = resolve('.');
const CLI = join(ROOT, 'dist', 'src', 'cli.js');
const WORK = join(ROOT, '.tmp', 'bench');
const median = (v: number[]) => [...v].sort((a, b) => a - b)[v.length >> 1]!;
const ms = (v: number) => `${v.toFixed(2)} ms`;

async function benchCompute(files: string[], runs = 41) {
  sharp.concurrency(1);
  await initBackend('wasm');
  const opts = { method: 'batch' as const, epsilon: 1e-3, gamma: 1, beta: 0, groups: 1, gridSize: 200, bwAdjust: 1 };
  const t = { decode: [] as number[], normalize: [] as number[], statistics: [] as number[], densities: [] as number[] };
  for (let i = 0; i < runs + 5; i++) {
    const t0 = performance.now();
    const images = [];
    for (const f of files) images.push(await decodeImage(f, { size: 256, fit: 'cover', background: '#000000' }));
    const t1 = performance.now();
    const norm = await normalize(images, opts);
    const t2 = performance.now();
    const pairs = images.flatMap((img, k) => levelTables(img.data, img.codes, norm.normalized[k]));
    const range = tablesRange(pairs.map(([, normalized]) => normalized));
    const tables = pairs.map(([original, normalized]) => [original, normalized, mapTable(normalized, minMaxMap(range.min, range.max))]);
    const summaries = tables.map((channel) => channel.map((table) => summarize(table)));
    const t3 = performance.now();
    tables.forEach((channel, c) => channel.forEach((table, k) => {
      const s = summaries[c][k];
      density(table, s.min, s.max, scottBandwidth(s.std, s.n), 200);
    }));
    const t4 = performance.now();
    if (i < 5) continue;
    t.decode.push(t1 - t0);
    t.normalize.push(t2 - t1);
    t.statistics.push(t3 - t2);
    t.densities.push(t4 - t3);
  }
  const m = Object.fromEntries(Object.entries(t).map(([k, v]) => [k, median(v)])) as Record<keyof typeof t, number>;
  return { ...m, total: m.decode + m.normalize + m.statistics + m.densities };
}

interface RunEnd { counts: { done: number; failed: number }; timings: { wallMs: number; groupsPerSecond: number; medianMs: Record<string, number>; peakRssMB: number } }

function benchRun(dir: string, threads: number, label: string): RunEnd {
  const out = join(WORK, `out-${label}`);
  rmSync(out, { recursive: true, force: true });
  const res = spawnSync(process.execPath, [CLI, 'run', dir, '--out', out, '--run', 'bench', '--figures', 'overview', '--threads', String(threads), '--json'], { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  const end = res.stdout.trim().split('\n').map((l) => JSON.parse(l)).find((e) => e.event === 'end');
  if (!end) throw new Error(`bnviz run failed: ${res.stderr}`);
  rmSync(out, { recursive: true, force: true });
  return end as RunEnd;
}

async function main() {
  // The compute and figure sections time one thread: re-run this script pinned to one core with a libuv pool of one.
  if (process.argv[2] === '--one-core') {
    const png = ['astronaut', 'coffee', 'chelsea'].map((f) => join(ROOT, 'examples', `${f}.png`));
    // the same photos as JPEG (quality 92), the format most image datasets hold
    mkdirSync(WORK, { recursive: true });
    const jpg = await Promise.all(png.map(async (f, i) => {
      const out = join(WORK, `example-${i}.jpg`);
      await sharp(f).jpeg({ quality: 92 }).toFile(out);
      return out;
    }));
    const compute = { png: await benchCompute(png), jpg: await benchCompute(jpg) };
    const figure = await benchOverview();
    process.stdout.write(JSON.stringify({ compute, figure }));
    return;
  }
  const pin = spawnSync('taskset', ['-c', '0', 'true']).status === 0 ? ['taskset', '-c', '0'] : [];
  const oneCore = JSON.parse(execFileSync(pin[0] ?? process.execPath, [...pin.slice(1), ...(pin.length ? [process.execPath] : []), join(ROOT, 'dist', 'scripts', 'bench.js'), '--one-core'], { encoding: 'utf8', env: { ...process.env, UV_THREADPOOL_SIZE: '1' } }));
  const { compute, figure } = oneCore;
  console.log(`\ncompute core, one group of the three 256x256 example photos, one core${pin.length ? ' (taskset -c 0)' : ''}, median of 41:`);
  console.log(`  ${''.padEnd(11)} ${'as PNG'.padStart(9)}  ${'as JPEG'.padStart(9)}`);
  for (const k of ['decode', 'normalize', 'statistics', 'densities', 'total']) console.log(`  ${k.padEnd(11)} ${ms(compute.png[k]).padStart(9)}  ${ms(compute.jpg[k]).padStart(9)}`);
  console.log(`\noverview figure, one core, median of ${figure.runs}:`);
  for (const k of ['layout', 'draw', 'encode', 'total']) console.log(`  ${k.padEnd(11)} ${ms(figure.medianMs[k])}`);
  console.log(`  PNG size    ${(figure.pngBytes / 1024).toFixed(0)} KiB`);

  const data200 = await benchDataset(join(WORK, 'data-200'), 200, 'jpg');
  const png200 = await benchDataset(join(WORK, 'data-200-png'), 200, 'png');
  const cores = availableParallelism();
  const one = benchRun(data200, 1, 'one');
  const all = benchRun(data200, 0, 'all');
  const allPng = benchRun(png200, 0, 'all-png');
  console.log(`\nbnviz run, 200 generated groups of three 256x256 images (JPEG unless said), overview only:`);
  for (const [label, r] of [['1 thread', one], [`${cores} threads`, all], [`${cores} thr PNG`, allPng]] as const) {
    const m = r.timings.medianMs;
    console.log(`  ${label.padEnd(10)} ${r.timings.groupsPerSecond.toFixed(1)} groups/s, ${(r.timings.wallMs / 1000).toFixed(1)} s, peak RSS ${r.timings.peakRssMB.toFixed(0)} MB; per group median decode ${ms(m.decodeMs)}, compute ${ms(m.computeMs)}, figure ${ms(m.figureMs)}, write ${ms(m.writeMs)}, total ${ms(m.totalMs)}`);
  }
  console.log(`  speed-up   ${(all.timings.groupsPerSecond / one.timings.groupsPerSecond).toFixed(2)}x with ${cores} threads over 1`);

  if (process.env.BENCH_MEMORY !== '0') {
    const data2000 = await benchDataset(join(WORK, 'data-2000'), 2000, 'jpg');
    const big = benchRun(data2000, 0, 'big');
    console.log(`\nbnviz run, 2,000 groups, ${cores} threads: ${big.timings.groupsPerSecond.toFixed(1)} groups/s, peak RSS ${big.timings.peakRssMB.toFixed(0)} MB (200 groups: ${all.timings.peakRssMB.toFixed(0)} MB)`);
  }

  if (process.env.BENCH_FIT !== '0') {
    console.log('\nbnviz fit, 600 generated 256x256 images, median of 3:');
    for (const r of await benchFitAll()) console.log(`  ${r.format.toUpperCase().padEnd(4)} ${String(r.threads).padStart(2)} threads: ${r.imagesPerSecond.toFixed(0)} images/s`);
  }

  const fleet = join(ROOT, 'dist', 'scripts', 'bench-fleet.js');
  if (process.env.BENCH_FLEET !== '0' && existsSync(fleet)) {
    const { benchFleet } = (await import(pathToFileURL(fleet).href)) as { benchFleet: (o: { dataset: string; runGroupsPerSecond: number }) => Promise<Record<string, number>> };
    const r = await benchFleet({ dataset: data200, runGroupsPerSecond: all.timings.groupsPerSecond });
    console.log('\nfleet:');
    for (const [k, v] of Object.entries(r)) console.log(`  ${k.padEnd(24)} ${typeof v === 'number' ? v.toFixed(1) : v}`);
  }
}

await main();
