/**
 * What the dashboard's JSON says about a run: pure functions of the state
 * read from Redis and the time now, with the pace (rate, ETA) computed as
 * `bnviz status` computes it.
 */
import { thumbnailOf } from '../records/group-record.js';
import type { RunFailure } from '../records/run-record.js';
import type { WorkerBeat } from '../fleet/heartbeat.js';
import type { RunState } from '../fleet/run-store.js';
import { duration, metaOf, paceOf } from '../fleet/status-view.js';
import { fileUrl, type FinishedGroup } from './finished-groups.js';

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
}

export function runView(run: RunState, now: number): RunView {
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
  };
}

export interface WorkerView extends WorkerBeat {
  /** Seconds since its last heartbeat. */
  secondsAgo: number;
}

export interface GroupView extends FinishedGroup {
  /** The figure shown as the thumbnail (overview when there is one), or null. */
  thumbnail: string | null;
  /** Every output by name, with its URL. */
  links: Array<{ name: string; url: string }>;
}

export interface RunDetail {
  /** Null when Redis holds no record of the run (its folder alone is known). */
  run: RunView | null;
  failures: RunFailure[];
  workers: WorkerView[];
  groups: GroupView[];
}

export function groupView(runId: string, g: FinishedGroup): GroupView {
  const thumb = thumbnailOf(g.outputs);
  return { ...g, thumbnail: thumb ? fileUrl(runId, g.groupId, thumb) : null, links: g.outputs.map((name) => ({ name, url: fileUrl(runId, g.groupId, name) })) };
}

export function workerView(w: WorkerBeat, now: number): WorkerView {
  return { ...w, secondsAgo: Math.max(0, Math.round((now - Date.parse(w.lastSeen)) / 1000)) };
}
