/**
 * Reads the configuration once, at the edge: defaults, then a config file,
 * then the environment, then flags (later wins); validates strictly; returns
 * a deep-frozen plain object that is passed inward. Nothing else reads config.
 */
import convict from 'convict';
import { existsSync, readFileSync } from 'node:fs';
import { ConfigError, expectedMessage, shownValue } from '../errors.js';
import { resolveRedisSettings, type RedisSettings } from './redis-rules.js';
import type { GROUP_BYS, GroupOptions, ORDERS } from './rules.js';
import { schema } from './schema.js';

/** Every setting, as loadConfig returns it (deep-frozen). The group options' types come from their rules. */
export interface BnvizConfig extends GroupOptions {
  /** What batch normalization normalizes with: batch, dataset, imagenet or a JSON file (resolved by fit/norm-stats.ts into GroupOptions.normStats). */
  stats: string;
  groupSize: number;
  manifest: string;
  /** How images are ordered before they are grouped (`--order`), its seed, and whether groups stay within folders. */
  order: (typeof ORDERS)[number];
  seed: number;
  groupBy: (typeof GROUP_BYS)[number];
  out: string;
  runId: string;
  threads: number;
  maxPixels: number;
  force: boolean;
  redis: RedisSettings;
  queue: { name: string; attempts: number; backoffMs: number; keepCompleted: number; keepFailed: number; handBacks: number; lockMs: number; stopMs: number };
  retentionDays: number;
  roots: string[];
  healthFile: string;
  dashboard: { host: string; port: number; token: string; hostNames: string[]; allowActions: boolean };
}

export interface LoadConfigOptions {
  /** A config file (JSON); defaults to `env.BNVIZ_CONFIG`. */
  file?: string;
  /** Environment to read BNVIZ_* from; defaults to `process.env`. */
  env?: NodeJS.ProcessEnv;
  /** Settings from command-line flags, by schema key (dotted for nested keys); undefined values are skipped. */
  flags?: Record<string, unknown>;
  /** How the user wrote each flag (`size` -> `--size`), for messages; keys without one are named by their key. */
  flagNames?: Record<string, string>;
  /** Called with each warning (a BNVIZ_ variable that is no setting); none by default. */
  onWarning?(message: string): void;
}

/** BNVIZ_ variables read outside the settings (the config file's name, deploy/compose.yaml's own, the tests' own). */
const OTHER_VARIABLES = ['BNVIZ_CONFIG', 'BNVIZ_DATA', 'BNVIZ_WORKER_MEMORY', 'BNVIZ_CHROMIUM', 'BNVIZ_TEST_REDIS_URL', 'BNVIZ_TEST_HA', 'BNVIZ_UPDATE_FIGURES', 'BNVIZ_UPDATE_SNAPSHOTS'];

/**
 * Loads and validates the configuration; throws ConfigError naming each bad key.
 * @example
 * const config = loadConfig({ file: 'bnviz.json', flags: { size: 128, 'redis.url': 'redis://queue-host:6379' } });
 * config.size; // 128: defaults, then the file, the environment (BNVIZ_...), these flags
 */
export function loadConfig(options: LoadConfigOptions = {}): Readonly<BnvizConfig> {
  const env = options.env ?? process.env;
  const config = convict(schema, { env, args: [] });
  const file = options.file ?? env.BNVIZ_CONFIG;
  if (options.onWarning) for (const warning of unknownVariables(env)) options.onWarning(warning);
  try {
    if (file) {
      if (!existsSync(file)) throw new ConfigError(`config file ${file}: not found`);
      // convict re-applies the environment after a file, so env and flags still win over it.
      config.loadFile(file);
    }
    for (const [key, value] of Object.entries(options.flags ?? {})) {
      if (value !== undefined) config.set(key, value);
    }
    config.validate({ allowed: 'strict' });
  } catch (err) {
    if (err instanceof ConfigError) throw err;
    const where = (key: string) => sourceOf(key, { env, file, flags: options.flags, flagNames: options.flagNames });
    throw new ConfigError(formatConvictMessage(err instanceof Error ? err.message : String(err), file, where), { cause: err });
  }
  const properties = config.getProperties() as BnvizConfig;
  const nameOf = (key: string) => sourceOf(key, { env, file, flags: options.flags, flagNames: options.flagNames }).name;
  properties.redis = resolveRedisSettings(properties.redis, nameOf);
  return deepFreeze(properties);
}

/** Where a key's value came from, as a message names it, and the value as it was given there. */
export interface SettingSource {
  /** `--size`, `BNVIZ_SIZE`, `size in bnviz.json line 3`, or the key itself. */
  name: string;
  /** The value as given (text from a flag or the environment, the file's JSON value). */
  given?: unknown;
}

/** The last source that set `key` (flags, then the environment, then the file), as loadConfig applies them. */
export function sourceOf(key: string, sources: { env: NodeJS.ProcessEnv; file?: string; flags?: Record<string, unknown>; flagNames?: Record<string, string> }): SettingSource {
  const flag = sources.flags?.[key];
  if (flag !== undefined) return { name: sources.flagNames?.[key] ?? key, given: flag };
  const variable = envNameOf(key);
  if (variable && sources.env[variable] !== undefined) return { name: variable, given: sources.env[variable] };
  if (sources.file) {
    const found = findInFile(sources.file, key);
    if (found) return { name: `${key} in ${sources.file} line ${found.line}`, given: found.value };
  }
  return { name: key };
}

function envNameOf(key: string): string | undefined {
  let node: unknown = schema;
  for (const part of key.split('.')) node = (node as Record<string, unknown> | undefined)?.[part];
  return (node as { env?: string } | undefined)?.env;
}

/** The line of a key in a config file (its last name, the first line that sets it) and its value there. */
function findInFile(file: string, key: string): { line: number; value: unknown } | undefined {
  try {
    const text = readFileSync(file, 'utf8');
    const name = key.split('.').pop()!;
    const index = text.split('\n').findIndex((l) => !/^\s*\/\//.test(l) && l.includes(`"${name}"`));
    if (index < 0) return undefined;
    let value: unknown = JSON.parse(text.replace(/^\s*\/\/.*$/gm, ''));
    for (const part of key.split('.')) value = (value as Record<string, unknown> | undefined)?.[part];
    return { line: index + 1, value };
  } catch {
    return undefined;
  }
}

/** A warning for each BNVIZ_ variable that is no setting, with the nearest one that is. */
export function unknownVariables(env: NodeJS.ProcessEnv): string[] {
  const known = new Set<string>(OTHER_VARIABLES);
  const walk = (node: Record<string, unknown>) => {
    for (const v of Object.values(node)) {
      const entry = v as { env?: string; doc?: string };
      if (typeof entry.env === 'string') known.add(entry.env);
      else if (entry && typeof entry === 'object' && entry.doc === undefined) walk(entry as Record<string, unknown>);
    }
  };
  walk(schema as unknown as Record<string, unknown>);
  return Object.keys(env)
    .filter((name) => name.startsWith('BNVIZ_') && !known.has(name))
    .sort()
    .map((name) => {
      const near = nearest(name, [...known]);
      return `${name}=${shownValue(env[name])} is not a bnviz setting, so it is ignored${near ? ` (did you mean ${near}?)` : ''}`;
    });
}

/** The closest name within a third of its own part (after BNVIZ_) in edits (Levenshtein), if any. */
function nearest(name: string, names: string[]): string | undefined {
  let best: { name: string; d: number } | undefined;
  for (const candidate of names) {
    const d = editDistance(name, candidate);
    if (d <= Math.max(1, Math.floor((candidate.length - 'BNVIZ_'.length) / 3)) && (!best || d < best.d)) best = { name: candidate, d };
  }
  return best?.name;
}

function editDistance(a: string, b: string): number {
  let row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const next = [i];
    for (let j = 1; j <= b.length; j++) next[j] = Math.min(row[j] + 1, next[j - 1] + 1, row[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    row = next;
  }
  return row[b.length];
}

/**
 * convict says "key: reason: value was X", one line per key; bnviz says
 * "Expected <what> for <source> but received <value as given>" (sharp's
 * shape), naming the flag, variable or file line the value came from.
 */
export function formatConvictMessage(message: string, file?: string, where?: (key: string) => SettingSource): string {
  return message
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => {
      const m = /^([\w.]+): (.*?): value was (.*?)(?:: value was .*)?$/s.exec(line);
      if (m) {
        const expected = m[2].replace(/^must be of type /, 'a ').replace(/^must be one of the possible values: /, 'one of ');
        const source = where?.(m[1]);
        if (source && source.given !== undefined) return expectedMessage(expected, source.name, source.given);
        return expectedMessage(expected, source?.name ?? m[1], m[3], { shown: true });
      }
      const undeclared = /configuration param '(.+)' not declared in the schema/.exec(line);
      if (undeclared) return `Unknown setting ${undeclared[1]}${file ? ` in ${file}` : ''}`;
      return file && /^line \d+, column \d+: |JSON|Unexpected|parse/i.test(line) ? `config file ${file} ${line.startsWith('line ') ? '' : ': '}${line}`.replace(' : ', ': ') : line;
    })
    .join('\n');
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}
