/**
 * The Piscina pool both drivers hand groups to. Threads stay alive between
 * tasks (tfjs and canvas set-up is costly, and @napi-rs/canvas has been
 * reported to crash when a worker thread exits), so idleTimeout is long and
 * minThreads equals maxThreads.
 */
import { availableParallelism } from 'node:os';
import { setFlagsFromString } from 'node:v8';
import { MessageChannel } from 'node:worker_threads';
import { Piscina } from 'piscina';
import type { GroupTask, Stage } from '../group/group-task.js';
import type { CountResult, CountTask, PoolMessage, PoolResult, PoolTask, ThreadMessage } from './pool-messages.js';

const WORKER = new URL('./group-worker.js', import.meta.url).href;

export interface GroupPool {
  /**
   * Runs one group; `onStage` hears its stages from the thread. When `signal`
   * aborts, the promise rejects at once and the thread stops the group at its
   * next stage, before it writes (a signal is not handed to Piscina: it runs an
   * abortable task alone on its thread, which would halve what a thread does).
   */
  run(task: GroupTask, onStage?: (stage: Stage) => void, signal?: AbortSignal): Promise<PoolResult>;
  /** Counts the levels of a slice of a dataset (the fleet's first pass of `--stats dataset`). */
  count(task: CountTask, signal?: AbortSignal): Promise<CountResult>;
  readonly threads: number;
  /** Groups a thread runs at once (see createGroupPool). */
  readonly tasksPerThread: number;
  close(options?: { force?: boolean }): Promise<void>;
}

const TASKS_PER_THREAD = 2;

/**
 * The old generation a pool thread's heap may reach before its first full
 * collection, in MB (V8's --initial-old-space-size; by default V8 starts a
 * fresh heap's limit at a few MB and raises it slowly). A group's figures
 * leave a few MB in the old generation, so with the default a thread ran a
 * mark-compact about every group: 50 in 60 groups of all three figures on
 * one thread, 18 with this (the rest are asked for by the figures' pixel
 * buffers, which V8 counts as external memory). Measured on 2 threads, all
 * three figures, 60 groups, the two builds alternating six times: 194-207 ms
 * of CPU a group against 199-235, garbage collection pauses 490-555 ms
 * against 660-780, peak RSS 40-100 MB higher; the overview alone unchanged.
 */
const INITIAL_OLD_SPACE_MB = 128;

/**
 * V8 reads the flag when it makes an isolate, so it is set before the pool's
 * threads are made, and changes no heap that exists (not the main thread's).
 * A size the user gave node itself (`node --initial-old-space-size=N`; node
 * refuses it in NODE_OPTIONS) stands.
 */
function sizePoolHeaps(): void {
  const given = process.execArgv.some((arg) => /^--initial[-_](old[-_]space|heap)[-_]size/.test(arg));
  if (!given) setFlagsFromString(`--initial-old-space-size=${INITIAL_OLD_SPACE_MB}`);
}

/**
 * @param threads 0 means every core
 * @example
 * const pool = createGroupPool(2); // two threads
 * try { const result = await pool.run(task); } finally { await pool.close(); }
 */
export function createGroupPool(threads = 0): GroupPool {
  const n = threads > 0 ? threads : availableParallelism();
  sizePoolHeaps();
  const pool = new Piscina<PoolTask | CountTask, PoolResult | CountResult>({
    filename: WORKER,
    minThreads: n,
    maxThreads: n,
    idleTimeout: 24 * 60 * 60 * 1000,
    // Callers feed the pool with backpressure; a queue here would only hide it.
    maxQueue: 'auto',
    // Two groups a thread: libvips decodes one (on libuv's pool) while the thread computes or draws the other.
    concurrentTasksPerWorker: TASKS_PER_THREAD,
  });
  return {
    threads: n,
    tasksPerThread: TASKS_PER_THREAD,
    async run(task, onStage, signal) {
      const { port1, port2 } = new MessageChannel();
      port1.on('message', (m: ThreadMessage) => {
        if (m.kind === 'stage') onStage?.(m.stage);
      });
      const stop = () => port1.postMessage({ kind: 'stop' } satisfies PoolMessage);
      signal?.addEventListener('abort', stop, { once: true });
      const running = pool.run({ task, port: port2 }, { transferList: [port2] }) as Promise<PoolResult>;
      // closed when the thread is done with the group (a stopped one may still be on its way to its next stage)
      void running.finally(() => {
        signal?.removeEventListener('abort', stop);
        port1.close();
      }).catch(() => {});
      return untilAborted(running, signal);
    },
    count: (task, signal) => untilAborted(pool.run(task, { name: 'countSlice' }) as Promise<CountResult>, signal),
    close: (options) => pool.close(options),
  };
}

/** `work`, or a rejection with the signal's reason as soon as it aborts (the work goes on, unheard). */
function untilAborted<T>(work: Promise<T>, signal?: AbortSignal): Promise<T> {
  if (!signal) return work;
  if (signal.aborted) {
    work.catch(() => {});
    return Promise.reject(signal.reason);
  }
  return new Promise<T>((resolve, reject) => {
    const abort = () => {
      work.catch(() => {});
      reject(signal.reason);
    };
    signal.addEventListener('abort', abort, { once: true });
    work.then(resolve, reject).finally(() => signal.removeEventListener('abort', abort));
  });
}
