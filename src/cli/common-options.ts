/**
 * Flags shared by the commands, each mapped to its config key, so a flag is
 * only ever another source for the one convict schema.
 */
import { Command, Option } from 'commander';
import type { BnvizConfig } from '../config/load-config.js';
import { schema } from '../config/schema.js';

/**
 * flag name -> its config key, commander flags and help. `--help` adds each
 * one's default and environment variable from the schema; `shown` replaces
 * a default that reads badly as a value (0 threads is every core), `envShown`
 * says what the variable means where the flag's own meaning differs.
 */
export const FLAG_KEYS = {
  groupSize: { key: 'groupSize', flags: '--group-size <n>', doc: 'images per group' },
  manifest: { key: 'manifest', flags: '--manifest <file>', doc: 'a file that chooses the groups', shown: 'none: sorted order' },
  order: { key: 'order', flags: '--order <o>', doc: 'sorted, or shuffle (with --seed) before grouping, as a training loop draws batches' },
  seed: { key: 'seed', flags: '--seed <n>', doc: 'seed of the shuffle (order shuffle) and of the sample (draw sample:K)' },
  groupBy: { key: 'groupBy', flags: '--group-by <g>', doc: 'dataset, or folder (groups never mix two folders: per-class batches)' },
  draw: { key: 'draw', flags: '--draw <which>', doc: 'groups that get figures: all, none, worst:K (most unseen), sample:K, ids:ID,ID,... or names:FILE (group ids, one a line); every group is counted' },
  size: { key: 'size', flags: '--size <px>', doc: 'resize every image to size x size' },
  fit: { key: 'fit', flags: '--fit <fit>', doc: 'cover, contain or fill' },
  background: { key: 'background', flags: '--background <#rrggbb>', doc: 'colour behind transparent pixels' },
  colorProfile: { key: 'colorProfile', flags: '--color-profile <p>', doc: 'ignore (the stored values, as a model reads them) or convert (to sRGB)' },
  alpha: { key: 'alpha', flags: '--alpha <mode>', doc: 'drop (the stored colours, as PIL\'s convert("RGB") and tf.io.decode_png(channels=3) read them) or flatten (onto --background)' },
  method: { key: 'method', flags: '--method <m>', doc: 'batch, instance, layer (over H, W and C, as Wu & He draw it; Keras\' LayerNormalization defaults to C alone) or group' },
  stats: { key: 'stats', flags: '--stats <s>', doc: 'what batch norm. normalizes with: batch, dataset, imagenet or a JSON file (bnviz fit --save, or a BN layer\'s moving statistics)' },
  epsilon: { key: 'epsilon', flags: '--epsilon <e>', doc: 'added to the variance' },
  gamma: { key: 'gamma', flags: '--gamma <g>', doc: 'scale: one number or R,G,B' },
  beta: { key: 'beta', flags: '--beta <b>', doc: 'offset: one number or R,G,B' },
  groups: { key: 'groups', flags: '--groups <g>', doc: 'channel groups for group normalization (1 or 3)' },
  gridSize: { key: 'gridSize', flags: '--grid-size <n>', doc: 'density grid points' },
  bwAdjust: { key: 'bwAdjust', flags: '--bw-adjust <a>', doc: 'bandwidth multiplier' },
  backend: { key: 'backend', flags: '--backend <b>', doc: 'tfjs backend: auto, wasm, cpu or node' },
  figures: { key: 'figures', flags: '--figures <list>', doc: 'figures to draw: overview,panels,compare' },
  formats: { key: 'formats', flags: '--formats <list>', doc: 'png,svg,webp' },
  webpQuality: { key: 'webpQuality', flags: '--webp-quality <q>', doc: 'WebP figures: lossless, or a quality 1-100 (lossy)' },
  scale: { key: 'scale', flags: '--scale <s>', doc: 'PNG scale; 1 is 1200 x 600 px' },
  xRange: { key: 'xRange', flags: '--x-range <r>', doc: 'density x range +-r, or auto' },
  markUnseen: { key: 'markUnseen', flags: '--mark-unseen', doc: 'mark pixels whose every channel is below 0 or above 1' },
  spec: { key: 'spec', flags: '--spec', doc: 'also write each figure spec as JSON' },
  out: { key: 'out', flags: '-o, --out <dir>', doc: 'output folder' },
  // BNVIZ_OUT is the workers' output folder: an enqueue that shares their environment leaves it out of the scan
  exclude: { key: 'out', flags: '--exclude <dir>', doc: 'a folder the scan leaves out (the workers\' output folder, when it is inside the dataset)', envShown: 'BNVIZ_OUT, the workers\' output folder' },
  runId: { key: 'runId', flags: '--run <id>', doc: 'run id', shown: 'folder name and a hash of its path' },
  threads: { key: 'threads', flags: '-t, --threads <n>', doc: 'worker threads', shown: 'every core' },
  force: { key: 'force', flags: '-f, --force', doc: 'redo groups already done' },
  maxPixels: { key: 'maxPixels', flags: '--max-pixels <n>', doc: 'memory budget of a fleet job, in pixels: its images, figures and density grids' },
  redis: { key: 'redis.url', flags: '--redis <url>', doc: 'Redis URL' },
  sentinels: { key: 'redis.sentinels', flags: '--sentinels <list>', doc: 'Redis Sentinel: the sentinels as host:port,host:port', shown: 'none' },
  sentinelName: { key: 'redis.sentinelName', flags: '--sentinel-name <name>', doc: 'Redis Sentinel: the name of the primary they watch', shown: 'none' },
  cluster: { key: 'redis.cluster', flags: '--cluster <nodes>', doc: 'Redis Cluster: some nodes as host:port,host:port', shown: 'none' },
  redisCa: { key: 'redis.tls.ca', flags: '--redis-ca <file>', doc: 'TLS: the CA certificate (PEM) that signed Redis\'s', shown: 'the system\'s' },
  redisCert: { key: 'redis.tls.cert', flags: '--redis-cert <file>', doc: 'TLS: this client\'s certificate (PEM)', shown: 'none' },
  redisKey: { key: 'redis.tls.key', flags: '--redis-key <file>', doc: 'TLS: the key of --redis-cert (PEM)', shown: 'none' },
  prefix: { key: 'redis.prefix', flags: '--prefix <p>', doc: 'Redis key prefix (on a cluster with a hash tag: {bnviz})' },
  queue: { key: 'queue.name', flags: '--queue <name>', doc: 'queue name' },
  roots: { key: 'roots', flags: '--roots <dirs>', doc: 'dataset roots a worker may read (comma-separated)', shown: 'the current folder' },
  host: { key: 'dashboard.host', flags: '--host <h>', doc: 'dashboard address' },
  port: { key: 'dashboard.port', flags: '--port <n>', doc: 'dashboard port' },
} as const;

export type FlagName = keyof typeof FLAG_KEYS;

/** The flags of the compute steps (decode and normalize): what one group's numbers depend on. */
export const COMPUTE_FLAGS: FlagName[] = ['size', 'fit', 'background', 'colorProfile', 'alpha', 'method', 'stats', 'epsilon', 'gamma', 'beta', 'groups', 'gridSize', 'bwAdjust', 'backend'];
/** The flags of the figures. */
export const FIGURE_FLAGS: FlagName[] = ['figures', 'formats', 'webpQuality', 'scale', 'xRange', 'markUnseen', 'spec'];
/** Where Redis is (one server, sentinels or a cluster; TLS files) and the prefix of bnviz's keys: every fleet command reads the same. */
export const REDIS_FLAGS: FlagName[] = ['redis', 'sentinels', 'sentinelName', 'cluster', 'redisCa', 'redisCert', 'redisKey', 'prefix'];
/** How a dataset becomes groups. */
export const DATASET_FLAGS: FlagName[] = ['groupSize', 'manifest', 'order', 'seed', 'groupBy'];

/** Adds `--config` and the named flags to a command, each with its default and environment variable in its help. */
export function withOptions(command: Command, names: FlagName[]): Command {
  command.addOption(new Option('-c, --config <file>', 'config file (JSON) (env: BNVIZ_CONFIG)'));
  for (const name of names) {
    const flag: { key: string; flags: string; doc: string; shown?: string; envShown?: string } = FLAG_KEYS[name];
    const { value, env } = settingOf(flag.key);
    const shownDefault = flag.shown ?? (Array.isArray(value) ? value.join(',') : String(value));
    const option = new Option(flag.flags, `${flag.doc} (default: ${shownDefault}${env ? `; env: ${flag.envShown ?? env}` : ''})`);
    command.addOption(option);
  }
  return command;
}

/** A setting's default and environment variable, from the one schema. */
function settingOf(key: string): { value: unknown; env?: string } {
  let node: unknown = schema;
  for (const part of key.split('.')) node = (node as Record<string, unknown>)[part];
  const entry = node as { default: unknown; env?: string };
  return { value: entry.default, env: entry.env };
}

/** Where this command's settings came from, once configFrom has read them: names a setting in a message. */
let sourceName: ((key: string) => string) | undefined;

/**
 * A setting as this command's user knows it: the flag typed, else the
 * environment variable or config file line that set it, else the flag that
 * would set it (or its variable, for a setting with no flag).
 */
export function settingName(key: string): string {
  const given = sourceName?.(key);
  if (given !== undefined && given !== key) return given;
  const flag = Object.values(FLAG_KEYS).find((f) => f.key === key);
  return flag ? new Option(flag.flags).long! : (settingOf(key).env ?? key);
}

/** Loads the config with the command's flags as the last source (convict is loaded here, when a command runs). */
export async function configFrom(opts: Record<string, unknown>): Promise<Readonly<BnvizConfig>> {
  const { loadConfig, sourceOf } = await import('../config/load-config.js');
  const flags: Record<string, unknown> = {};
  const flagNames: Record<string, string> = {};
  for (const { key, flags: spec } of Object.values(FLAG_KEYS)) {
    const option = new Option(spec);
    const attribute = option.attributeName(); // what commander stores the flag under
    if (opts[attribute] === undefined) continue;
    flags[key] = opts[attribute];
    flagNames[key] = option.long!;
  }
  const onWarning = (message: string) => process.stderr.write(`bnviz: warning: ${message}\n`);
  const file = (opts.config as string | undefined) ?? process.env.BNVIZ_CONFIG;
  sourceName = (key) => sourceOf(key, { env: process.env, file, flags, flagNames }).name;
  return loadConfig({ file, flags, flagNames, onWarning });
}
