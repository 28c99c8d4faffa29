/**
 * `/metrics`: the fleet in Prometheus' text format (prom-client), read from
 * Redis when scraped, in O(runs listed + workers) whatever the runs' sizes,
 * named and typed by Prometheus' rules (https://prometheus.io/docs/practices/naming/):
 * counters end in `_total` and never go down (a run's groups done, skipped,
 * ever failed, retried, jobs handed back and attempts tried again, kept in
 * the run's records as they happen); gauges for what is now (each run's
 * groups by state, the queue's jobs by state, the workers alive, their
 * threads and jobs in hand); a histogram of the stage times of the groups
 * computed, summed from the histograms each run keeps; labels of bounded
 * values only (run, queue, state, stage: never a worker's host and pid, which
 * would make new series at every restart). `bnviz_redis_up` says whether
 * Redis answered: with Redis away a scrape answers within a second with
 * `bnviz_redis_up 0` and the process' own metrics (prom-client's defaults).
 */
import type { Queue } from 'bullmq';
import type { RedisClient } from '../fleet/redis-options.js';
import { collectDefaultMetrics, Counter, Gauge, Registry, type MetricObjectWithValues, type MetricValueWithName } from 'prom-client';
import { readRuns, readWorkers } from '../fleet/read-status.js';
import { RunStore, STAGE_BOUNDS, type Aggregates } from '../fleet/run-store.js';
import { TIMING_KEYS } from '../group/group-task.js';

export const METRICS_CONTENT_TYPE = Registry.PROMETHEUS_CONTENT_TYPE;

/** Job states BullMQ counts. */
const JOB_STATES = ['waiting', 'active', 'delayed', 'prioritized', 'waiting-children', 'completed', 'failed'] as const;

/**
 * Longest a scrape waits for Redis (ms) while the connection is not up (its
 * first connection; Redis away is said at once): a scrape answers within a
 * second. A connection that is up is Redis answering slowly (a busy machine),
 * not away: it gets SLOW_REDIS_BUDGET_MS, under Prometheus' own 10 s timeout.
 */
export const SCRAPE_BUDGET_MS = 800;
export const SLOW_REDIS_BUDGET_MS = 5000;

/** Stage names as the histogram labels them, from the timing keys (`decodeMs` -> `decode`). */
const stageOf = (key: string) => key.replace(/Ms$/, '');

export interface FleetMetrics {
  /** The text a scrape gets. */
  render(): Promise<string>;
}

export function fleetMetrics(o: { redis: RedisClient; prefix: string; queue: Queue; runLimit?: number; budgetMs?: number }): FleetMetrics {
  const budgetMs = o.budgetMs ?? SCRAPE_BUDGET_MS;
  // What is always there (whether Redis answers, the process' own metrics), and what is read from Redis.
  const always = new Registry();
  const fleet = new Registry();
  collectDefaultMetrics({ register: always });
  const redisUp = new Gauge({ name: 'bnviz_redis_up', help: 'Whether Redis answered this scrape (1) or not (0): then the fleet\'s metrics are left out.', registers: [always] });
  const run = ['run'] as const;
  const counters = {
    done: new Counter({ name: 'bnviz_groups_done_total', help: 'Groups of a run computed and written.', labelNames: run, registers: [fleet] }),
    skipped: new Counter({ name: 'bnviz_groups_skipped_total', help: 'Groups of a run found already written (not computed again).', labelNames: run, registers: [fleet] }),
    failed: new Counter({ name: 'bnviz_groups_failed_total', help: 'Groups of a run counted failed, each time (a retried group that fails again counts again).', labelNames: run, registers: [fleet] }),
    retried: new Counter({ name: 'bnviz_groups_retried_total', help: 'Failed groups of a run put back in the queue (bnviz retry, the dashboard, Bull Board).', labelNames: run, registers: [fleet] }),
    handedBack: new Counter({ name: 'bnviz_jobs_handed_back_total', help: 'Jobs of a run a worker could not serve (roots, output folder) and handed back to the queue.', labelNames: run, registers: [fleet] }),
    reattempted: new Counter({ name: 'bnviz_job_attempts_retried_total', help: 'Attempts of a run\'s jobs that failed with an error and are tried again after a backoff.', labelNames: run, registers: [fleet] }),
  };
  const groups = new Gauge({ name: 'bnviz_run_groups', help: 'Groups of a run by state now (total: every group enqueued).', labelNames: ['run', 'state'] as const, registers: [fleet] });
  const jobs = new Gauge({ name: 'bnviz_queue_jobs', help: 'Jobs in the fleet\'s queue by state.', labelNames: ['queue', 'state'] as const, registers: [fleet] });
  const workers = new Gauge({ name: 'bnviz_workers_alive', help: 'Workers whose heartbeat has not expired.', registers: [fleet] });
  const threads = new Gauge({ name: 'bnviz_worker_threads', help: 'Threads of the workers alive.', registers: [fleet] });
  const inHand = new Gauge({ name: 'bnviz_worker_jobs_active', help: 'Jobs the workers alive hold now.', registers: [fleet] });
  /** The stage histogram as last summed from the runs' aggregates (a histogram prom-client reads, not one it observes). */
  let stageTotals: Aggregates['stages'] = {};
  const stageCache = new Map<string, { key: string; stages: Aggregates['stages'] }>();
  fleet.registerMetric({
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
  const both = Registry.merge([always, fleet]);

  /** Reads the fleet from Redis and sets the metrics; throws when Redis does not answer. */
  async function collect(): Promise<void> {
    const [runs, beats, counts] = await Promise.all([readRuns(o.redis, o.prefix, o.runLimit ?? 100), readWorkers(o.redis, o.prefix), o.queue.getJobCounts(...JOB_STATES)]);
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
    // Everything read: only now are the metrics replaced, so a scrape never shows half of one read.
    groups.reset();
    for (const c of Object.values(counters)) c.reset();
    for (const [i, r] of runs.entries()) {
      for (const state of ['done', 'skipped', 'failed', 'total'] as const) groups.set({ run: r.runId, state }, r[state]);
      const a = r.attempts ?? { retried: 0, handedBack: 0, reattempted: 0 };
      const values = { done: r.done, skipped: r.skipped, failed: r.failedTotal ?? r.failed, retried: a.retried, handedBack: a.handedBack, reattempted: a.reattempted };
      for (const [name, c] of Object.entries(counters)) c.inc({ run: r.runId }, values[name as keyof typeof values]);
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
    threads.set(beats.reduce((n, b) => n + b.threads, 0));
    inHand.set(beats.reduce((n, b) => n + b.active, 0));
  }

  // A connection that was up and is not is Redis away: said at once. One still making its first connection is given the budget.
  let wasReady = o.redis.status === 'ready';
  o.redis.on('ready', () => { wasReady = true; });

  /** True when the fleet was read within the budget. */
  async function collectWithin(): Promise<boolean> {
    if (o.redis.status !== 'ready' && wasReady) return false;
    let timer: NodeJS.Timeout | undefined;
    const ms = o.redis.status === 'ready' ? Math.max(budgetMs, SLOW_REDIS_BUDGET_MS) : budgetMs;
    const late = new Promise<false>((resolve) => { timer = setTimeout(() => resolve(false), ms); });
    try {
      return await Promise.race([collect().then(() => true, () => false), late]);
    } finally {
      clearTimeout(timer);
    }
  }

  return {
    async render() {
      const up = await collectWithin();
      redisUp.set(up ? 1 : 0);
      return (up ? both : always).metrics();
    },
  };
}
