/** `bnviz enqueue DIR`: one job per group on the fleet's queue; enqueueing a run again adds nothing. */
import type { Command } from 'commander';
import { COMPUTE_FLAGS, FIGURE_FLAGS, DATASET_FLAGS, configFrom, withOptions } from './common-options.js';

export function registerEnqueue(program: Command): void {
  const command = program
    .command('enqueue')
    .description('add one job per group of a folder of images to the fleet\'s queue in Redis, for `bnviz worker` processes to draw; the same run enqueued again adds nothing')
    .argument('<dir>', 'folder of images (searched recursively); workers must be able to read it at the same path')
    .option('--json', 'print the result as JSON');
  withOptions(command, ['redis', 'prefix', 'queue', 'runId', 'out', 'force', ...DATASET_FLAGS, ...COMPUTE_FLAGS, ...FIGURE_FLAGS]);
  command.action(async (dir: string, opts: Record<string, unknown>) => {
    const config = await configFrom(opts);
    const { enqueueDataset } = await import('../fleet/enqueue-dataset.js');
    const t0 = performance.now();
    const result = await enqueueDataset(dir, config);
    const seconds = (performance.now() - t0) / 1000;
    if (opts.json) {
      process.stdout.write(`${JSON.stringify({ ...result, seconds })}\n`);
      return;
    }
    process.stdout.write(`bnviz: run ${result.runId}: ${result.added} jobs added, ${result.existing} of ${result.groups} groups queued or counted already (queue ${result.queue}, ${seconds.toFixed(1)} s)\n`);
    process.stdout.write(`bnviz: follow it with: bnviz status ${result.runId} --watch\n`);
  });
}
