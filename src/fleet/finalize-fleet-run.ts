/**
 * When a run's last group is counted, one worker writes the run's records
 * (run.json, summary.csv, index.html) exactly as `bnviz run` does, from the
 * groups' records on the shared output storage. One worker only: it takes a
 * lock (SET NX with an expiry, in case it dies). A worker that fails half-way
 * gives the lock back, and its job's retry tries again.
 */
import { randomBytes } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { median } from 'd3-array';
import type { Redis } from 'ioredis';
import { removeStale } from '../records/write-atomic.js';
import { finalizeRun } from '../records/finalize-run.js';
import type { RunRecord } from '../records/run-record.js';
import { versions } from '../records/versions.js';
import { runKeys, type RunKeys } from './fleet-keys.js';
import { groupIdsInOrder, readFailures, readRun, readTimings, type RunState } from './run-store.js';

const LOCK_MS = 10 * 60 * 1000;
const RELEASE = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) else return 0 end`;

/**
 * Writes the run's records when the run is complete and not finalized yet,
 * and this caller wins the lock. Returns the record written, or undefined.
 */
export async function finalizeFleetRun(redis: Redis, prefix: string, runId: string, runDir: string, extra: { backend?: string } = {}): Promise<RunRecord | undefined> {
  const k = runKeys(prefix, runId);
  const token = randomBytes(8).toString('hex');
  if ((await redis.set(k.finalize, token, 'PX', LOCK_MS, 'NX')) !== 'OK') return undefined;
  try {
    const state = await readRun(redis, prefix, runId);
    if (!state?.meta || state.finishedAt || state.done + state.skipped + state.failed < state.total) return undefined;
    const finishedAt = new Date().toISOString();
    const record = await fleetRunRecord(redis, k, state, finishedAt, extra.backend);
    const groups = (await groupIdsInOrder(redis, k)).map((groupId) => ({ groupId }));
    // failures in dataset order, as bnviz run lists them
    const order = new Map(groups.map((g, i) => [g.groupId, i]));
    record.failures.sort((a, b) => (order.get(a.groupId) ?? 0) - (order.get(b.groupId) ?? 0));
    // Leftovers of killed workers on this host; the run is complete, so nothing of it is in flight.
    // A run whose every group failed before it ran has no folder yet.
    await mkdir(runDir, { recursive: true });
    await removeStale(join(runDir, 'groups'));
    await finalizeRun(runDir, record, groups);
    await redis.hset(k.meta, 'finishedAt', finishedAt);
    return record;
  } finally {
    await redis.eval(RELEASE, 1, k.finalize, token);
  }
}

/** A run.json record made from the run's records in Redis: the same shape `bnviz run` writes. */
async function fleetRunRecord(redis: Redis, keys: RunKeys, state: RunState, finishedAt: string, backend?: string): Promise<RunRecord> {
  const meta = state.meta!;
  const failures = await readFailures(redis, keys);
  const timings = await readTimings(redis, keys);
  const startedAt = state.startedAt ?? meta.enqueuedAt;
  const wallMs = Date.parse(finishedAt) - Date.parse(startedAt);
  const medianMs: Record<string, number> = {};
  for (const key of ['decodeMs', 'computeMs', 'figureMs', 'writeMs', 'totalMs'] as const) medianMs[key] = median(timings, (t) => t[key]) ?? 0;
  return {
    runId: state.runId,
    root: meta.root,
    status: 'finished',
    startedAt,
    finishedAt,
    options: meta.options,
    groupSize: meta.groupSize,
    versions: versions(),
    counts: { groups: state.total, images: meta.images, done: state.done, skipped: state.skipped, failed: state.failed, partialGroups: meta.partialGroups },
    // Peak memory of the worker that writes the records (each worker's own peak is as small: one group a thread).
    timings: { wallMs, groupsPerSecond: state.done / (wallMs / 1000), medianMs, peakRssMB: process.resourceUsage().maxRSS / 1024 },
    ...(backend ? { backend } : {}),
    failures,
  };
}
