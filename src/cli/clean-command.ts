/** `bnviz clean RUN [--outputs]`: a run's jobs and records out of Redis. */
import type { Command } from 'commander';
import { configFrom, REDIS_FLAGS, withOptions } from './common-options.js';
import { plural } from '../util/plural.js';
import { voiceOf, withVoice } from './voice.js';

export function registerClean(program: Command): void {
  const command = program
    .command('clean')
    .description('remove a fleet run\'s jobs and records from Redis; its figures on disk stay unless --outputs')
    .argument('<run>', 'run id (bnviz status lists them)')
    .option('--outputs', 'also delete the run\'s output folder (<out>/<run>)')
    .option('--json', 'print the result as JSON');
  withOptions(command, [...REDIS_FLAGS, 'queue', 'out']);
  withVoice(command);
  command.action(async (runId: string, opts: Record<string, unknown>) => {
    const config = await configFrom(opts);
    const { withCommandRedis } = await import('../fleet/connect-redis.js');
    const { cleanRun } = await import('../fleet/clean-run.js');
    const result = await withCommandRedis(config.redis, 'bnviz-clean', (redis) => cleanRun(redis, config, runId, { outputs: Boolean(opts.outputs) }));
    if (opts.json) process.stdout.write(`${JSON.stringify(result)}\n`);
    else if (voiceOf(opts) !== 'quiet') process.stdout.write(`bnviz: run ${runId}: ${plural(result.jobs, 'job')} and its records removed from Redis${result.removedOutputs ? `; ${result.removedOutputs} deleted` : ''}\n`);
  });
}
