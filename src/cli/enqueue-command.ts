/** `bnviz enqueue DIR`: one job per group on the fleet's queue; enqueueing a run again adds nothing. */
import { Option, type Command } from 'commander';
import { COMPUTE_FLAGS, configFrom, DATASET_FLAGS, FIGURE_FLAGS, REDIS_FLAGS, withOptions } from './common-options.js';
import { plural } from '../util/plural.js';
import { voiceOf, withVoice } from './voice.js';

export function registerEnqueue(program: Command): void {
  const command = program
    .command('enqueue')
    .description('add one job per group of a folder of images to the fleet\'s queue in Redis, for `bnviz worker` processes to draw; the same run enqueued again adds nothing')
    .argument('<dir>', 'folder of images (searched recursively); workers must be able to read it at the same path')
    .option('--json', 'print the result as JSON');
  withOptions(command, [...REDIS_FLAGS, 'queue', 'runId', 'exclude', 'force', 'maxPixels', ...DATASET_FLAGS, ...COMPUTE_FLAGS, ...FIGURE_FLAGS, 'draw']);
  // the old name of --exclude, which read as if it chose where results go (workers choose that)
  command.addOption(new Option('-o, --out <dir>').hideHelp());
  withVoice(command);
  command.action(async (dir: string, opts: Record<string, unknown>) => {
    const config = await configFrom(opts);
    const say = voiceOf(opts) === 'quiet' ? () => {} : (line: string) => process.stdout.write(`bnviz: ${line}\n`);
    const { enqueueDataset } = await import('../fleet/enqueue-dataset.js');
    const { withCommandRedis } = await import('../fleet/connect-redis.js');
    const t0 = performance.now();
    // Connected first: an unreachable Redis is one line within seconds, before the dataset is scanned.
    const { jobMemoryHint } = await import('../fleet/job-memory-hint.js');
    const { result, hint } = await withCommandRedis(config.redis, 'bnviz-enqueue', async (redis) => {
      const result = await enqueueDataset(dir, config, { redis });
      return { result, hint: opts.json ? undefined : await jobMemoryHint(redis, result.runId, result.added, result.groups, config.force) };
    });
    const seconds = (performance.now() - t0) / 1000;
    if (opts.json) {
      process.stdout.write(`${JSON.stringify({ ...result, seconds })}\n`);
      return;
    }
    const c = result.counts;
    let queued = 0;
    if (!result.newRun && result.fitJobs !== undefined) {
      queued = result.fitJobs;
      say(`run ${result.runId}: its first pass (the dataset's mean and std) is not over; ${result.fitJobs ? `${plural(result.fitJobs, 'fit job')} added (slices that had no job)` : 'nothing added'}`);
    } else if (!result.newRun) {
      // An existing run: say what it holds, and how to redo its failures.
      queued = result.existing - c.done - c.skipped - c.failed;
      say(`run ${result.runId}: ${c.done + c.skipped} done, ${c.failed} failed${queued > 0 ? `, ${queued} queued` : ''}; ${result.added ? `${plural(result.added, 'job')} added (groups that had no job)` : 'nothing added'}${c.failed ? `; use bnviz retry ${result.runId} to run the failed groups again` : ''}`);
    } else if (result.fitJobs !== undefined) {
      queued = result.fitJobs;
      say(`run ${result.runId}: ${plural(result.fitJobs, 'fit job')} added (queue ${result.queue}, ${seconds.toFixed(1)} s): the workers first count the dataset's mean and std, then draw its ${plural(result.groups, 'group')}`);
    } else {
      queued = result.added;
      say(`run ${result.runId}: ${plural(result.added, 'job')} added (queue ${result.queue}, ${seconds.toFixed(1)} s)`);
    }
    if (hint) say(hint);
    // something to follow only while jobs are queued
    if (queued > 0 || result.added > 0) say(`follow it with: bnviz status ${result.runId} --watch`);
  });
}
