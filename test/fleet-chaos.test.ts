/**
 * The fault soak (`npm run chaos`) in short: two workers on a few dozen
 * groups, with random SIGKILLs, one job killed twice, the writer of the
 * run's records killed in each finalization, a Redis restart and a CLIENT
 * KILL; the run must end whole and truthful, and be repaired by bnviz retry.
 */
import test from 'ava';
import { runChaos } from '../scripts/chaos.js';
import { BUSY_LOCK_MS } from './helpers/redis.js';

// The lock time a busy machine keeps (at 1 s, a worker at work on a loaded machine let its job's lock lapse:
// the job was stalled out and counted failed while its folder was written).
test('fault soak in short: every fault happened, and the run ended whole, its records agreeing with Redis', async (t) => {
  t.timeout(10 * 60_000);
  const lines: string[] = [];
  const r = await runChaos({ groups: 24, workers: 2, kills: 2, clientKills: 1, redisRestarts: 1, lockMs: BUSY_LOCK_MS, seed: 7, stuckMs: 5 * 60_000, log: (line) => lines.push(line) });
  t.log(lines.join('\n'));
  t.deepEqual(r.problems, []);
  t.is(r.kills.random, 2);
  t.is(r.kills.sameJob, 2, 'the blocked job\'s holder killed twice');
  t.true(r.kills.finalizing >= 1, 'a writer of the run\'s records killed');
  t.is(r.redisRestarts, 1);
  t.is(r.clientKills, 1);
  t.true(r.firstEnd.failed >= 1, 'the job killed twice counted failed at the first end');
  t.is(r.retried, r.firstEnd.failed);
});
