/**
 * Reads the configuration once, at the edge: defaults, then a config file,
 * then the environment, then flags (later wins); validates strictly; returns
 * a deep-frozen plain object that is passed inward. Nothing else reads config.
 */
import convict from 'convict';
import { existsSync } from 'node:fs';
import { ConfigError, expectedMessage } from '../errors.js';
import type { GroupOptions } from './rules.js';
import { schema } from './schema.js';

/** Every setting, as loadConfig returns it (deep-frozen). The group options' types come from their rules. */
export interface BnvizConfig extends GroupOptions {
  groupSize: number;
  manifest: string;
  out: string;
  runId: string;
  threads: number;
  maxPixels: number;
  force: boolean;
  redis: { url: string; prefix: string };
  queue: { name: string; attempts: number; backoffMs: number; keepCompleted: number; keepFailed: number; handBacks: number; lockMs: number };
  retentionDays: number;
  roots: string[];
  dashboard: { host: string; port: number; token: string; hostNames: string[]; allowActions: boolean };
}

export interface LoadConfigOptions {
  /** A config file (JSON); defaults to `env.BNVIZ_CONFIG`. */
  file?: string;
  /** Environment to read BNVIZ_* from; defaults to `process.env`. */
  env?: NodeJS.ProcessEnv;
  /** Settings from command-line flags, by schema key (dotted for nested keys); undefined values are skipped. */
  flags?: Record<string, unknown>;
}

/** Loads and validates the configuration; throws ConfigError naming each bad key. */
export function loadConfig(options: LoadConfigOptions = {}): Readonly<BnvizConfig> {
  const env = options.env ?? process.env;
  const config = convict(schema, { env, args: [] });
  const file = options.file ?? env.BNVIZ_CONFIG;
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
    throw new ConfigError(formatConvictMessage(err instanceof Error ? err.message : String(err), file), { cause: err });
  }
  return deepFreeze(config.getProperties() as BnvizConfig);
}

/**
 * convict says "key: reason: value was X", one line per key; bnviz says
 * "Expected <what> for <key> but received <value>" (sharp's shape).
 */
export function formatConvictMessage(message: string, file?: string): string {
  return message
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => {
      const m = /^([\w.]+): (.*?): value was (.*?)(?:: value was .*)?$/s.exec(line);
      if (m) {
        const expected = m[2].replace(/^must be of type /, 'a ').replace(/^must be one of the possible values: /, 'one of ');
        return expectedMessage(expected, m[1], m[3], { shown: true });
      }
      const undeclared = /configuration param '(.+)' not declared in the schema/.exec(line);
      if (undeclared) return `Unknown setting ${undeclared[1]}${file ? ` in ${file}` : ''}`;
      return file && /JSON|Unexpected|parse/i.test(line) ? `config file ${file}: ${line}` : line;
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
