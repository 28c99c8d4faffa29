/**
 * `bnviz dashboard` as a library call: checks that a token guards any
 * address other than this machine's, connects to Redis, builds the app and
 * listens. `close()` stops taking requests, then closes the queue view and
 * the Redis connection.
 */
import { Queue } from 'bullmq';
import { resolve } from 'node:path';
import type { BnvizConfig } from '../config/load-config.js';
import { UsageError } from '../errors.js';
import { connectRedis, whereOf } from '../fleet/connect-redis.js';
import { isLoopback } from './access-token.js';
import { buildDashboard } from './build-dashboard.js';

export type DashboardConfig = Pick<BnvizConfig, 'redis' | 'queue' | 'out' | 'dashboard'>;

export interface Dashboard {
  /** `http://host:port` as bound (the port the system chose when 0 was asked). */
  url: string;
  port: number;
  close(): Promise<void>;
}

/** Throws UsageError when the address needs a token and none is set. */
export function checkExposure(host: string, token: string): void {
  if (!isLoopback(host) && token === '') {
    throw new UsageError({ key: 'dashboard.host', text: (name) => `Expected an access token (BNVIZ_DASHBOARD_TOKEN, or dashboard.token in a config file) for ${name} ${JSON.stringify(host)}, which other machines can reach, but received none; set one, or bind 127.0.0.1` });
  }
}

/**
 * @example
 * const dashboard = await startDashboard(loadConfig({ flags: { 'dashboard.port': 0 } }));
 * console.log(dashboard.url); await dashboard.close();
 */
export async function startDashboard(config: Readonly<DashboardConfig>): Promise<Dashboard> {
  const { host, port, token, allowActions, hostNames } = config.dashboard;
  checkExposure(host, token);
  // A page should say that Redis is away, not hang until it is back.
  const redis = connectRedis(config.redis, 'bnviz-dashboard', { maxRetriesPerRequest: 2 });
  redis.on('error', () => {}); // reported per request (503) instead
  const queue = new Queue(config.queue.name, { connection: redis, prefix: config.redis.prefix });
  queue.on('error', () => {});
  const app = await buildDashboard({ redis, prefix: config.redis.prefix, queue, outRoot: resolve(config.out), token, hostNames, allowActions,
    jobs: config.queue, redisAddress: whereOf(config.redis) });
  try {
    await app.listen({ host, port });
  } catch (err) {
    await queue.close().catch(() => {});
    redis.disconnect();
    throw err;
  }
  const address = app.server.address();
  const bound = typeof address === 'object' && address ? address.port : port;
  const shown = host.includes(':') ? `[${host}]` : host;
  return {
    url: `http://${shown}:${bound}`,
    port: bound,
    async close() {
      await app.close();
      await queue.close().catch(() => {});
      await redis.quit().catch(() => redis.disconnect());
    },
  };
}
