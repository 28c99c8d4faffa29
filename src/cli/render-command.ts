/** `bnviz render FILE... --out DIR [--figures ...]`: one group's figures, written into DIR. */
import type { Command } from 'commander';
import { join } from 'node:path';
import { COMPUTE_FLAGS, FIGURE_FLAGS, configFrom, withOptions } from './common-options.js';

export function registerRender(program: Command): void {
  const command = program
    .command('render')
    .description('draw one group\'s figures (overview, panels, compare) and its stats.json into the output folder')
    .argument('<files...>', 'the images of one group');
  withOptions(command, ['out', ...FIGURE_FLAGS, ...COMPUTE_FLAGS]);
  command.action(async (files: string[], opts: Record<string, unknown>) => {
    const config = await configFrom(opts);
    const { checkBackend } = await import('./check-backend.js');
    await checkBackend(config.backend);
    const { prepareOutputFolder } = await import('../records/output-folder.js');
    await prepareOutputFolder(config.out);
    const { computeFiles } = await import('../group/compute-files.js');
    const { normStatsOf } = await import('../fit/norm-stats.js');
    const { computeOptions, decodeOptions, groupOptions } = await import('../config/derive-options.js');
    const { drawFigures } = await import('../figure/index.js');
    const { writeFileAtomic } = await import('../records/write-atomic.js');
    const { stats, arrays } = await computeFiles(files, { ...decodeOptions(config), ...computeOptions(config), normStats: await normStatsOf(config) });
    const outputs = await drawFigures({ stats, arrays }, groupOptions(config));
    outputs.push({ name: 'stats.json', bytes: Buffer.from(JSON.stringify(stats)) });
    // Each file appears whole or not at all (temporary file, then rename), so a watcher never reads half a PNG.
    for (const f of outputs) {
      const file = join(config.out, f.name);
      await writeFileAtomic(file, f.bytes);
      process.stdout.write(`${file}\n`);
    }
  });
}
