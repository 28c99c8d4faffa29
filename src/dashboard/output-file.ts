/**
 * The one way the dashboard reaches a file: a run id, a group id and a file
 * name, each checked against a safe pattern before the file system is
 * touched, joined under the output folder, then followed through symlinks
 * and accepted only when the real path is still inside the output folder.
 * Names that cannot be ours answer 404; a link that leads out answers 403.
 */
import { realpath, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { isSafeId } from '../dataset/group-id.js';
import { isInside } from '../dataset/resolve-inside.js';

/** The file types the dashboard serves, and what it serves them as. */
export const SERVED_TYPES: Readonly<Record<string, string>> = {
  png: 'image/png',
  svg: 'image/svg+xml',
  json: 'application/json; charset=utf-8',
  webp: 'image/webp',
  // a group's densities (records/stats-file.ts), float32
  f32: 'application/octet-stream',
};

const FILE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}\.([a-z]+)$/;

export type Resolved =
  | { ok: true; path: string; type: string; size: number }
  | { ok: false; status: 403 | 404; reason: string };

/** The content type of a file name we serve, or undefined (a name we do not serve). */
export function servedType(file: string): string | undefined {
  const m = FILE_NAME.exec(file);
  return m && !file.includes('..') ? SERVED_TYPES[m[1]] : undefined;
}

/** The real path of the output folder, or undefined when it does not exist (yet). */
export async function realOutRoot(outRoot: string): Promise<string | undefined> {
  return realpath(outRoot).catch(() => undefined);
}

/** Follows `path` through links; ok when it exists inside `outReal`. */
export async function realInside(outReal: string, path: string): Promise<Resolved> {
  let real: string;
  try {
    real = await realpath(path);
  } catch {
    return { ok: false, status: 404, reason: 'not found' };
  }
  if (!isInside(outReal, real)) return { ok: false, status: 403, reason: 'outside the output folder' };
  return { ok: true, path: real, type: '', size: 0 };
}

/** Resolves `<out>/<runId>/groups/<groupId>/<file>` safely (see the module comment). */
export async function resolveGroupFile(outRoot: string, runId: string, groupId: string, file: string): Promise<Resolved> {
  const type = servedType(file);
  if (!isSafeId(runId) || !isSafeId(groupId) || !type) return { ok: false, status: 404, reason: 'no such file' };
  const outReal = await realOutRoot(outRoot);
  if (!outReal) return { ok: false, status: 404, reason: 'no output folder' };
  const found = await realInside(outReal, join(outReal, runId, 'groups', groupId, file));
  if (!found.ok) return found;
  const info = await stat(found.path).catch(() => undefined);
  if (!info?.isFile()) return { ok: false, status: 404, reason: 'not a file' };
  return { ok: true, path: found.path, type, size: info.size };
}
