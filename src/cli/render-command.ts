/** `bnviz render FILE... --out DIR [--figures ...]`: one group's figures, written into DIR. */
import type { Command } from 'commander';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { computeGroup } from '../compute/compute-group.js';
import { computeOptions, decodeOptions, groupOptions } from '../config/derive-options.js';
import { decodeImage } from '../decode/decode-image.js';
import { drawFigures } from '../figure/index.js';
import { writeFileAtomic } from '../records/write-atomic.js';
import { COMPUTE_FLAGS, FIGURE_FLAGS, configFrom, withOptions } from './common-options.js';

export function registerRender(program: Command): void {
  const command = program
    .command('render')
    .description('draw one group\'s figures (overview, panels, compare) and its stats.json into the output folder')
    .argument('<files...>', 'the images of one group');
  withOptions(command, ['out', ...FIGURE_FLAGS, ...COMPUTE_FLAGS]);
  command.action(async (files: string[], opts: Record<string, unknown>) => {
    const config = configFrom(opts);
    const images = await Promise.all(files.map((f) => decodeImage(f, decodeOptions(config))));
    const { stats, arrays } = await computeGroup(images, files, computeOptions(config));
    const outputs = await drawFigures({ stats, arrays }, groupOptions(config));
    outputs.push({ name: 'stats.json', bytes: Buffer.from(JSON.stringify(stats)) });
    await mkdir(config.out, { recursive: true });
    // Each file appears whole or not at all (temporary file, then rename), so a watcher never reads half a PNG.
    for (const f of outputs) {
      const file = join(config.out, f.name);
      await writeFileAtomic(file, f.bytes);
      process.stdout.write(`${file}\n`);
    }
  });
}
