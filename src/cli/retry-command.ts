/** `bnviz retry RUN [--group ID...]`: a run's failed groups back in the queue. */
import type { Command } from 'commander';
import { configFrom, REDIS_FLAGS, withOptions } from './common-options.js';
import { plural } from '../util/plural.js';
import { voiceOf, withVoice } from './voice.js';

export function registerRetry(program: Command): void {
  const command = program
    .command('retry')
    .description('put a fleet run\'s failed groups back in the queue (after fixing their files or the workers); the run\'s records say how they end')
    .argument('<run>', 'run id (bnviz status lists them)')
    .option('-g, --group <id...>', 'only these groups (default: every failed group)')
    .option('--json', 'print the result as JSON');
  withOptions(command, [...REDIS_FLAGS, 'queue']);
  withVoice(command);
  command.action(async (runId: string, opts: Record<string, unknown>) => {
    const config = await configFrom(opts);
    const { withCommandRedis } = await import('../fleet/connect-redis.js');
    const { retryRun } = await import('../fleet/retry-run.js');
    const result = await withCommandRedis(config.redis, 'bnviz-retry', (redis) => retryRun(redis, config, runId, (opts.group as string[] | undefined) ?? []));
    if (opts.json) process.stdout.write(`${JSON.stringify(result)}\n`);
    else if (voiceOf(opts) !== 'quiet') {
      process.stdout.write(`bnviz: run ${runId}: ${plural(result.retried.length, 'failed group')} back in the queue${result.notFailed.length ? `; not failed, left alone: ${result.notFailed.join(', ')}` : ''}\n`);
      if (result.retried.length) process.stdout.write(`bnviz: follow it with: bnviz status ${runId} --watch\n`);
    }
  });
}
