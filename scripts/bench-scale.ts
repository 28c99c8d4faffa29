/**
 * The fleet at dataset scale: what each operation costs Redis, measured on a
 * redis-server of its own (so its CPU is the benchmark's alone), as Redis
 * CPU (INFO cpu), commands (INFO stats) and wall time, median of a few runs.
 *
 *   npm run bench:scale -- --groups 430000 [--others 1000000] [--repeat 5] [--redis-config name=value ...]
 *
 * `--others`: jobs of another run waiting in the same queue first (a shared
 * fleet). Then: enqueue of the run (`bnviz enqueue` over a text manifest of
 * N groups of the three example photos, in a process of its own: its rate,
 * start-up included, its peak RSS, Redis bytes a waiting group), a finished run of as many groups (Redis bytes a finished
 * group; a fifth failed), and on it `status RUN`, each dashboard request
 * (the first one, which reads the run's log once, and the next ones),
 * `/metrics`, a reconciliation pass with nothing changed, finalization
 * (without group folders: the Redis side and run.json, in a process of its
 * own, with its peak RSS), retry of the failed groups, and
 * clean of the waiting run and of the finished one. Prints a table.
 */
import { Queue } from 'bullmq';
import { spawn } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { join } from 'node:path';
import { once } from 'node:events';
import type { Redis } from 'ioredis';
import { parseArgs } from 'node:util';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { loadConfig } from '../src/config/load-config.js';
import { buildDashboard } from '../src/dashboard/build-dashboard.js';
import type { DatasetPlan } from '../src/dataset/plan-dataset.js';
import { cleanRun } from '../src/fleet/clean-run.js';
import { connectRedis } from '../src/fleet/connect-redis.js';
import { enqueuePlan } from '../src/fleet/enqueue-dataset.js';
import { finalizeFleetRun } from '../src/fleet/finalize-fleet-run.js';
import { readRunStatus } from '../src/fleet/read-status.js';
import { Reconciler } from '../src/fleet/reconcile-run.js';
import { retryRun } from '../src/fleet/retry-run.js';
import { formatRun } from '../src/fleet/status-view.js';
import { synthesizeRun, syntheticFiles } from './synthetic-run.js';
import { groupId } from '../src/dataset/group-id.js';
import { plural } from '../src/util/plural.js';
import { tempDir } from '../test/helpers/paths.js';
import { startRedisServer } from '../test/helpers/redis.js';

export interface Cost {
  op: string;
  /** Redis CPU (ms) and commands, per call; wall ms, median. */
  redisMs: number;
  commands: number;
  wallMs: number;
  note?: string;
}

async function redisCounters(redis: Redis): Promise<{ cpu: number; commands: number; memory: number }> {
  const info = await redis.info();
  const field = (name: string) => Number(new RegExp(`^${name}:([0-9.]+)`, 'm').exec(info)?.[1] ?? 0);
  return { cpu: (field('used_cpu_sys') + field('used_cpu_user')) * 1000, commands: field('total_commands_processed'), memory: field('used_memory') };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** Runs `f` `repeat` times; the medians of Redis CPU, commands (less the INFO that reads them) and wall time. */
async function measure(redis: Redis, op: string, f: () => Promise<unknown>, repeat = 5, note?: string): Promise<Cost> {
  const cpu: number[] = [];
  const commands: number[] = [];
  const wall: number[] = [];
  for (let i = 0; i < repeat; i++) {
    const before = await redisCounters(redis);
    const t0 = performance.now();
    await f();
    wall.push(performance.now() - t0);
    const after = await redisCounters(redis);
    cpu.push(after.cpu - before.cpu);
    commands.push(after.commands - before.commands - 1);
  }
  return { op, redisMs: median(cpu), commands: median(commands), wallMs: median(wall), ...(note ? { note } : {}) };
}

/**
 * A new search term, as the run page asks for it: again while the answer says
 * the search is under way. The most one request cost (Redis CPU, commands,
 * wall), with the requests and their sums in the note.
 */
async function searchCost(redis: Redis, get: (url: string) => Promise<{ body: string }>): Promise<Cost> {
  const url = `/api/runs/done-run/groups?q=img-${String(Math.random()).slice(2, 9)}`;
  const each: Cost[] = [];
  for (let searching = true; searching;) {
    each.push(await measure(redis, '', async () => { searching = (JSON.parse((await get(url)).body) as { searching?: unknown }).searching !== undefined; }, 1));
  }
  const most = (f: (c: Cost) => number) => Math.max(...each.map(f));
  const sum = (f: (c: Cost) => number) => each.reduce((n, c) => n + f(c), 0);
  return {
    op: 'dashboard: search by file name (new term), the most a request', redisMs: most((c) => c.redisMs), commands: most((c) => c.commands), wallMs: most((c) => c.wallMs),
    note: `${plural(each.length, 'request')} (the run page asks again while the search is under way): ${sum((c) => c.redisMs).toFixed(1)} ms of Redis CPU, ${sum((c) => c.wallMs).toFixed(0)} ms in all`,
  };
}

const DIST = join(fileURLToPath(import.meta.url), '..', '..');
/** Loaded first into a child: at exit it writes its peak RSS (KiB) to stderr (a pipe: written at once on Linux). */
const REPORT_RSS = 'data:text/javascript,process.on("exit",()=>process.stderr.write("\\nmaxRSS "+process.resourceUsage().maxRSS+"\\n"))';

/** Runs `node args` with `env`; its stdout, its peak RSS in MB and its wall time. Throws when it fails. */
async function child(args: string[], env: Record<string, string>): Promise<{ stdout: string; rssMb: number; wallMs: number }> {
  const t0 = performance.now();
  const p = spawn(process.execPath, ['--import', REPORT_RSS, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  p.stdout.on('data', (d: Buffer) => { stdout += d.toString(); });
  p.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
  const [code] = (await once(p, 'close')) as [number | null];
  const wallMs = performance.now() - t0;
  if (code !== 0) throw new Error(`node ${args.join(' ')} exited ${code}: ${stderr.slice(-800)}`);
  return { stdout, wallMs, rssMb: Number(/maxRSS (\d+)/.exec(stderr)?.[1] ?? NaN) / 1024 };
}

/** A text manifest of `groups` lines, each the three example photos (the enqueuer reads no image: it plans). */
async function exampleManifest(groups: number): Promise<{ root: string; manifest: string }> {
  const root = join(DIST, '..', 'examples');
  const manifest = join(tempDir(), 'groups.txt');
  const out = createWriteStream(manifest);
  const line = 'astronaut.png,chelsea.png,coffee.png\n';
  for (let i = 0; i < groups; i += 10_000) {
    if (!out.write(line.repeat(Math.min(10_000, groups - i)))) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
  return { root, manifest };
}

/** A plan of `groups` groups of three files (nothing is read: the enqueuer plans, the workers read). */
function syntheticPlan(groups: number, offset = 0): DatasetPlan {
  return {
    root: '/data/imagenet/train',
    images: groups * 3,
    groups: Array.from({ length: groups }, (_, i) => ({ groupId: groupId(i, syntheticFiles(i + offset)), index: i, files: syntheticFiles(i + offset), partial: false })),
  };
}

export async function benchScale(o: { groups: number; others: number; repeat: number; redisConfig?: string[] }): Promise<Cost[]> {
  const server = await startRedisServer();
  const redis = connectRedis(server.url);
  // `--redis-config name=value`: a setting of the benchmark's redis-server, as an operator would set it (CONFIG SET)
  for (const setting of o.redisConfig ?? []) {
    const eq = setting.indexOf('=');
    if (eq < 1) throw new Error(`--redis-config ${setting}: expected name=value`);
    await redis.config('SET', setting.slice(0, eq), setting.slice(eq + 1));
  }
  const prefix = 'bnviz';
  const config = loadConfig({ env: {}, flags: { 'redis.url': server.url, 'redis.prefix': prefix, 'queue.name': 'groups', figures: 'overview', out: tempDir() } });
  const costs: Cost[] = [];
  const queue = new Queue('groups', { connection: redis, prefix });
  try {
    if (o.others > 0) {
      await enqueuePlan(syntheticPlan(o.others, 10_000_000), 'others', config, { redis });
      costs.push({ op: `(another run's ${o.others} jobs waiting)`, redisMs: 0, commands: 0, wallMs: 0 });
    }
    // Enqueue: `bnviz enqueue` over a text manifest, as an operator runs it: its rate (start-up included), its peak RSS, Redis bytes a group.
    const { root, manifest } = await exampleManifest(o.groups);
    const env = { BNVIZ_REDIS_URL: server.url, BNVIZ_REDIS_PREFIX: prefix, BNVIZ_QUEUE: 'groups' };
    const before = await redisCounters(redis);
    const enq = await child([join(DIST, 'src', 'cli.js'), 'enqueue', root, '--manifest', manifest, '--run', 'big', '--json'], env);
    const after = await redisCounters(redis);
    const added = (JSON.parse(enq.stdout) as { added: number }).added;
    if (added !== o.groups) throw new Error(`enqueue added ${added} groups of ${o.groups}`);
    costs.push({ op: 'enqueue (bnviz enqueue --manifest)', redisMs: after.cpu - before.cpu, commands: after.commands - before.commands, wallMs: enq.wallMs,
      note: `${Math.round(o.groups / (enq.wallMs / 1000))} jobs/s; peak RSS ${Math.round(enq.rssMb)} MB; Redis ${Math.round((after.memory - before.memory) / o.groups)} bytes a waiting group` });

    // A finished run of as many groups, a fifth of them failed (no jobs left: BullMQ keeps only the latest finished ones).
    const m0 = (await redisCounters(redis)).memory;
    await synthesizeRun({ redis, prefix, runId: 'done-run', groups: o.groups, failEvery: 5 });
    const m1 = (await redisCounters(redis)).memory;
    costs.push({ op: 'finished run records', redisMs: 0, commands: 0, wallMs: 0, note: `Redis ${Math.round((m1 - m0) / o.groups)} bytes a finished group` });

    costs.push(await measure(redis, 'status RUN', async () => formatRun((await readRunStatus(redis, prefix, 'done-run', 20, () => queue))!, Date.now()), o.repeat));
    const app = await buildDashboard({ redis, prefix, queue, outRoot: config.out, token: '', allowActions: false });
    try {
      const get = async (url: string) => {
        const r = await app.inject({ url });
        if (r.statusCode !== 200) throw new Error(`${url}: ${r.statusCode} ${r.body.slice(0, 200)}`);
        return r;
      };
      // the server's own first request (fastify's and the routes' start) is not the run's: made before, on the run list
      await get('/api/runs');
      costs.push(await measure(redis, 'dashboard: first request of the run', () => get('/api/runs/done-run'), 1, 'reads every group\'s state and share (5 bytes a group), then only what is new'));
      costs.push(await measure(redis, 'dashboard: run summary poll', () => get('/api/runs/done-run'), o.repeat));
      const version = JSON.parse((await get('/api/runs/done-run')).body).version as number;
      costs.push(await measure(redis, 'dashboard: poll, nothing new', () => get(`/api/runs/done-run?since=${version}`), o.repeat));
      costs.push(await measure(redis, 'dashboard: a page of 60 groups', () => get(`/api/runs/done-run/groups?offset=${Math.floor(o.groups / 2)}&limit=60`), o.repeat));
      costs.push(await measure(redis, 'dashboard: most unseen first', () => get('/api/runs/done-run/groups?sort=unseen-desc&limit=60'), o.repeat));
      costs.push(await measure(redis, 'dashboard: failed groups', () => get('/api/runs/done-run/groups?status=failed&limit=60'), o.repeat));
      const last = o.groups - 2;
      const gid = groupId(last, syntheticFiles(last));
      costs.push(await measure(redis, 'dashboard: a group\'s viewer', () => get(`/api/runs/done-run/groups/${gid}`), o.repeat));
      costs.push(await searchCost(redis, get));
      costs.push(await measure(redis, '/metrics', () => get('/metrics'), o.repeat));
    } finally {
      await app.close();
    }
    const reconciler = new Reconciler({ redis, prefix, queue, outRoot: config.out, lockMs: 30_000 });
    await reconciler.pass();
    costs.push(await measure(redis, 'reconciliation pass, nothing changed', () => reconciler.pass(), o.repeat));
    // The finished run's records, written once (no group folders here: the Redis side and run.json).
    await redis.hdel(`${prefix}:run:done-run:meta`, 'finishedAt');
    let finRss = 0;
    costs.push(await measure(redis, 'finalization', async () => {
      finRss = (await child([fileURLToPath(import.meta.url), '--finalize', 'done-run', '--url', server.url, '--prefix', prefix], {})).rssMb;
    }, 1));
    costs.at(-1)!.note = `peak RSS ${Math.round(finRss)} MB (a process of its own, start-up included)`;
    costs.push(await measure(redis, `retry of ${Math.floor(o.groups / 5)} failed groups`, () => retryRun(redis, config, 'done-run'), 1));
    costs.push(await measure(redis, `clean of the waiting run (${o.groups} jobs)`, () => cleanRun(redis, config, 'big'), 1, o.others ? `behind ${o.others} waiting jobs of another run` : undefined));
    costs.push(await measure(redis, 'clean of the finished run', () => cleanRun(redis, config, 'done-run'), 1, 'its retried jobs included'));
  } finally {
    await queue.close();
    redis.disconnect();
    await server.stop();
  }
  return costs;
}

function table(costs: Cost[]): string {
  const rows = costs.map((c) => [c.op, c.redisMs.toFixed(1), String(c.commands), c.wallMs.toFixed(1), c.note ?? '']);
  const head = ['operation', 'Redis CPU ms', 'commands', 'wall ms', ''];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (r: string[]) => r.map((x, i) => (i === 0 || i === 4 ? x.padEnd(widths[i]!) : x.padStart(widths[i]!))).join('  ').trimEnd();
  return [line(head), ...rows.map(line)].join('\n');
}

/** The finalization alone, in a process of its own (its peak RSS is the finalization's): `--finalize RUN --url URL --prefix P`. */
async function finalizeOnly(runId: string, url: string, prefix: string): Promise<void> {
  const redis = connectRedis(url);
  try {
    await finalizeFleetRun(redis, prefix, runId, tempDir(), { lockMs: 30_000 });
  } finally {
    redis.disconnect();
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const { values } = parseArgs({ options: {
    groups: { type: 'string', default: '100000' }, others: { type: 'string', default: '0' }, repeat: { type: 'string', default: '5' },
    finalize: { type: 'string' }, url: { type: 'string' }, prefix: { type: 'string' }, 'redis-config': { type: 'string', multiple: true },
  } });
  if (values.finalize) {
    finalizeOnly(values.finalize, values.url!, values.prefix!).then(() => process.exit(0), (err: unknown) => {
      console.error(err);
      process.exit(1);
    });
  } else {
    const o = { groups: Number(values.groups), others: Number(values.others), repeat: Number(values.repeat), redisConfig: values['redis-config'] };
    console.log(`bench:scale: ${o.groups} groups${o.others ? `, ${o.others} other jobs waiting` : ''}, on a redis-server of its own${o.redisConfig?.length ? ` (${o.redisConfig.join(', ')})` : ''}`);
    benchScale(o).then((costs) => console.log(table(costs)), (err: unknown) => {
      console.error(err);
      process.exit(1);
    });
  }
}
