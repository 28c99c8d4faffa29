/** `bnviz fit DIR`: a folder's exact per-channel mean, variance and std, as Normalize(mean, std) wants them. */
import type { Command } from 'commander';
import { configFrom, withOptions } from './common-options.js';
import { UsageError, messageOf } from '../errors.js';

export function registerFit(program: Command): void {
  const command = program
    .command('fit')
    .description('the exact per-channel mean, variance and std over every pixel of every image under a folder (decoded as run decodes them), for Normalize(mean, std)')
    .argument('<dir>', 'the folder of images (searched recursively)')
    .option('--json', 'print one JSON object: mean, variance, std, pixels, images, options, skipped')
    .option('--save <file>', 'also write the JSON object to this file');
  withOptions(command, ['size', 'fit', 'background', 'colorProfile', 'alpha', 'threads']);
  command.action(async (dir: string, opts: Record<string, unknown>) => {
    const config = await configFrom(opts);
    const { fitDataset } = await import('../fit/fit-dataset.js');
    const { decodeOptions } = await import('../config/derive-options.js');
    const result = await fitDataset(dir, { ...decodeOptions(config), threads: config.threads });
    const doc = `${JSON.stringify(result, null, opts.json ? undefined : 2)}\n`;
    if (typeof opts.save === 'string') {
      const { writeFileAtomic } = await import('../records/write-atomic.js');
      const { errorCode, systemReason } = await import('../util/system-error.js');
      const file = opts.save;
      await writeFileAtomic(file, `${JSON.stringify(result, null, 2)}\n`).catch((err: unknown) => {
        // named as given, not as the temporary file it is written to first
        const reason = systemReason(err) ?? (errorCode(err) === 'ENOENT' ? 'its folder does not exist or takes no files' : messageOf(err));
        throw new UsageError(`cannot write ${file} (--save): ${reason}`, { cause: err });
      });
    }
    if (opts.json) process.stdout.write(doc);
    else process.stdout.write(fitTable(result));
    for (const s of result.skipped) process.stderr.write(`bnviz: skipped ${s.file}: ${s.reason}\n`);
    // as run: 1 when some inputs could not be used (the numbers stand for the others)
    if (result.skipped.length) process.exitCode = 1;
  });
}

function fitTable(r: Awaited<ReturnType<typeof import('../fit/fit-dataset.js')['fitDataset']>>): string {
  const f = (v: number) => v.toFixed(6);
  const rows = ['R', 'G', 'B'].map((c, i) => `${c.padEnd(8)}${f(r.mean[i]!).padStart(10)}${f(r.std[i]!).padStart(10)}${f(r.variance[i]!).padStart(10)}`);
  return [
    `${r.images} images, ${r.pixels.toLocaleString('en-US')} pixels a channel (size ${r.options.size}, fit ${r.options.fit}, colour profile ${r.options.colorProfile})${r.skipped.length ? `; ${r.skipped.length} skipped` : ''}`,
    `${'channel'.padEnd(8)}${'mean'.padStart(10)}${'std'.padStart(10)}${'variance'.padStart(10)}`,
    ...rows,
    `Normalize(mean=[${r.mean.map(f).join(', ')}], std=[${r.std.map(f).join(', ')}])`,
    '',
  ].join('\n');
}
