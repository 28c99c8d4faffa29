/**
 * The deploy/ files run real bnviz commands: each command of the compose
 * file, the systemd unit and the image's entry point is run here (paths of
 * the container or the machine mapped to temporary folders, Redis to the
 * test's own prefix), and every BNVIZ_ variable they set is a setting bnviz
 * reads.
 */
import test from 'ava';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { schema } from '../src/config/schema.js';
import { readWorkers } from '../src/fleet/read-status.js';
import { writePng } from './helpers/make-images.js';
import { CLI, ROOT, ownTempDir } from './helpers/paths.js';
import { reap } from './helpers/reaper.js';
import { freePort, redisScope, startRedisServer, until } from './helpers/redis.js';
import { Redis } from 'ioredis';
import { jobMemoryHint } from '../src/fleet/job-memory-hint.js';
import { runCli } from './helpers/run-cli.js';
import { spawnWorker } from './helpers/worker-process.js';

const deploy = (name: string) => readFileSync(join(ROOT, 'deploy', name), 'utf8');

/** `${NAME:-default}` and `${NAME}` as compose interpolates them from `vars`. */
function interpolate(text: string, vars: Record<string, string>): string {
  return text.replace(/\$\{(\w+)(?::-([^}]*))?\}/g, (_, name: string, fallback?: string) => vars[name] || (fallback ?? ''));
}

/** A service's block of deploy/compose.yaml (or the x-bnviz anchor's): the lines below its name, indented more. */
function composeBlock(compose: string, service: string): string {
  const lines = compose.split('\n');
  const start = lines.findIndex((l) => new RegExp(`^ {0,2}${service}:`).test(l));
  if (start < 0) throw new Error(`deploy/compose.yaml: no service ${service}`);
  const indent = /^ */.exec(lines[start]!)![0].length;
  const end = lines.findIndex((l, i) => i > start && l.trim() !== '' && /^ */.exec(l)![0].length <= indent);
  return `${lines.slice(start + 1, end < 0 ? undefined : end).join('\n')}\n`;
}

/** The `command:` of a compose service (written as a JSON array), interpolated. */
function composeCommand(compose: string, service: string, vars: Record<string, string> = {}): string[] {
  const line = /^    command: (\[.*\])$/m.exec(composeBlock(compose, service));
  if (!line) throw new Error(`deploy/compose.yaml: no command for service ${service}`);
  return JSON.parse(interpolate(line[1], vars)) as string[];
}

/** The BNVIZ_ environment of a compose service: the x-bnviz anchor's, then its own, interpolated. */
function composeEnv(compose: string, service: string, vars: Record<string, string> = {}): Record<string, string> {
  const env: Record<string, string> = {};
  for (const block of [composeBlock(compose, 'x-bnviz'), composeBlock(compose, service)]) {
    for (const m of block.matchAll(/^ {4,6}(BNVIZ_[A-Z_]+): (.*)$/gm)) env[m[1]!] = interpolate(m[2]!, vars);
  }
  return env;
}

/** Every env name the settings are read from. */
function settingEnvNames(node: unknown = schema): string[] {
  if (typeof node !== 'object' || node === null) return [];
  const o = node as Record<string, unknown>;
  if (typeof o.env === 'string') return [o.env];
  return Object.values(o).flatMap((v) => settingEnvNames(v));
}

async function dataset(t: { teardown(fn: () => void): void }): Promise<string> {
  const data = ownTempDir(t);
  for (let i = 0; i < 3; i++) await writePng(join(data, `img${i}.png`), 16, 16, i);
  return data;
}


test('every BNVIZ_ variable the deploy files set is a setting bnviz reads', (t) => {
  const known = new Set([...settingEnvNames(), 'BNVIZ_CONFIG']);
  const used = new Set([...['compose.yaml', 'worker.env', 'Dockerfile', 'bnviz-worker.service', '.env.example'].map(deploy).join('').matchAll(/\b(BNVIZ_[A-Z_]+)\b/g)].map((m) => m[1]));
  // compose's own: the host folder of the datasets, a worker container's memory limit
  used.delete('BNVIZ_DATA');
  used.delete('BNVIZ_WORKER_MEMORY');
  t.true(used.size >= 6, [...used].join(" "));
  t.deepEqual([...used].filter((v) => !known.has(v)), []);
});

test('the compose file needs no variable set (docker compose ps, logs and down work in any shell); .env.example sets each one it reads', (t) => {
  const compose = deploy('compose.yaml');
  const refs = [...compose.matchAll(/\$\{(\w+)([^}]*)\}/g)];
  t.true(refs.length > 0);
  t.deepEqual(refs.filter(([, , rest]) => !rest!.startsWith(':-')).map(([ref]) => ref), [], 'each has a default, none is required (:?)');
  const example = deploy('.env.example');
  t.deepEqual([...new Set(refs.map(([, name]) => name!))].filter((name) => !new RegExp(`^${name}=`, 'm').test(example)), []);
});

test('compose: each worker one thread with a memory limit, every long-running service a health check', (t) => {
  const compose = deploy('compose.yaml');
  t.is(composeEnv(compose, 'worker').BNVIZ_THREADS, '1');
  t.regex(composeBlock(compose, 'worker'), /^    mem_limit: \S+$/m);
  for (const service of ['redis', 'worker', 'dashboard']) t.regex(composeBlock(compose, service), /^    healthcheck:$/m, service);
  for (const service of ['worker', 'dashboard']) t.regex(composeBlock(compose, service), /test: \["CMD", "node", "\/app\/dist\/src\/health-check\.js"\]/, service);
});

test('compose: two datasets enqueued are two runs (each mounted at its own path), the same one again is the same run', async (t) => {
  const s = await redisScope();
  t.teardown(() => s.cleanup());
  const compose = deploy('compose.yaml');
  const runIdOf = async (data: string) => {
    const r = await runCli([...composeCommand(compose, 'enqueue', { BNVIZ_DATA: data }), '--json', '--size', '16'], { env: { ...composeEnv(compose, 'enqueue', { BNVIZ_DATA: data }), ...s.env } });
    t.is(r.code, 0, r.stderr);
    return (JSON.parse(r.stdout) as { runId: string }).runId;
  };
  const [a, b] = [await dataset(t), await dataset(t)];
  const first = await runIdOf(a);
  t.not(await runIdOf(b), first);
  t.is(await runIdOf(a), first);
});

test('.dockerignore keeps node_modules, .git, builds, outputs and deploy/.env out of the context, and nothing the Dockerfile copies; the image has a HEALTHCHECK', (t) => {
  const ignored = readFileSync(join(ROOT, '.dockerignore'), 'utf8').split('\n').filter((l) => l && !l.startsWith('#'));
  for (const needed of ['node_modules', '.git', 'dist', 'out', 'deploy/.env']) t.true(ignored.includes(needed), needed);
  const docker = deploy('Dockerfile');
  const copied = [...docker.matchAll(/^COPY (?!--from)(.+) \S+$/gm)].flatMap((m) => m[1]!.split(' '));
  t.true(copied.includes('src'));
  t.deepEqual(copied.filter((c) => ignored.some((i) => c === i || c.startsWith(`${i}/`))), []);
  const health = /^HEALTHCHECK .* CMD (\[.*\])$/m.exec(docker);
  t.truthy(health);
  t.deepEqual(JSON.parse(health![1]!), ['node', '/app/dist/src/health-check.js']);
  t.true(existsSync(join(ROOT, 'dist', 'src', 'health-check.js')));
});

test("compose's Redis takes its command's options (Debian's redis-server 7), which keep a waiting job compact under a long run id: the enqueue's memory hint has nothing to say at 430,000 jobs", async (t) => {
  const [program, ...args] = composeCommand(deploy('compose.yaml'), 'redis');
  t.is(program, 'redis-server');
  const server = await startRedisServer({ dir: ownTempDir(t), args });
  t.teardown(() => server.stop());
  const redis = new Redis(server.url, { lazyConnect: true, maxRetriesPerRequest: 1 });
  t.teardown(() => redis.disconnect());
  t.deepEqual(await redis.config('GET', 'maxmemory-policy'), ['maxmemory-policy', 'noeviction']);
  t.deepEqual(await redis.config('GET', 'appendonly'), ['appendonly', 'yes']);
  t.deepEqual(await redis.config('GET', 'hash-max-listpack-value'), ['hash-max-listpack-value', '256']);
  // any run id (at most 100 characters) keeps a job's data under compose's 256; Redis' default 64 leaves room for 31 characters at 430,000 groups
  const long = 'imagenet-train-2012-full-resolution-a1b2c3';
  t.is(await jobMemoryHint(redis, long, 430_000), undefined);
  // and a Redis of defaults would be told
  await redis.config('SET', 'hash-max-listpack-value', '64');
  t.regex((await jobMemoryHint(redis, long, 430_000)) ?? '', /hash-max-listpack-value/);
});

test('the image runs dist/src/cli.js; its default command (--help) exits 0', async (t) => {
  const docker = deploy('Dockerfile');
  const entry = JSON.parse(/^ENTRYPOINT (\[.*\])$/m.exec(docker)![1]) as string[];
  t.deepEqual(entry, ['node', '/app/dist/src/cli.js']);
  t.true(existsSync(CLI) && CLI.endsWith(join('dist', 'src', 'cli.js')));
  const cmd = JSON.parse(/^CMD (\[.*\])$/m.exec(docker)![1]) as string[];
  t.is((await runCli(cmd)).code, 0);
});

test("compose's enqueue, worker and dashboard commands and environments run: the run is enqueued, the worker draws it and is healthy while it runs, the dashboard answers the health check with the token it requires", async (t) => {
  const s = await redisScope();
  t.teardown(() => s.cleanup());
  const compose = deploy('compose.yaml');
  const data = await dataset(t);
  const out = ownTempDir(t);
  const vars = { BNVIZ_DATA: data, BNVIZ_DASHBOARD_TOKEN: 'compose-token' };
  // the image's /out and /tmp mapped here; Redis is the test's own
  const image = { BNVIZ_HEALTH_FILE: join(ownTempDir(t), 'bnviz-health') };
  const envOf = (service: string): Record<string, string> => ({ ...image, ...composeEnv(compose, service, vars), ...s.env });
  const at = (args: string[]) => args.map((a) => (a === '/out' ? out : a));

  const enqueue = await runCli([...composeCommand(compose, 'enqueue', vars), '--run', 'deployed', '--size', '32', '--figures', 'overview'], { env: envOf('enqueue') });
  t.is(enqueue.code, 0, enqueue.stderr);

  const [cmd, ...args] = at(composeCommand(compose, 'worker', vars));
  t.is(cmd, 'worker');
  const workerEnv = envOf('worker');
  t.is(workerEnv.BNVIZ_ROOTS, data);
  const worker = spawnWorker(args, workerEnv);
  t.teardown(() => { if (worker.child.exitCode === null) worker.child.kill('SIGKILL'); });
  await worker.ready;
  await worker.waitFor('its one group done', (e) => e.event === 'job' && e.status === 'done');
  // the group's job writes the run's records before it ends, as it completes the run
  t.true(existsSync(join(out, 'deployed', 'summary.csv')));
  // the worker's heartbeat has the job as soon as it ends (a beat on its way as the job's event is
  // printed), not a heartbeat period (5 s) later, on one thread
  const beat = await until('the heartbeat to count the job, within 4 s (a period is 5 s)', async () => (await readWorkers(s.redis, s.prefix)).find((w) => w.processed >= 1), { deadlineMs: 4000, seen: () => readWorkers(s.redis, s.prefix) });
  t.like(beat, { pid: worker.pid, processed: 1, failed: 0, threads: 1 });
  const healthCheck = (env: Record<string, string>) => runNode([join(ROOT, 'dist', 'src', 'health-check.js')], env);
  t.is(await healthCheck(workerEnv), 0, 'a worker at work is healthy');

  // its own container: its own /tmp, where no worker writes a health file
  const dashEnv = { ...envOf('dashboard'), BNVIZ_HEALTH_FILE: join(ownTempDir(t), 'bnviz-health'), BNVIZ_DASHBOARD_PORT: String(await freePort()) };
  const dash = reap(spawn(process.execPath, [CLI, ...at(composeCommand(compose, 'dashboard', vars)), '--json'], { env: { ...process.env, ...dashEnv }, stdio: ['ignore', 'pipe', 'pipe'] }));
  t.teardown(() => { if (dash.exitCode === null) dash.kill('SIGKILL'); });
  await once(createInterface({ input: dash.stdout }), 'line');
  t.is(await healthCheck(dashEnv), 0, 'the dashboard is healthy');
  t.is((await fetch(`http://127.0.0.1:${dashEnv.BNVIZ_DASHBOARD_PORT}/api/runs`)).status, 401, 'bound to every address: the token is required');
  dash.kill('SIGTERM');
  t.is(((await once(dash, 'exit')) as [number])[0], 0);
  t.is(await healthCheck(dashEnv), 1, 'no dashboard: unhealthy');
  worker.child.kill('SIGTERM');
  t.is(await worker.exited, 0);
  t.false(existsSync(image.BNVIZ_HEALTH_FILE), 'a stopped worker leaves no health file');
  t.is(await healthCheck(workerEnv), 1, 'no worker: unhealthy');
  // without its token the dashboard does not start (compose requires no variable, so bnviz does)
  const tokenless = await runCli(at(composeCommand(compose, 'dashboard')), { env: { ...envOf('dashboard'), BNVIZ_DASHBOARD_TOKEN: '', BNVIZ_DASHBOARD_PORT: '0' } });
  t.is(tokenless.code, 2);
  t.regex(tokenless.stderr, /^bnviz: Expected an access token .* for BNVIZ_DASHBOARD_HOST "0\.0\.0\.0"/);
});

/** Runs node with `args` and `env` (added to this one's), resolving with its exit code. */
function runNode(args: string[], env: Record<string, string>): Promise<number> {
  const child = reap(spawn(process.execPath, args, { env: { ...process.env, ...env }, stdio: 'ignore' }));
  return once(child, 'exit').then(([code]) => code as number);
}

test("the systemd unit's ExecStart with its environment file starts a worker that draws a run and stops on SIGTERM", async (t) => {
  const s = await redisScope();
  t.teardown(() => s.cleanup());
  const unit = deploy('bnviz-worker.service');
  const exec = /^ExecStart=bnviz (.+)$/m.exec(unit);
  t.truthy(exec, 'ExecStart runs bnviz, from systemd\'s search path (where npm install -g puts it)');
  // systemd makes the folder it writes, for its user (useradd --home does not)
  const state = /^StateDirectory=(.+)$/m.exec(unit)![1]!.split(' ').map((d) => `/var/lib/${d}`);
  t.regex(unit, /^KillSignal=SIGTERM$/m);
  const env: Record<string, string> = {};
  for (const line of deploy('worker.env').split('\n')) {
    const m = /^([A-Z_]+)=(.*)$/.exec(line);
    if (m) env[m[1]] = m[2];
  }
  t.like(env, { BNVIZ_ROOTS: '/srv/datasets', BNVIZ_OUT: '/var/lib/bnviz/out' });
  t.true(state.includes(env.BNVIZ_OUT!), `StateDirectory= makes ${env.BNVIZ_OUT}`);
  const [cmd, ...args] = exec![1].split(' ');
  t.is(cmd, 'worker');
  const data = await dataset(t);
  const out = ownTempDir(t);
  const enqueue = await runCli(['enqueue', data, '--run', 'unit', '--size', '32', '--figures', 'overview'], { env: s.env });
  t.is(enqueue.code, 0, enqueue.stderr);
  const worker = spawnWorker(args.filter((a) => a !== '--json'), { ...env, ...s.env, BNVIZ_ROOTS: data, BNVIZ_OUT: out, BNVIZ_THREADS: '1' });
  t.teardown(() => { if (worker.child.exitCode === null) worker.child.kill('SIGKILL'); });
  await worker.ready;
  await worker.waitFor('its one group done', (e) => e.event === 'job' && e.status === 'done');
  t.true(existsSync(join(out, 'unit', 'summary.csv')));
  worker.child.kill('SIGTERM');
  t.is(await worker.exited, 0);
});
