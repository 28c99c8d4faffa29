/** A dashboard app on the test's own Redis prefix and queue, driven with `inject` (no socket), closed after the test. */
import type { ExecutionContext } from 'ava';
import { Queue } from 'bullmq';
import type { FastifyInstance } from 'fastify';
import { buildDashboard } from '../../src/dashboard/build-dashboard.js';
import { tempDir } from './paths.js';
import { redisScope, type RedisScope } from './redis.js';

export interface TestDashboard {
  app: FastifyInstance;
  scope: RedisScope;
  queue: Queue;
  out: string;
}

export async function testDashboard(t: ExecutionContext, options: { token?: string; hostNames?: string[]; allowActions?: boolean; out?: string } = {}): Promise<TestDashboard> {
  const scope = await redisScope();
  t.teardown(() => scope.cleanup());
  const queue = new Queue(scope.queue, { connection: scope.redis, prefix: scope.prefix });
  t.teardown(() => queue.close());
  // Connected before the first request: Bull Board's routes answer 503 when Redis is not ready within a moment.
  await scope.redis.ping();
  const out = options.out ?? tempDir();
  const app = await buildDashboard({ redis: scope.redis, prefix: scope.prefix, queue, outRoot: out, token: options.token ?? '', hostNames: options.hostNames, allowActions: options.allowActions ?? false });
  t.teardown(() => app.close());
  await app.ready();
  return { app, scope, queue, out };
}
