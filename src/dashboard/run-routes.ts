/**
 * A run's pages and JSON: the run page and its summary (polled, small), one
 * page of its groups at a time (filtered, sorted), and a group's viewer with
 * its figures, numbers and neighbours. What is known of the groups comes from
 * the run's index (run-index.ts), brought up to date on each request.
 */
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { RedisClient } from '../fleet/redis-options.js';
import { isSafeId } from '../dataset/group-id.js';
import { readRunStatus, type RunStatus } from '../fleet/read-status.js';
import { fileUrl, GroupCache } from './finished-groups.js';
import { readGroupRecord, servedOutputs } from './group-record-read.js';
import { groupPage } from './group-page.js';
import { GroupQuery, positionOf, queryGroups } from './query-groups.js';
import { rateSeries, statsLabel, unseenHistogram, unseenSpreadFigure } from './run-glance.js';
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
}

type Params = Record<string, string>;

export function registerRunRoutes(app: FastifyInstance, o: RunRoutesOptions): void {
  const indexes = new RunIndexes();
  const cache = new GroupCache();
  /** Each counted group's served outputs, read once from its record. */
  const outputs = new Map<string, string[]>();

  /** The run's records in Redis (undefined: none) and its index, up to date. */
  async function load(runId: string): Promise<{ status: RunStatus | undefined; index: RunIndex }> {
    const status = await readRunStatus(o.redis, o.prefix, runId, o.failureLimit);
    const index = indexes.get(runId);
    await index.refresh(status ? { redis: o.redis, prefix: o.prefix } : { outRoot: o.outRoot, cache }, runId);
    return { status, index };
  }
  const unknown = (runId: string) => `no run ${runId} under prefix ${o.prefix} and no groups in its output folder`;

  async function card(runId: string, g: IndexedGroup, query: string): Promise<GroupCard> {
    const key = `${runId}/${g.groupId}`;
    let served = outputs.get(key);
    if (served === undefined && g.status !== 'failed') {
      served = servedOutputs(await readGroupRecord(o.outRoot, runId, g.groupId));
      // Kept once the group's folder has its record; until then it may still be on its way.
      if (served.length) outputs.set(key, served);
      if (outputs.size > 200_000) outputs.delete(outputs.keys().next().value as string);
    }
    return groupCard(runId, g, served ?? [], query);
  }

  app.get<{ Params: Params }>('/runs/:runId', async (request, reply) => {
    const { runId } = request.params;
    // With Redis away the page still loads and says so; only a run known nowhere is a 404.
    const known = isSafeId(runId) && (await load(runId).then(({ status, index }) => status !== undefined || index.groups.size > 0, () => true));
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
    if (!status && index.groups.size === 0) return reply.code(404).send({ error: unknown(runId) });
    const t = o.now();
    const changed = request.query.since !== String(index.version);
    const summary: RunSummary = {
      run: status ? runView(status, t) : null,
      failures: status?.failures ?? [],
      workers: (status?.workers ?? []).map((w) => workerView(w, t)),
      version: index.version,
      groups: index.groups.size,
      // The spread and the rate change only with the groups: sent when they did.
      ...(changed ? { histogram: unseenHistogram(index.groups.values()), rate: rateSeries(index.groups.values()), spread: unseenSpreadFigure(index.groups.values(), statsLabel(status)) } : {}),
    };
    return reply.header('cache-control', 'no-store').send(summary);
  });

  app.get<{ Params: Params; Querystring: Record<string, string> }>('/api/runs/:runId/groups', async (request, reply) => {
    const { runId } = request.params;
    const parsed = GroupQuery.safeParse(request.query);
    if (!parsed.success) return reply.code(400).send({ error: parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ') });
    if (!isSafeId(runId)) return reply.code(404).send({ error: `no run ${runId}` });
    const { status, index } = await load(runId);
    if (!status && index.groups.size === 0) return reply.code(404).send({ error: unknown(runId) });
    const result = queryGroups(index.inOrder(), parsed.data);
    const query = viewerQuery(request.url);
    return reply.header('cache-control', 'no-store').send({ ...result, version: index.version, groups: await Promise.all(result.groups.map((g) => card(runId, g, query))) });
  });

  app.get<{ Params: Params; Querystring: Record<string, string> }>('/api/runs/:runId/groups/:groupId', async (request, reply) => {
    const { runId, groupId } = request.params;
    const parsed = GroupQuery.safeParse(request.query);
    if (!parsed.success) return reply.code(400).send({ error: parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ') });
    if (!isSafeId(runId) || !isSafeId(groupId)) return reply.code(404).send({ error: 'no such group' });
    const { index } = await load(runId);
    const g = index.groups.get(groupId);
    if (!g) return reply.code(404).send({ error: `no finished group ${groupId} in run ${runId}` });
    const record = await readGroupRecord(o.outRoot, runId, groupId);
    const query = viewerQuery(request.url);
    const near = positionOf(index.inOrder(), parsed.data, groupId);
    const viewer = (id: string | undefined) => (id ? `/runs/${encodeURIComponent(runId)}/groups/${encodeURIComponent(id)}${query}` : null);
    return reply.header('cache-control', 'no-store').send({
      ...(await card(runId, g, query)),
      figures: servedOutputs(record).map((name) => ({ name, url: fileUrl(runId, groupId, name) })),
      rows: Array.isArray(record?.rows) ? record.rows : [],
      error: record?.error ?? null,
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
  for (const k of ['offset', 'limit', 'since']) params.delete(k);
  const rest = params.toString();
  return rest ? `?${rest}` : '';
}
