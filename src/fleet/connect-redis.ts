/**
 * ioredis connections to Redis as the settings place it (one server by URL,
 * a primary found through Sentinel, or a cluster: redis-options.ts; password
 * and TLS through the URL, `rediss://:password@host:6380/0`, and TLS files),
 * two kinds:
 *
 * - `connectRedis`, for long-lived processes (workers, the dashboard):
 *   `maxRetriesPerRequest: null` is what BullMQ's Worker needs, and it makes
 *   every command wait through a reconnect instead of failing, which is what a
 *   worker wants when its connection drops.
 * - `connectForCommand`, for commands an operator runs and waits for (status,
 *   enqueue): it connects within a budget or throws a one-line ConfigError
 *   naming host:port and why, and afterwards a command fails rather than hangs
 *   when Redis goes away (`explainRedisError` turns that failure into one line).
 *
 * No message here ever holds a password: they name host:port (or the
 * sentinels, or the cluster's nodes), or the URL through `redact`.
 */
import { Cluster, type Redis } from 'ioredis';
import { ConfigError, messageOf } from '../errors.js';
import { redisMode, type RedisMode } from '../config/redis-rules.js';
import { checkRedisUrl, createClient, describeTarget, secretsOf, settingsOf, whereOf, type RedisClient, type RedisTarget } from './redis-options.js';

export { describeTarget, redact, redisAddress, serverOf, shownTarget, whereOf, type RedisClient, type RedisTarget } from './redis-options.js';

/**
 * A long-lived connection (workers, the dashboard) to the URL, the sentinels'
 * primary or the cluster. Its commands wait through a reconnect
 * (`maxRetriesPerRequest`, default null: for ever, as BullMQ's Worker needs).
 * @example
 * const redis = connectRedis('redis://127.0.0.1:6379', 'my-script');
 * try { console.log(await readRuns(redis, 'bnviz')); } finally { redis.disconnect(); }
 */
export function connectRedis(url: string, name?: string, options?: { maxRetriesPerRequest?: number | null }): Redis;
export function connectRedis(target: RedisTarget, name?: string, options?: { maxRetriesPerRequest?: number | null }): RedisClient;
export function connectRedis(target: RedisTarget, name?: string, options: { maxRetriesPerRequest?: number | null } = {}): RedisClient {
  return createClient(target, {
    ...(name ? { name } : {}),
    followFailover: true,
    maxRetriesPerRequest: options.maxRetriesPerRequest ?? null,
    // Back off up to 2 s between tries, forever: a worker outlives a Redis restart and a failover.
    retryStrategy: (times) => Math.min(100 * times, 2000),
  });
}

export interface CommandConnectOptions {
  /** How long connecting (TCP, TLS, password, ready check) may take, in ms (default 5000). */
  timeoutMs?: number;
  /** Once connected, how long one command may wait for its answer, in ms (default 30000; 0: no limit). */
  commandTimeoutMs?: number;
}

/** Reconnect attempts a command's connection makes after it was ready, before its commands fail. */
const COMMAND_RETRIES = 2;

/**
 * A connection for a command: connected and answering PING when the promise
 * resolves, or a ConfigError of one line (`cannot reach Redis at
 * 127.0.0.1:6499 (connection refused)`, `Redis at 127.0.0.1:6390 refused the
 * password (WRONGPASS ...)`). Once connected, a command whose connection
 * drops waits for at most a couple of reconnects and then rejects, and one
 * without an answer rejects after `commandTimeoutMs`; errors are never
 * printed by ioredis (pass a failure to `explainRedisError` for
 * its message). Close it with `quit()` or `disconnect()`.
 */
export async function connectForCommand(url: string, name?: string, options?: CommandConnectOptions): Promise<Redis>;
export async function connectForCommand(target: RedisTarget, name?: string, options?: CommandConnectOptions): Promise<RedisClient>;
export async function connectForCommand(target: RedisTarget, name?: string, options: CommandConnectOptions = {}): Promise<RedisClient> {
  const settings = settingsOf(target);
  checkRedisUrl(settings.url);
  const described = describeTarget(settings);
  const timeoutMs = options.timeoutMs ?? 5000;
  const commandTimeoutMs = options.commandTimeoutMs ?? 30_000;
  // While connecting, one try: the first failure is the answer. Connected, a dropped connection is
  // tried again a few times, and a command waits through them at most.
  let connected = false;
  const redis = createClient(settings, {
    lazyConnect: true,
    ...(name ? { name } : {}),
    connectTimeout: timeoutMs,
    readyCheck: false,
    // How long disconnect() waits for the socket to close before destroying it (ioredis: 2 s, which a command's exit would wait out).
    disconnectTimeout: 200,
    maxRetriesPerRequest: COMMAND_RETRIES,
    retryStrategy: (times) => (!connected || times > COMMAND_RETRIES + 1 ? null : Math.min(250 * times, 1000)),
  });
  let firstError: unknown;
  redis.on('error', (err: unknown) => {
    firstError ??= err;
    lastErrors.set(redis, err);
  });
  // A sentinel that knows no primary of that name answers null, and ioredis goes on to the next one.
  let unknownName = false;
  redis.on('sentinelError', (err: Error) => {
    if (/got an invalid reply: null/.test(err.message)) unknownName = true;
  });
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), timeoutMs);
  });
  try {
    const outcome = await Promise.race([redis.connect().then(() => redis.ping()).then(() => 'ok' as const), timedOut]);
    if (outcome === 'timeout') {
      const answered = redis.status === 'connect';
      drop(redis);
      throw new ConfigError(`cannot reach ${described} (${answered ? 'connected, but no answer' : 'timed out'} after ${seconds(timeoutMs)})`);
    }
    // ioredis reports a failed SELECT (a db out of range) and carries on with db 0: a command must not.
    if (firstError !== undefined) throw firstError;
  } catch (err) {
    drop(redis);
    if (err instanceof ConfigError) throw err;
    if (unknownName) throw new ConfigError(`cannot reach ${described}: no sentinel knows a primary named ${JSON.stringify(settings.sentinelName)} (check redis.sentinelName)`, { cause: err });
    throw connectFailure(settings, firstError ?? err, timeoutMs);
  } finally {
    clearTimeout(timer);
  }
  connected = true;
  // A Redis that holds the connection open and never answers (stopped, or cut off) fails the command too.
  if (commandTimeoutMs > 0) setCommandTimeout(redis, commandTimeoutMs);
  addresses.set(redis, described);
  return redis;
}

/** Sets how long a command may wait for its answer, on every connection of the client. */
function setCommandTimeout(redis: RedisClient, ms: number): void {
  if (redis instanceof Cluster) {
    redis.options.redisOptions = { ...redis.options.redisOptions, commandTimeout: ms };
    for (const node of redis.nodes()) node.options.commandTimeout = ms;
  } else {
    redis.options.commandTimeout = ms;
  }
}

/**
 * What a command should throw for `err`: a one-line ConfigError when it is
 * Redis's doing (the connection lost, or an error reply), naming where Redis
 * is and the cause; any other error as it is. `redis` (a connection from
 * `connectForCommand`) lets the message name the cause of a lost connection.
 */
export function explainRedisError(err: unknown, target: RedisTarget, redis?: RedisClient): unknown {
  if (err instanceof ConfigError || !(err instanceof Error)) return err;
  const described = (redis && addresses.get(redis)) ?? describeTarget(target);
  const secrets = secretsOf(target);
  const lost = err.name === 'MaxRetriesPerRequestError' || err.message === 'Connection is closed.' || networkReason(err) !== undefined;
  if (lost) {
    const cause = networkReason(err) ?? (redis ? networkReason(lastErrors.get(redis)) : undefined) ?? 'connection lost';
    return new ConfigError(`lost the connection to ${described} (${cause})`, { cause: err });
  }
  if (err.message === 'Command timed out') {
    const ms = redis instanceof Cluster ? redis.options.redisOptions?.commandTimeout : redis?.options.commandTimeout;
    return new ConfigError(`${described} did not answer${ms ? ` within ${seconds(ms)}` : ''}`, { cause: err });
  }
  if (err.name === 'ReplyError' || /^Too many Cluster redirections/.test(err.message)) {
    // a transaction discarded (EXECABORT) names its cause in the errors before it: OOM, NOPERM, READONLY
    const cause = (err as { previousErrors?: Array<{ message?: string }> }).previousErrors?.[0]?.message;
    const message = scrub(oneLine(cause ?? err.message), secrets);
    const hint = replyHint(message, redisMode(settingsOf(target)));
    return new ConfigError(`${described} answered with an error: ${message}${hint ? `; ${hint}` : ''}`, { cause: err });
  }
  return err;
}

/**
 * What to do about an error reply that a setting causes, or undefined:
 * READONLY (the address is a replica), MOVED/ASK/CLUSTERDOWN (a cluster node
 * addressed as one server), CROSSSLOT (keys of two slots), NOPERM (the ACL
 * user lacks a command), LOADING (Redis is reading its data from disk).
 */
export function replyHint(message: string, mode: RedisMode): string | undefined {
  if (/^READONLY\b/.test(message)) return mode === 'single' ? 'that server is a read-only replica: point redis.url at the primary, or give redis.sentinels and redis.sentinelName' : 'the primary was demoted to a replica: bnviz follows the new one';
  if (/^(MOVED|ASK)\b/.test(message) && mode !== 'cluster') return 'that server is a node of a Redis Cluster: give its nodes as redis.cluster (BNVIZ_REDIS_CLUSTER, --cluster)';
  if (/^CROSSSLOT\b/.test(message)) return 'on a cluster every key of a queue must hash to one slot: give redis.prefix a hash tag ({bnviz})';
  if (/^NOPERM\b/.test(message)) return 'the Redis user lacks a permission bnviz needs (the README lists them)';
  if (/^OOM\b/.test(message)) return 'Redis is out of memory (maxmemory): free some or raise maxmemory, then do it again (bnviz enqueue adds only what is missing)';
  if (/^LOADING\b/.test(message)) return 'Redis is loading its data from disk: try again when it has';
  return undefined;
}

/** Closes a connection now; one that has ended already is left alone (ioredis would wait out a timer on its closed socket). */
function drop(redis: RedisClient): void {
  if (redis.status !== 'end') redis.disconnect();
}

/** The connection's address, set by connectForCommand. */
const addresses = new WeakMap<RedisClient, string>();
/** The latest error a connection from connectForCommand reported (the cause of a later failure). */
const lastErrors = new WeakMap<RedisClient, unknown>();

/**
 * The one-line ConfigError for an error that says this user may not use this
 * Redis (WRONGPASS, NOAUTH, NOPERM, wherever ioredis puts the code: "Ready
 * check failed: NOAUTH ..."); undefined for anything else. No retry mends
 * these: a long-running process stops on them (exit 2), where a network
 * error only means Redis is away for a while.
 */
export function refusedAccess(err: unknown, target: RedisTarget): ConfigError | undefined {
  const message = messageOf(err);
  const code = /\b(WRONGPASS|NOAUTH|NOPERM)\b/.exec(message)?.[1] ?? (/invalid password/i.test(message) ? 'WRONGPASS' : undefined);
  if (!code) return undefined;
  if (code === 'NOPERM') {
    const text = scrub(oneLine(message.slice(message.indexOf('NOPERM'))), secretsOf(target));
    return new ConfigError(`${describeTarget(target)} answered with an error: ${text}; ${replyHint(text, redisMode(settingsOf(target)))}`, { cause: err });
  }
  return connectFailure(target, Object.assign(new Error(message.slice(message.indexOf(code))), { cause: err }), 0);
}

/** The one-line ConfigError for a connection that could not be made. */
function connectFailure(target: RedisTarget, err: unknown, timeoutMs: number): ConfigError {
  const described = describeTarget(target);
  const message = scrub(oneLine(messageOf(err)), secretsOf(target));
  const options = { cause: err };
  if (/^WRONGPASS\b/.test(message) || /invalid password/i.test(message)) {
    return new ConfigError(`${described} refused the password (${message})`, options);
  }
  if (/^NOAUTH\b/.test(message)) {
    // (Its text varies with the handshake, and HELLO's runs long.)
    return new ConfigError(`${described} requires a password and none was given (NOAUTH)`, options);
  }
  if (/Unknown RESP type|Protocol error/i.test(message)) {
    return new ConfigError(`cannot use ${whereOf(target)} as Redis: it does not answer in Redis's protocol (${message})`, options);
  }
  const code = (err as { code?: unknown } | undefined)?.code;
  if (code === 'ETIMEDOUT') return new ConfigError(`cannot reach ${described} (timed out after ${seconds(timeoutMs)})`, options);
  const reason = networkReason(err);
  if (reason) return new ConfigError(`cannot reach ${described} (${reason})`, options);
  if ((err as { name?: unknown } | undefined)?.name === 'ReplyError') {
    const hint = replyHint(message, redisMode(settingsOf(target)));
    return new ConfigError(`${described} answered with an error (${message})${hint ? `; ${hint}` : ''}`, options);
  }
  return new ConfigError(`cannot reach ${described} (${message})`, options);
}

const NETWORK_REASONS: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ENOTFOUND: 'host not found',
  EAI_AGAIN: 'host not found (DNS lookup failed)',
  ETIMEDOUT: 'timed out',
  ECONNRESET: 'connection reset',
  EPIPE: 'connection reset',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  EADDRNOTAVAIL: 'address not available',
  ECONNABORTED: 'connection aborted',
};

/** The cause of a network error in words; undefined for anything else. */
export function networkReason(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | undefined)?.code;
  if (typeof code !== 'string') return undefined;
  if (NETWORK_REASONS[code]) return NETWORK_REASONS[code];
  if (code.startsWith('ERR_SSL') || code.startsWith('ERR_TLS') || /CERT|SELF_SIGNED/.test(code)) return `TLS: ${oneLine(messageOf(err))}`;
  return undefined;
}

/** `text` with every occurrence of the passwords masked. */
function scrub(text: string, passwords: string[]): string {
  return passwords.reduce((t, p) => t.split(p).join('***'), text);
}

function oneLine(text: string): string {
  return text.replace(/\s*\n\s*/g, ' ').trim();
}

function seconds(ms: number): string {
  return `${Number((ms / 1000).toFixed(1))} s`;
}

/**
 * A command's use of Redis: connects (connectForCommand), runs `use`, turns a
 * Redis failure on the way into one line (explainRedisError), and closes the
 * connection whatever happens.
 */
export async function withCommandRedis<T>(target: RedisTarget, name: string, use: (redis: RedisClient) => Promise<T>): Promise<T> {
  const redis = await connectForCommand(target, name);
  try {
    return await use(redis);
  } catch (err) {
    throw explainRedisError(err, target, redis);
  } finally {
    await redis.quit().catch(() => redis.disconnect());
  }
}
