/**
 * The unit of work: one group, as plain data (no handles), and what comes
 * back. The same task runs in `bnviz run`'s pool and in a fleet worker.
 */
import type { GroupOptions } from '../config/rules.js';
import type { ChannelName, GroupLevels } from '../types.js';

export type { GroupOptions };

export interface GroupTask {
  runId: string;
  groupId: string;
  /** Absolute dataset root; files resolve inside it. */
  root: string;
  /** The group's files, relative to root (POSIX separators). */
  files: string[];
  /** Absolute run folder: the group writes `<runDir>/groups/<groupId>/`. */
  runDir: string;
  options: GroupOptions;
  /** Redo the group even when its outputs are there with the same inputs. */
  force: boolean;
  /**
   * Draw its figures and write its folder (the default); false: count it
   * only, its record a line in the run's counted files (records/counted-rows.ts).
   */
  draw?: boolean;
  /** The group's index in the dataset (0-based): which counted file its line goes to. */
  index?: number;
  /**
   * Let symlinks inside root lead out of it (a user's own folder, as
   * `bnviz run` reads it); a fleet worker never sets it.
   */
  linksOut?: boolean;
}

/** One row of summary.csv: one image and channel. */
export interface SummaryRow {
  file: string;
  channel: ChannelName;
  min: number; max: number; mean: number; std: number;
  normMin: number; normMax: number; normMean: number; normStd: number;
  below0: number; above1: number;
  /** With given statistics (--stats): the shares the batch's own statistics would give. */
  batchBelow0?: number; batchAbove1?: number;
}

export type Stage = 'decode' | 'normalize' | 'density' | 'figure' | 'write';
export const STAGES: readonly Stage[] = ['decode', 'normalize', 'density', 'figure', 'write'];

/** Each stage's time in milliseconds, as run.json's medians name them. */
export const TIMING_KEYS = ['decodeMs', 'computeMs', 'figureMs', 'writeMs', 'totalMs'] as const;
export type GroupTimings = Record<(typeof TIMING_KEYS)[number], number>;

export interface GroupError {
  name: string;
  /** One line (see oneLineReason). */
  message: string;
  /** The full text, when the message is shorter. */
  detail?: string;
  /** The file or key at fault, when known. */
  subject?: string;
}

export interface GroupResult {
  runId: string;
  groupId: string;
  files: string[];
  status: 'done' | 'skipped' | 'failed';
  /** Output file names inside the group folder. */
  outputs: string[];
  rows: SummaryRow[];
  /** The largest share of unseen values (below 0 plus above 1) of any image and channel. */
  maxUnseen: number;
  error?: GroupError;
  timings?: GroupTimings;
  /** The tfjs backend that computed it. */
  backend?: string;
  /**
   * Its images' level counts, summed (computed, or found in its group.json
   * when skipped): the run sums the dataset's statistics from them.
   */
  levels?: GroupLevels;
}
