/**
 * Paths that arrive as data (a job, a manifest) are trusted only once they
 * resolve inside a root: no '..' segments, no absolute paths, no symlink out.
 */
import { realpath } from 'node:fs/promises';
import { isAbsolute, relative, resolve, sep } from 'node:path';
import { InputError } from '../errors.js';

/** True when `path` is `root` or below it (both absolute, normalized). */
export function isInside(root: string, path: string): boolean {
  const rel = relative(root, path);
  return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel));
}

/** Checks a relative path by its text alone: throws InputError for absolute paths and '..' segments. */
export function checkRelative(file: string, what = 'file'): void {
  if (typeof file !== 'string' || file === '') throw new InputError(String(file), `${what} must be a non-empty relative path`);
  if (isAbsolute(file) || /^[a-zA-Z]:/.test(file)) throw new InputError(file, `${what} must be relative to the dataset root, not absolute`);
  if (file.split(/[\\/]/).includes('..')) throw new InputError(file, `${what} must not contain '..'`);
  if (file.includes('\0')) throw new InputError(file, `${what} must not contain NUL`);
}

/**
 * Resolves `file` (relative) under `root` and follows symlinks; throws
 * InputError when the result is outside root (or missing). `linksOut` lets a
 * symlink inside root lead elsewhere: for a user's own folder (`bnviz run`),
 * never for a job from a queue.
 */
export async function resolveInside(root: string, file: string, options: { linksOut?: boolean } = {}): Promise<string> {
  return (await resolveAllInside(root, [file], options))[0]!;
}

/**
 * The same for a group's files: every path checked by its text first, the
 * root's real path taken once, the files' together (a group of three: 4
 * realpaths, not 6 one after another). The first failing file, in order, is
 * the one named.
 */
export async function resolveAllInside(root: string, files: readonly string[], options: { linksOut?: boolean } = {}): Promise<string[]> {
  for (const file of files) checkRelative(file);
  const base = await realpath(root).catch((err) => {
    throw new InputError(root, 'dataset root not found', { cause: err });
  });
  const settled = await Promise.allSettled(files.map((file) => resolveUnder(base, file, options)));
  return settled.map((s) => {
    if (s.status === 'rejected') throw s.reason;
    return s.value;
  });
}

async function resolveUnder(base: string, file: string, options: { linksOut?: boolean }): Promise<string> {
  const joined = resolve(base, file.split('/').join(sep));
  if (!isInside(base, joined)) throw new InputError(file, 'resolves outside the dataset root');
  const real = await realpath(joined).catch((err: NodeJS.ErrnoException) => {
    throw new InputError(joined, err.code === 'ENOENT' ? 'file not found' : err.message, { cause: err });
  });
  if (!options.linksOut && !isInside(base, real)) throw new InputError(file, 'is a link to a place outside the dataset root');
  return real;
}
