/** The option objects that the compute, decode and figure steps take, cut from the config. */
import type { ComputeOptions } from '../compute/compute-group.js';
import type { DecodeOptions } from '../decode/decode-image.js';
import type { GroupOptions } from '../group/group-task.js';
import type { BnvizConfig } from './load-config.js';

export function decodeOptions(config: Readonly<BnvizConfig>): DecodeOptions {
  return { size: config.size, fit: config.fit, background: config.background };
}

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

/** Everything a group's outputs depend on besides its files: what a GroupTask carries. */
export function groupOptions(config: Readonly<BnvizConfig>): GroupOptions {
  return {
    ...decodeOptions(config),
    ...computeOptions(config),
    figures: [...config.figures],
    formats: [...config.formats],
    scale: config.scale,
    xRange: config.xRange,
    markUnseen: config.markUnseen,
    spec: config.spec,
  };
}
