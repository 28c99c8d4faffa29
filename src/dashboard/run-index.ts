/**
 * What the dashboard knows of a run's finished groups, to answer its pages.
 *
 * A fleet run: a mirror of each group's state and largest unseen share, five
 * bytes a group (a state byte and the share in millionths), taken on the
 * run's first request from two strings in Redis (copied, not parsed a group
 * at a time) and brought up to date by reading only the new entries of the
 * run's log (O(what changed) a poll). A page of groups is chosen from the
 * mirror (filters and sorts over typed arrays, kept for a couple of seconds
 * while the run moves) and only that page's ids and files are read from
 * Redis (O(page)). A search by name reads the run's log a bounded stretch a
 * request (name-search.ts) until it has caught up, then only what is new.
 *
 * What it holds, per run: 5 bytes a group (group-list.ts), a bit a group
 * for each search term kept (SEARCHES_KEPT), 4 bytes a listed group for each
 * list kept (LISTS_KEPT); RunIndexes keeps a bounded number of runs and bytes.
 *
 * A run Redis no longer holds: its output folder's group records, read again
 * at most every few seconds (such a run no longer changes but by hand).
 */
import { endianness } from 'node:os';
import type { RedisClient } from '../fleet/redis-options.js';
import { RunStore, type GroupState } from '../fleet/run-store.js';
import { GroupCache, readFinishedGroups } from './finished-groups.js';
import { groupList, MICRO, STATUS_CODE, STATUS_OF, toMicro } from './group-list.js';
import { matchesName, NameSearch, SEARCH_BUDGET, type SearchBudget } from './name-search.js';
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
  /** Groups that match the filters (all pages; while a search is under way, those found so far). */
  total: number;
  offset: number;
  limit: number;
  groups: IndexedGroup[];
  /** The index's version the page was cut from (a list is reused a while as the run moves: a page may be older than the index). */
  version: number;
  /** A search by name not yet through the run's log: entries read of how many (ask again for the rest). */
  searching?: { read: number; of: number };
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

/** The state bytes Redis keeps (lua/record-outcome.lua), as status codes. */
const CODE_OF_STATE = new Uint8Array(256);
CODE_OF_STATE[100] = 1; // d
CODE_OF_STATE[115] = 2; // s
CODE_OF_STATE[102] = 3; // f
/** A filtered and sorted list is reused this long while the run moves (a poll a second would otherwise sort every second). */
const LIST_FRESH_MS = 2000;
/** Lists kept per run (4 bytes a listed group each). */
const LISTS_KEPT = 4;
/** Log entries read per call. */
const LOG_CHUNK = 10_000;
/** Search terms remembered per run (a bit a group each). */
const SEARCHES_KEPT = 8;

export class RunIndex {
  /** Groups finished and known here. */
  count = 0;
  /** Bumped whenever a group is added or changes: a page asks again only when it moved. */
  version = 0;
  /** Each group's status code (STATUS_CODE; 0: not finished) and largest unseen share in millionths, by index. */
  private status = new Uint8Array(1024);
  private unseen = new Uint32Array(1024);
  /** Log entries read so far (a fleet run). */
  private cursor = 0;
  private store: RunStore | undefined;
  /** A run known by its folder: its groups, by index. */
  private readonly folderGroups = new Map<number, IndexedGroup>();
  private folderReadAt = -Infinity;
  private readonly lists = new Map<string, { version: number; at: number; list: Uint32Array }>();
  private readonly searches = new Map<string, NameSearch>();
  /** One refresh at a time: polls that come together share it. */
  private pending: Promise<void> | undefined;

  /** `search`: what one request may read of the run's log for a search by name. */
  constructor(private readonly runId: string, private readonly searchBudget: Readonly<SearchBudget> = SEARCH_BUDGET) {}

  /** Bytes it holds (its arrays, kept lists and searches; not a folder run's records, which GroupCache keeps). */
  get bytes(): number {
    let n = this.status.byteLength + this.unseen.byteLength;
    for (const l of this.lists.values()) n += l.list.byteLength;
    for (const s of this.searches.values()) n += s.bytes;
    return n;
  }

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

  /**
   * A run's first read: every group's state and share from two strings in
   * Redis, then the log from where they stand. The shares are copied as they
   * are (four bytes, little-endian, a group); the states mapped in one pass.
   */
  private async fromSnapshot(store: RunStore): Promise<void> {
    const snap = await store.snapshot();
    if (!snap) return;
    const { states, unseen, logLength } = snap;
    const n = states.length;
    this.reserve(n);
    const shared = Math.min(n, Math.floor(unseen.length / 4));
    if (endianness() === 'LE') new Uint8Array(this.unseen.buffer, 0, shared * 4).set(unseen.subarray(0, shared * 4));
    else for (let i = 0; i < shared; i++) this.unseen[i] = unseen.readUInt32LE(i * 4);
    const status = this.status;
    const shares = this.unseen;
    let count = 0;
    for (let i = 0; i < n; i++) {
      const code = CODE_OF_STATE[states[i]!]!;
      status[i] = code;
      if (code !== 0) count++;
      // a failed group has no share (one it had before a retry is no longer its own)
      if (code !== 1 && code !== 2) shares[i] = 0;
    }
    this.count = count;
    this.version += count;
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

  /** Room for indexes below `size`. */
  private reserve(size: number): void {
    if (size <= this.status.length) return;
    const s = new Uint8Array(size);
    s.set(this.status);
    const u = new Uint32Array(size);
    u.set(this.unseen);
    this.status = s;
    this.unseen = u;
  }

  private put(index: number, status: Exclude<GroupState, ''>, maxUnseen: number): void {
    if (index >= this.status.length) this.reserve(Math.max(index + 1, this.status.length * 2));
    if (this.status[index] === 0) this.count++;
    this.status[index] = STATUS_CODE[status];
    this.unseen[index] = toMicro(maxUnseen, status);
    this.version++;
  }

  /** The groups known here, in dataset order (for the folder glance: a run known by its folder only). */
  folderEntries(): IterableIterator<IndexedGroup> {
    return this.folderGroups.values();
  }

  /** One page of the groups that match the query. O(page) in Redis, and a search's stretch of the log. */
  async query(q: GroupQuery, now = Date.now()): Promise<GroupPage> {
    const { list, version, searching } = await this.matching(q, now);
    const indexes = Array.from(list.subarray(q.offset, q.offset + q.limit));
    return { total: list.length, offset: q.offset, limit: q.limit, groups: await this.groupsAt(indexes), version, ...(searching ? { searching } : {}) };
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
    const groups = found.map((index, j) => ({ groupId: ids[j]!.groupId ?? '', index, status: STATUS_OF[this.status[index]!]!, files: [] as string[], maxUnseen: this.unseen[index]! / MICRO })).filter((g) => g.groupId !== '');
    const failed = groups.filter((g) => g.status === 'failed');
    if (failed.length) {
      const failures = await this.store.failuresOf(failed.map((g) => g.groupId)).catch(() => []);
      failed.forEach((g, j) => { g.files = failures[j]?.files ?? []; });
    }
    return groups;
  }

  /**
   * The indexes of the groups that match the query's filters, in its order;
   * reused for LIST_FRESH_MS while the run moves. A search by name under way
   * reads its next stretch of the log, and its list is made again each time.
   */
  private async matching(q: GroupQuery, now: number): Promise<{ list: Uint32Array; version: number; searching?: GroupPage['searching'] }> {
    const needle = q.q?.trim().toLowerCase() ?? '';
    const key = JSON.stringify([q.status ?? null, q.minUnseen ?? null, q.maxUnseen ?? null, needle, q.sort]);
    const kept = this.lists.get(key);
    const search = needle && this.store ? this.searchFor(needle) : undefined;
    const caughtUp = search ? search.cursor >= this.cursor : true;
    if (kept && caughtUp && (kept.version === this.version || now - kept.at < LIST_FRESH_MS)) return kept;
    const through = search && this.store ? await search.advance(this.store, this.cursor, this.searchBudget) : true;
    const folder = needle && !this.store ? new Set([...this.folderGroups.values()].filter((g) => matchesName(g, needle)).map((g) => g.index)) : undefined;
    const list = groupList({ status: this.status, unseen: this.unseen, count: this.count }, q, folder ? (i) => folder.has(i) : search ? (i) => search.has(i) : undefined);
    if (!through) return { list, version: this.version, searching: { read: search!.cursor, of: this.cursor } };
    const made = { version: this.version, at: now, list };
    this.lists.delete(key);
    this.lists.set(key, made);
    if (this.lists.size > LISTS_KEPT) this.lists.delete(this.lists.keys().next().value as string);
    return made;
  }

  /** The search for a term, kept for SEARCHES_KEPT terms (the one used longest ago goes first). */
  private searchFor(needle: string): NameSearch {
    let s = this.searches.get(needle);
    this.searches.delete(needle);
    s ??= new NameSearch(needle);
    this.searches.set(needle, s);
    if (this.searches.size > SEARCHES_KEPT) this.searches.delete(this.searches.keys().next().value as string);
    return s;
  }
}

/** Bytes the run indexes of a dashboard hold at most (the run asked for now is always kept): a run of 1,000,000 groups holds 5 MB, and up to 22 MB with its lists and searches. */
export const INDEX_BYTES = 64 * 2 ** 20;

/**
 * One index per run, for the life of the server; at most `maxRuns` and
 * `maxBytes` of them, the one looked at longest ago going first. `source`
 * names what the run is now (its records' enqueue time, or its folder
 * alone): a run cleaned and enqueued again under its id, or whose records
 * were lost from Redis, is another run, and gets a new index (the old one
 * served the cleaned run's groups).
 */
export class RunIndexes {
  private readonly runs = new Map<string, { source: string; index: RunIndex }>();
  constructor(private readonly maxRuns = 20, private readonly maxBytes = INDEX_BYTES) {}

  get(runId: string, source = ''): RunIndex {
    const found = this.runs.get(runId);
    this.runs.delete(runId);
    const index = found?.source === source ? found.index : new RunIndex(runId);
    this.runs.set(runId, { source, index });
    let bytes = 0;
    for (const r of this.runs.values()) bytes += r.index.bytes;
    for (const [id, r] of this.runs) {
      if (this.runs.size <= 1 || (this.runs.size <= this.maxRuns && bytes <= this.maxBytes)) break;
      this.runs.delete(id);
      bytes -= r.index.bytes;
    }
    return index;
  }
}
