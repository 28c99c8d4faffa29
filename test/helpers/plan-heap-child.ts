/**
 * Run with `node --expose-gc`: plans a folder (or a manifest) with
 * planDatasetStream and prints, as one JSON line, how far the heap in use
 * (after a full collection) rose above where it stood before the plan, sampled
 * every few chunks. `retain` keeps every chunk, as a whole plan in memory
 * would: the control that shows the measure sees a plan that grows.
 *
 *   node --expose-gc plan-heap-child.js folder|manifest PATH discard|retain
 */
import { planDatasetStream, type GroupPlan } from '../../src/dataset/plan-dataset.js';

const [source, path, keep] = process.argv.slice(2) as ['folder' | 'manifest', string, 'discard' | 'retain'];
const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('run with node --expose-gc');

function heapUsed(): number {
  gc!();
  return process.memoryUsage().heapUsed;
}

const CHUNK = 1000;
const SAMPLE_EVERY = 5; // chunks
const kept: GroupPlan[][] = [];
const plan = source === 'manifest'
  ? planDatasetStream('.', { groupSize: 3, manifest: path, chunkSize: CHUNK })
  : planDatasetStream(path, { groupSize: 3, chunkSize: CHUNK });
const base = heapUsed();
let peak = 0;
let chunks = 0;
let next = await plan.next();
for (; !next.done; next = await plan.next()) {
  if (keep === 'retain') kept.push(next.value);
  if (++chunks % SAMPLE_EVERY === 0) peak = Math.max(peak, heapUsed() - base);
}
process.stdout.write(`${JSON.stringify({ peak, chunks, groups: next.value.groups, images: next.value.images, kept: kept.length })}\n`);
