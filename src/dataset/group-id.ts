import * as crypto from 'node:crypto';

/**
 * SHA-1 in hex: Node's one-shot `crypto.hash` (Node 20.12 and later), a
 * third of `createHash`'s cost for a group's few names, else `createHash`.
 */
const sha1: (text: string) => string = typeof crypto.hash === 'function'
  ? (text) => crypto.hash('sha1', text, 'hex')
  : (text) => crypto.createHash('sha1').update(text).digest('hex');

/**
 * A group's id: its 1-based position, then a hash of its files, so that the
 * same files in the same place get the same id in every run, and folders sort
 * in dataset order. Safe in paths and in BullMQ job ids (no ':').
 */
export function groupId(index: number, files: string[]): string {
  const hash = sha1(files.join('\n')).slice(0, 8);
  return `${String(index + 1).padStart(4, '0')}-${hash}`;
}

/** An id (a run's, or a group's from a manifest) safe as a folder name and in a BullMQ job id (no ':'). */
export function isSafeId(id: string): boolean {
  return /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/.test(id);
}
