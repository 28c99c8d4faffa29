/**
 * Bull Board, BullMQ's own queue view, mounted at `/queues` for the fleet's
 * queue. Read-only unless the config allows actions: Bull Board then hides
 * the buttons and its API answers 405 to retry, clean, remove and the rest.
 */
import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { FastifyAdapter } from '@bull-board/fastify';
import type { Queue } from 'bullmq';
import type { FastifyInstance } from 'fastify';

export const QUEUE_BOARD_PATH = '/queues';

export async function mountQueueBoard(app: FastifyInstance, queue: Queue, allowActions: boolean): Promise<void> {
  const serverAdapter = new FastifyAdapter();
  serverAdapter.setBasePath(QUEUE_BOARD_PATH);
  createBullBoard({
    queues: [new BullMQAdapter(queue, { readOnlyMode: !allowActions })],
    serverAdapter,
    options: { uiConfig: { boardTitle: 'bnviz queue' } },
  });
  await app.register(serverAdapter.registerPlugin(), { prefix: QUEUE_BOARD_PATH });
}
