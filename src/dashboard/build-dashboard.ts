/**
 * The dashboard as a fastify app, not yet listening (tests drive it with
 * `inject`): the token check first, then the pages, the JSON API, the
 * figures from the output folder, and Bull Board. It is handed its Redis
 * connection and queue and closes neither.
 */
import compress from '@fastify/compress';
import { Queue } from 'bullmq';
import Fastify, { type FastifyInstance, type FastifyReply } from 'fastify';
import type { RedisClient } from '../fleet/redis-options.js';
import { createReadStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { isSafeId } from '../dataset/group-id.js';
import { folderSection, reportSection, SORT_TABLE_SCRIPT, type DatasetFacts } from '../records/dataset-report.js';
import { normalizationLabel } from '../records/gallery-html.js';
import type { RunRecord } from '../records/run-record.js';
import { html } from '../util/html.js';
import { schema } from '../config/schema.js';
import { readRuns, readWorkers } from '../fleet/read-status.js';
import { retryRun } from '../fleet/retry-run.js';
import type { WorkerBeat } from '../fleet/heartbeat.js';
import type { RunState } from '../fleet/run-store.js';
import { mountQueueBoard, QUEUE_BOARD_PATH } from './mount-queue-board.js';
import { resolveGroupFile } from './output-file.js';
import { newNonce, pagePolicy, pageShell } from './page-shell.js';
import { requireLocalHost } from './check-host.js';
import { requireToken } from './require-token.js';
import { fleetMetrics, METRICS_CONTENT_TYPE } from './fleet-metrics.js';
import { registerRunRoutes } from './run-routes.js';
import { runsPage } from './runs-page.js';
import { runView } from './run-view.js';

export interface DashboardOptions {
  redis: RedisClient;
  prefix: string;
  /** The fleet's queue, shown by Bull Board. */
  queue: Queue;
  /** The output folder (the only place files are served from). */
  outRoot: string;
  /** Access token; '' lets every request in (only ever on a loopback address). */
  token: string;
  /** Host names answered without a token besides localhost, 127.0.0.1 and [::1]. */
  hostNames?: readonly string[];
  /** Let Bull Board change the queue, and the run page retry a run's failed groups. */
  allowActions: boolean;
  /** A retried job's attempts and backoff (the queue settings; their defaults when not given). */
  jobs?: { attempts: number; backoffMs: number };
  /** Where Redis is, as a message names it (`redis://127.0.0.1:6379`). */
  redisAddress?: string;
  /** Runs listed at most (newest first). */
  runLimit?: number;
  /** Failures listed at most per run (the gallery pages through all of them: status failed). */
  failureLimit?: number;
  now?: () => number;
}

type Params = Record<string, string>;

/** 200 while Redis answers, 503 otherwise; open without the token. */
export const HEALTH_PATH = '/healthz';

/**
 * @example
 * const app = await buildDashboard({ redis, prefix: 'bnviz', queue, outRoot: '/shared/out', token: '' });
 * const res = await app.inject('/api/runs'); // fastify's own test request, no port opened
 */
export async function buildDashboard(o: DashboardOptions): Promise<FastifyInstance> {
  const now = o.now ?? Date.now;
  const app = Fastify({ logger: false });
  // JSON, pages and Bull Board's scripts go out compressed when the browser takes it (figures are PNG already).
  await app.register(compress, { threshold: 1024 });

  // Every request, Bull Board's and unknown paths' included, shows the token first (but the
  // health check, which says nothing but whether Redis answers, for a container's or a load balancer's probe).
  if (o.token) app.addHook('onRequest', requireToken(o.token, [HEALTH_PATH]));
  else app.addHook('onRequest', requireLocalHost(o.hostNames));
  // Bull Board waits for Redis without limit, so while Redis is away its API would hang the
  // page; give the connection a moment (it may be starting), then answer 503 (our own routes
  // fail fast by the connection's retry limit).
  app.addHook('onRequest', async (request, reply) => {
    if (request.url.startsWith(`${QUEUE_BOARD_PATH}/api/`) && !(await readyWithin(o.redis, 2000))) {
      return reply.code(503).send({ error: `${redisName} is not reachable (connection ${o.redis.status})` });
    }
    return undefined;
  });
  app.addHook('onSend', async (_request, reply) => {
    reply.header('x-content-type-options', 'nosniff');
    reply.header('referrer-policy', 'no-referrer');
  });

  const redisName = `Redis${o.redisAddress ? ` at ${o.redisAddress}` : ''}`;
  /** What a page's banner says when a request failed for Redis: that Redis is away (and where), not a status code. */
  const unavailable = (err: unknown) => {
    const message = err instanceof Error ? err.message : String(err);
    if (o.redis.status !== 'ready' || /max retries|Connection is closed|ECONNREFUSED|ETIMEDOUT|Stream isn't writeable/i.test(message)) {
      return `${redisName} is not reachable (${o.redis.status === 'ready' ? message.split('\n')[0] : `connection ${o.redis.status}`}); retrying`;
    }
    return `cannot read the fleet's records in ${redisName}: ${message.split('\n')[0]}`;
  };
  const page = (reply: FastifyReply, html: (nonce: string) => string, code = 200) => {
    const nonce = newNonce();
    return reply.code(code).type('text/html; charset=utf-8').header('content-security-policy', pagePolicy(nonce)).header('cache-control', 'no-store').send(html(nonce));
  };
  const notFound = (reply: FastifyReply, what: string) => reply.code(404).type('text/plain; charset=utf-8').send(`404: ${what}\n`);

  // Browsers ask for it on every page; nothing to show, and a 404 would be noise.
  app.get('/favicon.ico', (_request, reply) => reply.code(204).send());

  app.get('/', (_request, reply) => page(reply, (nonce) => runsPage(nonce, o.prefix)));

  app.get('/api/runs', async (_request, reply) => {
    const [runs, workers] = await Promise.all([readRuns(o.redis, o.prefix, o.runLimit ?? 100), readWorkers(o.redis, o.prefix)]);
    const t = now();
    return reply.header('cache-control', 'no-store').send({ now: new Date(t).toISOString(), runs: runs.map((r) => ({ ...runView(r, t), workers: runWorkers(r, workers) })) });
  });

  app.get(HEALTH_PATH, async (_request, reply) => {
    const up = await pingWithin(o.redis, 2000);
    return reply.code(up ? 200 : 503).header('cache-control', 'no-store').send(up ? { status: 'ok', redis: 'up' } : { status: 'unavailable', redis: o.redis.status });
  });

  const metrics = fleetMetrics({ redis: o.redis, prefix: o.prefix, queue: o.queue, runLimit: o.runLimit });
  app.get('/metrics', async (_request, reply) => reply.type(METRICS_CONTENT_TYPE).header('cache-control', 'no-store').send(await metrics.render()));

  // A run's queue, for its depth and a retry: the dashboard's own, or one made once for another name (closed with the app).
  const queues = new Map<string, Queue>([[o.queue.name, o.queue]]);
  const queueOf = (name: string) => {
    let q = queues.get(name);
    if (!q) {
      q = new Queue(name, { connection: o.redis, prefix: o.prefix });
      q.on('error', () => {});
      queues.set(name, q);
    }
    return q;
  };
  app.addHook('onClose', async () => {
    await Promise.all([...queues.values()].filter((q) => q !== o.queue).map((q) => q.close().catch(() => {})));
  });
  const jobs = o.jobs ?? { attempts: schema.queue.attempts.default, backoffMs: schema.queue.backoffMs.default };
  const retry = o.allowActions ? (runId: string, groups: string[]) => retryRun(o.redis, { redis: { prefix: o.prefix }, queue: jobs }, runId, groups) : undefined;
  registerRunRoutes(app, { redis: o.redis, prefix: o.prefix, outRoot: o.outRoot, failureLimit: o.failureLimit ?? 10, now, page, queueOf, retry });

  app.get<{ Params: Params }>('/runs/:runId/groups/:groupId/:file', async (request, reply) => {
    const { runId, groupId, file } = request.params;
    const found = await resolveGroupFile(o.outRoot, runId, groupId, file);
    if (!found.ok) return reply.code(found.status).type('text/plain; charset=utf-8').send(`${found.status}: ${found.reason}\n`);
    return reply
      .type(found.type)
      .header('content-length', String(found.size))
      // An SVG opened on its own is a document: let it draw, never run script.
      .header('content-security-policy', "default-src 'none'; style-src 'unsafe-inline'; img-src data:; sandbox")
      .header('cache-control', 'private, max-age=60')
      .send(createReadStream(found.path));
  });

  // The dataset report of a finished run, from its report.json (written with its records)
  app.get<{ Params: Params }>('/runs/:runId/report', async (request, reply) => {
    const { runId } = request.params;
    const facts = isSafeId(runId) ? await readFile(join(o.outRoot, runId, 'report.json'), 'utf8').then((t) => JSON.parse(t) as DatasetFacts, () => undefined) : undefined;
    if (!facts || typeof facts.images !== 'number' || !Array.isArray(facts.mean) || typeof facts.folders !== 'object') return notFound(reply, `no dataset report of run ${runId} yet: it is written with the run's records, when every group is counted`);
    const label = await readFile(join(o.outRoot, runId, 'run.json'), 'utf8').then((t) => normalizationLabel((JSON.parse(t) as RunRecord).options), () => 'normalization');
    return page(reply, (nonce) => pageShell({ title: `bnviz: ${runId}, the dataset`, heading: `run ${runId}: the dataset`, nonce, body: html`<p><a href="/runs/${runId}">the run</a></p>${reportSection(facts, label)}${folderSection(facts)}`, script: SORT_TABLE_SCRIPT }));
  });

  app.setNotFoundHandler((_request, reply) => notFound(reply, 'nothing here'));
  // What fails here is Redis (down, or slow to answer): say so, and the page's poll tries again.
  app.setErrorHandler((err, _request, reply) => {
    // fastify's own answers to a bad request (a body of another type, too large) stay what they are
    const code = (err as { statusCode?: unknown }).statusCode;
    if (typeof code === 'number' && code >= 400 && code < 500) return reply.code(code).send({ error: (err as Error).message });
    return reply.code(503).send({ error: unavailable(err) });
  });

  await mountQueueBoard(app, o.queue, o.allowActions);
  return app;
}

/** The workers alive serving a run that has not finished: those on its queue (a finished run has none). */
function runWorkers(r: RunState, workers: readonly WorkerBeat[]): number {
  if (r.finishedAt) return 0;
  const queue = (r.meta ?? r.partialMeta)?.queue;
  return workers.filter((w) => w.queue === queue || w.jobs?.some((j) => j.runId === r.runId)).length;
}

/** True when Redis answers a PING within `ms`. */
async function pingWithin(redis: RedisClient, ms: number): Promise<boolean> {
  if (!(await readyWithin(redis, ms))) return false;
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<false>((resolve) => { timer = setTimeout(() => resolve(false), ms); });
  try {
    return await Promise.race([redis.ping().then((r) => r === 'PONG', () => false), late]);
  } finally {
    clearTimeout(timer);
  }
}

/** True once the connection is ready, waiting at most `ms` for it. */
function readyWithin(redis: RedisClient, ms: number): Promise<boolean> {
  if (redis.status === 'ready') return Promise.resolve(true);
  return new Promise((resolve) => {
    const done = (ok: boolean) => {
      clearTimeout(timer);
      redis.off('ready', onReady);
      resolve(ok);
    };
    const onReady = () => done(true);
    const timer = setTimeout(() => done(false), ms);
    redis.on('ready', onReady);
  });
}
