/**
 * What the dashboard's JSON says about a run: pure functions of the state
 * read from Redis and the time now, with the pace (rate, ETA) computed as
 * `bnviz status` computes it.
 */
import { thumbnailOf } from '../records/group-record.js';
import type { RunFailure } from '../records/run-record.js';
import type { WorkerBeat } from '../fleet/heartbeat.js';
import type { QueueDepth } from '../fleet/queue-depth.js';
import type { RunAttempts, RunState } from '../fleet/run-store.js';
import type { FitPhaseState } from '../fleet/run-store.js';
import { duration, enqueueUnfinished, formatAttempts, formatFitPhase, metaOf, paceOf, workerRate } from '../fleet/status-view.js';
import { fileUrl } from './finished-groups.js';
import type { Histogram, RateSeries } from './run-glance.js';
import type { IndexedGroup } from './run-index.js';


export interface RunView {
  runId: string;
  status: RunState['status'];
  /** With status 'damaged': what is malformed in the run's records. */
  damaged?: string;
  total: number;
  done: number;
  skipped: number;
  failed: number;
  /** done + skipped + failed */
  finished: number;
  /** Whole percent finished, rounded down, so 100 means every group is counted. */
  percent: number;
  /** Groups per second since the first group was taken. */
  rate: number;
  /** Seconds left at that rate; null when unknown. */
  etaSeconds: number | null;
  elapsedSeconds: number;
  /** The same as text (`1m05s`, `?`). */
  eta: string;
  elapsed: string;
  root?: string;
  queue?: string;
  enqueuedAt?: string;
  startedAt?: string;
  finishedAt?: string;
  /** With `--stats dataset`: the first pass (counting the dataset's statistics), as bnviz status says it. */
  firstPass?: string;
  /** An enqueue that has not finished adding the run's groups, as bnviz status says it. */
  enqueue?: string;
  /** Groups retried, jobs handed back, attempts tried again after an error (as bnviz status says them). */
  attempts: RunAttempts;
  /** The same as text. */
  attemptsText: string;
}

export function runView(run: RunState & { fit?: FitPhaseState }, now: number): RunView {
  const p = paceOf(run, now);
  const meta = metaOf(run);
  return {
    runId: run.runId,
    status: run.status,
    ...(run.status === 'damaged' ? { damaged: run.damaged ?? 'unknown' } : {}),
    total: run.total,
    done: run.done,
    skipped: run.skipped,
    failed: run.failed,
    finished: p.finished,
    percent: run.total > 0 ? Math.floor((Math.min(p.finished, run.total) * 100) / run.total) : 0,
    rate: p.rate,
    etaSeconds: p.etaSeconds ?? null,
    elapsedSeconds: p.elapsedSeconds,
    eta: run.finishedAt ? '0s' : duration(p.etaSeconds),
    elapsed: duration(p.elapsedSeconds),
    root: meta?.root,
    queue: meta?.queue,
    enqueuedAt: meta?.enqueuedAt,
    startedAt: run.startedAt,
    finishedAt: run.finishedAt,
    ...(run.fit ? { firstPass: formatFitPhase(run.fit, meta?.options?.normStats).join('\n') } : {}),
    ...(enqueueUnfinished(run) ? { enqueue: enqueueUnfinished(run) } : {}),
    attempts: run.attempts ?? { retried: 0, handedBack: 0, reattempted: 0 },
    attemptsText: formatAttempts(run),
  };
}

export interface WorkerView extends WorkerBeat {
  /** Seconds since its last heartbeat. */
  secondsAgo: number;
  /** Groups it finished per second since it started. */
  rate: number;
}

/** One group as a gallery shows it. */
export interface GroupCard {
  groupId: string;
  index: number;
  status: IndexedGroup['status'];
  files: string[];
  maxUnseen: number;
  /** The small picture shown for the group, or null. */
  thumbnail: string | null;
  /** Its viewer page (with the gallery's filter and sort, so previous/next follow them). */
  viewer: string;
}

/** What the run page polls: small whatever the run's size. */
export interface RunSummary {
  /** Null when Redis holds no record of the run (its folder alone is known). */
  run: RunView | null;
  /** The newest failures. */
  failures: RunFailure[];
  /** How many groups are counted failed. */
  failureCount: number;
  /** The fleet's workers alive while the run runs (none once it has finished). */
  workers: WorkerView[];
  /** The run's queue's jobs by state (every run on that queue); null when Redis has no record of the run. */
  queueDepth: QueueDepth | null;
  /** True when this dashboard may retry the run's failed groups (dashboard.allowActions). */
  actions: boolean;
  /** Moves whenever a group is added or changes: a page asks for its groups again only then. */
  version: number;
  /** Groups finished and known to the dashboard. */
  groups: number;
  /** Sent when the version moved since the poll's `since`. */
  histogram?: Histogram;
  rate?: RateSeries;
  /** Sent with the histogram: each image's unseen share per channel, as an SVG figure (index.html's). */
  spread?: string;
}

export function groupCard(runId: string, g: IndexedGroup, outputs: readonly string[], query = ''): GroupCard {
  const thumb = thumbnailOf(outputs);
  return {
    groupId: g.groupId, index: g.index, status: g.status, files: g.files, maxUnseen: g.maxUnseen,
    thumbnail: thumb ? fileUrl(runId, g.groupId, thumb) : null,
    viewer: `/runs/${encodeURIComponent(runId)}/groups/${encodeURIComponent(g.groupId)}${query}${query ? '&' : '?'}at=${g.index}`,
  };
}

export function workerView(w: WorkerBeat, now: number): WorkerView {
  return { ...w, secondsAgo: Math.max(0, Math.round((now - Date.parse(w.lastSeen)) / 1000)), rate: workerRate(w) };
}
