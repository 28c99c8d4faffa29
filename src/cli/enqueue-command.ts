/** `bnviz enqueue DIR`: one job per group on the fleet's queue; enqueueing a run again adds nothing. */
import { Option, type Command } from 'commander';
import { COMPUTE_FLAGS, configFrom, DATASET_FLAGS, FIGURE_FLAGS, REDIS_FLAGS, withOptions } from './common-options.js';

export function registerEnqueue(program: Command): void {
  const command = program
    .command('enqueue')
    .description('add one job per group of a folder of images to the fleet\'s queue in Redis, for `bnviz worker` processes to draw; the same run enqueued again adds nothing')
    .argument('<dir>', 'folder of images (searched recursively); workers must be able to read it at the same path')
    .option('--json', 'print the result as JSON');
  withOptions(command, [...REDIS_FLAGS, 'queue', 'runId', 'exclude', 'force', 'maxPixels', ...DATASET_FLAGS, ...COMPUTE_FLAGS, ...FIGURE_FLAGS]);
  // the old name of --exclude, which read as if it chose where results go (workers choose that)
  command.addOption(new Option('-o, --out <dir>').hideHelp());
  command.action(async (dir: string, opts: Record<string, unknown>) => {
    const config = await configFrom(opts);
    const { enqueueDataset } = await import('../fleet/enqueue-dataset.js');
    const { withCommandRedis } = await import('../fleet/connect-redis.js');
    const t0 = performance.now();
    // Connected first: an unreachable Redis is one line within seconds, before the dataset is scanned.
    const result = await withCommandRedis(config.redis, 'bnviz-enqueue', (redis) => enqueueDataset(dir, config, { redis }));
    const seconds = (performance.now() - t0) / 1000;
    if (opts.json) {
      process.stdout.write(`${JSON.stringify({ ...result, seconds })}\n`);
      return;
    }
    const c = result.counts;
    if (!result.newRun && result.fitJobs !== undefined) {
      process.stdout.write(`bnviz: run ${result.runId}: its first pass (the dataset's mean and std) is not over; ${result.fitJobs ? `${result.fitJobs} fit jobs added (slices that had no job)` : 'nothing added'}\n`);
    } else if (!result.newRun) {
      // An existing run: say what it holds, and how to redo its failures.
      const queued = result.existing - c.done - c.skipped - c.failed;
      process.stdout.write(`bnviz: run ${result.runId}: ${c.done + c.skipped} done, ${c.failed} failed${queued > 0 ? `, ${queued} queued` : ''}; ${result.added ? `${result.added} jobs added (groups that had no job)` : 'nothing added'}${c.failed ? `; use bnviz retry ${result.runId} to run the failed groups again` : ''}\n`);
    } else if (result.fitJobs !== undefined) {
      process.stdout.write(`bnviz: run ${result.runId}: ${result.fitJobs} fit jobs added (queue ${result.queue}, ${seconds.toFixed(1)} s): the workers first count the dataset's mean and std, then draw its ${result.groups} groups\n`);
    } else {
      process.stdout.write(`bnviz: run ${result.runId}: ${result.added} jobs added (queue ${result.queue}, ${seconds.toFixed(1)} s)\n`);
    }
    process.stdout.write(`bnviz: follow it with: bnviz status ${result.runId} --watch\n`);
  });
}
