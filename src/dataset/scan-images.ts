/**
 * Finds the images under a folder, recursively, in a stable order: relative
 * POSIX paths sorted by code unit (the same on every machine and locale).
 *
 * The folder is walked depth first, one directory read (readdir) and sorted
 * at a time, so memory is bounded by the directories on the current path,
 * not by the dataset. Sorting each directory's entries by name, a folder's
 * name taken as `name/`, makes the walk's concatenation equal the global sort
 * of the relative paths: every path below folder `d` starts with `d/`, and no
 * name holds a '/', so comparing `d/` with a sibling's name decides at the same
 * code unit as comparing any path below `d` with it: 'a-1.png' < 'a.png' <
 * 'a/x.png', since '-' < '.' < '/' (sorted by bare name, folder `a` would come
 * first). test/dataset-stream.test.ts checks it on random trees.
 */
import { readdir } from 'node:fs/promises';
import { join, resolve, sep } from 'node:path';
import { InputError } from '../errors.js';

/** Extensions bnviz reads, compared without case. */
export const IMAGE_EXTENSIONS = ['jpg', 'jpeg', 'png', 'webp', 'tif', 'tiff', 'gif', 'avif'] as const;
const PATTERN = new RegExp(`\\.(${IMAGE_EXTENSIONS.join('|')})$`, 'i');

export interface ScanOptions {
  /** Absolute folders to leave out (the output folder, when it sits inside the dataset). */
  exclude?: string[];
}

/** By UTF-16 code unit, as `<` compares strings: no locale. */
function byCodeUnit(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** One directory being walked: its absolute path, its relative prefix ('' or 'x/y/'), its sorted entries. */
interface Level {
  dir: string;
  prefix: string;
  /** File names, and folder names with a trailing '/'. */
  entries: string[];
  next: number;
}

/**
 * The images under `root` (relative paths, POSIX separators) in sorted order,
 * a run at a time: each yielded array is the images of one directory between
 * two of its subfolders. Hidden files and folders (a name starting with '.')
 * are skipped, and so are the `exclude`d folders; a symlink is taken as a
 * file when its name has an image extension (wherever it leads; a symlink is
 * never walked into). An unreadable folder throws InputError when the walk
 * reaches it. Memory: the entries of the folders on the current path.
 */
export async function* walkImages(root: string, options: ScanOptions = {}): AsyncGenerator<string[], void, undefined> {
  const base = resolve(root);
  const exclude = (options.exclude ?? []).map((p) => resolve(p));
  const excluded = (path: string) => exclude.some((e) => path === e || path.startsWith(e + sep));
  const stack: Level[] = [await readLevel(base, '', excluded)];
  while (stack.length > 0) {
    const level = stack[stack.length - 1]!;
    const run: string[] = [];
    while (level.next < level.entries.length && !level.entries[level.next]!.endsWith('/')) {
      // joined, not '+': one flat string a path, rather than a pair that keeps the folder's entry alive
      run.push([level.prefix, level.entries[level.next++]!].join(''));
    }
    if (run.length > 0) yield run;
    if (level.next === level.entries.length) {
      stack.pop();
      continue;
    }
    const name = level.entries[level.next++]!.slice(0, -1);
    stack.push(await readLevel(join(level.dir, name), `${level.prefix}${name}/`, excluded));
  }
}

async function readLevel(dir: string, prefix: string, excluded: (path: string) => boolean): Promise<Level> {
  let dirents;
  try {
    dirents = await readdir(dir, { withFileTypes: true });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const reason = code === 'ENOENT' ? 'folder not found' : code === 'ENOTDIR' ? 'not a folder' : (err as Error).message;
    throw new InputError(dir, reason, { cause: err });
  }
  const entries: string[] = [];
  for (const entry of dirents) {
    if (entry.name.startsWith('.')) continue;
    if (entry.isDirectory()) {
      if (!excluded(join(dir, entry.name))) entries.push(`${entry.name}/`);
    } else if ((entry.isFile() || entry.isSymbolicLink()) && PATTERN.test(entry.name)) {
      entries.push(entry.name);
    }
  }
  return { dir, prefix, entries: entries.sort(byCodeUnit), next: 0 };
}

/**
 * Every image under `root`, as walkImages finds them, in one array.
 * @example
 * const files = await scanImages('photos', { exclude: ['photos/out'] }); // sorted, relative to photos
 */
export async function scanImages(root: string, options: ScanOptions = {}): Promise<string[]> {
  const found: string[] = [];
  for await (const run of walkImages(root, options)) for (const path of run) found.push(path);
  return found;
}
