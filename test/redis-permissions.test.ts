/**
 * A Redis user without a permission the fleet needs is told so before
 * anything is written: enqueue, retry, clean and a worker queue one command
 * of each kind in a MULTI and discard it (Redis checks the ACL as it
 * queues), so the line names each missing command, or the key pattern. A
 * user with the README's rule passes. A throwaway redis-server of the
 * test's own, whose ACL users are the test's.
 */
import test from 'ava';
import { Redis } from 'ioredis';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { checkWritePermissions } from '../src/fleet/check-permissions.js';
import { writePng } from './helpers/make-images.js';
import { tempDir } from './helpers/paths.js';
import { startRedisServer } from './helpers/redis.js';
import { runCli } from './helpers/run-cli.js';
import { spawnWorker } from './helpers/worker-process.js';

const README_RULE = ['resetchannels', '-@all', '+@read', '+@write', '+@keyspace', '+@scripting', '+@transaction', '+@connection', '+@blocking', '-@dangerous', '+info'];
const PREFIX = 'perm';

async function server(t: import('ava').ExecutionContext) {
  const s = await startRedisServer();
  const admin = new Redis(s.url);
  t.teardown(async () => {
    admin.disconnect();
    await s.stop();
  });
  const user = async (name: string, ...rules: string[]) => {
    await admin.call('ACL', 'SETUSER', name, 'on', '>pw', ...rules);
    return `redis://${name}:pw@127.0.0.1:${s.port}`;
  };
  const keys = async () => (await admin.keys(`${PREFIX}:*`)).length;
  return { s, admin, user, keys };
}

test('checkWritePermissions: the README\'s rule passes; a missing command or key pattern is named; nothing is written either way', async (t) => {
  const { user, keys } = await server(t);
  const as = async (url: string) => {
    const r = new Redis(url, { lazyConnect: true });
    await r.connect();
    t.teardown(() => r.disconnect());
    return r;
  };
  await t.notThrowsAsync(checkWritePermissions(await as(await user('full', `~${PREFIX}:*`, ...README_RULE)), PREFIX));
  const noStreams = await as(await user('nostreams', `~${PREFIX}:*`, ...README_RULE, '-@stream'));
  const err = await t.throwsAsync(checkWritePermissions(noStreams, PREFIX));
  t.regex(err!.message, /may not run XADD \(streams \(BullMQ's events\)\): bnviz needs them/);
  t.notRegex(err!.message, /\n/);
  const noBlocking = await as(await user('noblocking', `~${PREFIX}:*`, ...README_RULE, '-@blocking'));
  t.regex((await t.throwsAsync(checkWritePermissions(noBlocking, PREFIX)))!.message, /BZPOPMIN \(blocking pops/);
  const otherKeys = await as(await user('otherkeys', '~elsewhere:*', ...README_RULE));
  t.regex((await t.throwsAsync(checkWritePermissions(otherKeys, PREFIX)))!.message, /may not use keys under perm: \(its ACL key patterns, ~perm:\*\)/);
  t.is(await keys(), 0, 'the check writes nothing');
});

test('enqueue, retry, clean and a worker as a user without streams: one line naming XADD, exit 2, nothing written', async (t) => {
  const { user, keys, admin } = await server(t);
  const url = await user('nostreams', `~${PREFIX}:*`, ...README_RULE, '-@stream');
  const dir = tempDir();
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  for (let i = 0; i < 4; i++) await writePng(join(dir, `img${i}.png`), 16, 16, i);
  const env = { BNVIZ_REDIS_URL: url, BNVIZ_REDIS_PREFIX: PREFIX, BNVIZ_QUEUE: 'perm-groups' };
  const enq = await runCli(['enqueue', dir, '--group-size', '2', '--size', '16', '--run', 'r1'], { env });
  t.is(enq.code, 2, enq.stdout + enq.stderr);
  t.regex(enq.stderr, /XADD/);
  t.is(enq.stderr.trim().split('\n').length, 1, enq.stderr);
  t.is(await keys(), 0, `enqueue wrote nothing: ${JSON.stringify(await admin.keys('perm:*'))}`);

  // a run enqueued by a user who may, then retry and clean by one who may not
  const ok = await runCli(['enqueue', dir, '--group-size', '2', '--size', '16', '--run', 'r1'], { env: { ...env, BNVIZ_REDIS_URL: await user('full', `~${PREFIX}:*`, ...README_RULE) } });
  t.is(ok.code, 0, ok.stderr);
  const before = await keys();
  for (const args of [['retry', 'r1'], ['clean', 'r1']]) {
    const r = await runCli(args, { env });
    t.is(r.code, 2, `${args[0]}: ${r.stdout} ${r.stderr}`);
    t.regex(r.stderr, /XADD/, args[0]);
    t.is(r.stderr.trim().split('\n').length, 1, r.stderr);
  }
  t.is(await keys(), before, 'retry and clean changed nothing');

  const w = spawnWorker(['--roots', dir, '--out', tempDir(), '--threads', '1'], env);
  t.teardown(() => { if (w.child.exitCode === null) w.child.kill('SIGKILL'); });
  t.is(await w.exited, 2);
  t.regex(w.stderr(), /XADD/);
});
