/** `bnviz worker`: a headless fleet member that draws the groups it takes from the queue until told to stop. */
import type { Command } from 'commander';
import { messageOf } from '../errors.js';
import { onSignals } from '../util/on-signals.js';
import { configFrom, REDIS_FLAGS, withOptions } from './common-options.js';
import { plural } from '../util/plural.js';
import { voiceOf, withVoice } from './voice.js';

export function registerWorker(program: Command): void {
  const command = program
    .command('worker')
    .description('take groups from the fleet\'s queue in Redis and draw them on this machine\'s threads, until SIGTERM or SIGINT (which finish the jobs in hand first)')
    .option('--json', 'print one JSON event a line');
  withOptions(command, [...REDIS_FLAGS, 'queue', 'roots', 'out', 'threads', 'maxPixels']);
  withVoice(command);
  command.action(async (opts: Record<string, unknown>) => {
    const config = await configFrom(opts);
    const quiet = voiceOf(opts) === 'quiet';
    const { healthFile } = await import('./health-file.js');
    const health = config.healthFile ? healthFile(config.healthFile) : undefined;
    const { shownTarget } = await import('../fleet/connect-redis.js');
    const { startWorker } = await import('../fleet/start-worker.js');
    const json = Boolean(opts.json);
    // Each event carries its time (ISO 8601, UTC), as a log line would: a log collector may read them late.
    const emit = (event: object) => process.stdout.write(`${JSON.stringify({ time: new Date().toISOString(), ...event })}\n`);
    let closeWorker: (() => Promise<unknown>) | undefined;
    const worker = await startWorker(config, {
      job(info) {
        if (json) emit({ event: 'job', ...info });
        else if (info.status === 'failed') process.stdout.write(`${info.groupId ?? info.jobId} failed${info.retry ? ' (will retry)' : ''}: ${info.error}\n`);
        else if (quiet) return;
        else if (info.slice !== undefined) process.stdout.write(`${info.jobId} counted (${plural(info.images ?? 0, 'image')})\n`);
        else process.stdout.write(`${info.groupId} ${info.status === 'skipped' ? 'skipped (already done)' : `done in ${Math.round(info.ms ?? 0)} ms`}\n`);
      },
      handBack({ reason }) {
        if (json) emit({ event: 'hand-back', reason });
        else process.stderr.write(`bnviz: worker: cannot serve some jobs, handing them back to the queue for other workers: ${reason}\n`);
      },
      handBackPause({ handedBack, ms }) {
        if (json) emit({ event: 'hand-back-pause', handedBack, ms });
        else process.stderr.write(`bnviz: worker: handed back ${handedBack} jobs in a row and served none: taking no jobs for ${Math.round(ms / 1000)} s, so that workers that can serve them do\n`);
      },
      lockLost({ jobId }) {
        if (json) emit({ event: 'lock-lost', jobId });
        else process.stderr.write(`bnviz: worker: lost the lock of job ${jobId} (paused longer than the lock, or Redis lost it); stopped working on it, another worker takes it up\n`);
      },
      redis({ state, address, reason, server, action }) {
        if (state === 'away' || state === 'back' || state === 'switched') health?.redis(state !== 'away');
        if (json) emit({ event: `redis-${state}`, address, ...(reason ? { reason } : {}), ...(server ? { server } : {}), ...(action ? { action } : {}) });
        else if (state === 'away') process.stderr.write(`bnviz: worker: Redis at ${address} is away (${reason}); waiting for it\n`);
        else if (state === 'back') process.stderr.write(`bnviz: worker: Redis at ${address} is back${server ? ` (${server})` : ''}\n`);
        else if (state === 'switched') process.stderr.write(`bnviz: worker: Redis at ${address} is now ${server} (a failover)\n`);
        else process.stderr.write(`bnviz: worker: Redis at ${address} answered ${reason}: ${action}\n`);
      },
      fatal(err) {
        // A setting is wrong for this Redis: no retry mends it, so stop rather than repeat it.
        if (json) emit({ event: 'fatal', message: err.message });
        else process.stderr.write(`bnviz: ${err.message}; stopping\n`);
        process.exitCode = 2;
        void (closeWorker?.() ?? Promise.resolve()).then(() => process.exit(2), () => process.exit(2));
      },
      error(err) {
        if (json) emit({ event: 'error', message: messageOf(err) });
        else process.stderr.write(`bnviz: worker: ${messageOf(err)} (carrying on)\n`);
      },
    });
    closeWorker = () => worker.close(2000, 2000);
    // First signal: take no new jobs, finish the ones in hand (at most queue.stopMs), close, exit 0. A second
    // one quits at once (the jobs in hand then stall, and another worker takes them up once their locks lapse).
    // Listened for before "ready" is said, so a signal sent on hearing it is never missed.
    const stopped = new Promise<{ stuck: boolean }>((resolve, reject) => {
      onSignals((signal) => {
        if (json) emit({ event: 'stopping', signal });
        else if (!quiet) process.stderr.write(`bnviz: worker: ${signal}: finishing the jobs in hand (again to quit now)\n`);
        worker.close().then(resolve, reject);
      });
    });
    const ready = { event: 'ready', id: worker.id, queue: config.queue.name, prefix: config.redis.prefix, redis: shownTarget(config.redis), threads: worker.threads, roots: worker.roots, out: worker.outRoot };
    if (json) emit(ready);
    else if (!quiet) process.stderr.write(`bnviz: worker ${worker.id} ready: queue ${ready.queue} on ${ready.redis} (prefix ${ready.prefix}), ${plural(worker.threads, 'thread')}, roots ${worker.roots.join(', ')}, out ${worker.outRoot}\n`);
    health?.start();
    const { stuck } = await stopped;
    health?.stop();
    const why = 'a thread is blocked in a read that does not return (its job goes back to the queue by its lock); ending by SIGKILL';
    if (json) emit({ event: 'stopped', ...(stuck ? { stuck: why } : {}) });
    else if (!quiet || stuck) process.stderr.write(`bnviz: worker stopped${stuck ? `: ${why}` : ''}\n`);
    // Node waits for every thread before it exits; one blocked in a read never ends, so only a kill stops the process.
    if (stuck) process.kill(process.pid, 'SIGKILL');
    // Closed: the threads have ended. With Redis away, a connection BullMQ made for itself may still be
    // retrying, which would keep the process alive for ever (seen: 61 s until a SIGKILL).
    process.exit();
  });
}
