/**
 * The Redis settings (config/redis-rules.ts) as ioredis clients: one server
 * from the URL, a primary found through Sentinel (ioredis' SentinelConnector),
 * or a Redis Cluster (ioredis' Cluster client, which follows MOVED and a
 * slot's failover by itself). BullMQ takes any of them as its `connection`
 * and duplicates it for a Worker's blocking connection, so every connection
 * bnviz and BullMQ open is made from the same options.
 *
 * In Sentinel and Cluster mode the URL gives only the user, password, db and
 * whether TLS is on (`rediss://`); its host is not used.
 */
import { readFileSync } from 'node:fs';
import type { ConnectionOptions } from 'node:tls';
import { Cluster, Redis, type ClusterOptions, type RedisOptions } from 'ioredis';
import { redisMode, type RedisSettings } from '../config/redis-rules.js';
import { ConfigError, expectedSetting } from '../errors.js';

/** A connection bnviz and BullMQ can use alike: one server (or Sentinel's primary) or a cluster. */
export type RedisClient = Redis | Cluster;

/** Where to connect: the settings, or only a URL (one server). */
export type RedisTarget = Readonly<RedisSettings> | string;

/** The settings of a target given as a URL alone. */
export function settingsOf(target: RedisTarget): Readonly<RedisSettings> {
  if (typeof target !== 'string') return target;
  return { url: target, prefix: 'bnviz', sentinels: [], sentinelName: '', sentinelPassword: '', cluster: [], tls: { ca: '', cert: '', key: '' } };
}

/** How each connection behaves, on top of where it goes. */
export interface ClientBehaviour {
  /** Sentinel: reconnect as soon as the sentinels announce a new primary (+switch-master); for long-lived connections. */
  followFailover?: boolean;
  /**
   * ioredis' ready check (INFO, repeated while Redis loads its data); default on. Off, a user without
   * INFO gets its NOPERM as a command's answer instead of an ioredis warning on stderr. Sentinel
   * connections keep it: it is how ioredis makes sure the server is still the primary.
   */
  readyCheck?: boolean;
  /** CLIENT SETNAME, so `CLIENT LIST` tells bnviz's connections apart. */
  name?: string;
  /** Connect on `connect()`, not at once. */
  lazyConnect?: boolean;
  /** Tries a command waits through while the connection is away (null: forever, as BullMQ's Worker needs). */
  maxRetriesPerRequest: number | null;
  /** The delay before reconnect try `times`, or null to give up. */
  retryStrategy(times: number): number | null;
  connectTimeout?: number;
  disconnectTimeout?: number;
}

/**
 * A new ioredis client for the settings; it connects at once unless
 * `lazyConnect`. Throws a one-line ConfigError for a URL that is not
 * redis:// or rediss:// and for a TLS file that cannot be read.
 */
export function createClient(url: string, behaviour: ClientBehaviour): Redis;
export function createClient(target: RedisTarget, behaviour: ClientBehaviour): RedisClient;
export function createClient(target: RedisTarget, behaviour: ClientBehaviour): RedisClient {
  const settings = settingsOf(target);
  const url = checkRedisUrl(settings.url);
  const tls = tlsOptions(settings, url.protocol === 'rediss:');
  const common: RedisOptions = {
    ...(behaviour.name ? { connectionName: behaviour.name } : {}),
    ...(behaviour.lazyConnect ? { lazyConnect: true } : {}),
    ...(behaviour.connectTimeout !== undefined ? { connectTimeout: behaviour.connectTimeout } : {}),
    ...(behaviour.disconnectTimeout !== undefined ? { disconnectTimeout: behaviour.disconnectTimeout } : {}),
    maxRetriesPerRequest: behaviour.maxRetriesPerRequest,
    retryStrategy: behaviour.retryStrategy,
  };
  const mode = redisMode(settings);
  if (behaviour.readyCheck === false && mode !== 'sentinel') common.enableReadyCheck = false;
  if (mode === 'single') return new Redis(settings.url, { ...common, ...(tls ? { tls } : {}) });
  const auth = credentialsOf(url);
  if (mode === 'sentinel') {
    return closingWholly(new Redis({
      ...common,
      ...auth,
      db: dbOf(url),
      sentinels: settings.sentinels.map(hostPort),
      name: settings.sentinelName,
      ...(settings.sentinelPassword ? { sentinelPassword: settings.sentinelPassword } : {}),
      // The sentinels speak TLS when the primary does (tls-port in their config too).
      ...(tls ? { tls, enableTLSForSentinelMode: true, sentinelTLS: tls } : {}),
      // Long-lived connections follow a failover at once: ioredis' failoverDetector subscribes to
      // +switch-master on the sentinels and reconnects when one is published. Without it a graceful
      // SENTINEL FAILOVER leaves them writing to the old primary, which stays a primary for about
      // 10 s before the sentinels demote it and its writes are lost (measured: Redis 7.0).
      failoverDetector: Boolean(behaviour.followFailover),
      // While no sentinel answers, ask again at most every 2 s.
      sentinelRetryStrategy: (times) => behaviour.retryStrategy(times) ?? null,
      // A primary demoted to a replica answers a write with READONLY, and ends a blocking read
      // (BullMQ's wait for jobs) with UNBLOCKED: reconnect, to the primary the sentinels name now
      // (a command's connection has no failover detector; this is one's second line).
      // The command fails (it was not executed) and its caller tries again; it is not resent, since
      // a command of a MULTI resent alone would run outside its transaction.
      reconnectOnError: (err) => /^(READONLY|UNBLOCKED)\b/.test(err.message),
    }), behaviour.followFailover ? behaviour.retryStrategy : undefined);
  }
  // The cluster connects its nodes itself: laziness and retries are its own options, not each node's.
  const { lazyConnect: _lazy, retryStrategy: _retry, ...nodeOptions } = common;
  const clusterOptions: ClusterOptions = {
    ...(behaviour.lazyConnect ? { lazyConnect: true } : {}),
    redisOptions: { ...nodeOptions, ...auth, ...(tls ? { tls } : {}) },
    clusterRetryStrategy: (times) => behaviour.retryStrategy(times) ?? null,
    // A command for a slot whose primary is failing over waits for the new one (cluster-node-timeout plus
    // an election) rather than failing: tried again every 300 ms, up to 16 times (about 5 s; ioredis: 100 ms).
    retryDelayOnFailover: 300,
    retryDelayOnClusterDown: 300,
  };
  return new Cluster(settings.cluster.map(hostPort), clusterOptions);
}

/**
 * A Sentinel client whose quit() also closes its failover detector's
 * connections to the sentinels (ioredis 6.0 closes them on disconnect()
 * only, so a process would never end), and whose duplicates (BullMQ's
 * Worker makes its blocking connection so) do the same.
 *
 * With `revive` (a long-lived connection, which follows failovers), a client
 * that ends without being closed connects again, after `revive`'s delay.
 * ioredis 6.0 ends one for good in a race: when the primary is killed, the
 * failover detector of the last connection stays subscribed while the client
 * tries the dead primary again; when the sentinels announce the new primary,
 * it disconnects the connector, and a try that is asking a sentinel at that
 * moment fails with "Connection is closed." and sets the client's status to
 * `end` (no retry strategy is asked). A worker or the dashboard would then
 * fail every command until restarted.
 */
function closingWholly(redis: Redis, revive?: (times: number) => number | null): Redis {
  let closed = false;
  let again: NodeJS.Timeout | undefined;
  const close = () => {
    closed = true;
    clearTimeout(again);
  };
  const quit = redis.quit.bind(redis);
  redis.quit = (async (...args: Parameters<Redis['quit']>) => {
    close();
    try {
      return await quit(...args);
    } finally {
      redis.disconnect();
    }
  }) as Redis['quit'];
  const disconnect = redis.disconnect.bind(redis);
  redis.disconnect = (reconnect?: boolean) => {
    if (!reconnect) close();
    disconnect(reconnect);
  };
  if (revive) {
    let tries = 0;
    redis.on('ready', () => { tries = 0; });
    redis.on('end', () => {
      if (closed) return;
      const delay = revive(++tries);
      if (delay === null) return;
      clearTimeout(again);
      again = setTimeout(() => {
        if (!closed && redis.status === 'end') redis.connect().catch(() => {});
      }, delay);
    });
  }
  const duplicate = redis.duplicate.bind(redis);
  redis.duplicate = (override) => closingWholly(duplicate(override), revive);
  return redis;
}

/** The target in words, as messages show it (never a password): `Redis at 127.0.0.1:6379`, `Redis at primary main (sentinels h:p,h:p)`, `Redis at cluster h:p,h:p`. */
export function describeTarget(target: RedisTarget): string {
  return `Redis at ${whereOf(target)}`;
}

/** Where the target is: `127.0.0.1:6379`, `primary main (sentinels h:p,h:p)` or `cluster h:p,h:p`. */
export function whereOf(target: RedisTarget): string {
  const settings = settingsOf(target);
  const mode = redisMode(settings);
  if (mode === 'sentinel') return `primary ${settings.sentinelName} (sentinels ${settings.sentinels.join(',')})`;
  if (mode === 'cluster') return `cluster ${settings.cluster.join(',')}`;
  try {
    return redisAddress(new URL(settings.url));
  } catch {
    return 'the configured address';
  }
}

/** The target as a ready line shows it: the URL without its password, or where the sentinels or cluster are. */
export function shownTarget(target: RedisTarget): string {
  const settings = settingsOf(target);
  return redisMode(settings) === 'single' ? redact(settings.url) : whereOf(settings);
}

/** The server a connection is talking to now (`host:port`), when it is connected: Sentinel's primary after a failover, say. */
export function serverOf(redis: RedisClient): string | undefined {
  if (redis instanceof Cluster) return undefined;
  const stream = (redis as unknown as { stream?: { remoteAddress?: string; remotePort?: number } }).stream;
  if (!stream?.remoteAddress || !stream.remotePort) return undefined;
  return `${stream.remoteAddress.includes(':') ? `[${stream.remoteAddress}]` : stream.remoteAddress}:${stream.remotePort}`;
}

/** `host:port` of a Redis URL as messages show it (IPv6 hosts in brackets). */
export function redisAddress(url: URL): string {
  return `${url.hostname || '127.0.0.1'}:${url.port || '6379'}`;
}

/** A Redis URL fit to print: the password (in the user part, or a `password=` parameter) replaced. */
export function redact(url: string): string {
  const userinfoMasked = !URL.canParse(url)
    // Not a URL: where its password would be is not known, so everything before the last '@' goes.
    ? (url.includes('@') ? `***${url.slice(url.lastIndexOf('@'))}` : url)
    : url.replace(/^([A-Za-z][A-Za-z0-9+.-]*:\/\/)([^/?#]*)@/, (_m, scheme: string, userinfo: string) => {
      const colon = userinfo.indexOf(':');
      return `${scheme}${colon === -1 ? userinfo : `${userinfo.slice(0, colon)}:***`}@`;
    });
  return userinfoMasked.replace(/([?&]password=)[^&#]*/gi, '$1***');
}

/** The passwords a message must never show: the URL's (as written and decoded) and the sentinels'. */
export function secretsOf(target: RedisTarget): string[] {
  const settings = settingsOf(target);
  const found = [settings.sentinelPassword];
  try {
    const u = new URL(settings.url);
    found.push(u.password, u.searchParams.get('password') ?? '');
    try {
      found.push(decodeURIComponent(u.password));
    } catch {
      // a malformed escape: the password as written is masked still
    }
  } catch {
    // not a URL: nothing to find in it
  }
  return found.filter((p) => p !== '');
}

export function checkRedisUrl(url: string): URL {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new ConfigError(expectedSetting('redis.url', 'a URL as redis://[:password@]host[:port][/db]', redact(url)));
  }
  if (parsed.protocol !== 'redis:' && parsed.protocol !== 'rediss:') {
    throw new ConfigError(expectedSetting('redis.url', 'a redis:// or rediss:// URL', redact(url)));
  }
  return parsed;
}

/** TLS options when TLS is on (rediss://, or any TLS file given); the files are read here, once per connection made. */
function tlsOptions(settings: Readonly<RedisSettings>, rediss: boolean): ConnectionOptions | undefined {
  const { ca, cert, key } = settings.tls;
  if (!rediss && !ca && !cert && !key) return undefined;
  if (Boolean(cert) !== Boolean(key)) {
    throw new ConfigError(`Expected both redis.tls.cert and redis.tls.key (a client certificate and its key) but received only ${cert ? 'redis.tls.cert' : 'redis.tls.key'}`);
  }
  // rejectUnauthorized stays as Node sets it (true): a certificate that does not verify stops the connection.
  return {
    ...(ca ? { ca: readPem(ca, 'redis.tls.ca') } : {}),
    ...(cert ? { cert: readPem(cert, 'redis.tls.cert') } : {}),
    ...(key ? { key: readPem(key, 'redis.tls.key') } : {}),
  };
}

function readPem(file: string, key: string): Buffer {
  try {
    return readFileSync(file);
  } catch (err) {
    throw new ConfigError(expectedSetting(key, 'a readable PEM file', file, `(${(err as NodeJS.ErrnoException).code ?? 'unreadable'})`), { cause: err });
  }
}

function credentialsOf(url: URL): { username?: string; password?: string } {
  const decode = (s: string) => {
    try {
      return decodeURIComponent(s);
    } catch {
      return s;
    }
  };
  const password = url.password ? decode(url.password) : url.searchParams.get('password') ?? '';
  return { ...(url.username ? { username: decode(url.username) } : {}), ...(password ? { password } : {}) };
}

function dbOf(url: URL): number {
  const path = url.pathname.replace(/^\//, '');
  return path === '' ? 0 : Number(path);
}

/** `host:port` (IPv6 in brackets) as ioredis takes a node. */
function hostPort(node: string): { host: string; port: number } {
  const colon = node.lastIndexOf(':');
  return { host: node.slice(0, colon).replace(/^\[|\]$/g, ''), port: Number(node.slice(colon + 1)) };
}
