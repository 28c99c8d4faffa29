/**
 * Finds the images under a folder, recursively, in a stable order: relative
 * POSIX paths sorted by code unit (the same on every machine and locale).
 */
import { readdir } from 'node:fs/promises';
import { join, relative, resolve, sep } from 'node:path';
import { InputError } from '../errors.js';

/** Extensions bnviz reads, compared without case. */
export const IMAGE_EXTENSIONS = ['jpg', 'jpeg', 'png', 'webp', 'tif', 'tiff', 'gif', 'avif'] as const;
const PATTERN = new RegExp(`\\.(${IMAGE_EXTENSIONS.join('|')})$`, 'i');

export interface ScanOptions {
  /** Absolute folders to leave out (the output folder, when it sits inside the dataset). */
  exclude?: string[];
}

/** Relative paths (POSIX separators) of the images under `root`; hidden files and folders are skipped. */
export async function scanImages(root: string, options: ScanOptions = {}): Promise<string[]> {
  const base = resolve(root);
  const exclude = (options.exclude ?? []).map((p) => resolve(p));
  const found: string[] = [];
  async function walk(dir: string): Promise<void> {
    let entries;
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      const reason = code === 'ENOENT' ? 'folder not found' : code === 'ENOTDIR' ? 'not a folder' : (err as Error).message;
      throw new InputError(dir, reason, { cause: err });
    }
    for (const entry of entries) {
      if (entry.name.startsWith('.')) continue;
      const path = join(dir, entry.name);
      if (entry.isDirectory()) {
        if (!exclude.some((e) => path === e || path.startsWith(e + sep))) await walk(path);
      } else if ((entry.isFile() || entry.isSymbolicLink()) && PATTERN.test(entry.name)) {
        found.push(relative(base, path).split(sep).join('/'));
      }
    }
  }
  await walk(base);
  return found.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}
