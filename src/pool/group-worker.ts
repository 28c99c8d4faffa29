/**
 * The Piscina worker: runs one group end to end in a worker thread and
 * returns its small result. Stage progress goes back through the task's
 * MessagePort, when it has one; only the main thread talks to Redis.
 */
import { threadId, type MessagePort } from 'node:worker_threads';
import type { GroupResult, GroupTask } from '../group/group-task.js';
import { processGroup } from '../group/process-group.js';

export interface WorkerTask {
  task: GroupTask;
  /** Receives `{ stage }` messages while the group runs. */
  port?: MessagePort;
}

export default async function run({ task, port }: WorkerTask): Promise<GroupResult> {
  port?.postMessage({ threadId });
  try {
    return await processGroup(task, (stage) => port?.postMessage({ stage }));
  } finally {
    port?.close();
  }
}
