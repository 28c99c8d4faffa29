/**
 * The rules that tie the Redis settings together (each key alone is checked
 * by the schema): Sentinel needs the primary's name, Sentinel and Cluster
 * exclude each other, and on a cluster the prefix carries a hash tag, so that
 * every key of a queue and of its runs hashes to one slot (BullMQ's rule for
 * Redis Cluster: a Lua script or MULTI may only touch keys of one slot).
 */
import { ConfigError, expectedMessage } from '../errors.js';

export interface RedisSettings {
  url: string;
  prefix: string;
  sentinels: string[];
  sentinelName: string;
  sentinelPassword: string;
  cluster: string[];
  tls: { ca: string; cert: string; key: string };
}

/** How bnviz reaches Redis: one server (the URL), a primary found through sentinels, or a cluster. */
export type RedisMode = 'single' | 'sentinel' | 'cluster';

export function redisMode(settings: Pick<RedisSettings, 'sentinels' | 'cluster'>): RedisMode {
  if (settings.cluster.length > 0) return 'cluster';
  if (settings.sentinels.length > 0) return 'sentinel';
  return 'single';
}

/**
 * The hash tag of a key as Redis Cluster reads it: what lies between the
 * first `{` and the first `}` after it, when that is not empty
 * (cluster-spec, "Hash tags"); undefined when the key has none.
 */
export function hashTagOf(key: string): string | undefined {
  const open = key.indexOf('{');
  if (open < 0) return undefined;
  const close = key.indexOf('}', open + 1);
  if (close < 0 || close === open + 1) return undefined;
  return key.slice(open + 1, close);
}

/**
 * The settings as the connections use them: checked together, and on a
 * cluster the prefix given a hash tag (`bnviz` -> `{bnviz}`) when it has
 * none. `nameOf` says where a key's value came from, for messages.
 */
export function resolveRedisSettings(settings: RedisSettings, nameOf: (key: string) => string = (key) => key): RedisSettings {
  const { sentinels, sentinelName, cluster, prefix } = settings;
  if (sentinels.length > 0 && cluster.length > 0) {
    throw new ConfigError(`Expected either sentinels (${nameOf('redis.sentinels')}) or cluster nodes (${nameOf('redis.cluster')}) but received both`);
  }
  if (sentinels.length > 0 && sentinelName === '') {
    throw new ConfigError(`Expected the name of the primary that ${nameOf('redis.sentinels')} watch for redis.sentinelName (BNVIZ_REDIS_SENTINEL_NAME, --sentinel-name) but received none`);
  }
  if (sentinelName !== '' && sentinels.length === 0) {
    throw new ConfigError(`Expected the sentinels (redis.sentinels, BNVIZ_REDIS_SENTINELS, --sentinels) for ${nameOf('redis.sentinelName')} but received none`);
  }
  if (cluster.length === 0) return settings;
  const db = dbOf(settings.url);
  if (db !== 0) throw new ConfigError(expectedMessage('no database number (a cluster has only db 0)', nameOf('redis.url'), `/${db} in the URL`, { shown: true }));
  if (hashTagOf(prefix) !== undefined) return settings;
  if (/[{}]/.test(prefix)) {
    throw new ConfigError(expectedMessage('a prefix with a hash tag such as {bnviz}, or one without braces (bnviz adds the tag), on a cluster', nameOf('redis.prefix'), prefix));
  }
  return { ...settings, prefix: `{${prefix}}` };
}

/** The db number in a redis:// URL's path (0 when there is none or the URL does not parse: the connection says so). */
function dbOf(url: string): number {
  try {
    const path = new URL(url).pathname.replace(/^\//, '');
    return path === '' ? 0 : Number(path);
  } catch {
    return 0;
  }
}
