/**
 * A run's pages and JSON: the run page and its summary (polled, small), one
 * page of its groups at a time (filtered, sorted), and a group's viewer with
 * its figures, numbers and neighbours. What is known of the groups comes from
 * the run's index (run-index.ts), brought up to date on each request by
 * reading what is new; the run's spread and rate come from the aggregates
 * it keeps in Redis. No request reads the whole run (but a new search term).
 */
import type { Queue } from 'bullmq';
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { RedisClient } from '../fleet/redis-options.js';
import { isSafeId } from '../dataset/group-id.js';
import { isBnvizError } from '../errors.js';
import { readRunStatus, type RunStatus } from '../fleet/read-status.js';
import { RunStore } from '../fleet/run-store.js';
import { fileUrl, GroupCache } from './finished-groups.js';
import { readGroupRecord, servedOutputs } from './group-record-read.js';
import { groupPage } from './group-page.js';
import { GroupQuery } from './query-groups.js';
import { fineBins, folderSpread, rateResolution, rateSeries, rateSlice, statsLabel, unseenHistogram, unseenSpreadFigure, type Histogram, type RateSeries } from './run-glance.js';
import { RunIndexes, type IndexedGroup, type RunIndex } from './run-index.js';
import { runPage } from './run-page.js';
import { groupCard, runView, workerView, type GroupCard, type RunSummary } from './run-view.js';

export interface RunRoutesOptions {
  redis: RedisClient;
  prefix: string;
  outRoot: string;
  failureLimit: number;
  now: () => number;
  /** Sends an HTML page made for a nonce. */
  page: (reply: FastifyReply, html: (nonce: string) => string, code?: number) => FastifyReply;
  /** The fleet's queue of that name (for its depth, and a retry's jobs). */
  queueOf: (name: string) => Queue;
  /** With dashboard.allowActions: put a run's failed groups back in the queue (the run page's retry button). */
  retry?: (runId: string, groupIds: string[]) => Promise<{ retried: string[]; notFailed: string[] }>;
}

type Params = Record<string, string>;

export function registerRunRoutes(app: FastifyInstance, o: RunRoutesOptions): void {
  const indexes = new RunIndexes();
  const cache = new GroupCache();
  /** Each counted group's served outputs and files, read once from its record (the latest few thousand kept). */
  const records = new Map<string, { outputs: string[]; files: string[] }>();

  /** The run's records in Redis (undefined: none) and its index, up to date. */
  async function load(runId: string): Promise<{ status: RunStatus | undefined; index: RunIndex }> {
    const status = await readRunStatus(o.redis, o.prefix, runId, o.failureLimit, o.queueOf);
    const index = indexes.get(runId, status ? `redis ${status.meta?.enqueuedAt ?? status.partialMeta?.enqueuedAt ?? ''}` : 'folder');
    await index.refresh(status ? { redis: o.redis, prefix: o.prefix } : { outRoot: o.outRoot, cache });
    return { status, index };
  }
  const unknown = (runId: string) => `no run ${runId} under prefix ${o.prefix} and no groups in its output folder`;

  async function card(runId: string, g: IndexedGroup, query: string): Promise<GroupCard> {
    const key = `${runId}/${g.groupId}`;
    let found = records.get(key);
    if (found === undefined && g.status !== 'failed') {
      const record = await readGroupRecord(o.outRoot, runId, g.groupId);
      found = { outputs: servedOutputs(record), files: Array.isArray(record?.files) ? record.files.map(String) : [] };
      // Kept once the group's folder has its record; until then it may still be on its way.
      if (found.outputs.length) records.set(key, found);
      if (records.size > 5000) records.delete(records.keys().next().value as string);
    }
    return groupCard(runId, g.files.length || !found ? g : { ...g, files: found.files }, found?.outputs ?? [], query);
  }

  /** The run's spread and rate: from its aggregates in Redis, or from its groups (a run known by its folder). */
  async function glance(runId: string, status: RunStatus | undefined, index: RunIndex): Promise<{ histogram: Histogram; rate: RateSeries; spread: string }> {
    const label = statsLabel(status);
    if (!status) {
      const groups = [...index.folderEntries()];
      return { histogram: unseenHistogram(fineBins(groups.map((g) => g.maxUnseen))), rate: rateSeries([], 0, -1), spread: unseenSpreadFigure(folderSpread(groups), label) };
    }
    const store = new RunStore(o.redis, o.prefix, runId);
    const agg = await store.aggregates();
    let rate = rateSeries([], 0, -1);
    if (status.firstAt !== undefined && status.lastAt !== undefined) {
      const per = await store.rates(rateResolution(rateSlice(status.firstAt, status.lastAt)));
      rate = rateSeries([...per].map(([s, n]) => [s * 1000, n] as [number, number]), status.firstAt, status.lastAt);
    }
    return { histogram: unseenHistogram(agg.unseenBins), rate, spread: unseenSpreadFigure(agg.spread, label) };
  }

  app.get<{ Params: Params }>('/runs/:runId', async (request, reply) => {
    const { runId } = request.params;
    // With Redis away the page still loads and says so; only a run known nowhere is a 404.
    const known = isSafeId(runId) && (await load(runId).then(({ status, index }) => status !== undefined || index.count > 0, () => true));
    if (!known) return o.page(reply, (nonce) => runPage(nonce, runId, false), 404);
    return o.page(reply, (nonce) => runPage(nonce, runId, true));
  });

  app.get<{ Params: Params }>('/runs/:runId/groups/:groupId', async (request, reply) => {
    const { runId, groupId } = request.params;
    if (!isSafeId(runId) || !isSafeId(groupId)) return reply.code(404).type('text/plain; charset=utf-8').send('404: no such group\n');
    return o.page(reply, (nonce) => groupPage(nonce, runId, groupId));
  });

  app.get<{ Params: Params; Querystring: { since?: string } }>('/api/runs/:runId', async (request, reply) => {
    const { runId } = request.params;
    if (!isSafeId(runId)) return reply.code(404).send({ error: `no run ${runId}` });
    const { status, index } = await load(runId);
    if (!status && index.count === 0) return reply.code(404).send({ error: unknown(runId) });
    const t = o.now();
    const changed = request.query.since !== String(index.version);
    const summary: RunSummary = {
      run: status ? runView(status, t) : null,
      failures: status?.failures ?? [],
      failureCount: status?.failureCount ?? 0,
      // the fleet's workers while the run runs; a finished run has none of its own
      workers: status && !status.finishedAt ? status.workers.map((w) => workerView(w, t)) : [],
      queueDepth: status?.queueDepth ?? null,
      actions: o.retry !== undefined,
      version: index.version,
      groups: index.count,
      // The spread and the rate change only with the groups: sent when they did.
      ...(changed ? await glance(runId, status, index) : {}),
    };
    return reply.header('cache-control', 'no-store').send(summary);
  });

  app.post<{ Params: Params; Body: unknown }>('/api/runs/:runId/retry', async (request, reply) => {
    const { runId } = request.params;
    if (!o.retry) return reply.code(403).send({ error: 'actions are not allowed on this dashboard (dashboard.allowActions, BNVIZ_DASHBOARD_ACTIONS)' });
    // A JSON body only: a form of another site cannot send one without the browser asking first (CORS), and this server never says yes.
    if (!String(request.headers['content-type'] ?? '').startsWith('application/json')) return reply.code(415).send({ error: 'Expected a JSON body ({"groups": [...]} or {}) but received none' });
    if (!isSafeId(runId)) return reply.code(404).send({ error: `no run ${runId}` });
    const body = (request.body ?? {}) as { groups?: unknown };
    const groups = body.groups === undefined ? [] : body.groups;
    if (!Array.isArray(groups) || !groups.every((g) => typeof g === 'string' && isSafeId(g)) || groups.length > 500) {
      return reply.code(400).send({ error: `Expected at most 500 group ids for groups but received ${JSON.stringify(body.groups).slice(0, 80)}` });
    }
    const result = await o.retry(runId, groups as string[]).catch((err: unknown) => {
      if (isBnvizError(err, 'UsageError')) return { error: (err as Error).message };
      throw err;
    });
    if ('error' in result) return reply.code(404).send({ error: result.error });
    return reply.header('cache-control', 'no-store').send({ runId, retried: result.retried.length, notFailed: result.notFailed });
  });

  app.get<{ Params: Params; Querystring: Record<string, string> }>('/api/runs/:runId/groups', async (request, reply) => {
    const { runId } = request.params;
    const parsed = GroupQuery.safeParse(request.query);
    if (!parsed.success) return reply.code(400).send({ error: parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ') });
    if (!isSafeId(runId)) return reply.code(404).send({ error: `no run ${runId}` });
    const { status, index } = await load(runId);
    if (!status && index.count === 0) return reply.code(404).send({ error: unknown(runId) });
    const result = await index.query(parsed.data);
    const query = viewerQuery(request.url);
    return reply.header('cache-control', 'no-store').send({ ...result, groups: await Promise.all(result.groups.map((g) => card(runId, g, query))) });
  });

  app.get<{ Params: Params; Querystring: Record<string, string> }>('/api/runs/:runId/groups/:groupId', async (request, reply) => {
    const { runId, groupId } = request.params;
    const parsed = GroupQuery.safeParse(request.query);
    if (!parsed.success) return reply.code(400).send({ error: parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ') });
    if (!isSafeId(runId) || !isSafeId(groupId)) return reply.code(404).send({ error: 'no such group' });
    const { status, index } = await load(runId);
    if (!status && index.count === 0) return reply.code(404).send({ error: unknown(runId), notFound: 'run' });
    const near = await index.neighbours(parsed.data, groupId, parsed.data.at);
    const g = near.group;
    if (!g) return reply.code(404).send({ error: `run ${runId} has no finished group ${groupId} (not one of its groups, or not finished yet)`, notFound: 'group' });
    const record = await readGroupRecord(o.outRoot, runId, groupId);
    // A failed group has no record of its own (nothing was written): its reason is in the run's failures.
    const failure = g.status === 'failed' && status ? (await new RunStore(o.redis, o.prefix, runId).failuresOf([groupId]).catch(() => []))[0] : undefined;
    const query = viewerQuery(request.url);
    const viewer = (n: IndexedGroup | undefined) => (n ? `/runs/${encodeURIComponent(runId)}/groups/${encodeURIComponent(n.groupId)}${query}${query ? '&' : '?'}at=${n.index}` : null);
    return reply.header('cache-control', 'no-store').send({
      ...(await card(runId, g, query)),
      figures: servedOutputs(record).map((name) => ({ name, url: fileUrl(runId, groupId, name) })),
      rows: Array.isArray(record?.rows) ? record.rows : [],
      error: failure?.error ?? record?.error ?? (g.status === 'failed' ? { name: 'Error', message: 'its reason was not recorded' } : null),
      position: near.position,
      of: near.total,
      previous: viewer(near.previous),
      next: viewer(near.next),
      run: `/runs/${encodeURIComponent(runId)}${query}`,
    });
  });
}

/** The query string of a request minus paging, kept on viewer links so previous/next follow the same filter and sort. */
function viewerQuery(url: string): string {
  const q = url.indexOf('?');
  if (q < 0) return '';
  const params = new URLSearchParams(url.slice(q + 1));
  for (const k of ['offset', 'limit', 'since', 'at']) params.delete(k);
  const rest = params.toString();
  return rest ? `?${rest}` : '';
}
