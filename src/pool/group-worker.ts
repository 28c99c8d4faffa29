/**
 * The Piscina worker: runs one group end to end in a worker thread and
 * returns its small result. Stage progress goes back through the task's
 * MessagePort, when it has one; only the main thread talks to Redis.
 */
import { processGroup } from '../group/process-group.js';
import type { PoolResult, PoolTask, ThreadMessage } from './pool-messages.js';

export default async function run({ task, port }: PoolTask): Promise<PoolResult> {
  const send = (message: ThreadMessage) => port?.postMessage(message);
  try {
    return await processGroup(task, (stage) => send({ kind: 'stage', stage }));
  } finally {
    port?.close();
  }
}
