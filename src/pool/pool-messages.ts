/**
 * What crosses between the pool (main thread) and its worker threads: one
 * task in, one result back, and while the group runs, messages on the task's
 * MessagePort, one discriminated union (as BullMQ's child processor uses one
 * command enum). Only the main thread talks to Redis.
 */
import type { MessagePort } from 'node:worker_threads';
import type { DecodeOptions } from '../decode/decode-image.js';
import type { GroupResult, GroupTask, Stage } from '../group/group-task.js';

/** What Piscina hands a worker thread. */
export interface PoolTask {
  task: GroupTask;
  /** Receives ThreadMessages while the group runs; transferred, closed by the thread at the end. */
  port?: MessagePort;
}

/** A thread's message about the group it runs. */
export type ThreadMessage =
  | { kind: 'stage'; stage: Stage };

/** The pool's message to a thread about the group it runs: stop it at its next stage (before it writes anything). */
export type PoolMessage =
  | { kind: 'stop' };

/** What a worker thread returns: the group's result (failed for bad input; other errors reject). */
export type PoolResult = GroupResult;

/** A slice of a dataset to count (the first pass of `--stats dataset` on the fleet): files relative to root. */
export interface CountTask {
  root: string;
  files: string[];
  decode: DecodeOptions;
}

/** Its level counts as LevelCounts.toFields gives them, the images counted, and the files that could not be read. */
export interface CountResult {
  fields: string[];
  images: number;
  skipped: Array<{ file: string; reason: string }>;
}
