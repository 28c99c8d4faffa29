/** BullMQ's events of a test's own queue, to wait on instead of polling the queue. */
import type { ExecutionContext } from 'ava';
import { QueueEvents } from 'bullmq';
import type { RedisScope } from './redis.js';

/** Per reader, the ids of the jobs that reported progress, in order, from the reader's start. */
const progressed = new WeakMap<QueueEvents, string[]>();

/**
 * The queue's event stream, read from its start (so an event sent before the
 * reader is connected is not missed); closed after the test. Progress is
 * recorded from the start too: an event the reader passes on before anyone
 * listens would be lost (a job writes its progress once when it is quick).
 */
export function queueEvents(t: ExecutionContext, s: RedisScope): QueueEvents {
  // its own connection: the reader blocks on it
  const connection = s.redis.duplicate();
  const events = new QueueEvents(s.queue, { connection, prefix: s.prefix, lastEventId: '0-0' });
  const ids: string[] = [];
  progressed.set(events, ids);
  events.on('progress', ({ jobId, data }: { jobId: string; data: unknown }) => {
    if (data !== null && typeof data === 'object') ids.push(jobId);
  });
  t.teardown(async () => {
    await events.close();
    connection.disconnect();
  });
  return events;
}

/**
 * Resolves with the id of the first job that reports progress (a stage of its
 * group: the job is in hand and its thread has started). Rejects if `unless`
 * settles first, with its reason.
 */
export function firstProgress(events: QueueEvents, unless?: Promise<string>): Promise<string> {
  return new Promise((resolve, reject) => {
    const already = progressed.get(events)?.[0];
    if (already !== undefined) {
      resolve(already);
      return;
    }
    const onProgress = ({ jobId, data }: { jobId: string; data: unknown }) => {
      if (data === null || typeof data !== 'object') return;
      events.off('progress', onProgress);
      resolve(jobId);
    };
    events.on('progress', onProgress);
    void unless?.then((reason) => {
      events.off('progress', onProgress);
      reject(new Error(`no job reported progress: ${reason}`));
    });
  });
}
