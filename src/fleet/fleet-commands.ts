/**
 * The fleet's Lua scripts (the files in `lua/`), each defined once per
 * connection with ioredis' `defineCommand`, so a call sends EVALSHA and the
 * script's text crosses the wire only the first time. Each script names
 * every key it touches in KEYS, and all of them live under the fleet's
 * prefix: with a hash-tagged prefix they share one cluster slot.
 */
import { readFileSync } from 'node:fs';
import type { RedisClient } from './redis-options.js';

/** Each script: its file and how many of its arguments are keys (undefined: the caller says, first). */
const SCRIPTS = {
  bnvizRecordOutcome: { file: 'record-outcome.lua', keys: 13 },
  bnvizAddGroups: { file: 'add-groups.lua', keys: 4 },
  bnvizUncountFailed: { file: 'uncount-failed.lua', keys: undefined },
  bnvizMarkStarted: { file: 'mark-started.lua', keys: 1 },
  bnvizUncountedGroups: { file: 'uncounted-groups.lua', keys: undefined },
  bnvizRecordSlice: { file: 'record-slice.lua', keys: 5 },
  bnvizAddLevels: { file: 'add-levels.lua', keys: 2 },
  bnvizLockRenew: { file: 'lock-renew.lua', keys: 1 },
  bnvizLockRelease: { file: 'lock-release.lua', keys: 1 },
} as const;

/**
 * An argument, or a list of them sent as its elements (ioredis flattens an
 * array argument one level): a long list, such as the level counts of 16-bit
 * images (393,216 strings), is handed over as one array, since spread into
 * the call it overflows the stack (V8 takes about 120,000 arguments).
 */
type Arg = string | number | Buffer | ReadonlyArray<string | number | Buffer>;
type Command = (...args: Arg[]) => Promise<unknown>;

/** A connection with the fleet's scripts as commands. */
export type FleetRedis = (RedisClient) & { [name in keyof typeof SCRIPTS]: Command };

let sources: Record<string, string> | undefined;
const defined = new WeakSet<object>();

/** The connection, with the fleet's scripts defined on it (once). */
export function fleetCommands(redis: RedisClient): FleetRedis {
  if (!defined.has(redis)) {
    sources ??= Object.fromEntries(Object.entries(SCRIPTS).map(([name, s]) => [name, readFileSync(new URL(`./lua/${s.file}`, import.meta.url), 'utf8')]));
    for (const [name, s] of Object.entries(SCRIPTS)) {
      redis.defineCommand(name, { lua: sources[name]!, ...(s.keys === undefined ? {} : { numberOfKeys: s.keys }) });
    }
    defined.add(redis);
  }
  return redis as FleetRedis;
}
