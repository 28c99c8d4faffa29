/** The option objects that the compute, decode and figure steps take, cut from the config. */
import type { ComputeOptions } from '../compute/compute-group.js';
import type { DecodeOptions } from '../decode/decode-image.js';
import { groupOptionRules, type GroupOptions } from './rules.js';
import type { BnvizConfig } from './load-config.js';

/**
 * @example
 * const options = decodeOptions(loadConfig({ flags: { size: 128 } })); // size, fit, background, colorProfile, alpha
 */
export function decodeOptions(config: Readonly<BnvizConfig>): DecodeOptions {
  return { size: config.size, fit: config.fit, background: config.background, colorProfile: config.colorProfile, alpha: config.alpha };
}

/**
 * @example
 * const options = computeOptions(loadConfig({ flags: { method: 'instance' } }));
 */
export function computeOptions(config: Readonly<BnvizConfig>): ComputeOptions {
  return {
    method: config.method,
    epsilon: config.epsilon,
    gamma: config.gamma,
    beta: config.beta,
    groups: config.groups,
    gridSize: config.gridSize,
    bwAdjust: config.bwAdjust,
    backend: config.backend,
  };
}

/**
 * Everything a group's outputs depend on besides its files (the keys of the group option rules): what a GroupTask carries.
 * @example
 * const options = groupOptions(loadConfig({ env: {} })); // what a group's outputs depend on, as a job carries it
 */
export function groupOptions(config: Readonly<BnvizConfig>): GroupOptions {
  // normStats is resolved from the stats setting by the driver (fit/norm-stats.ts), not read from the config
  const keys = Object.keys(groupOptionRules) as Array<keyof GroupOptions>;
  // structuredClone: the config is frozen, a task's options are the caller's to change
  return structuredClone(Object.fromEntries(keys.map((k) => [k, config[k]]))) as GroupOptions;
}
