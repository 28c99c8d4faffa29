/**
 * bnviz as a library: the same parts the command uses, for users' own
 * scripts. Each takes plain data and a config from loadConfig.
 */
export { loadConfig, type BnvizConfig, type LoadConfigOptions } from './config/load-config.js';
export { groupOptions, computeOptions, decodeOptions } from './config/derive-options.js';
export { groupOptionsSchema, type GroupOptions } from './config/rules.js';
export { InputError, ConfigError, UsageError, isBnvizError } from './errors.js';
export {
  planDataset, planDatasetStream, scanImages, readManifest, type DatasetPlan, type GroupPlan, type PlanStreamOptions, type PlanTotals,
} from './dataset/index.js';
export { decodeImage, type DecodeOptions } from './decode/decode-image.js';
export { computeGroup, type ComputeOptions, type ComputeResult } from './compute/compute-group.js';
export { normalize } from './compute/normalize.js';
export { countLevels } from './compute/count-levels.js';
export { imageValues, levelValues } from './compute/level-values.js';
export { computeFiles, type ComputeFilesOptions } from './group/compute-files.js';
export { fitDataset, type FitOptions, type FitResult } from './fit/fit-dataset.js';
export { LevelCounts, type ChannelMoments, type LevelCountsDoc } from './fit/level-counts.js';
export { buildFigure, drawFigures, renderPng, renderSvg, type FigureSpec } from './figure/index.js';
export { processGroup } from './group/process-group.js';
export type { GroupTask, GroupResult } from './group/group-task.js';
export { createGroupPool, type GroupPool } from './pool/group-pool.js';
export { runDataset, type RunEvents, type RunOutcome } from './run/run-dataset.js';
export type { RunRecord } from './records/run-record.js';
export * from './fleet/index.js';
export { startDashboard, buildDashboard, type Dashboard } from './dashboard/index.js';
export { CHANNELS, FITS, METHODS, BACKENDS, FIGURE_KINDS, FIGURE_FORMATS } from './types.js';
export type * from './types.js';
