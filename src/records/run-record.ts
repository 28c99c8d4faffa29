/**
 * run.json: what a run was asked, what it did, and what failed; and the one
 * function that builds it, for `bnviz run` and for the fleet alike. It lists
 * the first MAX_LISTED_FAILURES failures in dataset order and counts the
 * rest, so it stays small however many groups fail; failures.csv (written by
 * finalizeRun) holds every one.
 */
import type { SummaryFile } from './summary-csv.js';
import { median } from 'd3-array';
import { TIMING_KEYS, type GroupError, type GroupOptions, type GroupTimings } from '../group/group-task.js';
import { TopK } from '../util/top-k.js';
import { versions } from './versions.js';

/** Failures run.json lists (the first, in dataset order); the rest are counted, and in failures.csv. */
export const MAX_LISTED_FAILURES = 1000;

export interface RunFailure {
  groupId: string;
  files: string[];
  error: GroupError;
}

/** How a run's images were ordered and grouped. */
export interface Grouping {
  order: 'sorted' | 'shuffle';
  seed: number;
  groupBy: 'dataset' | 'folder';
}

/** What differs between a run's grouping and the one asked now, as the user would fix it; undefined when they agree. */
export function groupingConflict(was: Grouping | undefined, now: Grouping): string | undefined {
  const before = was ?? { order: 'sorted', seed: now.seed, groupBy: 'dataset' };
  // the seed matters only to a shuffle
  const same = before.order === now.order && before.groupBy === now.groupBy && (now.order === 'sorted' || before.seed === now.seed);
  if (same) return undefined;
  const text = (g: Grouping) => `--order ${g.order}${g.order === 'shuffle' ? ` --seed ${g.seed}` : ''} --group-by ${g.groupBy}`;
  return `its groups were made with ${text(before)}, not ${text(now)}: give those to resume it, or another --run`;
}

export interface RunCounts {
  groups: number;
  images: number;
  done: number;
  skipped: number;
  failed: number;
  partialGroups: string[];
}

export interface RunTimings {
  wallMs: number;
  groupsPerSecond: number;
  /** Median of each stage over the groups done (`decodeMs`, ..., `totalMs`). */
  medianMs: Record<string, number>;
  /** Peak memory of the process that wrote the record (for `bnviz run`: every thread of the run). */
  peakRssMB: number;
}

export interface RunRecord {
  runId: string;
  /** Absolute dataset root. */
  root: string;
  status: 'running' | 'finished' | 'interrupted';
  startedAt: string;
  finishedAt?: string;
  options: GroupOptions;
  /** Group size asked for; partial groups are listed by id. */
  groupSize: number;
  /** How the images were ordered and grouped (`--order`, `--seed`, `--group-by`); a resumed or retried run keeps them. */
  grouping?: Grouping;
  versions: Record<string, string>;
  counts: RunCounts;
  timings?: RunTimings;
  backend?: string;
  threads?: number;
  /** The first MAX_LISTED_FAILURES failures, in dataset order. */
  failures: RunFailure[];
  /** Failures not listed in `failures` (every failure is in failures.csv). */
  failuresLeftOut: number;
  /** The summary's file: summary.csv, or summary.csv.gz for a run more rows than a spreadsheet opens (summaryFileName); set once the run's records are written. */
  summary?: SummaryFile;
}

/** What a driver knows of a run; buildRunRecord derives the rest. */
export interface RunFacts {
  runId: string;
  root: string;
  status: RunRecord['status'];
  startedAt: string;
  finishedAt?: string;
  options: GroupOptions;
  groupSize: number;
  grouping?: Grouping;
  counts: RunCounts;
  /**
   * The run's failures, in any order (an array, or any iterable: only the
   * first MAX_LISTED_FAILURES in dataset order are kept while it is read).
   * finalizeRun lists the failures that come with its groups instead, when
   * they do.
   */
  failures: Iterable<RunFailure>;
  /** A group's index in the dataset, so failures are listed in dataset order (not in the order they happened). */
  indexOf(groupId: string): number | undefined;
  /** Timings of groups done: every one, or the latest ones kept (their medians go into the record). */
  timings?: GroupTimings[];
  /** Wall time of the run; with it the record gets its timings. */
  wallMs?: number;
  backend?: string;
  threads?: number;
}

export function buildRunRecord(f: RunFacts): RunRecord {
  const rank = (id: string) => f.indexOf(id) ?? Number.MAX_SAFE_INTEGER;
  const first = new TopK<{ failure: RunFailure; rank: number }>(MAX_LISTED_FAILURES, (a, b) => a.rank - b.rank || (a.failure.groupId < b.failure.groupId ? -1 : a.failure.groupId > b.failure.groupId ? 1 : 0));
  for (const failure of f.failures) first.add({ failure, rank: rank(failure.groupId) });
  return {
    runId: f.runId,
    root: f.root,
    status: f.status,
    startedAt: f.startedAt,
    ...(f.finishedAt ? { finishedAt: f.finishedAt } : {}),
    options: f.options,
    groupSize: f.groupSize,
    ...(f.grouping ? { grouping: f.grouping } : {}),
    versions: versions(),
    counts: f.counts,
    ...(f.wallMs === undefined ? {} : {
      timings: {
        wallMs: f.wallMs,
        groupsPerSecond: f.wallMs > 0 ? f.counts.done / (f.wallMs / 1000) : 0,
        medianMs: Object.fromEntries(TIMING_KEYS.map((k) => [k, median(f.timings ?? [], (t) => t[k]) ?? 0])),
        peakRssMB: process.resourceUsage().maxRSS / 1024,
      },
    }),
    ...(f.backend ? { backend: f.backend } : {}),
    ...(f.threads ? { threads: f.threads } : {}),
    failures: first.sorted().map((x) => x.failure),
    failuresLeftOut: first.leftOut,
  };
}
