/** `bnviz run DIR`: a whole dataset to figures on disk, on this machine, with no server. */
import type { Command } from 'commander';
import { join, relative } from 'node:path';

/** A path as the user would type it: relative to here when below here, else absolute. */
const shown = (p: string) => (relative(process.cwd(), p).startsWith('..') ? p : relative(process.cwd(), p) || '.');
import type { GroupResult } from '../group/group-task.js';
import { onSignals, quitBySignal } from '../util/on-signals.js';
import { detailLines, failedLine, terminalProgress } from './run-progress.js';
import { COMPUTE_FLAGS, FIGURE_FLAGS, DATASET_FLAGS, configFrom, withOptions } from './common-options.js';
import { plural } from '../util/plural.js';
import { voiceOf, withVoice } from './voice.js';

export function registerRun(program: Command): void {
  const command = program
    .command('run')
    .description('draw every group of a folder of images, in parallel on this machine; writes <out>/<run>/ with figures, stats.json, run.json, summary.csv and index.html')
    .argument('<dir>', 'folder of images (searched recursively)')
    .option('--json', 'print one JSON event a line instead of progress');
  withOptions(command, ['out', 'runId', 'threads', 'force', ...DATASET_FLAGS, ...COMPUTE_FLAGS, ...FIGURE_FLAGS, 'draw']);
  withVoice(command, { verbose: true });
  command.action(async (dir: string, opts: Record<string, unknown>) => {
    const config = await configFrom(opts);
    const voice = voiceOf(opts);
    const { checkBackend } = await import('./check-backend.js');
    await checkBackend(config.backend);
    const { prepareOutputFolder } = await import('../records/output-folder.js');
    await prepareOutputFolder(config.out);
    const { runDataset } = await import('../run/run-dataset.js');
    const json = Boolean(opts.json);
    const emit = (event: object) => process.stdout.write(`${JSON.stringify(event)}\n`);
    const full = voice === 'verbose';
    const line = (r: GroupResult, finished: number, total?: number) => {
      const what = r.status === 'failed' ? `failed: ${r.error?.message}` : r.status === 'skipped' ? 'skipped (already done)' : `done in ${Math.round(r.timings?.totalMs ?? 0)} ms, up to ${(r.maxUnseen * 100).toFixed(1)}% unseen`;
      return `${total === undefined ? '' : `[${finished}/${total}] `}${r.groupId} ${what}${full ? detailLines(r.error) : ''}`;
    };
    const bar = !json && voice !== 'quiet' && process.stderr.isTTY ? await terminalProgress(process.stderr, { full, ...(full ? { line } : {}) }) : undefined;

    // Ctrl-C: stop taking groups, finish those in flight, write the run's records. A second one quits at once.
    // Before the first group starts (a long scan, say) there is nothing to finish: quit at once.
    const abort = new AbortController();
    let running = false;
    const offSignals = onSignals((signal) => {
      if (!running) {
        process.stderr.write(`bnviz: ${signal}: stopped before the run started\n`);
        quitBySignal(signal);
      }
      abort.abort();
      bar?.stop();
      process.stderr.write(`\nbnviz: ${signal}: finishing the groups in flight (again to quit now)\n`);
    });
    try {
      const { record, runDir } = await runDataset(dir, config, {
        fit(info) {
          if (json) emit({ event: 'fit', ...info });
          else if (voice !== 'quiet') process.stderr.write(`bnviz: --stats dataset: reading the ${plural(info.images, 'image')} once for the dataset's mean and std\n`);
        },
        start(info) {
          running = true;
          if (json) emit({ event: 'start', ...info });
          else if (voice !== 'quiet') {
            process.stderr.write(`bnviz: run ${info.runId}: ${plural(info.groups, 'group')} (${plural(info.images, 'image')}) on ${plural(info.threads, 'thread')} -> ${shown(info.runDir)}\n`);
            if (info.partialGroups.length) process.stderr.write(`bnviz: the last group has fewer than ${config.groupSize} images: ${info.partialGroups.join(', ')}\n`);
          }
          bar?.start(info.groups);
        },
        drawStart({ groups }) {
          if (json) emit({ event: 'draw', groups });
          else if (voice !== 'quiet') {
            bar?.stop();
            process.stderr.write(`bnviz: every group counted; drawing the ${plural(groups, 'group')} --draw ${config.draw} chose\n`);
          }
        },
        drawn(result) {
          if (json) emit({ event: 'drawn', groupId: result.groupId, status: result.status, outputs: result.outputs });
          else if (result.status === 'failed') process.stdout.write(`bnviz: ${result.groupId} could not be drawn: ${result.error?.message}\n`);
        },
        group(result, { finished, total }) {
          // (the level counts are the run's to sum, not the reader's)
          if (json) emit({ event: 'group', ...result, levels: undefined });
          else if (bar) bar.group(result, finished);
          else if (voice !== 'quiet' || result.status === 'failed') process.stdout.write(`${line(result, finished, total)}\n`);
        },
      }, abort.signal);
      bar?.stop();
      const c = record.counts;
      if (json) emit({ event: 'end', runId: record.runId, runDir, summary: record.summary, status: record.status, counts: c, timings: record.timings, failures: record.failures });
      else {
        const out = shown(runDir);
        if (voice !== 'quiet') {
          process.stdout.write(`bnviz: ${record.status === 'interrupted' ? 'interrupted' : 'finished'}: ${c.done} done, ${c.skipped} already done, ${c.failed} failed of ${plural(c.groups, 'group')} in ${((record.timings?.wallMs ?? 0) / 1000).toFixed(1)} s\n`);
          for (const f of record.failures) process.stdout.write(`  ${failedLine(f)}\n`);
          process.stdout.write(`bnviz: open ${join(out, 'index.html')} (figures in ${join(out, 'groups')}/, numbers in ${join(out, record.summary ?? 'summary.csv')})\n`);
        }
      }
      process.exitCode = record.status === 'interrupted' ? 130 : c.failed > 0 ? 1 : 0;
    } finally {
      offSignals();
    }
  });
}
