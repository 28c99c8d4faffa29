import { createHash } from 'node:crypto';

/**
 * A group's id: its 1-based position, then a hash of its files, so that the
 * same files in the same place get the same id in every run, and folders sort
 * in dataset order. Safe in paths and in BullMQ job ids (no ':').
 */
export function groupId(index: number, files: string[]): string {
  const hash = createHash('sha1').update(files.join('\n')).digest('hex').slice(0, 8);
  return `${String(index + 1).padStart(4, '0')}-${hash}`;
}

/** An id (a run's, or a group's from a manifest) safe as a folder name and in a BullMQ job id (no ':'). */
export function isSafeId(id: string): boolean {
  return /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/.test(id);
}
