/**
 * Makes a group pool of one thread (as `bnviz run` does), then a worker
 * thread of its own that keeps about 48 MB of small objects, and prints, as
 * one JSON line, how many full (mark-compact) collections that thread ran:
 * what the pool's heap sizing leaves to a thread made after it.
 *
 *   node pool-heap-child.js
 */
import { Worker } from 'node:worker_threads';
import { createGroupPool } from '../../src/pool/group-pool.js';

const pool = createGroupPool(1);
const code = `
const { parentPort } = require('node:worker_threads');
const { PerformanceObserver, constants } = require('node:perf_hooks');
let major = 0;
const obs = new PerformanceObserver((list) => { for (const e of list.getEntries()) if (e.detail.kind === constants.NODE_PERFORMANCE_GC_MAJOR) major++; });
obs.observe({ entryTypes: ['gc'] });
const kept = [];
// 48 MB of small arrays, all kept: they fill the old generation
for (let i = 0; i < 400000; i++) kept.push([i, i + 1, i + 2, i + 3, i + 4, i + 5, i + 6, i + 7, i + 8, i + 9, i + 10, i + 11, i + 12, i + 13, i + 14, i + 15]);
setTimeout(() => { obs.disconnect(); parentPort.postMessage({ major, kept: kept.length }); }, 100);
`;
const worker = new Worker(code, { eval: true });
const result = await new Promise((resolve, reject) => {
  worker.once('message', resolve);
  worker.once('error', reject);
});
await worker.terminate();
await pool.close();
process.stdout.write(`${JSON.stringify(result)}\n`);
