/**
 * Every bnviz setting in one convict schema: each with a doc, a default, a
 * format and an environment variable. Sources, later wins: these defaults, a
 * config file (`--config FILE` or BNVIZ_CONFIG), the environment (BNVIZ_...),
 * command-line flags. `config/bnviz.example.json` shows the file form.
 */
import convict from 'convict';

const FIGURES = ['overview', 'panels', 'compare'] as const;

/** Custom formats, registered with convict once under their names. */
const formats: Record<string, convict.Format> = {};
function register(format: convict.Format): string {
  formats[format.name!] = format;
  return format.name!;
}
const FORMATS = ['png', 'svg'] as const;

/** A comma-separated list (or an array) whose items all come from `allowed`. */
function listOf(name: string, allowed: readonly string[]): string {
  return register({
    name,
    coerce: (value: unknown) => (typeof value === 'string' ? value.split(',').map((s) => s.trim()).filter(Boolean) : value),
    validate(value: unknown) {
      if (!Array.isArray(value) || value.length === 0 || value.some((v) => !allowed.includes(v))) {
        throw new Error(`a non-empty list of ${allowed.join(', ')}: value was ${JSON.stringify(value)}`);
      }
    },
  });
}

/** A number, or three numbers (one per channel, R,G,B) as "a,b,c" or an array. */
const perChannel = register({
  name: 'per-channel',
  coerce: (value: unknown) => {
    if (typeof value !== 'string') return value;
    const parts = value.split(',').map((s) => Number(s.trim()));
    return parts.length === 1 ? parts[0] : parts;
  },
  validate(value: unknown) {
    const ok = (v: unknown) => typeof v === 'number' && Number.isFinite(v);
    if (!(ok(value) || (Array.isArray(value) && value.length === 3 && value.every(ok)))) {
      throw new Error(`a number or three numbers (R,G,B): value was ${JSON.stringify(value)}`);
    }
  },
});

/** A number within [min, max]. */
function between(name: string, min: number, max: number, integer = false): string {
  return register({
    name,
    coerce: (value: unknown) => (typeof value === 'string' && value.trim() !== '' ? Number(value) : value),
    validate(value: unknown) {
      if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max || (integer && !Number.isInteger(value))) {
        throw new Error(`${integer ? 'an integer' : 'a number'} between ${min} and ${max}: value was ${JSON.stringify(value)}`);
      }
    },
  });
}

/** One of a few numbers. */
function oneOf(name: string, allowed: number[]): string {
  return register({
    name,
    coerce: (value: unknown) => (typeof value === 'string' && value.trim() !== '' ? Number(value) : value),
    validate(value: unknown) {
      if (!allowed.includes(value as number)) throw new Error(`one of ${allowed.join(', ')}: value was ${JSON.stringify(value)}`);
    },
  });
}

/** "auto" or a positive number. */
const xRange = register({
  name: 'x-range',
  coerce: (value: unknown) => (typeof value === 'string' && value !== 'auto' && value.trim() !== '' ? Number(value) : value),
  validate(value: unknown) {
    if (value !== 'auto' && !(typeof value === 'number' && Number.isFinite(value) && value > 0)) {
      throw new Error(`"auto" or a positive number: value was ${JSON.stringify(value)}`);
    }
  },
});

const colour = register({
  name: 'colour',
  validate(value: unknown) {
    if (typeof value !== 'string' || !/^#[0-9a-fA-F]{6}$/.test(value)) {
      throw new Error(`a colour as #rrggbb: value was ${JSON.stringify(value)}`);
    }
  },
});

export const schema = {
  groupSize: {
    doc: 'Images per group (the batch that batch normalization averages over).',
    format: between('group-size', 1, 1024, true), default: 3, env: 'BNVIZ_GROUP_SIZE',
  },
  manifest: {
    doc: 'A JSON or text file that chooses the groups (see README); empty: sorted order, groupSize at a time.',
    format: String, default: '', env: 'BNVIZ_MANIFEST',
  },
  size: {
    doc: 'Every image is resized to size x size pixels.',
    format: between('size', 8, 4096, true), default: 256, env: 'BNVIZ_SIZE',
  },
  fit: {
    doc: 'How an image that is not square is resized: cover (crop the centre), contain (letterbox on the background) or fill (stretch).',
    format: ['cover', 'contain', 'fill'], default: 'cover', env: 'BNVIZ_FIT',
  },
  background: {
    doc: 'Colour that transparent pixels are flattened onto, and that contain fills the letterbox with.',
    format: colour, default: '#000000', env: 'BNVIZ_BACKGROUND',
  },
  method: {
    doc: 'Normalization: batch (per channel over N,H,W, as Keras BatchNormalization in training mode), instance (per image and channel over H,W), layer (per image over H,W,C), group (per image over H,W and each group of channels).',
    format: ['batch', 'instance', 'layer', 'group'], default: 'batch', env: 'BNVIZ_METHOD',
  },
  epsilon: {
    doc: 'Added to the variance before the square root (Keras BatchNormalization default 1e-3).',
    format: between('epsilon', 0, 1), default: 0.001, env: 'BNVIZ_EPSILON',
  },
  gamma: {
    doc: 'Scale after normalizing (Keras gamma): one number, or three numbers R,G,B.',
    format: perChannel, default: 1 as number | number[], env: 'BNVIZ_GAMMA',
  },
  beta: {
    doc: 'Offset after normalizing (Keras beta): one number, or three numbers R,G,B.',
    format: perChannel, default: 0 as number | number[], env: 'BNVIZ_BETA',
  },
  groups: {
    doc: 'Channel groups for group normalization; must divide 3 (1 is layer, 3 is instance normalization).',
    format: oneOf('groups', [1, 3]), default: 1, env: 'BNVIZ_GROUPS',
  },
  gridSize: {
    doc: 'Points on which each density is evaluated, from the channel\'s min to its max (seaborn gridsize).',
    format: between('grid-size', 2, 100000, true), default: 200, env: 'BNVIZ_GRID_SIZE',
  },
  bwAdjust: {
    doc: 'Multiplies Scott\'s bandwidth (seaborn bw_adjust).',
    format: between('bw-adjust', 0.01, 100), default: 1, env: 'BNVIZ_BW_ADJUST',
  },
  backend: {
    doc: 'tfjs backend: auto (tfjs-node when it is installed and works, else wasm), wasm, cpu or node.',
    format: ['auto', 'wasm', 'cpu', 'node'], default: 'auto', env: 'BNVIZ_BACKEND',
  },
  figures: {
    doc: 'Figures to draw for each group: overview, panels, compare (comma-separated).',
    format: listOf('figures', FIGURES), default: ['overview', 'panels', 'compare'] as string[], env: 'BNVIZ_FIGURES',
  },
  formats: {
    doc: 'File formats of each figure: png, svg (comma-separated).',
    format: listOf('formats', FORMATS), default: ['png'] as string[], env: 'BNVIZ_FORMATS',
  },
  scale: {
    doc: 'PNG pixels per figure point: 1 gives the write-up\'s 12 x 6 inch figure at 100 dpi (1200 x 600 px).',
    format: between('scale', 0.25, 8), default: 1, env: 'BNVIZ_SCALE',
  },
  xRange: {
    doc: 'Half-width of the symmetric x range of the density panels, or "auto" to fit the data.',
    format: xRange, default: 3.5 as number | string, env: 'BNVIZ_X_RANGE',
  },
  markUnseen: {
    doc: 'On the normalized half of each image, mark the pixels lost entirely (every channel below 0, drawn black, or above 1, drawn white), as photo editors mark clipping.',
    format: Boolean, default: false, env: 'BNVIZ_MARK_UNSEEN',
  },
  spec: {
    doc: 'Also write each figure\'s spec (the serializable layout) as JSON.',
    format: Boolean, default: false, env: 'BNVIZ_SPEC',
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
    format: between('threads', 0, 256, true), default: 0, env: 'BNVIZ_THREADS',
  },
  force: {
    doc: 'Redo groups whose outputs already exist.',
    format: Boolean, default: false, env: 'BNVIZ_FORCE',
  },
  redis: {
    url: {
      doc: 'Redis URL (password and TLS through it: rediss://:password@host:port/db).',
      format: String, default: 'redis://127.0.0.1:6379', env: 'BNVIZ_REDIS_URL', sensitive: true,
    },
    prefix: {
      doc: 'Prefix of every Redis key bnviz makes.',
      format: String, default: 'bnviz', env: 'BNVIZ_REDIS_PREFIX',
    },
  },
  queue: {
    name: {
      doc: 'BullMQ queue name.',
      format: String, default: 'groups', env: 'BNVIZ_QUEUE',
    },
    attempts: {
      doc: 'Tries per job for transient failures (bad input is never retried).',
      format: between('attempts', 1, 100, true), default: 3, env: 'BNVIZ_ATTEMPTS',
    },
    backoffMs: {
      doc: 'First retry delay in milliseconds; doubles each try.',
      format: between('backoff-ms', 0, 3600000, true), default: 2000, env: 'BNVIZ_BACKOFF_MS',
    },
    keepCompleted: {
      doc: 'Finished jobs kept in Redis (the newest); the run\'s own records keep the rest.',
      format: between('keep-completed', 0, 1000000, true), default: 1000, env: 'BNVIZ_KEEP_COMPLETED',
    },
    keepFailed: {
      doc: 'Failed jobs kept in Redis (the newest).',
      format: between('keep-failed', 0, 1000000, true), default: 5000, env: 'BNVIZ_KEEP_FAILED',
    },
    lockMs: {
      doc: 'Job lock in milliseconds: a worker renews it while it works; a killed worker\'s job goes to another after it lapses (checked as often).',
      format: between('lock-ms', 1000, 3600000, true), default: 30000, env: 'BNVIZ_LOCK_MS',
    },
  },
  roots: {
    doc: 'Dataset roots a worker may read (comma-separated); empty: the current folder.',
    format: Array, default: [] as string[], env: 'BNVIZ_ROOTS',
  },
  dashboard: {
    host: {
      doc: 'Address the dashboard binds; any other than 127.0.0.1/::1/localhost requires a token.',
      format: String, default: '127.0.0.1', env: 'BNVIZ_DASHBOARD_HOST',
    },
    port: {
      doc: 'Dashboard port.',
      format: 'port', default: 8080, env: 'BNVIZ_DASHBOARD_PORT',
    },
    token: {
      doc: 'Access token the dashboard checks on every request (Authorization: Bearer, or ?token=).',
      format: String, default: '', env: 'BNVIZ_DASHBOARD_TOKEN', sensitive: true,
    },
    allowActions: {
      doc: 'Let the queue view (Bull Board) retry, clean or remove jobs; read-only otherwise.',
      format: Boolean, default: false, env: 'BNVIZ_DASHBOARD_ACTIONS',
    },
  },
};

export type Schema = typeof schema;

convict.addFormats(formats);

// Config files are JSON in which whole lines starting with // are comments
// (config/bnviz.example.json documents every key that way).
convict.addParser({ extension: 'json', parse: (text: string) => JSON.parse(text.replace(/^\s*\/\/.*$/gm, '')) });
