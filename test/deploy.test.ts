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
import { CLI, ROOT, tempDir } from './helpers/paths.js';
import { redisScope } from './helpers/redis.js';
import { runCli } from './helpers/run-cli.js';
import { spawnWorker } from './helpers/worker-process.js';

const deploy = (name: string) => readFileSync(join(ROOT, 'deploy', name), 'utf8');

/** The `command:` of a compose service (written as a JSON array). */
function composeCommand(compose: string, service: string): string[] {
  const block = new RegExp(`^  ${service}:\\n((?:    .*\\n|\\n)*)`, 'm').exec(compose);
  const line = block && /^    command: (\[.*\])$/m.exec(block[1]);
  if (!line) throw new Error(`deploy/compose.yaml: no command for service ${service}`);
  return JSON.parse(line[1]) as string[];
}

/** Every env name the settings are read from. */
function settingEnvNames(node: unknown = schema): string[] {
  if (typeof node !== 'object' || node === null) return [];
  const o = node as Record<string, unknown>;
  if (typeof o.env === 'string') return [o.env];
  return Object.values(o).flatMap((v) => settingEnvNames(v));
}

async function dataset(): Promise<string> {
  const data = tempDir();
  for (let i = 0; i < 3; i++) await writePng(join(data, `img${i}.png`), 16, 16, i);
  return data;
}

const mapPaths = (args: string[], map: Record<string, string>) => args.map((a) => map[a] ?? a);

test('every BNVIZ_ variable the deploy files set is a setting bnviz reads', (t) => {
  const known = new Set([...settingEnvNames(), 'BNVIZ_CONFIG']);
  const used = new Set([...`${deploy('compose.yaml')}${deploy('worker.env')}${deploy('Dockerfile')}${deploy('bnviz-worker.service')}`.matchAll(/\b(BNVIZ_[A-Z_]+)\b/g)].map((m) => m[1]));
  // BNVIZ_DATA is compose's own (the host folder mounted at /data).
  used.delete('BNVIZ_DATA');
  t.true(used.size >= 6, [...used].join(" "));
  t.deepEqual([...used].filter((v) => !known.has(v)), []);
});

test('the image runs dist/src/cli.js; its default command (--help) exits 0', async (t) => {
  const docker = deploy('Dockerfile');
  const entry = JSON.parse(/^ENTRYPOINT (\[.*\])$/m.exec(docker)![1]) as string[];
  t.deepEqual(entry, ['node', '/app/dist/src/cli.js']);
  t.true(existsSync(CLI) && CLI.endsWith(join('dist', 'src', 'cli.js')));
  const cmd = JSON.parse(/^CMD (\[.*\])$/m.exec(docker)![1]) as string[];
  t.is((await runCli(cmd)).code, 0);
});

test("compose's enqueue, worker and dashboard commands run: the run is enqueued, the worker draws it, the dashboard answers /healthz with the token it requires", async (t) => {
  const s = await redisScope();
  t.teardown(() => s.cleanup());
  const compose = deploy('compose.yaml');
  const paths = { '/data': await dataset(), '/out': tempDir() };
  const env = { ...s.env, BNVIZ_DASHBOARD_TOKEN: 'compose-token' };

  const enqueue = await runCli([...mapPaths(composeCommand(compose, 'enqueue'), paths), '--run', 'deployed', '--size', '32', '--figures', 'overview'], { env });
  t.is(enqueue.code, 0, enqueue.stderr);

  const [cmd, ...args] = mapPaths(composeCommand(compose, 'worker'), paths);
  t.is(cmd, 'worker');
  const worker = spawnWorker([...args, '--threads', '1'], env);
  t.teardown(() => { if (worker.child.exitCode === null) worker.child.kill('SIGKILL'); });
  await worker.ready;
  await worker.waitFor('its one group done', (e) => e.event === 'job' && e.status === 'done');
  // the group's job writes the run's records before it ends, as it completes the run
  t.true(existsSync(join(paths['/out'], 'deployed', 'summary.csv')));
  // the worker's heartbeat has the job as soon as it ends (not a heartbeat period later)
  const [beat] = await readWorkers(s.redis, s.prefix);
  t.like(beat, { pid: worker.pid, processed: 1, failed: 0 });

  const dashArgs = mapPaths(composeCommand(compose, 'dashboard'), { ...paths, 8080: '0' });
  const dash = spawn(process.execPath, [CLI, ...dashArgs, '--json'], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  t.teardown(() => { if (dash.exitCode === null) dash.kill('SIGKILL'); });
  const [line] = (await once(createInterface({ input: dash.stdout }), 'line')) as [string];
  const port = (JSON.parse(line) as { port?: number; url: string }).url.replace(/.*:(\d+)\/?$/, '$1');
  // compose's health check asks for /healthz on 127.0.0.1
  t.is((await fetch(`http://127.0.0.1:${port}/healthz`)).status, 200);
  t.is((await fetch(`http://127.0.0.1:${port}/api/runs`)).status, 401, 'bound to every address: the token is required');
  dash.kill('SIGTERM');
  t.is(((await once(dash, 'exit')) as [number])[0], 0);
  worker.child.kill('SIGTERM');
  t.is(await worker.exited, 0);
});

test("the systemd unit's ExecStart with its environment file starts a worker that draws a run and stops on SIGTERM", async (t) => {
  const s = await redisScope();
  t.teardown(() => s.cleanup());
  const unit = deploy('bnviz-worker.service');
  const exec = /^ExecStart=\/usr\/bin\/env bnviz (.+)$/m.exec(unit);
  t.truthy(exec, 'ExecStart runs bnviz');
  t.regex(unit, /^KillSignal=SIGTERM$/m);
  const env: Record<string, string> = {};
  for (const line of deploy('worker.env').split('\n')) {
    const m = /^([A-Z_]+)=(.*)$/.exec(line);
    if (m) env[m[1]] = m[2];
  }
  t.like(env, { BNVIZ_ROOTS: '/srv/datasets', BNVIZ_OUT: '/var/lib/bnviz/out' });
  const [cmd, ...args] = exec![1].split(' ');
  t.is(cmd, 'worker');
  const data = await dataset();
  const out = tempDir();
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
