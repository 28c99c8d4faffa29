/**
 * How deep the fleet's queue is: its jobs waiting, prioritized (group jobs
 * wait there), active and delayed (handed back, or backing off before
 * another attempt), by BullMQ's own getJobCounts, O(1) a state whatever the
 * queue's length. A queue is shared by every run enqueued on it.
 */
import type { Queue } from 'bullmq';

export const DEPTH_STATES = ['waiting', 'prioritized', 'active', 'delayed'] as const;

export type QueueDepth = { queue: string } & Record<(typeof DEPTH_STATES)[number], number>;

/**
 * @example
 * const depth = await readQueueDepth(new Queue('groups', { connection: redis, prefix: 'bnviz' }));
 * // { queue: 'groups', waiting: 0, prioritized: 980, active: 4, delayed: 0 }
 */
export async function readQueueDepth(queue: Queue): Promise<QueueDepth> {
  const counts = await queue.getJobCounts(...DEPTH_STATES);
  return { queue: queue.name, waiting: counts.waiting ?? 0, prioritized: counts.prioritized ?? 0, active: counts.active ?? 0, delayed: counts.delayed ?? 0 };
}

/** `12 waiting, 980 prioritized, 4 active, 0 delayed`. */
export function formatQueueDepth(d: QueueDepth): string {
  return DEPTH_STATES.map((s) => `${d[s]} ${s}`).join(', ');
}
