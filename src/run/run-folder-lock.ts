/**
 * One `bnviz run` at a time in a run's folder. Two at once both computed
 * every group, and one crashed when the other's finalization removed its
 * temporary files. The first holds `<runDir>/.run.lock`, naming its host and
 * pid; a second is refused with one line, unless that process is gone (on
 * this host: no process of that id), when it takes the folder over. A lock
 * of another host cannot be checked from here: the line says how to remove it.
 */
import { hostname } from 'node:os';
import { mkdir, open, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { UsageError } from '../errors.js';
import { alive } from '../records/write-atomic.js';

export const RUN_LOCK = '.run.lock';

interface Holder { host: string; pid: number; startedAt: string }

/** Takes the run folder's lock; resolves with its release. UsageError (exit 2) while another live process holds it. */
export async function lockRunFolder(runDir: string): Promise<() => Promise<void>> {
  const file = join(runDir, RUN_LOCK);
  await mkdir(runDir, { recursive: true });
  const me: Holder = { host: hostname(), pid: process.pid, startedAt: new Date().toISOString() };
  // twice at most: a lock of a process that is gone is removed, then taken (if another taker was not quicker)
  for (let tries = 0; ; tries++) {
    try {
      const handle = await open(file, 'wx');
      try {
        await handle.writeFile(`${JSON.stringify(me)}\n`);
      } finally {
        await handle.close();
      }
      return () => rm(file, { force: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST' || tries > 0) throw refusal(err, file, await holderOf(file));
    }
    const holder = await holderOf(file);
    // unreadable: a taker that died between making the file and writing it
    if (holder && (holder.host !== me.host || alive(holder.pid))) throw refusal(undefined, file, holder);
    await rm(file, { force: true });
  }
}

async function holderOf(file: string): Promise<Holder | undefined> {
  try {
    const h = JSON.parse(await readFile(file, 'utf8')) as Partial<Holder>;
    return typeof h.host === 'string' && typeof h.pid === 'number' ? { host: h.host, pid: h.pid, startedAt: String(h.startedAt) } : undefined;
  } catch {
    return undefined;
  }
}

function refusal(err: unknown, file: string, holder: Holder | undefined): Error {
  if (!holder) return err instanceof Error ? err : new Error(String(err));
  const gone = holder.host === hostname() ? 'if it has ended, run again' : `if it has ended, remove ${file}`;
  return new UsageError(`${join(file, '..')} is in use by bnviz run (pid ${holder.pid} on ${holder.host}, since ${holder.startedAt}); wait for it to end, or ${gone}`);
}
