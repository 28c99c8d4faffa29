/**
 * What a group's outputs depend on: its files (path, size, modification
 * time), every option, and the output format version. Equal fingerprints
 * mean a re-run would write the same outputs, so it can skip the group.
 */
import { createHash } from 'node:crypto';
import { stat } from 'node:fs/promises';
import type { GroupOptions } from './group-task.js';

/** Bumped when the outputs for the same inputs change. */
export const OUTPUT_VERSION = 1;

export async function fingerprint(paths: string[], relativePaths: string[], options: GroupOptions): Promise<string> {
  const files = await Promise.all(paths.map(async (p, i) => {
    const s = await stat(p);
    return [relativePaths[i], s.size, Math.round(s.mtimeMs)];
  }));
  // which groups are drawn is the run's choice, not something a group's outputs depend on
  const sorted = Object.fromEntries(Object.entries(options).filter(([k]) => k !== 'draw').sort(([a], [b]) => (a < b ? -1 : 1)));
  return createHash('sha256').update(JSON.stringify({ v: OUTPUT_VERSION, files, options: sorted })).digest('hex').slice(0, 32);
}
