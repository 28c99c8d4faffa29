/**
 * A group's folder appears whole or not at all: files are written into a
 * hidden temporary folder beside it, then the folder is renamed into place
 * (rename is atomic within one file system). A folder being replaced is moved
 * aside first and removed after. Leftovers of a killed process are hidden
 * (`.tmp-*`, `.old-*`) and removed by `removeStale`.
 */
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { createWriteStream, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import { mkdir, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { basename, dirname, join } from 'node:path';

const HOST = hostname().replace(/[^A-Za-z0-9_]/g, '_');

/** Temporary names start with this: hidden, and never a group or run id. */
export const TEMP_PREFIX = '.tmp-';

/** A hidden temporary name beside `target`, unique to this host, process and call. */
function tempName(target: string): string {
  return join(dirname(target), `${TEMP_PREFIX}${basename(target)}-${HOST}-${process.pid}-${randomBytes(4).toString('hex')}`);
}

/**
 * Synchronous: a group's own thread calls it, where a blocking write costs
 * only that thread's time, and less of it than eight trips through libuv's
 * thread pool would.
 */
export function writeFolderSync(target: string, files: Array<{ name: string; bytes: Buffer | string }>): void {
  const parent = dirname(target);
  mkdirSync(parent, { recursive: true });
  const temp = tempName(target);
  mkdirSync(temp);
  try {
    for (const f of files) writeFileSync(join(temp, f.name), f.bytes);
    try {
      renameSync(temp, target);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code !== 'ENOTEMPTY' && code !== 'EEXIST') throw err;
      const old = join(parent, `.old-${basename(temp).slice(TEMP_PREFIX.length)}`);
      renameSync(target, old);
      renameSync(temp, target);
      rmSync(old, { recursive: true, force: true });
    }
  } catch (err) {
    rmSync(temp, { recursive: true, force: true });
    throw err;
  }
}

/** Writes one file atomically: a temporary file beside it, then a rename. */
export async function writeFileAtomic(file: string, bytes: Buffer | string): Promise<void> {
  await mkdir(dirname(file), { recursive: true });
  const temp = tempName(file);
  try {
    await writeFile(temp, bytes);
    await rename(temp, file);
  } catch (err) {
    await rm(temp, { force: true });
    throw err;
  }
}

/** Text gathered before a write to the stream: a group's few lines make one write call in a few hundred, not one each. */
const STREAM_CHUNK = 64 * 1024;

/**
 * Writes one file atomically from a stream of text (memory stays flat
 * however long the file): `fill` calls `write` for each piece, which waits
 * when the stream is full; then the file is renamed into place. With `gzip`
 * the text is gzipped on its way (zlib on libuv's threads, at `gzip`'s level).
 */
export async function writeStreamAtomic(file: string, fill: (write: (text: string) => Promise<void>) => Promise<void>, { gzip }: { gzip?: number } = {}): Promise<void> {
  await mkdir(dirname(file), { recursive: true });
  const temp = tempName(file);
  const out = createWriteStream(temp);
  const zip = gzip === undefined ? undefined : createGzip({ level: gzip });
  const into = zip ?? out;
  const written = zip ? pipeline(zip, out) : once(out, 'finish');
  written.catch(() => {}); // awaited below; a failure meanwhile surfaces at the next write or the end
  let pending = '';
  const flush = async () => {
    const text = pending;
    pending = '';
    if (text && !into.write(text)) await Promise.race([once(into, 'drain'), written]);
  };
  try {
    await fill(async (text) => {
      pending += text;
      if (pending.length >= STREAM_CHUNK) await flush();
    });
    await flush();
    into.end();
    await written;
    await rename(temp, file);
  } catch (err) {
    zip?.destroy();
    out.destroy();
    await rm(temp, { force: true });
    throw err;
  }
}

/**
 * Writes a folder that appears whole, as writeFolderSync does, from files
 * made one at a time (memory holds one): `fill` calls `put` for each file,
 * into a hidden temporary folder beside `target`; then it is renamed into
 * place, a folder it replaces moved aside first and removed after.
 */
export async function writeFolderAtomic(target: string, fill: (put: (name: string, bytes: Buffer | string) => Promise<void>) => Promise<void>): Promise<void> {
  const parent = dirname(target);
  await mkdir(parent, { recursive: true });
  const temp = tempName(target);
  await mkdir(temp);
  try {
    await fill((name, bytes) => writeFile(join(temp, name), bytes));
    try {
      await rename(temp, target);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code !== 'ENOTEMPTY' && code !== 'EEXIST') throw err;
      const old = join(parent, `.old-${basename(temp).slice(TEMP_PREFIX.length)}`);
      await rename(target, old);
      await rename(temp, target);
      await rm(old, { recursive: true, force: true });
    }
  } catch (err) {
    await rm(temp, { recursive: true, force: true });
    throw err;
  }
}

/**
 * Removes `.tmp-*` and `.old-*` leftovers in `dir` made on this host by
 * processes that are no longer alive (a fleet may share the folder: other
 * hosts' and live processes' leftovers are left alone).
 */
export async function removeStale(dir: string): Promise<number> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return 0;
  }
  let removed = 0;
  for (const name of names) {
    const m = /^\.(?:tmp|old)-.*-([A-Za-z0-9_]+)-(\d+)-[0-9a-f]{8}$/.exec(name);
    if (!m || m[1] !== HOST || alive(Number(m[2]))) continue;
    await rm(join(dir, name), { recursive: true, force: true });
    removed++;
  }
  return removed;
}

/** True when a process of this id lives on this host (this one included; one of another user counts). */
export function alive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
