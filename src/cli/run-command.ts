/** `bnviz run DIR`: a whole dataset to figures on disk, on this machine, with no server. */
import type { Command } from 'commander';
import { join, relative } from 'node:path';

/** A path as the user would type it: relative to here when below here, else absolute. */
const shown = (p: string) => (relative(process.cwd(), p).startsWith('..') ? p : relative(process.cwd(), p) || '.');
import type { GroupResult } from '../group/group-task.js';
import { onSignals } from '../util/on-signals.js';
import { COMPUTE_FLAGS, FIGURE_FLAGS, DATASET_FLAGS, configFrom, withOptions } from './common-options.js';

export function registerRun(program: Command): void {
  const command = program
    .command('run')
    .description('draw every group of a folder of images, in parallel on this machine; writes <out>/<run>/ with figures, stats.json, run.json, summary.csv and index.html')
    .argument('<dir>', 'folder of images (searched recursively)')
    .option('--json', 'print one JSON event a line instead of progress');
  withOptions(command, ['out', 'runId', 'threads', 'force', ...DATASET_FLAGS, ...COMPUTE_FLAGS, ...FIGURE_FLAGS]);
  command.action(async (dir: string, opts: Record<string, unknown>) => {
    const config = await configFrom(opts);
    const { SingleBar, Presets } = await import('cli-progress');
    const { runDataset } = await import('../run/run-dataset.js');
    const json = Boolean(opts.json);
    const tty = !json && process.stderr.isTTY;
    const emit = (event: object) => process.stdout.write(`${JSON.stringify(event)}\n`);
    const bar = tty ? new SingleBar({ format: '{bar} {value}/{total} groups | {rate} groups/s | ETA {eta_formatted} | {failed} failed', hideCursor: true }, Presets.shades_classic) : undefined;
    const started = Date.now();

    // Ctrl-C: stop taking groups, finish those in flight, write the run's records. A second one quits at once.
    const abort = new AbortController();
    const offSignals = onSignals((signal) => {
      abort.abort();
      bar?.stop();
      process.stderr.write(`\nbnviz: ${signal}: finishing the groups in flight (again to quit now)\n`);
    });
    let failed = 0;
    const line = (r: GroupResult, finished: number, total: number) => {
      const what = r.status === 'failed' ? `failed: ${r.error?.message}` : r.status === 'skipped' ? 'skipped (already done)' : `done in ${Math.round(r.timings?.totalMs ?? 0)} ms, up to ${(r.maxUnseen * 100).toFixed(1)}% unseen`;
      return `[${finished}/${total}] ${r.groupId} ${what}`;
    };
    try {
      const { record, runDir } = await runDataset(dir, config, {
        start(info) {
          if (json) emit({ event: 'start', ...info });
          else {
            process.stderr.write(`bnviz: run ${info.runId}: ${info.groups} groups (${info.images} images) on ${info.threads} threads -> ${shown(info.runDir)}\n`);
            if (info.partialGroups.length) process.stderr.write(`bnviz: the last group has fewer than ${config.groupSize} images: ${info.partialGroups.join(', ')}\n`);
          }
          bar?.start(info.groups, 0, { rate: '0.0', failed: 0 });
        },
        group(result, { finished, total }) {
          if (result.status === 'failed') failed++;
          if (json) emit({ event: 'group', ...result });
          else if (bar) bar.update(finished, { rate: (finished / ((Date.now() - started) / 1000)).toFixed(1), failed });
          else process.stdout.write(`${line(result, finished, total)}\n`);
        },
      }, abort.signal);
      bar?.stop();
      const c = record.counts;
      if (json) emit({ event: 'end', runId: record.runId, runDir, status: record.status, counts: c, timings: record.timings, failures: record.failures });
      else {
        const out = shown(runDir);
        process.stdout.write(`bnviz: ${record.status === 'interrupted' ? 'interrupted' : 'finished'}: ${c.done} done, ${c.skipped} already done, ${c.failed} failed of ${c.groups} groups in ${((record.timings?.wallMs ?? 0) / 1000).toFixed(1)} s\n`);
        for (const f of record.failures) process.stdout.write(`  failed ${f.groupId} (${f.files.join(', ')}): ${f.error.message}\n`);
        process.stdout.write(`bnviz: open ${join(out, 'index.html')} (figures in ${join(out, 'groups')}/, numbers in ${join(out, 'summary.csv')})\n`);
      }
      process.exitCode = record.status === 'interrupted' ? 130 : c.failed > 0 ? 1 : 0;
    } finally {
      offSignals();
    }
  });
}
