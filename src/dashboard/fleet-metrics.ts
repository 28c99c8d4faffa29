/**
 * `/metrics`: the fleet in Prometheus' text format (prom-client), read from
 * Redis when scraped. Gauges for what is (each run's groups by state, the
 * queue's jobs by state, the workers alive and what each has processed);
 * histograms of the stage times of the groups computed, observed once each
 * as the dashboard reads them from each run's finished log.
 */
import type { Queue } from 'bullmq';
import type { RedisClient } from '../fleet/redis-options.js';
import { Gauge, Histogram, Registry } from 'prom-client';
import { runKeys } from '../fleet/fleet-keys.js';
import { readRuns, readWorkers } from '../fleet/read-status.js';
import { readFinishedSince } from '../fleet/run-store.js';
import { TIMING_KEYS } from '../group/group-task.js';

export const METRICS_CONTENT_TYPE = Registry.PROMETHEUS_CONTENT_TYPE;

/** Job states BullMQ counts. */
const JOB_STATES = ['waiting', 'active', 'delayed', 'prioritized', 'waiting-children', 'completed', 'failed'] as const;

/** Stage names as the histogram labels them, from the timing keys (`decodeMs` -> `decode`). */
const stageOf = (key: string) => key.replace(/Ms$/, '');

export interface FleetMetrics {
  /** The text a scrape gets. */
  render(): Promise<string>;
}

export function fleetMetrics(o: { redis: RedisClient; prefix: string; queue: Queue; runLimit?: number }): FleetMetrics {
  const registry = new Registry();
  const groups = new Gauge({ name: 'bnviz_run_groups', help: 'Groups of a run by state (total: every group enqueued).', labelNames: ['run', 'state'] as const, registers: [registry] });
  const jobs = new Gauge({ name: 'bnviz_queue_jobs', help: 'Jobs in the fleet\'s queue by state.', labelNames: ['queue', 'state'] as const, registers: [registry] });
  const workers = new Gauge({ name: 'bnviz_workers_alive', help: 'Workers whose heartbeat has not expired.', registers: [registry] });
  const processed = new Gauge({ name: 'bnviz_worker_groups_processed', help: 'Groups a worker alive has finished since it started.', labelNames: ['worker', 'result'] as const, registers: [registry] });
  const stages = new Histogram({
    name: 'bnviz_stage_duration_seconds', help: 'Time of each stage of a computed group (total: the whole group).',
    labelNames: ['stage'] as const, buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60], registers: [registry],
  });
  /** How far each run's finished log has been observed. */
  const cursors = new Map<string, number>();

  async function collect(): Promise<void> {
    const [runs, beats, counts] = await Promise.all([readRuns(o.redis, o.prefix, o.runLimit ?? 100), readWorkers(o.redis, o.prefix), o.queue.getJobCounts(...JOB_STATES)]);
    groups.reset();
    for (const r of runs) {
      for (const state of ['done', 'skipped', 'failed', 'total'] as const) groups.set({ run: r.runId, state }, r[state]);
      const from = cursors.get(r.runId) ?? 0;
      if (from >= r.done + r.skipped + r.failed && r.status !== 'running') continue;
      let next = from;
      for (;;) {
        const read = await readFinishedSince(o.redis, runKeys(o.prefix, r.runId), next);
        for (const e of read.entries) {
          for (const key of TIMING_KEYS) if (typeof e.timings?.[key] === 'number') stages.observe({ stage: stageOf(key) }, e.timings[key] / 1000);
        }
        if (read.next === next) break;
        next = read.next;
      }
      cursors.set(r.runId, next);
    }
    for (const state of JOB_STATES) jobs.set({ queue: o.queue.name, state }, counts[state] ?? 0);
    workers.set(beats.length);
    processed.reset();
    for (const b of beats) {
      processed.set({ worker: `${b.host}:${b.pid}`, result: 'all' }, b.processed);
      processed.set({ worker: `${b.host}:${b.pid}`, result: 'failed' }, b.failed);
    }
  }

  return {
    async render() {
      await collect();
      return registry.metrics();
    },
  };
}
