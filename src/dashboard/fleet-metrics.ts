/**
 * `/metrics`: the fleet in Prometheus' text format (prom-client), read from
 * Redis when scraped, in O(runs listed + workers) whatever the runs' sizes.
 * Gauges for what is (each run's groups by state, the queue's jobs by state,
 * the workers alive and what each has processed); a histogram of the stage
 * times of the groups computed, summed from the histograms each run keeps
 * as its groups are counted.
 */
import type { Queue } from 'bullmq';
import type { RedisClient } from '../fleet/redis-options.js';
import { Gauge, Registry, type MetricObjectWithValues, type MetricValueWithName } from 'prom-client';
import { readRuns, readWorkers } from '../fleet/read-status.js';
import { RunStore, STAGE_BOUNDS, type Aggregates } from '../fleet/run-store.js';
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
  /** The stage histogram as last summed from the runs' aggregates (a histogram prom-client reads, not one it observes). */
  let stageTotals: Aggregates['stages'] = {};
  const stageCache = new Map<string, { key: string; stages: Aggregates['stages'] }>();
  registry.registerMetric({
    name: 'bnviz_stage_duration_seconds',
    help: 'Time of each stage of a computed group (total: the whole group).',
    get: async () => ({
      name: 'bnviz_stage_duration_seconds', help: 'Time of each stage of a computed group (total: the whole group).', type: 'histogram' as never, aggregator: 'sum',
      values: Object.entries(stageTotals).flatMap(([key, h]) => {
        const stage = stageOf(key);
        let cumulative = 0;
        const buckets = [...STAGE_BOUNDS, Infinity].map((le, i) => {
          cumulative += h.bins[i] ?? 0;
          return { metricName: 'bnviz_stage_duration_seconds_bucket', labels: { stage, le: le === Infinity ? '+Inf' : String(le) } as never, value: cumulative };
        });
        return [...buckets, { metricName: 'bnviz_stage_duration_seconds_sum', labels: { stage } as never, value: h.sum }, { metricName: 'bnviz_stage_duration_seconds_count', labels: { stage } as never, value: cumulative }];
      }),
    }) as unknown as MetricObjectWithValues<MetricValueWithName<'stage' | 'le'>>,
    reset: () => {},
  } as never);

  async function collect(): Promise<void> {
    const [runs, beats, counts] = await Promise.all([readRuns(o.redis, o.prefix, o.runLimit ?? 100), readWorkers(o.redis, o.prefix), o.queue.getJobCounts(...JOB_STATES)]);
    groups.reset();
    const totals: Aggregates['stages'] = Object.fromEntries(TIMING_KEYS.map((k) => [k, { bins: new Array<number>(STAGE_BOUNDS.length + 1).fill(0), sum: 0 }]));
    // A run's aggregates change only with its version: read again only then.
    const aggregates = await Promise.all(runs.map(async (r) => {
      const key = `${r.runId} ${r.version ?? 0}`;
      const kept = stageCache.get(r.runId);
      if (kept?.key === key) return kept.stages;
      const stages = await new RunStore(o.redis, o.prefix, r.runId).aggregates().then((a) => a.stages, () => undefined);
      if (stages) stageCache.set(r.runId, { key, stages });
      return stages;
    }));
    for (const id of stageCache.keys()) if (!runs.some((r) => r.runId === id)) stageCache.delete(id);
    for (const [i, r] of runs.entries()) {
      for (const state of ['done', 'skipped', 'failed', 'total'] as const) groups.set({ run: r.runId, state }, r[state]);
      for (const [key, h] of Object.entries(aggregates[i] ?? {})) {
        const t = totals[key];
        if (!t) continue;
        h.bins.forEach((n, b) => { t.bins[b]! += n; });
        t.sum += h.sum;
      }
    }
    stageTotals = totals;
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
