/** `bnviz inspect FILE... [--json]`: one group's numbers. */
import type { Command } from 'commander';
import { COMPUTE_FLAGS, configFrom, withOptions } from './common-options.js';
import { statsTable } from './stats-table.js';

export function registerInspect(program: Command): void {
  const command = program
    .command('inspect')
    .description('print one group\'s statistics: batch mean and variance, per image and channel min, max, mean, std, shares below 0 and above 1, densities (--json)')
    .argument('<files...>', 'the images of one group')
    .option('--json', 'print the stats.json document');
  withOptions(command, COMPUTE_FLAGS);
  command.action(async (files: string[], opts: Record<string, unknown>) => {
    const config = await configFrom(opts);
    const { checkBackend } = await import('./check-backend.js');
    await checkBackend(config.backend);
    const { computeFiles } = await import('../group/compute-files.js');
    const { normStatsOf } = await import('../fit/norm-stats.js');
    const { computeOptions, decodeOptions } = await import('../config/derive-options.js');
    const { stats } = await computeFiles(files, { ...decodeOptions(config), ...computeOptions(config), normStats: await normStatsOf(config) });
    process.stdout.write(opts.json ? `${JSON.stringify(stats)}\n` : `${statsTable(stats)}\n`);
  });
}
