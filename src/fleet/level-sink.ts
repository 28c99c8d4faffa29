/**
 * The level counts of the groups a fleet worker counted, for the dataset
 * report of a run that normalizes each batch by its own statistics
 * (fit/dataset-shares.ts sets the dataset's beside them): summed here per
 * run and added to the run's `levels` hash a batch at a time, at most
 * FLUSH_MS after a group's, by lua/add-levels.lua.
 *
 * A group's counts are about 768 fields: added with each count, they made
 * a group cost several times its Redis time (768 HINCRBY in a script took
 * 0.4-0.7 ms of Redis on a loaded 2-core machine, against about 0.4 ms for
 * the rest of a job's commands); summed, a worker sends one script every
 * FLUSH_MS at most.
 *
 * Once, and truthfully: a group's counts join the sum only when its count
 * here was its first (the run counts a group once, so no group is summed
 * twice), and a batch sent again after its reply was lost is added once
 * (each writer numbers its batches). The run counts the groups whose counts
 * are due (`levelsDue`, record-outcome.lua), so its records wait for them
 * (finalize-fleet-run.ts), a while at most: a worker killed before it sent
 * its batch loses it, and the report says over how many groups it holds them.
 */
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { LevelCounts } from '../fit/level-counts.js';
import type { GroupLevels } from '../types.js';
import { fleetCommands } from './fleet-commands.js';
import { runKeys } from './fleet-keys.js';
import type { RedisClient } from './redis-options.js';

/** Longest a group's counts wait in a worker before they are sent. */
export const FLUSH_MS = 2000;

/** A run's counts summed here, not sent yet. */
interface Batch {
  counts: LevelCounts;
  groups: number;
  /** Its number, once it has been sent (again under the same number until Redis answers). */
  seq?: number;
}

export interface LevelSinkOptions {
  /** Told when a run's counts are all in Redis and the run is complete: its records may be written now. */
  onComplete(runId: string): Promise<void>;
  onError?(err: unknown): void;
  flushMs?: number;
}

export class LevelSink {
  /** This sink's name in a run's meta (`levelsBy:<writer>`): a restarted worker is another writer. */
  private readonly writer = `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;
  private seq = 0;
  /** Per run: the batch being sent (or sent and not answered), and the one filling meanwhile. */
  private readonly runs = new Map<string, { sending?: Batch; open?: Batch; busy?: Promise<void> }>();
  private timer?: NodeJS.Timeout;

  constructor(private readonly redis: RedisClient, private readonly prefix: string, private readonly options: LevelSinkOptions) {}

  /** A counted group's level counts, to be sent within FLUSH_MS. */
  add(runId: string, levels: GroupLevels): void {
    let run = this.runs.get(runId);
    if (!run) this.runs.set(runId, (run = {}));
    run.open ??= { counts: new LevelCounts(), groups: 0 };
    run.open.counts.addGroup(levels);
    run.open.groups++;
    this.schedule();
  }

  /** Sends what is held of a run now (its last group counted here: before its records are written). */
  flush(runId: string): Promise<void> {
    const run = this.runs.get(runId);
    if (!run) return Promise.resolve();
    // one send of a run at a time, so its batches arrive in their order
    const busy: Promise<void> = (run.busy ?? Promise.resolve()).then(() => this.send(runId));
    run.busy = busy.catch(() => {});
    return busy;
  }

  /** Sends everything held (the worker is stopping); a send that fails is given up. */
  async close(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    await Promise.all([...this.runs.keys()].map((runId) => this.flush(runId).catch((err: unknown) => this.options.onError?.(err))));
  }

  private schedule(): void {
    this.timer ??= setTimeout(() => {
      this.timer = undefined;
      for (const runId of [...this.runs.keys()]) this.flush(runId).catch((err: unknown) => this.options.onError?.(err));
    }, this.options.flushMs ?? FLUSH_MS);
    this.timer.unref();
  }

  private async send(runId: string): Promise<void> {
    const run = this.runs.get(runId);
    if (!run) return;
    if (!run.sending && run.open) {
      run.sending = { ...run.open, seq: this.seq++ };
      run.open = undefined;
    }
    const batch = run.sending;
    if (!batch) return;
    const k = runKeys(this.prefix, runId);
    let reply: number[];
    try {
      reply = (await fleetCommands(this.redis).bnvizAddLevels(k.meta, k.levels, this.writer, batch.seq!, batch.groups, batch.counts.images, batch.counts.toFields())) as number[];
    } catch (err) {
      // kept, under its number, for the next send
      this.schedule();
      throw err;
    }
    run.sending = undefined;
    if (!run.open) this.runs.delete(runId);
    else this.schedule();
    const [held, due, complete] = reply;
    if (complete === 1 && held! >= due!) await this.options.onComplete(runId);
  }
}
