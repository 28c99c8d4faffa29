/**
 * What the dashboard knows of each finished group of a run, kept in memory
 * and brought up to date by reading only what is new: the run's finished log
 * in Redis from where the last read stopped (a fleet run), or, for a run
 * Redis no longer holds, its output folder (group.json records). Queries
 * (paging, filters, sort) and the run's spread of unseen shares are answered
 * from here, so a poll never reads the whole run.
 */
import type { RedisClient } from '../fleet/redis-options.js';
import { runKeys } from '../fleet/fleet-keys.js';
import { readFinishedSince, type FinishedEntry } from '../fleet/run-store.js';
import { GroupCache, readFinishedGroups } from './finished-groups.js';

export type IndexedGroup = Omit<FinishedEntry, 'at'> & { at?: number };

export class RunIndex {
  /** By group id; a group counted again (a retry) replaces its entry. */
  readonly groups = new Map<string, IndexedGroup>();
  /** Entries read from the finished log so far. */
  private cursor = 0;
  /** Bumped whenever an entry is added or replaced: a page asks again only when it moved. */
  version = 0;
  /** Dataset order, rebuilt when the version moves. */
  private ordered: IndexedGroup[] = [];
  private orderedAt = -1;

  /** One refresh at a time: polls that come together share it. */
  private pending: Promise<void> | undefined;
  private folderReadAt = -Infinity;

  /**
   * Brings the index up to date: from the finished log when the run is in
   * Redis, else from its output folder (read again at most every
   * `folderEveryMs`, as such a run no longer changes but by hand).
   */
  refresh(source: { redis: RedisClient; prefix: string } | { outRoot: string; cache: GroupCache; folderEveryMs?: number }, runId: string, now = Date.now()): Promise<void> {
    this.pending ??= ('redis' in source ? this.followLog(source.redis, source.prefix, runId) : this.readFolder(source.outRoot, runId, source.cache, now, source.folderEveryMs))
      .finally(() => { this.pending = undefined; });
    return this.pending;
  }

  private async followLog(redis: RedisClient, prefix: string, runId: string): Promise<void> {
    const k = runKeys(prefix, runId);
    const chunk = 10_000;
    for (;;) {
      const { entries, next } = await readFinishedSince(redis, k, this.cursor, chunk);
      const read = next - this.cursor;
      this.cursor = next;
      for (const e of entries) this.put(e);
      if (read < chunk) break;
    }
  }

  private async readFolder(outRoot: string, runId: string, cache: GroupCache, now: number, everyMs = 10_000): Promise<void> {
    if (now - this.folderReadAt < everyMs) return;
    this.folderReadAt = now;
    const found = await readFinishedGroups(outRoot, runId, cache);
    for (const [i, g] of found.entries()) {
      if (this.groups.has(g.groupId)) continue;
      // group ids start with their 1-based position; other ids keep folder order
      const position = /^(\d+)-/.exec(g.groupId);
      this.put({ groupId: g.groupId, index: position ? Number(position[1]) - 1 : i, status: 'done', files: g.files, maxUnseen: g.maxUnseen, unseen: g.unseen });
    }
  }

  private put(e: IndexedGroup): void {
    this.groups.set(e.groupId, e);
    this.version++;
  }

  /** Every group in dataset order. */
  inOrder(): IndexedGroup[] {
    if (this.orderedAt !== this.version) {
      this.ordered = [...this.groups.values()].sort((a, b) => a.index - b.index || a.groupId.localeCompare(b.groupId));
      this.orderedAt = this.version;
    }
    return this.ordered;
  }
}

/** One index per run, for the life of the server; at most `maxRuns`, the one looked at longest ago goes first. */
export class RunIndexes {
  private readonly runs = new Map<string, RunIndex>();
  constructor(private readonly maxRuns = 20) {}

  get(runId: string): RunIndex {
    const found = this.runs.get(runId);
    this.runs.delete(runId);
    const index = found ?? new RunIndex();
    this.runs.set(runId, index);
    while (this.runs.size > this.maxRuns) this.runs.delete(this.runs.keys().next().value as string);
    return index;
  }
}
