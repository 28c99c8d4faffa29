/**
 * Makes sure the output folder exists and takes files, before any work
 * starts, so a folder that cannot be used is one clear line at start rather
 * than a stack trace later. Folders are made one level at a time: Node's
 * recursive mkdir loops for ever where the file system refuses a folder with
 * ENOENT (under /proc, say) and calls a read-only file system "ENOENT".
 */
import { randomBytes } from 'node:crypto';
import { mkdir, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { UsageError } from '../errors.js';
import { errorCode, systemReason } from '../util/system-error.js';

/**
 * Creates `dir` (and its missing parents) and checks that a file can be
 * written in it; returns its absolute path. Throws UsageError "output folder
 * DIR: REASON; choose another with --out".
 */
export async function prepareOutputFolder(dir: string): Promise<string> {
  const full = resolve(dir);
  const fail = (reason: string, cause?: unknown) => new UsageError({ key: 'out', text: (name) => `output folder ${dir}: ${reason}; choose another with ${name}` }, { cause });
  const missing: string[] = [];
  for (let p = full; ; p = dirname(p)) {
    const kind = await kindOf(p);
    if (kind === 'folder') break;
    if (kind === 'file') throw fail(p === full ? 'is a file, not a folder' : `${p} is a file, not a folder`);
    missing.unshift(p);
    if (dirname(p) === p) break;
  }
  for (const p of missing) {
    try {
      await mkdir(p);
    } catch (err) {
      const code = errorCode(err);
      if (code === 'EEXIST' && (await kindOf(p)) === 'folder') continue; // made by another process meanwhile
      // ENOENT with the parent in place: this file system does not take new folders (/proc, /sys)
      const reason = code === 'ENOENT' ? `cannot create folders in ${dirname(p)} (the file system does not allow it)` : `cannot create ${p}: ${systemReason(err) ?? code ?? String(err)}`;
      throw fail(reason, err);
    }
  }
  // A few bytes, not an empty file: on a full disk only a file with content fails.
  const probe = join(full, `.tmp-probe-${process.pid}-${randomBytes(4).toString('hex')}`);
  try {
    await writeFile(probe, 'bnviz\n');
  } catch (err) {
    throw fail(`cannot write there: ${systemReason(err) ?? errorCode(err) ?? String(err)}`, err);
  } finally {
    await rm(probe, { force: true }).catch(() => {});
  }
  return full;
}

async function kindOf(p: string): Promise<'folder' | 'file' | 'none'> {
  try {
    return (await stat(p)).isDirectory() ? 'folder' : 'file';
  } catch (err) {
    if (errorCode(err) === 'ENOENT') return 'none';
    if (errorCode(err) === 'ENOTDIR') return 'none'; // a parent is a file: found on the way up
    throw err;
  }
}
