/**
 * What crosses between the pool (main thread) and its worker threads: one
 * task in, one result back, and while the group runs, messages on the task's
 * MessagePort, one discriminated union (as BullMQ's child processor uses one
 * command enum). Only the main thread talks to Redis.
 */
import type { MessagePort } from 'node:worker_threads';
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

/** What a worker thread returns: the group's result (failed for bad input; other errors reject). */
export type PoolResult = GroupResult;
