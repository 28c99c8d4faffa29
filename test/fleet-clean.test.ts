/**
 * `bnviz clean` and jobs in a worker's hand: a job whose lock is held is in
 * progress, and the run is left alone; a job left in BullMQ's active list
 * with no lock (its worker killed, or its end lost when a Redis primary
 * failed over) has no worker, and is removed with the rest of the run, or
 * no clean would ever pass while no worker runs to find it stalled.
 */
import test from 'ava';
import { Queue, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { loadConfig } from '../src/config/load-config.js';
import { groupId } from '../src/dataset/group-id.js';
import { UsageError } from '../src/errors.js';
import { cleanRun } from '../src/fleet/clean-run.js';
import { enqueuePlan } from '../src/fleet/enqueue-dataset.js';
import { readRun } from '../src/fleet/run-store.js';
import { tempDir } from './helpers/paths.js';
import { startRedisServer } from './helpers/redis.js';

const PREFIX = 'bnviz';
const QUEUE = 'groups';

test('clean refuses a run with a job whose lock a worker holds; once the lock is gone the job has no worker, and clean removes it with the rest', async (t) => {
  const server = await startRedisServer();
  const redis = new Redis(server.url, { maxRetriesPerRequest: null });
  const queue = new Queue(QUEUE, { connection: redis, prefix: PREFIX });
  const takerRedis = new Redis(server.url, { maxRetriesPerRequest: null });
  const taker = new Worker(QUEUE, undefined, { connection: takerRedis, prefix: PREFIX, autorun: false, lockDuration: 600_000 });
  t.teardown(async () => {
    await taker.close(true).catch(() => {});
    takerRedis.disconnect();
    await queue.close();
    redis.disconnect();
    await server.stop();
  });
  const config = loadConfig({ env: {}, flags: { 'redis.url': server.url, 'redis.prefix': PREFIX, 'queue.name': QUEUE, out: tempDir() } });
  const files = (i: number) => [`g${i}/a.png`, `g${i}/b.png`];
  await enqueuePlan({ root: '/data/set', images: 6, groups: [0, 1, 2].map((i) => ({ groupId: groupId(i, files(i)), index: i, files: files(i), partial: false })) }, 'mine', config, { redis });

  // a worker takes one job: BullMQ moves it to the active list and sets its lock
  const job = await taker.getNextJob('token-1');
  t.truthy(job?.id?.startsWith('mine.'), `a job of the run taken: ${job?.id}`);
  const lock = `${PREFIX}:${QUEUE}:${job!.id}:lock`;
  t.is(await redis.exists(lock), 1);
  const refused = await t.throwsAsync(cleanRun(redis, config, 'mine'), { instanceOf: UsageError });
  t.is(refused?.message, 'run mine has 1 job in progress; clean it once it ends (bnviz status mine)');
  t.truthy(await readRun(redis, PREFIX, 'mine'), 'nothing removed');
  t.is(await queue.getPrioritizedCount(), 2);

  // the lock lapses with no worker to renew it: the job stays in the active list, in no one's hand
  await redis.del(lock);
  t.deepEqual(await redis.lrange(`${PREFIX}:${QUEUE}:active`, 0, -1), [job!.id]);
  t.like(await cleanRun(redis, config, 'mine'), { runId: 'mine', jobs: 3 });
  t.is(await readRun(redis, PREFIX, 'mine'), undefined, 'its records are gone');
  t.deepEqual(await redis.lrange(`${PREFIX}:${QUEUE}:active`, 0, -1), [], 'the orphaned job is gone from the active list');
  t.is(await redis.exists(`${PREFIX}:${QUEUE}:${job!.id}`), 0);
});
