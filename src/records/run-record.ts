/** run.json: what a run was asked, what it did, and what failed. */
import type { GroupError, GroupOptions } from '../group/group-task.js';

export interface RunFailure {
  groupId: string;
  files: string[];
  error: GroupError;
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
  versions: Record<string, string>;
  counts: { groups: number; images: number; done: number; skipped: number; failed: number; partialGroups: string[] };
  timings?: { wallMs: number; groupsPerSecond: number; medianMs: Record<string, number>; peakRssMB: number };
  backend?: string;
  threads?: number;
  failures: RunFailure[];
}
