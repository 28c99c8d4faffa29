/**
 * Every bnviz setting in one convict schema: each with a doc, a default, a
 * format and an environment variable. Sources, later wins: these defaults, a
 * config file (`--config FILE` or BNVIZ_CONFIG), the environment (BNVIZ_...),
 * command-line flags. `config/bnviz.example.json` shows the file form.
 */
import convict from 'convict';
import type { z } from 'zod';
import { drawSetting, flag, GROUP_BYS, groupOptionRules as rules, intBetween, numberBetween, oneOf, ORDERS, redisNodes, statsChoice } from './rules.js';

/** Custom formats, registered with convict once under their names. */
const formats: Record<string, convict.Format> = {};

const toNumber = (value: unknown) => (typeof value === 'string' && value.trim() !== '' ? Number(value) : value);
const toList = (value: unknown) => (typeof value === 'string' ? value.split(',').map((s) => s.trim()).filter(Boolean) : value);
const toPerChannel = (value: unknown) => {
  if (typeof value !== 'string') return value;
  const parts = value.split(',').map((s) => Number(s.trim()));
  return parts.length === 1 ? parts[0] : parts;
};
const toBoolean = (value: unknown) => (value === 'true' || value === '1' ? true : value === 'false' || value === '0' ? false : value);

/**
 * A convict format that checks with a zod rule from rules.ts (the one rule
 * set), after coercing what the environment and flags give as text.
 */
function rule(name: string, schema: z.ZodType, coerce?: (value: unknown) => unknown): string {
  formats[name] = {
    name,
    ...(coerce ? { coerce } : {}),
    validate(value: unknown) {
      if (!schema.safeParse(value).success) throw new Error(`${schema.description}: value was ${JSON.stringify(value)}`);
    },
  };
  return name;
}

export const schema = {
  groupSize: {
    doc: 'Images per group (the batch that batch normalization averages over).',
    format: rule('group-size', intBetween(1, 1024), toNumber), default: 3, env: 'BNVIZ_GROUP_SIZE',
  },
  order: {
    doc: 'The order images are grouped in: sorted (path order, the default: each group is consecutive files) or shuffle (the whole dataset shuffled with --seed before grouping, as a training loop\'s sampler draws batches). A run\'s record states it; a resumed run must give the same.',
    format: rule('order', oneOf(ORDERS)), default: 'sorted', env: 'BNVIZ_ORDER',
  },
  seed: {
    doc: 'Seed of --order shuffle and --draw sample:K: the same seed gives the same groups and the same sample on any number of threads or workers.',
    format: rule('seed', intBetween(0, 2 ** 32 - 1), toNumber), default: 0, env: 'BNVIZ_SEED',
  },
  groupBy: {
    doc: 'dataset: groups cut from the whole dataset; folder: groups cut within each folder (a class-per-folder dataset, as ImageFolder reads it, gets per-class batches; a folder\'s last group may be partial).',
    format: rule('group-by', oneOf(GROUP_BYS)), default: 'dataset', env: 'BNVIZ_GROUP_BY',
  },
  manifest: {
    doc: 'A JSON or text file that chooses the groups (see README); empty: sorted order, groupSize at a time.',
    format: String, default: '', env: 'BNVIZ_MANIFEST',
  },
  size: {
    doc: 'Every image is resized to size x size pixels.',
    format: rule('size', rules.size, toNumber), default: 256, env: 'BNVIZ_SIZE',
  },
  fit: {
    doc: 'How an image that is not square is resized: cover (crop the centre), contain (letterbox on the background; the bars are left out of every number) or fill (stretch).',
    format: rule('fit', rules.fit), default: 'cover', env: 'BNVIZ_FIT',
  },
  background: {
    doc: 'Colour that transparent pixels are flattened onto (with alpha flatten), and that contain fills the letterbox with.',
    format: rule('colour', rules.background), default: '#000000', env: 'BNVIZ_BACKGROUND',
  },
  colorProfile: {
    doc: 'An image\'s embedded colour profile (ICC): ignore reads the values the file stores, as tf.io.decode_png/decode_jpeg, PIL and torchvision give them to a model; convert converts them to sRGB, as a colour-managed viewer shows them.',
    format: rule('color-profile', rules.colorProfile), default: 'ignore', env: 'BNVIZ_COLOR_PROFILE',
  },
  alpha: {
    doc: 'An image\'s alpha channel: drop keeps the colour values the file stores, as PIL\'s convert("RGB") (Keras load_img, torchvision) and tf.io.decode_png(channels=3) give them to a model; flatten composites them onto the background colour, rounded as PIL\'s alpha_composite rounds.',
    format: rule('alpha', rules.alpha), default: 'drop', env: 'BNVIZ_ALPHA',
  },
  method: {
    doc: 'Normalization: batch (per channel over N,H,W, as Keras BatchNormalization in training mode), instance (per image and channel over H,W), layer (per image over H,W,C, as Wu & He draw it; Keras\' LayerNormalization defaults to the last axis, C alone, per pixel), group (per image over H,W and each group of channels).',
    format: rule('method', rules.method), default: 'batch', env: 'BNVIZ_METHOD',
  },
  stats: {
    doc: 'What batch normalization normalizes with: batch (each group by its own statistics, a model in training), dataset (the whole folder\'s mean and std, as bnviz fit computes them: a trained model, or Normalize), imagenet (mean 0.485,0.456,0.406, std 0.229,0.224,0.225), or a JSON file: bnviz fit\'s output, or a BN layer\'s moving_mean, moving_variance, gamma, beta.',
    format: rule('stats', statsChoice), default: 'batch', env: 'BNVIZ_STATS',
  },
  epsilon: {
    doc: 'Added to the variance before the square root (Keras BatchNormalization default 1e-3).',
    format: rule('epsilon', rules.epsilon, toNumber), default: 0.001, env: 'BNVIZ_EPSILON',
  },
  gamma: {
    doc: 'Scale after normalizing (Keras gamma): one number, or three numbers R,G,B.',
    format: rule('gamma', rules.gamma, toPerChannel), default: 1 as number | number[], env: 'BNVIZ_GAMMA',
  },
  beta: {
    doc: 'Offset after normalizing (Keras beta): one number, or three numbers R,G,B.',
    format: rule('beta', rules.beta, toPerChannel), default: 0 as number | number[], env: 'BNVIZ_BETA',
  },
  groups: {
    doc: 'Channel groups for group normalization; must divide 3 (1 is layer, 3 is instance normalization).',
    format: rule('groups', rules.groups, toNumber), default: 1, env: 'BNVIZ_GROUPS',
  },
  gridSize: {
    doc: 'Points on which each density is evaluated, from the channel\'s min to its max (seaborn gridsize).',
    format: rule('grid-size', rules.gridSize, toNumber), default: 200, env: 'BNVIZ_GRID_SIZE',
  },
  bwAdjust: {
    doc: 'Multiplies Scott\'s bandwidth (seaborn bw_adjust).',
    format: rule('bw-adjust', rules.bwAdjust, toNumber), default: 1, env: 'BNVIZ_BW_ADJUST',
  },
  backend: {
    doc: 'tfjs backend: auto (tfjs-node when it is installed and works, else wasm), wasm, cpu or node.',
    format: rule('backend', rules.backend), default: 'auto', env: 'BNVIZ_BACKEND',
  },
  figures: {
    doc: 'Figures to draw for each group: overview, panels, compare (comma-separated).',
    format: rule('figures', rules.figures, toList), default: ['overview', 'panels', 'compare'] as string[], env: 'BNVIZ_FIGURES',
  },
  formats: {
    doc: 'File formats of each figure: png, svg, webp (comma-separated; webp as --webp-quality says).',
    format: rule('formats', rules.formats, toList), default: ['png'] as string[], env: 'BNVIZ_FORMATS',
  },
  scale: {
    doc: 'PNG pixels per figure point: 1 gives the write-up\'s 12 x 6 inch figure at 100 dpi (1200 x 600 px); the PNG states 100 dpi times the scale, so it prints at 12 x 6 inches.',
    format: rule('scale', rules.scale, toNumber), default: 1, env: 'BNVIZ_SCALE',
  },
  webpQuality: {
    doc: 'WebP figures (--formats webp): lossless (the pixels drawn, exactly; about a third of the PNG\'s bytes) or a quality from 1 to 100 (lossy: smaller still, with ringing around text and lines).',
    format: rule('webp-quality', rules.webpQuality, (v) => (v === 'lossless' ? v : toNumber(v))), default: 'lossless' as number | string, env: 'BNVIZ_WEBP_QUALITY',
  },
  xRange: {
    doc: 'Half-width of the symmetric x range of the density panels, or "auto" to fit the data.',
    format: rule('x-range', rules.xRange, (v) => (v === 'auto' ? v : toNumber(v))), default: 3.5 as number | string, env: 'BNVIZ_X_RANGE',
  },
  markUnseen: {
    doc: 'On the normalized half of each image, mark the pixels lost entirely (every channel below 0, drawn black, or above 1, drawn white), as photo editors mark clipping.',
    format: rule('mark-unseen', rules.markUnseen, toBoolean), default: false, env: 'BNVIZ_MARK_UNSEEN',
  },
  draw: {
    doc: 'Which groups get figures; every group is counted (decode and numbers, a row in the run\'s records) whatever it says. worst:K draws the K groups with the most unseen, once every group is counted (a second pass over K groups); sample:K a reproducible random K (--seed); ids:ID,ID,... the groups named by their ids (as summary.csv lists them), and names:FILE those a file names, one id a line (at most 10,000; an id the run does not have stops it before any group is counted; the run\'s record keeps the ids); all every group (about 1.5 MB a group: 160 GB for 100,000 groups); none no group. The default, worst:100, draws the groups index.html shows whole, and every group of a run of 100 groups or fewer.',
    format: rule('draw', drawSetting), default: 'worst:100', env: 'BNVIZ_DRAW',
  },
  spec: {
    doc: 'Also write each figure\'s spec (the serializable layout) as JSON.',
    format: rule('spec', rules.spec, toBoolean), default: false, env: 'BNVIZ_SPEC',
  },
  out: {
    doc: 'Output folder; each run writes under <out>/<runId>/.',
    format: String, default: 'out', env: 'BNVIZ_OUT',
  },
  runId: {
    doc: 'Run id; empty: the folder name and a hash of its path, so the same command on the same folder resumes the same run.',
    format: String, default: '', env: 'BNVIZ_RUN_ID',
  },
  threads: {
    doc: 'Worker threads; 0 uses every core.',
    format: rule('threads', intBetween(0, 256), toNumber), default: 0, env: 'BNVIZ_THREADS',
  },
  maxPixels: {
    doc: 'Memory budget of one fleet job, in pixels of about 100 bytes: files x size x size, plus its figures (growing with the square of the scale) and its density grids. Checked by enqueue and again by each worker; the default keeps a job near 1 GB.',
    format: rule('max-pixels', intBetween(1, 2 ** 40), toNumber), default: 2 ** 23, env: 'BNVIZ_MAX_PIXELS',
  },
  force: {
    doc: 'Redo groups whose outputs already exist.',
    format: rule('force', flag(), toBoolean), default: false, env: 'BNVIZ_FORCE',
  },
  redis: {
    url: {
      doc: 'Redis URL (password and TLS through it: rediss://:password@host:port/db).',
      format: String, default: 'redis://127.0.0.1:6379', env: 'BNVIZ_REDIS_URL', sensitive: true,
    },
    prefix: {
      doc: 'Prefix of every Redis key bnviz makes. With redis.cluster it is given a hash tag ({bnviz}) when it has none, so a queue and its runs share one slot.',
      format: String, default: 'bnviz', env: 'BNVIZ_REDIS_PREFIX',
    },
    sentinels: {
      doc: 'Redis Sentinel: the sentinels as host:port (comma-separated); bnviz asks them for the primary of redis.sentinelName and follows it through a failover. redis.url then gives only the user, password, db and rediss://.',
      format: rule('redis-sentinels', redisNodes, toList), default: [], env: 'BNVIZ_REDIS_SENTINELS',
    },
    sentinelName: {
      doc: 'Redis Sentinel: the name of the primary the sentinels watch (their "sentinel monitor NAME").',
      format: String, default: '', env: 'BNVIZ_REDIS_SENTINEL_NAME',
    },
    sentinelPassword: {
      doc: 'Redis Sentinel: the sentinels\' own password (requirepass in their config), if they have one.',
      format: String, default: '', env: 'BNVIZ_REDIS_SENTINEL_PASSWORD', sensitive: true,
    },
    cluster: {
      doc: 'Redis Cluster: some of its nodes as host:port (comma-separated; any nodes, the rest are discovered). redis.url then gives only the user, password and rediss://.',
      format: rule('redis-cluster', redisNodes, toList), default: [], env: 'BNVIZ_REDIS_CLUSTER',
    },
    tls: {
      ca: {
        doc: 'TLS: a PEM file of the certificate authority that signed Redis\'s certificate (else the system\'s); any TLS file turns TLS on, as rediss:// does. Certificates are always verified.',
        format: String, default: '', env: 'BNVIZ_REDIS_TLS_CA',
      },
      cert: {
        doc: 'TLS: a PEM file of this client\'s certificate, for a Redis that asks for one (tls-auth-clients).',
        format: String, default: '', env: 'BNVIZ_REDIS_TLS_CERT',
      },
      key: {
        doc: 'TLS: a PEM file of the private key of redis.tls.cert.',
        format: String, default: '', env: 'BNVIZ_REDIS_TLS_KEY',
      },
    },
  },
  queue: {
    name: {
      doc: 'BullMQ queue name.',
      format: String, default: 'groups', env: 'BNVIZ_QUEUE',
    },
    attempts: {
      doc: 'Tries per job for transient failures (bad input is never retried).',
      format: rule('attempts', intBetween(1, 100), toNumber), default: 3, env: 'BNVIZ_ATTEMPTS',
    },
    backoffMs: {
      doc: 'First retry delay in milliseconds; doubles each try.',
      format: rule('backoff-ms', intBetween(0, 3600000), toNumber), default: 2000, env: 'BNVIZ_BACKOFF_MS',
    },
    keepCompleted: {
      doc: 'Finished jobs kept in Redis (the newest); the run\'s own records keep the rest.',
      format: rule('keep-completed', intBetween(0, 1000000), toNumber), default: 1000, env: 'BNVIZ_KEEP_COMPLETED',
    },
    keepFailed: {
      doc: 'Failed jobs kept in Redis (the newest).',
      format: rule('keep-failed', intBetween(0, 1000000), toNumber), default: 5000, env: 'BNVIZ_KEEP_FAILED',
    },
    handBacks: {
      doc: 'Times a job that a worker cannot serve (its roots or output folder) goes back to the queue for another worker before it fails.',
      format: rule('hand-backs', intBetween(0, 1000), toNumber), default: 20, env: 'BNVIZ_HAND_BACKS',
    },
    lockMs: {
      doc: 'Job lock in milliseconds: a worker renews it while it works; a killed worker\'s job goes to another after it lapses (checked as often).',
      format: rule('lock-ms', intBetween(1000, 3600000), toNumber), default: 30000, env: 'BNVIZ_LOCK_MS',
    },
    stopMs: {
      doc: 'On SIGTERM or SIGINT, how long a worker waits for the jobs in hand, in milliseconds; a job still in hand then (a read that never returns) is left to its lock, and another worker takes it up.',
      format: rule('stop-ms', intBetween(0, 86400000), toNumber), default: 60000, env: 'BNVIZ_STOP_MS',
    },
  },
  retentionDays: {
    doc: 'Days a finished run\'s records stay in Redis (its outputs on disk are kept); 0 keeps them until bnviz clean.',
    format: rule('retention-days', numberBetween(0, 36500), toNumber), default: 30, env: 'BNVIZ_RETENTION_DAYS',
  },
  roots: {
    doc: 'Dataset roots a worker may read (comma-separated); empty: the current folder.',
    format: Array, default: [] as string[], env: 'BNVIZ_ROOTS',
  },
  healthFile: {
    doc: 'A file a worker rewrites every 5 s while it is ready and Redis answers, for a container\'s health check (dist/src/health-check.js; bnviz\'s image sets /tmp/bnviz-health); empty: none.',
    format: String, default: '', env: 'BNVIZ_HEALTH_FILE',
  },
  dashboard: {
    host: {
      doc: 'Address the dashboard binds; any other than 127.0.0.1/::1/localhost requires a token.',
      format: String, default: '127.0.0.1', env: 'BNVIZ_DASHBOARD_HOST',
    },
    port: {
      doc: 'Dashboard port.',
      format: rule('port', intBetween(0, 65535), toNumber), default: 8080, env: 'BNVIZ_DASHBOARD_PORT',
    },
    token: {
      doc: 'Access token the dashboard checks on every request (Authorization: Bearer, or ?token=).',
      format: String, default: '', env: 'BNVIZ_DASHBOARD_TOKEN', sensitive: true,
    },
    hostNames: {
      doc: 'Without a token the dashboard answers only requests addressed to localhost, 127.0.0.1 or [::1] (against DNS rebinding); other Host names to answer (comma-separated), such as a local proxy\'s.',
      format: Array, default: [] as string[], env: 'BNVIZ_DASHBOARD_HOSTNAMES',
    },
    allowActions: {
      doc: 'Let the run page retry a run\'s failed groups, and the queue view (Bull Board) retry, clean or remove jobs; read-only otherwise.',
      format: rule('allow-actions', flag(), toBoolean), default: false, env: 'BNVIZ_DASHBOARD_ACTIONS',
    },
  },
};

convict.addFormats(formats);

// Config files are JSON in which whole lines starting with // are comments
// (config/bnviz.example.json documents every key that way).
convict.addParser({ extension: 'json', parse: parseConfigJson });

/** JSON with // comment lines; a syntax error says its line and column ("line 3, column 14: ..."), not a position. */
export function parseConfigJson(text: string): unknown {
  const json = text.replace(/^\s*\/\/.*$/gm, ''); // comment lines emptied, so lines keep their numbers
  try {
    return JSON.parse(json);
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    const at = /at position (\d+)/.exec(message);
    const position = at ? Number(at[1]) : json.trimEnd().length;
    const before = json.slice(0, position).split('\n');
    const reason = message.replace(/ in JSON at position \d+.*$/s, '').replace(/^Unexpected end of JSON input$/, 'the file ends too early');
    throw new SyntaxError(`line ${before.length}, column ${before[before.length - 1].length + 1}: ${reason}`, { cause: err });
  }
}
