/** `bnviz status [RUN]`: the fleet's runs, or one run's progress, failures and the workers alive. */
import type { Command } from 'commander';
import { UsageError } from '../errors.js';
import { configFrom, REDIS_FLAGS, withOptions } from './common-options.js';

export function registerStatus(program: Command): void {
  const command = program
    .command('status')
    .description('show the fleet\'s runs, or for one run a progress bar, rate, ETA, failures and the workers alive')
    .argument('[run]', 'run id (default: list the runs)')
    .option('-w, --watch', 'refresh every second until the run finishes (Ctrl-C to stop)')
    .option('--json', 'print JSON');
  withOptions(command, [...REDIS_FLAGS]);
  command.action(async (runId: string | undefined, opts: Record<string, unknown>) => {
    const config = await configFrom(opts);
    const { withCommandRedis } = await import('../fleet/connect-redis.js');
    const { readRunStatus, readRuns } = await import('../fleet/read-status.js');
    const { isComplete } = await import('../fleet/run-store.js');
    const { formatRun, formatRunList, paceOf } = await import('../fleet/status-view.js');
    const prefix = config.redis.prefix;
    // A status command says when Redis is not there (one line), never waits for it forever.
    const tty = process.stdout.isTTY;
    let stop = false;
    const onSignal = () => { stop = true; };
    process.on('SIGINT', onSignal);
    try {
      await withCommandRedis(config.redis, 'bnviz-status', async (redis) => {
        // The run's queue, for its depth: one Queue a name for the whole watch, closed at the end.
        const { Queue } = await import('bullmq');
        const queues = new Map<string, import('bullmq').Queue>();
        const queueOf = (name: string) => {
          let q = queues.get(name);
          if (!q) {
            q = new Queue(name, { connection: redis, prefix });
            q.on('error', () => {});
            queues.set(name, q);
          }
          return q;
        };
        try {
          await watch(redis, queueOf);
        } finally {
          await Promise.all([...queues.values()].map((q) => q.close().catch(() => {})));
        }
      });
    } finally {
      process.off('SIGINT', onSignal);
    }

    async function watch(redis: Parameters<Parameters<typeof withCommandRedis>[2]>[0], queueOf: (name: string) => import('bullmq').Queue): Promise<void> {
      let last = '';
      for (;;) {
        const now = Date.now();
        let text: string;
        let finished = false;
        if (runId) {
          const status = await readRunStatus(redis, prefix, runId, 20, queueOf);
          if (!status) throw new UsageError(`no run ${runId} under prefix ${prefix} (bnviz status lists the runs)`);
          // A damaged run is never finalized: watching ends once its groups are all counted.
          finished = status.status === 'finished' || (status.status === 'damaged' && (status.finishedAt !== undefined || isComplete(status)));
          text = opts.json ? `${JSON.stringify({ ...status, pace: paceOf(status, now) })}\n` : formatRun(status, now);
        } else {
          const runs = await readRuns(redis, prefix);
          text = opts.json ? `${JSON.stringify(runs.map((r) => ({ ...r, pace: paceOf(r, now) })))}\n` : formatRunList(runs, now);
        }
        if (!opts.watch) {
          process.stdout.write(text);
          break;
        }
        if (text !== last) process.stdout.write(tty && !opts.json ? `\x1b[2J\x1b[H${text}` : text);
        last = text;
        if (finished || stop) break;
        await new Promise((r) => setTimeout(r, 1000));
        if (stop) break;
      }
    }
  });
}
