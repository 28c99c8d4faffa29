/**
 * Level counts of 16-bit images reach Redis whole: a slice of the first pass
 * of --stats dataset, and a worker's batch for the dataset report, each with
 * every 16-bit level of three channels (196,608 fields, 393,216 arguments:
 * more than a JavaScript call can take spread). Real Redis, own prefix.
 */
import test from 'ava';
import { LevelCounts } from '../src/fit/level-counts.js';
import { recordSlice } from '../src/fleet/fit-phase.js';
import { runKeys } from '../src/fleet/fleet-keys.js';
import { LevelSink } from '../src/fleet/level-sink.js';
import type { LevelCountsDoc } from '../src/types.js';
import { redisScope } from './helpers/redis.js';

const LEVELS = 65536;

/** One image's worth of counts with every 16-bit level of each channel present once. */
function everyLevel(): LevelCountsDoc {
  const channel = Array.from({ length: LEVELS }, (_, code): [number, number] => [code, 1]);
  return { images: 1, levels8: [[], [], []], levels16: [channel, channel, channel] };
}

test('recordSlice: a slice of 16-bit images with every level of three channels is counted whole', async (t) => {
  const s = await redisScope();
  t.teardown(() => s.cleanup());
  const k = runKeys(s.prefix, 'sixteen');
  await s.redis.hset(k.meta, 'fitSlices', '1');
  const fields = LevelCounts.fromJSON(everyLevel()).toFields();
  t.is(fields.length, 3 * LEVELS * 2);
  const r = await recordSlice(s.redis, k, { slice: 0, status: 'done', counted: { fields, images: 1, skipped: [] } });
  t.like(r, { added: true, done: 1, failed: 0, slices: 1 });
  t.is(await s.redis.hlen(k.levels), 3 * LEVELS);
  t.is(await s.redis.hget(k.levels, `16:2:${LEVELS - 1}`), '1');
});

test('LevelSink: a batch of 16-bit counts with every level of three channels reaches the run whole', async (t) => {
  const s = await redisScope();
  t.teardown(() => s.cleanup());
  const k = runKeys(s.prefix, 'sixteen');
  await s.redis.hset(k.meta, 'total', '10', 'done', '0', 'levelsDue', '2');
  const errors: unknown[] = [];
  const sink = new LevelSink(s.redis, s.prefix, { onComplete: async () => {}, onError: (err) => errors.push(err), flushMs: 60_000 });
  // a group's counts as they come back from its thread (compute/count-levels.ts groupLevels): every 16-bit level of each channel once
  const group = () => ({ images: 1, counts8: new Float64Array(256 * 3), counts16: new Float64Array(LEVELS * 3).fill(1) });
  sink.add('sixteen', group());
  sink.add('sixteen', group());
  await sink.flush('sixteen');
  t.deepEqual(errors, []);
  t.is(await s.redis.hlen(k.levels), 3 * LEVELS);
  t.is(await s.redis.hget(k.levels, `16:0:12345`), '2');
  t.is(await s.redis.hget(k.meta, 'levelGroups'), '2');
  await sink.close();
});
