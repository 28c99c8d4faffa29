/** `bnviz status` as text: pure functions of the status read from Redis and the time now. */
import type { JobInHand, WorkerBeat } from './heartbeat.js';
import { formatQueueDepth } from './queue-depth.js';
import { plural } from '../util/plural.js';
import type { RunStatus } from './read-status.js';
import type { NormStats } from '../types.js';
import type { FitPhaseState, RunCounts, RunMeta, RunState } from './run-store.js';

export interface Pace {
  /** Groups counted so far. */
  finished: number;
  /** Groups per second since the run started (0 before). */
  rate: number;
  /** Seconds left at that rate; undefined when unknown. */
  etaSeconds?: number;
  elapsedSeconds: number;
}

/**
 * The run's pace over the time it was worked: from its start to its end (or
 * now), less the time it stood idle between its end and a retry (`idleMs`);
 * a run a retry reopened that no worker has taken up yet stands still at its
 * last count (`pausedAt`).
 */
export function paceOf(run: RunState, now: number): Pace {
  const finished = run.done + run.skipped + run.failed;
  const start = run.startedAt ? Date.parse(run.startedAt) : undefined;
  const end = run.finishedAt ? Date.parse(run.finishedAt) : run.pausedAt ?? now;
  const elapsedSeconds = start === undefined ? 0 : Math.max(0, (end - start - (run.idleMs ?? 0)) / 1000);
  const rate = elapsedSeconds > 0 ? finished / elapsedSeconds : 0;
  const left = run.total - finished;
  return { finished, rate, elapsedSeconds, etaSeconds: left === 0 ? 0 : rate > 0 ? left / rate : undefined };
}

/** A text bar `[#####.....]` of `width` cells. */
export function bar(c: RunCounts, width = 30): string {
  const share = c.total > 0 ? Math.min(1, (c.done + c.skipped + c.failed) / c.total) : 0;
  const full = Math.round(share * width);
  return `[${'#'.repeat(full)}${'.'.repeat(width - full)}]`;
}

export function duration(seconds: number | undefined): string {
  if (seconds === undefined || !Number.isFinite(seconds)) return '?';
  const s = Math.round(seconds);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

/**
 * An ISO time as this machine's local time with its offset
 * (`2026-11-27 10:16:58 UTC+01:00`); the input unchanged when it is no date.
 */
export function localTime(iso: string | undefined): string {
  if (!iso) return '?';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  const p = (n: number) => String(n).padStart(2, '0');
  const off = -d.getTimezoneOffset();
  const zone = off === 0 ? 'UTC' : `UTC${off > 0 ? '+' : '-'}${p(Math.floor(Math.abs(off) / 60))}:${p(Math.abs(off) % 60)}`;
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())} ${zone}`;
}

/** Groups a worker finished per second, from its start to its last heartbeat. */
export function workerRate(w: Pick<WorkerBeat, 'processed' | 'startedAt' | 'lastSeen'>): number {
  const seconds = (Date.parse(w.lastSeen) - Date.parse(w.startedAt)) / 1000;
  return seconds > 0 ? w.processed / seconds : 0;
}

/** One line a run, newest first. */
export function formatRunList(runs: RunState[], now: number): string {
  if (runs.length === 0) return 'no runs under this prefix\n';
  const lines = runs.map((r) => {
    const p = paceOf(r, now);
    const status = r.status === 'damaged' ? `damaged (${r.damaged ?? 'unknown'})` : `${r.status.padEnd(8)}${enqueueUnfinished(r) ? ' (enqueue not finished)' : ''}`;
    const when = r.startedAt ? `started ${localTime(r.startedAt)}, ${r.finishedAt ? `finished ${localTime(r.finishedAt)} after` : 'running for'} ${duration(p.elapsedSeconds)}` : `enqueued ${localTime(metaOf(r)?.enqueuedAt)}`;
    return `${r.runId}  ${status} ${p.finished}/${r.total} groups  ${r.done + r.skipped} done  ${r.failed} failed  ${when}`;
  });
  return `${lines.join('\n')}\n`;
}

/**
 * What a run whose enqueue has not finished adding its groups says (one that
 * is running now, or one that stopped part-way: Redis out of memory, a
 * permission missing); undefined once it has, and during a first pass.
 */
export function enqueueUnfinished(run: RunState): string | undefined {
  if (run.enqueueDone || run.finishedAt || run.status === 'damaged' || metaOf(run)?.firstPass) return undefined;
  return `enqueue not finished: ${plural(run.total, 'group')} added so far; unless a bnviz enqueue of this run is running now, run it again (it adds only what is missing)`;
}

export function formatRun(s: RunStatus, now: number): string {
  const p = paceOf(s, now);
  const meta = metaOf(s);
  const out = [
    `run ${s.runId} (${s.status})${meta?.root !== undefined ? ` from ${meta.root}` : ''}${meta?.queue !== undefined ? `, queue ${meta.queue}` : ''}`,
  ];
  if (s.status === 'damaged') out.push(`damaged: ${s.damaged ?? 'unknown'}`);
  const unfinished = enqueueUnfinished(s);
  if (unfinished) out.push(unfinished);
  if (s.fit) out.push(...formatFitPhase(s.fit, meta?.options?.normStats));
  out.push(
    `${bar(s)} ${p.finished}/${s.total} groups: ${s.done} done, ${s.skipped} already done, ${s.failed} failed`,
    `${p.rate.toFixed(2)} groups/s over ${duration(p.elapsedSeconds)}${s.finishedAt ? `, finished ${localTime(s.finishedAt)}` : `, ETA ${duration(p.etaSeconds)}`}`,
  );
  if (s.queueDepth) out.push(`queue ${s.queueDepth.queue} (all its runs): ${formatQueueDepth(s.queueDepth)}`);
  out.push(`attempts: ${formatAttempts(s)}`);
  if (s.failures.length) {
    out.push(`failures${s.failed > s.failures.length ? ` (newest ${s.failures.length} of ${s.failed})` : ''}:`);
    for (const f of s.failures) out.push(`  ${f.groupId} (${f.files.join(', ')}): ${f.error.message}`);
  }
  // A finished run has no workers of its own: the fleet's are listed while it runs.
  if (!s.finishedAt) {
    out.push(`workers alive: ${s.workers.length}`);
    for (const w of s.workers) {
      const ago = (now - Date.parse(w.lastSeen)) / 1000;
      out.push(`  ${w.host}:${w.pid} queue ${w.queue}, ${plural(w.active, 'job')} in hand on ${plural(w.threads, 'thread')}, ${w.processed} processed (${w.failed} failed), ${workerRate(w).toFixed(2)} groups/s, seen ${duration(ago)} ago`);
      for (const j of w.jobs ?? []) out.push(`    ${formatJobInHand(j, now)}`);
    }
  }
  return `${out.join('\n')}\n`;
}

/** `2 retried, 1 handed back, 0 tried again after an error`. */
export function formatAttempts(r: Pick<RunState, 'attempts'>): string {
  const a = r.attempts ?? { retried: 0, handedBack: 0, reattempted: 0 };
  return `${a.retried} retried, ${a.handedBack} handed back, ${a.reattempted} tried again after an error`;
}

/** What a worker is doing with a job: `photos 0042-1a2b3c4d: figure (for 3s)`. */
export function formatJobInHand(j: JobInHand, now: number): string {
  const what = j.groupId ?? (j.slice !== undefined ? `first-pass slice ${j.slice}` : 'a job');
  return `${j.runId} ${what}: ${j.stage} (for ${duration(Math.max(0, (now - Date.parse(j.since)) / 1000))})`;
}

/** The first pass of `--stats dataset`: slices counted, images read, and once it has ended, the statistics. */
export function formatFitPhase(f: FitPhaseState, stats: NormStats | undefined): string[] {
  const unreadable = f.unreadable ? ` (${f.unreadable} could not be read)` : '';
  const failed = f.failed ? `, ${f.failed} slice${f.failed === 1 ? '' : 's'} failed` : '';
  const out = f.endedAt && stats
    ? [`first pass ended ${localTime(f.endedAt)}: ${f.counted} of ${f.images} images counted${unreadable}${failed}; mean ${triple(stats.mean)}, std ${triple(stats.variance.map(Math.sqrt))}`]
    : [`first pass, the dataset's mean and std: ${bar({ total: f.slices, done: f.done + f.failed, skipped: 0, failed: 0 })} ${f.done + f.failed}/${f.slices} slices, ${f.counted} of ${f.images} images counted${unreadable}${failed}`];
  for (const x of f.failures) out.push(`  slice ${x.slice} (${x.images} images, not counted): ${x.reason}`);
  return out;
}

function triple(v: readonly number[]): string {
  return `(${v.map((x) => x.toFixed(4)).join(', ')})`;
}

/** The run's meta, or for a damaged run the fields that could be read. */
export function metaOf(run: RunState): Partial<RunMeta> | undefined {
  return run.meta ?? run.partialMeta;
}
