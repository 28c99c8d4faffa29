/**
 * An ioredis connection from a URL (password and TLS through it:
 * `rediss://:password@host:6380/0`). `maxRetriesPerRequest: null` is what
 * BullMQ's Worker needs, and it makes every command wait through a reconnect
 * instead of failing, which is what a worker wants when its connection drops.
 */
import { Redis } from 'ioredis';
import { ConfigError } from '../errors.js';

export function connectRedis(url: string, name?: string): Redis {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new ConfigError(`Expected a URL as redis://[:password@]host[:port][/db] for redis.url but received ${JSON.stringify(redact(url))}`);
  }
  if (parsed.protocol !== 'redis:' && parsed.protocol !== 'rediss:') {
    throw new ConfigError(`Expected a redis:// or rediss:// URL for redis.url but received ${JSON.stringify(redact(url))}`);
  }
  return new Redis(url, {
    maxRetriesPerRequest: null,
    ...(name ? { connectionName: name } : {}),
    // Back off up to 2 s between tries, forever: a worker outlives a Redis restart.
    retryStrategy: (times) => Math.min(100 * times, 2000),
  });
}

/** A Redis URL fit to print: the password replaced. */
export function redact(url: string): string {
  return url.replace(/\/\/([^@/]*):([^@/]*)@/, '//$1:***@');
}
