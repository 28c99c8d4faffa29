/**
 * A run's state in Redis, which every worker of the fleet shares: its meta
 * and counts, its groups (ids by index, one state byte each), its failures,
 * and aggregates kept up to date as groups are counted. Every operation's
 * cost is stated against what it shows (docs/architecture.md has the table):
 * reads a person repeats are O(1) or O(page); operations over the whole run
 * stream it a chunk at a time in bounded memory; no argument list grows with
 * the run. Each group is counted once, whatever happens to its jobs: the
 * count is a Lua script (lua/record-outcome.lua) that writes only when the
 * group's state byte says it was not counted yet.
 */
import type { RedisClient } from './redis-options.js';
import { UsageError } from '../errors.js';
import { TIMING_KEYS, type GroupError, type GroupTimings } from '../group/group-task.js';
import type { RunFailure } from '../records/run-record.js';
import type { SpreadTotals } from '../types.js';
import { fleetCommands, type FleetRedis } from './fleet-commands.js';
import { BUCKET, fixedRunKeys, runKeys, runsKey, type RunKeys } from './fleet-keys.js';
import { dateField, parseRunMeta, type RunMeta } from './run-meta.js';

export type { RunMeta } from './run-meta.js';

export interface RunCounts {
  total: number;
  done: number;
  skipped: number;
  failed: number;
}

export interface RunState extends RunCounts {
  runId: string;
  meta?: RunMeta;
  startedAt?: string;
  finishedAt?: string;
  /** Bumped each time a group is counted or uncounted. */
  version?: number;
  /** When the first and the latest group were counted (ms since the epoch). */
  firstAt?: number;
  lastAt?: number;
  /** Milliseconds the run stood idle between its end and a retry's first group taken (left out of its pace). */
  idleMs?: number;
  /** Reopened by a retry and waiting for a worker since this time (ms since the epoch): its clock stands still. */
  pausedAt?: number;
  /** Attempts: groups retried (by bnviz retry, the dashboard or Bull Board), jobs handed back by a worker that could not serve them, and attempts that failed and are tried again after a backoff. Never go down. */
  attempts?: RunAttempts;
  /** Groups ever counted failed (a retry takes them out of `failed`, not out of this). */
  failedTotal?: number;
  /** When the enqueue finished adding the run's groups (absent: still adding, or it died part-way). */
  enqueueDone?: string;
  /** 'damaged': the run's records are malformed (`damaged` says how); its counts are still read. */
  status: 'queued' | 'running' | 'finished' | 'damaged';
  /** What is malformed in the run's records (`meta.options is not JSON`); `meta` is then undefined. */
  damaged?: string;
  /** With `damaged`: the meta fields that could be read. */
  partialMeta?: Partial<RunMeta>;
}

export interface RunAttempts {
  retried: number;
  handedBack: number;
  /** Attempts that failed with an error and are tried again after a backoff (queue.attempts). */
  reattempted: number;
}

/** The meta field that counts each kind of attempt. */
const ATTEMPT_FIELD = { handedBack: 'handedBack', reattempted: 'reattempted' } as const;

export interface Outcome {
  groupId: string;
  /** Its index in the dataset (0-based). */
  index: number;
  status: 'done' | 'skipped' | 'failed';
  files: string[];
  error?: GroupError;
  timings?: GroupTimings;
  /** Largest unseen share of the group's images and channels (0..1), when it was computed. */
  maxUnseen?: number;
  /** Each image's unseen share per channel (R, G, B, image after image; unseenShares), when it was computed. */
  unseen?: number[];
  /** Its level counts are to be added to the run's by the worker that counts it (level-sink.ts): the run's records wait for them. */
  levels?: boolean;
}

export interface Recorded extends RunCounts {
  /** 'added': counted now; 'counted': it was already; 'unknown': not a group of this run (nothing counted). */
  effect: 'added' | 'counted' | 'unknown';
}

/** A failure as the run keeps it: with the group's index, so a retry can re-add its job. */
export interface StoredFailure extends RunFailure {
  index?: number;
}

/** A group's state byte read back. */
export type GroupState = '' | 'done' | 'skipped' | 'failed';
const STATE_OF: Record<string, GroupState> = { d: 'done', s: 'skipped', f: 'failed' };

/** One entry of a run's log: a group counted (or counted again), in the order it happened. */
export interface LogEntry {
  index: number;
  groupId: string;
  status: Exclude<GroupState, ''>;
  /** Largest unseen share, 0..1 (0 when not computed: a failed or skipped group). */
  maxUnseen: number;
  files: string[];
}

export interface Uncounted {
  groupId: string;
  index: number;
  /** What became of its job; '' while it is waiting, delayed or running. */
  state: '' | 'missing' | 'failed' | 'completed';
}

/** The stage histogram's upper bounds in seconds (the run's aggregates and /metrics). */
export const STAGE_BOUNDS = [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60] as const;

/** Buckets read or written per call when a run is streamed: 20 x BUCKET groups. */
const STREAM_BUCKETS = 20;

export function isComplete(c: RunCounts): boolean {
  return c.total > 0 && c.done + c.skipped + c.failed >= c.total;
}

/** One run's records. Cheap to make: it holds the connection, the prefix and the keys. */
export class RunStore {
  readonly k: RunKeys;
  private readonly redis: FleetRedis;

  constructor(redis: RedisClient, readonly prefix: string, readonly runId: string) {
    this.redis = fleetCommands(redis);
    this.k = runKeys(prefix, runId);
  }

  /** Writes the run's meta the first time it is enqueued (later enqueues keep the first). True when the run is new. O(1). */
  async open(meta: RunMeta): Promise<boolean> {
    const fields: Record<string, string> = {
      root: meta.root,
      options: JSON.stringify(meta.options),
      groupSize: String(meta.groupSize),
      images: String(meta.images),
      queue: meta.queue,
      partialGroups: JSON.stringify(meta.partialGroups),
      enqueuedAt: meta.enqueuedAt,
      ...(meta.firstPass ? { firstPass: '1' } : {}),
      ...(meta.grouping ? { grouping: JSON.stringify(meta.grouping) } : {}),
    };
    const tx = this.redis.multi();
    for (const [f, v] of Object.entries(fields)) tx.hsetnx(this.k.meta, f, v);
    tx.zadd(runsKey(this.prefix), 'NX', Date.parse(meta.enqueuedAt), this.runId);
    const replies = await tx.exec();
    return replies?.[0]?.[1] === 1;
  }

  /**
   * Registers groups under their indexes, each once (the run's total counts
   * them), with the files of each not counted yet (its job names only its
   * index); returns how many were new. O(groups given). Throws UsageError
   * when an index holds another group: the run id was enqueued with other data.
   */
  async addGroups(groups: ReadonlyArray<{ groupId: string; index: number; files: readonly string[] }>): Promise<number> {
    let added = 0;
    for (const [bucket, triples] of byBucket(groups)) {
      const [n, index, there] = (await this.redis.bnvizAddGroups(this.k.meta, this.k.ids(bucket), this.k.files(bucket), this.k.state, triples)) as [number, number, string];
      if (index >= 0) {
        throw new UsageError(`run ${this.runId} was enqueued before with other groups (group ${index + 1} is ${there} there, not ${triples[triples.indexOf(String(index)) + 1]}); enqueue under another run id (--run), or bnviz clean ${this.runId} first`);
      }
      added += n;
    }
    return added;
  }

  /** The files of the group at `index` as the run keeps them until it is counted; undefined when none are kept. O(1). */
  async filesAt(index: number): Promise<string[] | undefined> {
    return splitFiles(await this.redis.hget(this.k.files(index), String(index)));
  }

  /** The id of the group at `index`, or null. O(1). */
  async groupAt(index: number): Promise<string | null> {
    return this.redis.hget(this.k.ids(index), String(index));
  }

  /**
   * The indexes of these groups (ids the run does not have are left out): by
   * the position a planned id starts with (O(ids)), else, for ids a manifest
   * chose, by a walk of the run (O(run)).
   */
  async indexesOf(ids: readonly string[]): Promise<Map<string, number>> {
    const found = new Map<string, number>();
    const guesses = ids.map((id) => /^(\d+)-/.exec(id)).map((m) => (m ? Number(m[1]) - 1 : -1));
    const at = await this.page(guesses.map((i) => Math.max(0, i)));
    ids.forEach((id, j) => { if (guesses[j]! >= 0 && at[j]?.groupId === id) found.set(id, guesses[j]!); });
    if (found.size < new Set(ids).size) {
      const wanted = new Set(ids.filter((id) => !found.has(id)));
      for await (const g of this.inOrder()) if (wanted.has(g.groupId)) found.set(g.groupId, g.index);
    }
    return found;
  }

  /** Whether Redis holds any group of the run (its meta may be gone while its groups are not). O(1). */
  async hasGroups(): Promise<boolean> {
    return (await this.redis.exists(this.k.ids(0))) === 1;
  }

  /** Marks the run started, the first time a worker takes one of its groups. O(1). */
  async markStarted(at = new Date()): Promise<void> {
    // also ends the pause of a run a retry reopened (lua/mark-started.lua)
    await this.redis.bnvizMarkStarted(this.k.meta, at.toISOString(), at.getTime());
  }

  /** Counts a job handed back, or an attempt that failed and will be tried again. O(1). */
  async countAttempt(kind: keyof typeof ATTEMPT_FIELD): Promise<void> {
    // never makes a meta of its own (a job of a run cleaned meanwhile, or a made-up run id)
    if (await this.redis.exists(this.k.meta)) await this.redis.hincrby(this.k.meta, ATTEMPT_FIELD[kind], 1);
  }

  /** Counts a group's outcome once, and returns the run's counts after it. O(1) (O(images) for the shares). */
  async record(o: Outcome): Promise<Recorded> {
    const k = this.k;
    const failure: StoredFailure | undefined = o.status === 'failed' ? { groupId: o.groupId, index: o.index, files: o.files, error: o.error ?? { name: 'Error', message: 'unknown' } } : undefined;
    const done = o.status === 'done';
    const r = (await this.redis.bnvizRecordOutcome(
      k.meta, k.state, k.ids(o.index), k.failures, k.failedAt, k.agg, k.rates[0]!, k.rates[1]!, k.rates[2]!, k.timings, k.log, k.unseen, k.files(o.index),
      o.groupId, o.index, o.status, failure ? JSON.stringify(failure) : '', done && o.timings ? JSON.stringify(o.timings) : '',
      o.status !== 'failed' && o.maxUnseen !== undefined ? String(o.maxUnseen) : '', Date.now(), STAGE_BOUNDS.join(','), o.files.join('\t'),
      o.levels ? '1' : '', ...(done && o.unseen ? o.unseen.map(String) : []),
    )) as number[];
    return { effect: r[0] === 1 ? 'added' : r[0] === 0 ? 'counted' : 'unknown', total: r[1]!, done: r[2]!, skipped: r[3]!, failed: r[4]! };
  }

  /**
   * The run's meta and counts; undefined when Redis holds no such run. O(1).
   * Never throws for malformed records (a field that is not JSON or not a
   * number, a key of the wrong type): the run comes back with status
   * 'damaged', the reason in `damaged`, no `meta`, and what could be read in
   * `partialMeta`.
   */
  async read(): Promise<RunState | undefined> {
    let fields: Record<string, string>;
    const problems: string[] = [];
    try {
      fields = await this.redis.hgetall(this.k.meta);
    } catch (err) {
      // A key of another type is a malformed record; anything else (the connection) is the caller's to see.
      if (!(err instanceof Error) || !/^WRONGTYPE\b/.test(err.message)) throw err;
      return { runId: this.runId, total: 0, done: 0, skipped: 0, failed: 0, partialMeta: {}, status: 'damaged', damaged: 'meta is not a hash' };
    }
    if (Object.keys(fields).length === 0) return undefined;
    const count = (key: string) => {
      const v = fields[key];
      if (v === undefined) return 0;
      const n = Number(v);
      if (Number.isInteger(n) && n >= 0) return n;
      problems.push(`meta.${key} is not a count (${JSON.stringify(v.slice(0, 40))})`);
      return 0;
    };
    const counts = { total: count('total'), done: count('done'), skipped: count('skipped'), failed: count('failed') };
    const { meta, partial, damaged } = parseRunMeta(fields);
    problems.push(...damaged);
    const startedAt = dateField(fields, 'startedAt', problems);
    const finishedAt = dateField(fields, 'finishedAt', problems);
    const extra = {
      version: count('version'),
      ...(fields.firstAt ? { firstAt: Number(fields.firstAt) } : {}),
      ...(fields.lastAt ? { lastAt: Number(fields.lastAt) } : {}),
      ...(fields.enqueueDone ? { enqueueDone: fields.enqueueDone } : {}),
      ...(fields.idleMs ? { idleMs: count('idleMs') } : {}),
      ...(fields.pausedAt ? { pausedAt: count('pausedAt') } : {}),
      failedTotal: fields.failedTotal === undefined ? counts.failed : count('failedTotal'),
      attempts: { retried: count('retried'), handedBack: count('handedBack'), reattempted: count('reattempted') },
    };
    if (problems.length) {
      return { runId: this.runId, ...counts, ...extra, partialMeta: partial, startedAt, finishedAt, status: 'damaged', damaged: problems.join('; ') };
    }
    return { runId: this.runId, ...counts, ...extra, meta, startedAt, finishedAt, status: finishedAt ? 'finished' : startedAt ? 'running' : 'queued' };
  }

  /** The run's failures, newest first, from `offset`, at most `limit`, with how many there are. O(log n + page). */
  async failuresPage(offset = 0, limit = 20): Promise<{ count: number; failures: StoredFailure[] }> {
    const [count, ids] = await Promise.all([this.redis.zcard(this.k.failedAt), limit > 0 ? this.redis.zrange(this.k.failedAt, String(offset), String(offset + limit - 1), 'REV') : []]);
    return { count, failures: (await this.failuresOf(ids)).filter((f): f is StoredFailure => f !== undefined) };
  }

  /** The stored failures of these groups (undefined: not counted failed). O(ids). Throws SyntaxError for an entry that is not JSON. */
  async failuresOf(ids: readonly string[]): Promise<Array<StoredFailure | undefined>> {
    if (ids.length === 0) return [];
    const raw = await this.redis.hmget(this.k.failures, ...ids);
    return raw.map((v) => (v === null ? undefined : (JSON.parse(v) as StoredFailure)));
  }

  /** Every group in dataset order with its state, a few thousand a call: O(run) in all, memory O(chunk). */
  async *inOrder(): AsyncGenerator<{ groupId: string; index: number; state: GroupState }> {
    const span = await this.span();
    for (let first = 0; first < span; first += STREAM_BUCKETS * BUCKET) {
      const last = Math.min(span, first + STREAM_BUCKETS * BUCKET) - 1;
      const p = this.redis.pipeline();
      for (let b = first; b <= last; b += BUCKET) p.hgetall(this.k.ids(b));
      p.getrange(this.k.state, first, last);
      const replies = (await p.exec()) ?? [];
      const states = String(replies.at(-1)?.[1] ?? '');
      const found: Array<{ groupId: string; index: number; state: GroupState }> = [];
      for (const [err, v] of replies.slice(0, -1)) {
        if (err) throw err;
        for (const [i, groupId] of Object.entries(v as Record<string, string>)) {
          const index = Number(i);
          found.push({ groupId, index, state: STATE_OF[states[index - first] ?? ''] ?? '' });
        }
      }
      yield* found.sort((a, b) => a.index - b.index);
    }
  }

  /** The run's counted groups in dataset order, each failed one with its failure: O(run) in all, memory O(chunk). */
  async *countedInOrder(): AsyncGenerator<{ groupId: string; index: number; failure?: StoredFailure }> {
    let chunk: Array<{ groupId: string; index: number; state: GroupState }> = [];
    const flush = async function* (store: RunStore) {
      const failures = await store.failuresOf(chunk.filter((g) => g.state === 'failed').map((g) => g.groupId));
      for (const g of chunk) {
        if (g.state === 'failed') {
          const failure = failures.shift();
          yield { groupId: g.groupId, index: g.index, failure: failure ?? { groupId: g.groupId, files: [], error: { name: 'Error', message: 'its failure was not recorded' } } };
        } else yield { groupId: g.groupId, index: g.index };
      }
      chunk = [];
    };
    for await (const g of this.inOrder()) {
      if (g.state === '') continue;
      chunk.push(g);
      if (chunk.length === 2000) yield* flush(this);
    }
    if (chunk.length) yield* flush(this);
  }

  /** The ids (and indexes) of groups at these indexes, and their states. O(page). */
  async page(indexes: readonly number[]): Promise<Array<{ groupId: string | null; state: GroupState }>> {
    if (indexes.length === 0) return [];
    const p = this.redis.pipeline();
    for (const i of indexes) p.hget(this.k.ids(i), String(i));
    for (const i of indexes) p.getrange(this.k.state, i, i);
    const replies = (await p.exec()) ?? [];
    return indexes.map((_, j) => ({ groupId: (replies[j]?.[1] as string | null) ?? null, state: STATE_OF[String(replies[indexes.length + j]?.[1] ?? '')] ?? '' }));
  }

  /** The groups not counted yet, with the state of their jobs, 2,000 a call. O(run). `queueKey`: `<prefix>:<queue>:`. */
  async *uncounted(queueKey: string): AsyncGenerator<Uncounted> {
    const span = await this.span();
    for (let first = 0; first < span; first += STREAM_BUCKETS * BUCKET) {
      const buckets: string[] = [];
      for (let b = first; b < Math.min(span, first + STREAM_BUCKETS * BUCKET); b += BUCKET) buckets.push(this.k.ids(b));
      const flat = (await this.redis.bnvizUncountedGroups(1 + buckets.length, this.k.state, ...buckets, queueKey, this.runId)) as string[];
      for (let i = 0; i < flat.length; i += 3) yield { groupId: flat[i]!, index: Number(flat[i + 1]), state: flat[i + 2] as Uncounted['state'] };
    }
  }

  /**
   * Uncounts these failed groups (others are left alone), keeps their files
   * again for their jobs, and reopens the run; returns the ids uncounted.
   * O(groups given; a retry gives a few hundred at a time).
   */
  async uncountFailed(groups: ReadonlyArray<{ groupId: string; index: number; files: readonly string[] }>): Promise<string[]> {
    if (groups.length === 0) return [];
    const keys = [this.k.meta, this.k.state, this.k.failures, this.k.failedAt, ...groups.map((g) => this.k.files(g.index))];
    return (await this.redis.bnvizUncountFailed(keys.length, keys, groups.flatMap((g) => [g.groupId, g.index, joinFiles(g.files)]))) as string[];
  }

  /** The ids of the groups counted failed, a chunk at a time (any order). O(failed) in all. */
  async *failedIds(chunk = 500): AsyncGenerator<string[]> {
    let cursor = '0';
    do {
      const [next, flat] = await this.redis.zscan(this.k.failedAt, cursor, 'COUNT', chunk);
      cursor = next;
      const ids = flat.filter((_, i) => i % 2 === 0);
      if (ids.length) yield ids;
    } while (cursor !== '0');
  }

  /**
   * Every group's state and largest unseen share as they are now, with the
   * length of the log they reflect: a reader that starts here follows the log
   * from `logLength` on. Undefined for a run recorded without the shares'
   * array (it is read from its log instead). Two string reads: O(run) bytes
   * (5 a group), one command each, whatever the log holds.
   */
  async snapshot(): Promise<{ states: Buffer; unseen: Buffer; logLength: number } | undefined> {
    const replies = await this.redis.multi().llen(this.k.log).getBuffer(this.k.state).getBuffer(this.k.unseen).exec();
    if (!replies || replies.some(([err]) => err)) return undefined;
    const [[, logLength], [, states], [, unseen]] = replies as [[null, number], [null, Buffer | null], [null, Buffer | null]];
    if (!states || !unseen) return undefined;
    return { states, unseen, logLength };
  }

  /**
   * The log from entry `from` on, at most `max` entries; `next` is where to
   * read from next time. With `containing` (in lower case), only the entries
   * whose text holds it, in any case, are parsed and returned: a search's
   * sieve, which spares it parsing the rest. O(entries read).
   */
  async readLog(from: number, max = 10_000, containing?: string): Promise<{ entries: LogEntry[]; next: number }> {
    const raw = await this.redis.lrange(this.k.log, from, from + max - 1);
    const entries: LogEntry[] = [];
    for (const line of raw) {
      if (containing !== undefined && !line.toLowerCase().includes(containing)) continue;
      const m = /^(\d+):([dsf]):(\d*):([^:]+):(.*)$/s.exec(line);
      if (!m) continue; // not an entry of ours: left out
      entries.push({ index: Number(m[1]), status: STATE_OF[m[2]!] as LogEntry['status'], maxUnseen: m[3] ? Number(m[3]) / 1e6 : 0, groupId: m[4]!, files: m[5] ? m[5].split('\t') : [] });
    }
    return { entries, next: from + raw.length };
  }

  /** The aggregates kept as groups are counted (a few hundred fields at most, whatever the run's size). O(1). */
  async aggregates(): Promise<Aggregates> {
    return parseAggregates(await this.redis.hgetall(this.k.agg));
  }

  /** Groups counted per slice of `seconds` (1, 60 or 3600), by the slice's start (s since the epoch). O(slices). */
  async rates(seconds: 1 | 60 | 3600): Promise<Map<number, number>> {
    const key = this.k.rates[[1, 60, 3600].indexOf(seconds)]!;
    const raw = await this.redis.hgetall(key);
    return new Map(Object.entries(raw).map(([slice, n]) => [Number(slice) * seconds, Number(n)]));
  }

  /** The latest group timings kept (at most 1,000). */
  async timings(): Promise<GroupTimings[]> {
    return (await this.redis.lrange(this.k.timings, 0, -1)).map((t) => JSON.parse(t) as GroupTimings);
  }

  /** Makes a finished run's records expire after `seconds`. O(run / BUCKET). */
  async expire(seconds: number): Promise<void> {
    await this.eachKey((p, key) => p.expire(key, seconds));
  }

  /** Makes a reopened run's records last again (a retry must not let them expire under it). O(run / BUCKET). */
  async persist(): Promise<void> {
    await this.eachKey((p, key) => p.persist(key));
  }

  /** Removes every record of the run (the run list entry included). O(run / BUCKET) commands, memory O(1). */
  async delete(): Promise<void> {
    await this.eachKey((p, key) => p.unlink(key));
    await this.redis.zrem(runsKey(this.prefix), this.runId);
  }

  /** How far the run's indexes go (the buckets to read): one past the largest index registered. */
  private async span(): Promise<number> {
    return Number((await this.redis.hget(this.k.meta, 'total')) ?? 0);
  }

  /** Calls `f` for every key of the run, in pipelines of a few hundred; the meta last. */
  private async eachKey(f: (p: ReturnType<FleetRedis['pipeline']>, key: string) => void): Promise<void> {
    const span = await this.span();
    for (let b = 0; b < span; b += 500 * BUCKET) {
      const p = this.redis.pipeline();
      for (let i = b; i < Math.min(span, b + 500 * BUCKET); i += BUCKET) {
        f(p, this.k.ids(i));
        f(p, this.k.files(i));
      }
      await p.exec();
    }
    const p = this.redis.pipeline();
    for (const key of fixedRunKeys(this.k).filter((key) => key !== this.k.meta)) f(p, key);
    f(p, this.k.meta);
    await p.exec();
  }
}

/** Groups split by the bucket that holds them, as [an index in the bucket, [index, id, files, ...]]. */
function byBucket(groups: ReadonlyArray<{ groupId: string; index: number; files: readonly string[] }>): Map<number, string[]> {
  const out = new Map<number, string[]>();
  for (const g of groups) {
    const bucket = Math.floor(g.index / BUCKET) * BUCKET;
    let triples = out.get(bucket);
    if (!triples) out.set(bucket, (triples = []));
    triples.push(String(g.index), g.groupId, joinFiles(g.files));
  }
  return out;
}

/** A group's files as its files bucket keeps them: NUL-separated (NUL is in no file's name, checkRelative). */
export function joinFiles(files: readonly string[]): string {
  return files.join('\0');
}

/** A files bucket's entry read back; undefined for none. */
export function splitFiles(entry: string | null | undefined): string[] | undefined {
  return entry ? entry.split('\0') : undefined;
}

/** What the run's aggregates hold. */
export interface Aggregates {
  /** Groups done by largest unseen share, in 1,000 bins of 0.1% (bin 999 closed at 100%). */
  unseenBins: number[];
  /** Images per channel by unseen share, in 20 bins of 5%, with the sums of the shares and the images counted. */
  spread: SpreadTotals;
  /** Per stage (`decodeMs`, ...): counts per STAGE_BOUNDS bin (the last: above them all) and the sum in seconds. */
  stages: Record<string, { bins: number[]; sum: number }>;
}

export function parseAggregates(raw: Record<string, string>): Aggregates {
  const unseenBins = new Array<number>(1000).fill(0);
  const counts = { R: new Array<number>(20).fill(0), G: new Array<number>(20).fill(0), B: new Array<number>(20).fill(0) };
  const sums = { R: 0, G: 0, B: 0 };
  const stages: Aggregates['stages'] = {};
  for (const key of TIMING_KEYS) stages[key] = { bins: new Array<number>(STAGE_BOUNDS.length + 1).fill(0), sum: 0 };
  for (const [field, v] of Object.entries(raw)) {
    const n = Number(v);
    if (!Number.isFinite(n)) continue;
    const [kind, a, b] = field.split(':');
    if (kind === 'u' && Number(a) >= 0 && Number(a) < 1000) unseenBins[Number(a)] = n;
    else if (kind === 's' && (a === 'R' || a === 'G' || a === 'B') && Number(b) >= 0 && Number(b) < 20) counts[a][Number(b)] = n;
    else if (kind === 'sum' && (a === 'R' || a === 'G' || a === 'B')) sums[a] = n;
    else if (kind === 't' && a && stages[a]) {
      if (b === 'sum') stages[a].sum = n;
      else if (Number(b) >= 1 && Number(b) <= STAGE_BOUNDS.length + 1) stages[a].bins[Number(b) - 1] = n;
    }
  }
  return { unseenBins, spread: { counts, sums, images: Number(raw.images) || 0 }, stages };
}

/** A run's meta and counts (RunStore.read), for a caller that needs nothing else of it. */
export function readRun(redis: RedisClient, prefix: string, runId: string): Promise<RunState | undefined> {
  return new RunStore(redis, prefix, runId).read();
}

/** Run ids, newest first. O(limit). */
export async function listRunIds(redis: RedisClient, prefix: string, limit = 50): Promise<string[]> {
  return redis.zrange(runsKey(prefix), 0, String(limit - 1), 'REV');
}

/** Runs whose records say they are not finished (at most `limit`, newest first). O(limit). */
export async function unfinishedRunIds(redis: RedisClient, prefix: string, limit = 1000): Promise<string[]> {
  const ids = await listRunIds(redis, prefix, limit);
  if (ids.length === 0) return [];
  const replies = await redis.pipeline(ids.map((id) => ['hmget', runKeys(prefix, id).meta, 'root', 'finishedAt'])).exec();
  const gone: string[] = [];
  const open = ids.filter((id, i) => {
    const [root, finishedAt] = (replies?.[i]?.[1] ?? []) as Array<string | null>;
    if (!root && !finishedAt) gone.push(id);
    return root && !finishedAt;
  });
  // runs whose records expired (retention) or were removed leave the list
  if (gone.length) await redis.zrem(runsKey(prefix), ...gone);
  return open;
}

/** What `bnviz status` shows of the first pass. */
export interface FitPhaseState {
  slices: number;
  /** Slices counted, and failed. */
  done: number;
  failed: number;
  /** Images in the pass, images counted, images that could not be read. */
  images: number;
  counted: number;
  unreadable: number;
  /** When the statistics were taken (the group jobs are added next). */
  endedAt?: string;
  /** Why slices failed, by slice (the first few). */
  failures: Array<{ slice: number; reason: string; images: number }>;
}

/** The first pass's progress. O(1) but for the failed slices shown (a scan of at most a few hundred). */
export async function readFitPhase(redis: RedisClient, k: RunKeys): Promise<FitPhaseState | undefined> {
  const [[, fields], [, done], [, unreadable], [, failedCount], [, scanned]] = (await redis.pipeline()
    .hmget(k.meta, 'fitSlices', 'fitImages', 'fitCounted', 'fitEndedAt').scard(k.fitDone).hlen(k.fitSkipped).hlen(k.fitFailed).hscan(k.fitFailed, '0', 'COUNT', 200).exec()) as Array<[Error | null, unknown]>;
  const [slices, images, counted, endedAt] = fields as Array<string | null>;
  if (!slices) return undefined;
  const flat = (scanned as [string, string[]])[1];
  const failures: FitPhaseState['failures'] = [];
  for (let i = 0; i < flat.length; i += 2) {
    try {
      const f = JSON.parse(flat[i + 1]!) as { reason?: unknown; images?: unknown };
      failures.push({ slice: Number(flat[i]), reason: String(f.reason), images: Number(f.images) || 0 });
    } catch {
      failures.push({ slice: Number(flat[i]), reason: 'unreadable', images: 0 });
    }
  }
  failures.sort((a, b) => a.slice - b.slice);
  return {
    slices: Number(slices), done: Number(done), failed: Number(failedCount), images: Number(images ?? 0), counted: Number(counted ?? 0), unreadable: Number(unreadable),
    ...(endedAt ? { endedAt } : {}), failures: failures.slice(0, 10),
  };
}
