/**
 * The Piscina pool both drivers hand groups to. Threads stay alive between
 * tasks (tfjs and canvas set-up is costly, and @napi-rs/canvas has been
 * reported to crash when a worker thread exits), so idleTimeout is long and
 * minThreads equals maxThreads.
 */
import { availableParallelism } from 'node:os';
import { MessageChannel } from 'node:worker_threads';
import { Piscina } from 'piscina';
import type { GroupTask, Stage } from '../group/group-task.js';
import type { CountResult, CountTask, PoolResult, PoolTask, ThreadMessage } from './pool-messages.js';

const WORKER = new URL('./group-worker.js', import.meta.url).href;

export interface GroupPool {
  /** Runs one group; `onStage` hears its stages from the thread. */
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
 * @param threads 0 means every core
 * @example
 * const pool = createGroupPool(2); // two threads
 * try { const result = await pool.run(task); } finally { await pool.close(); }
 */
export function createGroupPool(threads = 0): GroupPool {
  const n = threads > 0 ? threads : availableParallelism();
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
      try {
        return (await pool.run({ task, port: port2 }, { transferList: [port2], signal })) as PoolResult;
      } finally {
        port1.close();
      }
    },
    count: async (task, signal) => (await pool.run(task, { name: 'countSlice', signal })) as CountResult,
    close: (options) => pool.close(options),
  };
}
