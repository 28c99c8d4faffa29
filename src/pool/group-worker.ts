/**
 * The Piscina worker: runs one group end to end in a worker thread and
 * returns its small result (or, for the fleet's first pass of `--stats
 * dataset`, counts a slice's levels). Stage progress goes back through the task's
 * MessagePort, when it has one; only the main thread talks to Redis.
 */
import { countLevels } from '../fit/fit-dataset.js';
import { processGroup } from '../group/process-group.js';
import type { CountResult, CountTask, PoolMessage, PoolResult, PoolTask, ThreadMessage } from './pool-messages.js';

export default async function run({ task, port }: PoolTask): Promise<PoolResult> {
  const send = (message: ThreadMessage) => port?.postMessage(message);
  // told to stop (its job is no longer this worker's): the group ends at its next stage, before its write
  let stop = false;
  port?.on('message', (m: PoolMessage) => { if (m.kind === 'stop') stop = true; });
  try {
    return await processGroup(task, (stage) => {
      if (stop) throw new Error(`group ${task.groupId}: stopped before ${stage}`);
      send({ kind: 'stage', stage });
    });
  } finally {
    port?.close();
  }
}

/** Decodes a slice's files and counts their levels (two in flight: libvips decodes one while this thread counts the other). */
export async function countSlice({ root, files, decode }: CountTask): Promise<CountResult> {
  const { counts, skipped } = await countLevels(root, files, decode, 1);
  return { fields: counts.toFields(), images: counts.images, skipped };
}
