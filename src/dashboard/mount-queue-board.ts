/**
 * Bull Board, BullMQ's own queue view, mounted at `/queues` for the fleet's
 * queue. Read-only unless the config allows actions: Bull Board then hides
 * the buttons and its API answers 405 to retry, clean, remove and the rest.
 * Its page links a web font from a third-party host; the link is taken out
 * (the page falls back to the system's sans-serif) and a Content-Security-
 * Policy keeps every request of the page on this server.
 */
import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { FastifyAdapter } from '@bull-board/fastify';
import type { Queue } from 'bullmq';
import type { FastifyInstance } from 'fastify';

export const QUEUE_BOARD_PATH = '/queues';

/** Bull Board's page may load only from this server (its scripts, styles, images and API). */
export const QUEUE_BOARD_POLICY = "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; base-uri 'self'; form-action 'none'; frame-ancestors 'none'";

const REMOTE_STYLESHEET = /<link\b[^>]*\bhref="https?:\/\/[^"]*"[^>]*>\s*/gi;

/** Bull Board's page without links to stylesheets on other hosts. */
export function withoutRemoteStyles(page: string): string {
  return page.replace(REMOTE_STYLESHEET, '');
}

export async function mountQueueBoard(app: FastifyInstance, queue: Queue, allowActions: boolean): Promise<void> {
  const serverAdapter = new FastifyAdapter();
  serverAdapter.setBasePath(QUEUE_BOARD_PATH);
  createBullBoard({
    queues: [new BullMQAdapter(queue, { readOnlyMode: !allowActions })],
    serverAdapter,
    options: { uiConfig: { boardTitle: 'bnviz queue' } },
  });
  app.addHook('onSend', async (request, reply, payload) => {
    if (!request.url.startsWith(QUEUE_BOARD_PATH) || !String(reply.getHeader('content-type') ?? '').startsWith('text/html')) return payload;
    reply.header('content-security-policy', QUEUE_BOARD_POLICY);
    return typeof payload === 'string' ? withoutRemoteStyles(payload) : payload;
  });
  await app.register(serverAdapter.registerPlugin(), { prefix: QUEUE_BOARD_PATH });
}
