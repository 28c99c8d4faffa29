/**
 * What the dashboard knows of a run's finished groups, to answer its pages.
 *
 * A fleet run: a mirror of each group's state and largest unseen share, nine
 * bytes a group, brought up to date by reading only the new entries of the
 * run's log in Redis (O(what changed) a poll). A page of groups is chosen
 * from the mirror (filters and sorts over typed arrays, kept for a couple of
 * seconds while the run moves) and only that page's ids and files are read
 * from Redis (O(page)). A search by name reads the run's log once per search
 * term and then only what is new (the only read that costs the run's size).
 *
 * A run Redis no longer holds: its output folder's group records, read again
 * at most every few seconds (such a run no longer changes but by hand).
 */
import type { RedisClient } from '../fleet/redis-options.js';
import { RunStore, type GroupState } from '../fleet/run-store.js';
import { GroupCache, readFinishedGroups } from './finished-groups.js';
import type { GroupQuery } from './query-groups.js';

export interface IndexedGroup {
  groupId: string;
  /** Its index in the dataset (0-based). */
  index: number;
  status: Exclude<GroupState, ''>;
  /** Its files, when known here (else read with its record). */
  files: string[];
  maxUnseen: number;
  /** Each image's unseen share per channel (a run known by its folder). */
  unseen?: number[];
}

export interface GroupPage {
  /** Groups that match the filters (all pages). */
  total: number;
  offset: number;
  limit: number;
  groups: IndexedGroup[];
  /** The index's version the page was cut from (a list is reused a while as the run moves: a page may be older than the index). */
  version: number;
}

export interface Neighbours {
  group?: IndexedGroup;
  /** Its position among the query's results (-1: not among them), of `total`. */
  position: number;
  total: number;
  previous?: IndexedGroup;
  next?: IndexedGroup;
}

export type IndexSource = { redis: RedisClient; prefix: string } | { outRoot: string; cache: GroupCache; folderEveryMs?: number };

const STATUS_CODE = { done: 1, skipped: 2, failed: 3 } as const;
const STATUS_OF = [undefined, 'done', 'skipped', 'failed'] as const;
/** A filtered and sorted list is reused this long while the run moves (a poll a second would otherwise sort every second). */
const LIST_FRESH_MS = 2000;
/** Log entries read per call. */
const LOG_CHUNK = 10_000;
/** Search terms remembered per run. */
const SEARCHES_KEPT = 8;

export class RunIndex {
  /** Groups finished and known here. */
  count = 0;
  /** Bumped whenever a group is added or changes: a page asks again only when it moved. */
  version = 0;
  private status = new Uint8Array(1024);
  private unseen = new Float64Array(1024);
  /** Log entries read so far (a fleet run). */
  private cursor = 0;
  private store: RunStore | undefined;
  /** A run known by its folder: its groups, by index. */
  private readonly folderGroups = new Map<number, IndexedGroup>();
  private folderReadAt = -Infinity;
  private readonly lists = new Map<string, { version: number; at: number; list: Uint32Array }>();
  private readonly searches = new Map<string, { cursor: number; found: Set<number> }>();
  /** One refresh at a time: polls that come together share it. */
  private pending: Promise<void> | undefined;

  constructor(private readonly runId: string) {}

  /** Brings the index up to date: from the run's log when the run is in Redis, else from its output folder. */
  refresh(source: IndexSource, now = Date.now()): Promise<void> {
    this.pending ??= ('redis' in source ? this.followLog(source.redis, source.prefix) : this.readFolder(source.outRoot, source.cache, now, source.folderEveryMs))
      .finally(() => { this.pending = undefined; });
    return this.pending;
  }

  private async followLog(redis: RedisClient, prefix: string): Promise<void> {
    if (!this.store) {
      this.store = new RunStore(redis, prefix, this.runId);
      await this.fromSnapshot(this.store);
    }
    for (;;) {
      const { entries, next } = await this.store.readLog(this.cursor, LOG_CHUNK);
      const read = next - this.cursor;
      this.cursor = next;
      for (const e of entries) this.put(e.index, e.status, e.maxUnseen);
      if (read < LOG_CHUNK) break;
    }
  }

  /** A run's first read: every group's state and share from two arrays in Redis, then the log from where they stand. */
  private async fromSnapshot(store: RunStore): Promise<void> {
    const snap = await store.snapshot();
    if (!snap) return;
    const { states, unseen, logLength } = snap;
    const shared = Math.floor(unseen.length / 4);
    for (let i = 0; i < states.length; i++) {
      const code = states[i]!;
      const status = code === 100 ? 'done' : code === 115 ? 'skipped' : code === 102 ? 'failed' : undefined; // d, s, f
      if (status) this.put(i, status, status === 'failed' || i >= shared ? 0 : unseen.readUInt32LE(i * 4) / 1e6);
    }
    this.cursor = logLength;
  }

  private async readFolder(outRoot: string, cache: GroupCache, now: number, everyMs = 10_000): Promise<void> {
    if (now - this.folderReadAt < everyMs) return;
    this.folderReadAt = now;
    const found = await readFinishedGroups(outRoot, this.runId, cache);
    const known = new Set([...this.folderGroups.values()].map((g) => g.groupId));
    for (const [i, g] of found.entries()) {
      if (known.has(g.groupId)) continue;
      // group ids start with their 1-based position; other ids keep folder order
      const position = /^(\d+)-/.exec(g.groupId);
      const index = position ? Number(position[1]) - 1 : i;
      this.folderGroups.set(index, { groupId: g.groupId, index, status: 'done', files: g.files, maxUnseen: g.maxUnseen, unseen: g.unseen });
      this.put(index, 'done', g.maxUnseen);
    }
  }

  private put(index: number, status: Exclude<GroupState, ''>, maxUnseen: number): void {
    if (index >= this.status.length) {
      const size = Math.max(index + 1, this.status.length * 2);
      const s = new Uint8Array(size);
      s.set(this.status);
      const u = new Float64Array(size);
      u.set(this.unseen);
      this.status = s;
      this.unseen = u;
    }
    if (this.status[index] === 0) this.count++;
    this.status[index] = STATUS_CODE[status];
    this.unseen[index] = maxUnseen;
    this.version++;
  }

  /** The groups known here, in dataset order (for the folder glance: a run known by its folder only). */
  folderEntries(): IterableIterator<IndexedGroup> {
    return this.folderGroups.values();
  }

  /** One page of the groups that match the query. O(page) in Redis. */
  async query(q: GroupQuery, now = Date.now()): Promise<GroupPage> {
    const { list, version } = await this.matching(q, now);
    const indexes = Array.from(list.subarray(q.offset, q.offset + q.limit));
    return { total: list.length, offset: q.offset, limit: q.limit, groups: await this.groupsAt(indexes), version };
  }

  /** A group and its neighbours among the query's results; `at`: its index, when the caller knows it. */
  async neighbours(q: GroupQuery, groupId: string, at?: number, now = Date.now()): Promise<Neighbours> {
    const index = await this.indexOf(groupId, at);
    if (index === undefined) return { position: -1, total: 0 };
    const [group] = await this.groupsAt([index]);
    if (!group || group.groupId !== groupId) return { position: -1, total: 0 };
    const { list } = await this.matching(q, now);
    const position = list.indexOf(index);
    const near = await this.groupsAt([position > 0 ? list[position - 1]! : -1, position >= 0 && position + 1 < list.length ? list[position + 1]! : -1].filter((i) => i >= 0));
    const previous = position > 0 ? near.shift() : undefined;
    const next = position >= 0 && position + 1 < list.length ? near.shift() : undefined;
    return { group, position, total: list.length, previous, next };
  }

  /** The index of a finished group: as given and checked, from its id's position prefix, else by a walk of the run. */
  private async indexOf(groupId: string, at?: number): Promise<number | undefined> {
    const candidates = [at, /^(\d+)-/.test(groupId) ? Number(/^(\d+)-/.exec(groupId)![1]) - 1 : undefined].filter((i): i is number => i !== undefined && Number.isInteger(i) && i >= 0 && i < this.status.length);
    for (const i of candidates) {
      if (this.status[i] === 0) continue;
      const [g] = await this.groupsAt([i]);
      if (g?.groupId === groupId) return i;
    }
    if (!this.store) {
      for (const g of this.folderGroups.values()) if (g.groupId === groupId) return g.index;
      return undefined;
    }
    for await (const g of this.store.inOrder()) if (g.groupId === groupId) return this.status[g.index] ? g.index : undefined;
    return undefined;
  }

  /** The finished groups at these indexes, with their ids (and files where known). O(indexes). */
  private async groupsAt(indexes: readonly number[]): Promise<IndexedGroup[]> {
    const found = indexes.filter((i) => i < this.status.length && this.status[i] !== 0);
    if (!this.store) return found.map((i) => this.folderGroups.get(i)).filter((g): g is IndexedGroup => g !== undefined);
    const ids = await this.store.page(found);
    const groups = found.map((index, j) => ({ groupId: ids[j]!.groupId ?? '', index, status: STATUS_OF[this.status[index]!]!, files: [] as string[], maxUnseen: this.unseen[index]! })).filter((g) => g.groupId !== '');
    const failed = groups.filter((g) => g.status === 'failed');
    if (failed.length) {
      const failures = await this.store.failuresOf(failed.map((g) => g.groupId)).catch(() => []);
      failed.forEach((g, j) => { g.files = failures[j]?.files ?? []; });
    }
    return groups;
  }

  /** The indexes of the groups that match the query's filters, in its order; reused for LIST_FRESH_MS while the run moves. */
  private async matching(q: GroupQuery, now: number): Promise<{ list: Uint32Array; version: number }> {
    const needle = q.q?.trim().toLowerCase() ?? '';
    const key = JSON.stringify([q.status ?? null, q.minUnseen ?? null, q.maxUnseen ?? null, needle, q.sort]);
    const kept = this.lists.get(key);
    if (kept && (kept.version === this.version || now - kept.at < LIST_FRESH_MS)) return kept;
    const found = needle ? await this.search(needle) : undefined;
    const codes = q.status?.map((s) => STATUS_CODE[s]);
    const out: number[] = [];
    for (let i = 0; i < this.status.length; i++) {
      const s = this.status[i]!;
      if (s === 0 || (codes && !codes.includes(s as 1 | 2 | 3))) continue;
      const u = this.unseen[i]!;
      if ((q.minUnseen !== undefined && u < q.minUnseen) || (q.maxUnseen !== undefined && u > q.maxUnseen) || (found && !found.has(i))) continue;
      out.push(i);
    }
    const list = Uint32Array.from(out);
    // A stable order among equal shares: dataset order.
    if (q.sort === 'unseen-desc') list.sort((a, b) => this.unseen[b]! - this.unseen[a]! || a - b);
    else if (q.sort === 'unseen-asc') list.sort((a, b) => this.unseen[a]! - this.unseen[b]! || a - b);
    const made = { version: this.version, at: now, list };
    this.lists.set(key, made);
    if (this.lists.size > 16) this.lists.delete(this.lists.keys().next().value as string);
    return made;
  }

  /** The indexes of groups whose id or a file name holds `needle` (any case): the log read once per term, then what is new. */
  private async search(needle: string): Promise<Set<number>> {
    if (!this.store) {
      return new Set([...this.folderGroups.values()].filter((g) => g.groupId.toLowerCase().includes(needle) || g.files.some((f) => f.toLowerCase().includes(needle))).map((g) => g.index));
    }
    let s = this.searches.get(needle);
    if (!s) {
      s = { cursor: 0, found: new Set() };
      this.searches.set(needle, s);
      if (this.searches.size > SEARCHES_KEPT) this.searches.delete(this.searches.keys().next().value as string);
    }
    for (;;) {
      const { entries, next } = await this.store.readLog(s.cursor, LOG_CHUNK);
      const read = next - s.cursor;
      s.cursor = next;
      for (const e of entries) if (e.groupId.toLowerCase().includes(needle) || e.files.some((f) => f.toLowerCase().includes(needle))) s.found.add(e.index);
      if (read < LOG_CHUNK) break;
    }
    return s.found;
  }
}

/**
 * One index per run, for the life of the server; at most `maxRuns`, the one
 * looked at longest ago goes first. `source` names what the run is now (its
 * records' enqueue time, or its folder alone): a run cleaned and enqueued
 * again under its id, or whose records were lost from Redis, is another run,
 * and gets a new index (the old one served the cleaned run's groups).
 */
export class RunIndexes {
  private readonly runs = new Map<string, { source: string; index: RunIndex }>();
  constructor(private readonly maxRuns = 20) {}

  get(runId: string, source = ''): RunIndex {
    const found = this.runs.get(runId);
    this.runs.delete(runId);
    const index = found?.source === source ? found.index : new RunIndex(runId);
    this.runs.set(runId, { source, index });
    while (this.runs.size > this.maxRuns) this.runs.delete(this.runs.keys().next().value as string);
    return index;
  }
}
