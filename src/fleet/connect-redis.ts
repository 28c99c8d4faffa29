/**
 * ioredis connections from a URL (password and TLS through it:
 * `rediss://:password@host:6380/0`), two kinds:
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
 * No message here ever holds the password: they name host:port, or the URL
 * through `redact`.
 */
import { Redis } from 'ioredis';
import { ConfigError, messageOf } from '../errors.js';

export function connectRedis(url: string, name?: string): Redis {
  checkRedisUrl(url);
  return new Redis(url, {
    maxRetriesPerRequest: null,
    ...(name ? { connectionName: name } : {}),
    // Back off up to 2 s between tries, forever: a worker outlives a Redis restart.
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
export async function connectForCommand(url: string, name?: string, options: CommandConnectOptions = {}): Promise<Redis> {
  const parsed = checkRedisUrl(url);
  const timeoutMs = options.timeoutMs ?? 5000;
  const redis = new Redis(url, {
    lazyConnect: true,
    ...(name ? { connectionName: name } : {}),
    connectTimeout: timeoutMs,
    // How long disconnect() waits for the socket to close before destroying it (ioredis: 2 s, which a command's exit would wait out).
    disconnectTimeout: 200,
    // While connecting, one try: the first failure is the answer.
    retryStrategy: () => null,
    maxRetriesPerRequest: 0,
  });
  let firstError: unknown;
  redis.on('error', (err: unknown) => {
    firstError ??= err;
    lastErrors.set(redis, err);
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
      throw new ConfigError(`cannot reach Redis at ${redisAddress(parsed)} (${answered ? 'connected, but no answer' : 'timed out'} after ${seconds(timeoutMs)})`);
    }
    // ioredis reports a failed SELECT (a db out of range) and carries on with db 0: a command must not.
    if (firstError !== undefined) throw firstError;
  } catch (err) {
    drop(redis);
    if (err instanceof ConfigError) throw err;
    throw connectFailure(parsed, firstError ?? err, timeoutMs);
  } finally {
    clearTimeout(timer);
  }
  // Connected: a dropped connection is tried again a few times, and a command waits through them at most.
  redis.options.retryStrategy = (times) => (times > COMMAND_RETRIES + 1 ? null : Math.min(250 * times, 1000));
  redis.options.maxRetriesPerRequest = COMMAND_RETRIES;
  // A Redis that holds the connection open and never answers (stopped, or cut off) fails the command too.
  const commandTimeoutMs = options.commandTimeoutMs ?? 30_000;
  if (commandTimeoutMs > 0) redis.options.commandTimeout = commandTimeoutMs;
  addresses.set(redis, redisAddress(parsed));
  return redis;
}

/**
 * What a command should throw for `err`: a one-line ConfigError when it is
 * Redis's doing (the connection lost, or an error reply), naming host:port
 * and the cause; any other error as it is. `redis` (a connection from
 * `connectForCommand`) lets the message name the cause of a lost connection.
 */
export function explainRedisError(err: unknown, url: string, redis?: Redis): unknown {
  if (err instanceof ConfigError || !(err instanceof Error)) return err;
  let address: string;
  try {
    address = (redis && addresses.get(redis)) ?? redisAddress(new URL(url));
  } catch {
    address = 'the configured address';
  }
  const password = passwordsOf(url);
  const lost = err.name === 'MaxRetriesPerRequestError' || err.message === 'Connection is closed.' || networkReason(err) !== undefined;
  if (lost) {
    const cause = networkReason(err) ?? (redis ? networkReason(lastErrors.get(redis)) : undefined) ?? 'connection lost';
    return new ConfigError(`lost the connection to Redis at ${address} (${cause})`, { cause: err });
  }
  if (err.message === 'Command timed out') {
    const ms = redis?.options.commandTimeout;
    return new ConfigError(`Redis at ${address} did not answer${ms ? ` within ${seconds(ms)}` : ''}`, { cause: err });
  }
  if (err.name === 'ReplyError') {
    return new ConfigError(`Redis at ${address} answered with an error: ${scrub(oneLine(err.message), password)}`, { cause: err });
  }
  return err;
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

/** `host:port` of a Redis URL as messages show it (IPv6 hosts in brackets). */
export function redisAddress(url: URL): string {
  return `${url.hostname || '127.0.0.1'}:${url.port || '6379'}`;
}

/** Closes a connection now; one that has ended already is left alone (ioredis would wait out a timer on its closed socket). */
function drop(redis: Redis): void {
  if (redis.status !== 'end') redis.disconnect();
}

/** The connection's address, set by connectForCommand. */
const addresses = new WeakMap<Redis, string>();
/** The latest error a connection from connectForCommand reported (the cause of a later failure). */
const lastErrors = new WeakMap<Redis, unknown>();

function checkRedisUrl(url: string): URL {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new ConfigError(`Expected a URL as redis://[:password@]host[:port][/db] for redis.url but received ${JSON.stringify(redact(url))}`);
  }
  if (parsed.protocol !== 'redis:' && parsed.protocol !== 'rediss:') {
    throw new ConfigError(`Expected a redis:// or rediss:// URL for redis.url but received ${JSON.stringify(redact(url))}`);
  }
  return parsed;
}

/** The one-line ConfigError for a connection that could not be made. */
function connectFailure(url: URL, err: unknown, timeoutMs: number): ConfigError {
  const address = redisAddress(url);
  const password = passwordsOf(url.href);
  const message = scrub(oneLine(messageOf(err)), password);
  const options = { cause: err };
  if (/^WRONGPASS\b/.test(message) || /invalid password/i.test(message)) {
    return new ConfigError(`Redis at ${address} refused the password (${message})`, options);
  }
  if (/^NOAUTH\b/.test(message)) {
    // (Its text varies with the handshake, and HELLO's runs long.)
    return new ConfigError(`Redis at ${address} requires a password and none was given (NOAUTH)`, options);
  }
  if (/Unknown RESP type|Protocol error/i.test(message)) {
    return new ConfigError(`cannot use ${address} as Redis: it does not answer in Redis's protocol (${message})`, options);
  }
  const code = (err as { code?: unknown } | undefined)?.code;
  if (code === 'ETIMEDOUT') return new ConfigError(`cannot reach Redis at ${address} (timed out after ${seconds(timeoutMs)})`, options);
  const reason = networkReason(err);
  if (reason) return new ConfigError(`cannot reach Redis at ${address} (${reason})`, options);
  if ((err as { name?: unknown } | undefined)?.name === 'ReplyError') {
    return new ConfigError(`Redis at ${address} answered with an error (${message})`, options);
  }
  return new ConfigError(`cannot reach Redis at ${address} (${message})`, options);
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

/** The URL's password as written and as decoded (in the user part or a `password=` parameter). */
function passwordsOf(url: string): string[] {
  try {
    const u = new URL(url);
    const found = [u.password, u.searchParams.get('password') ?? ''];
    try {
      found.push(decodeURIComponent(u.password));
    } catch {
      // a malformed escape: the password as written is masked still
    }
    return found.filter((p) => p !== '');
  } catch {
    return [];
  }
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
export async function withCommandRedis<T>(url: string, name: string, use: (redis: Redis) => Promise<T>): Promise<T> {
  const redis = await connectForCommand(url, name);
  try {
    return await use(redis);
  } catch (err) {
    throw explainRedisError(err, url, redis);
  } finally {
    await redis.quit().catch(() => redis.disconnect());
  }
}
