/** stalledOut (fleet/job-document.ts): a job's stalls as its failure says them. */
import test from 'ava';
import { STALLED_OUT, stalledOut } from '../src/fleet/job-document.js';

test('stalledOut: a job killed twice is "stopped 2 times", by its stalls, though it was started 3 times', (t) => {
  t.is(stalledOut({ failedReason: STALLED_OUT, attemptsStarted: 3, stalledCounter: 2 }), 'stopped 2 times before it ended (killed, or out of memory)');
  t.is(stalledOut({ failedReason: STALLED_OUT, attemptsStarted: 1 }), 'stopped more than once before it ended (killed, or out of memory)');
  t.is(stalledOut({ failedReason: 'bad input', attemptsStarted: 2, stalledCounter: 0 }), undefined);
});
