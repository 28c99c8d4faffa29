/**
 * Where a group's outputs live and the small record beside them
 * (`<out>/<runId>/groups/<groupId>/group.json`): what run.json, summary.csv,
 * the gallery and the dashboard are made from, whichever driver wrote it.
 */
import { closeSync, constants, fstatSync, openSync, readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { GroupResult } from '../group/group-task.js';
import type { LevelCountsDoc } from '../types.js';
import { THUMBNAIL } from './thumbnail.js';

/** A group's record on disk: its result, and the fingerprint of what made it. */
/** A group.json: its result, its inputs' fingerprint, and its level counts as JSON keeps them (compute/count-levels.ts levelsDoc). */
export interface GroupRecord extends Omit<GroupResult, 'levels'> {
  fingerprint: string;
  levels?: LevelCountsDoc;
}

export const GROUP_RECORD = 'group.json';

export function groupDir(runDir: string, groupId: string): string {
  return join(runDir, 'groups', groupId);
}

/** The record of a finished group, or undefined when there is none (or it cannot be read). */
export async function readRecord(dir: string): Promise<GroupRecord | undefined> {
  try {
    return JSON.parse(await readFile(join(dir, GROUP_RECORD), 'utf8')) as GroupRecord;
  } catch {
    return undefined;
  }
}

/**
 * The same, read at once, for a pass over every group (finalizeRun): about a
 * quarter of the CPU of fs/promises' readFile, which makes four trips through
 * libuv's thread pool a file (19,800 records: 0.7 s against 2.3-2.7 s, threads
 * included). Opened non-blocking and read only when it is a regular file, so
 * a named pipe or a device put in its place cannot hang the reader.
 */
export function readRecordSync(dir: string): GroupRecord | undefined {
  let fd: number;
  try {
    fd = openSync(join(dir, GROUP_RECORD), constants.O_RDONLY | constants.O_NONBLOCK);
  } catch {
    return undefined;
  }
  try {
    if (!fstatSync(fd).isFile()) return undefined;
    return JSON.parse(readFileSync(fd, 'utf8')) as GroupRecord;
  } catch {
    return undefined;
  } finally {
    closeSync(fd);
  }
}

/** The figure a gallery opens for a group: the overview when there is one, else its first PNG, else its first WebP, else its first SVG. */
export function mainFigureOf(outputs: readonly string[]): string | undefined {
  for (const ext of ['.png', '.webp', '.svg']) {
    const found = outputs.filter((o) => o.endsWith(ext) && o !== THUMBNAIL);
    if (found.length) return found.includes(`overview${ext}`) ? `overview${ext}` : found[0];
  }
  return undefined;
}

/** The picture a gallery shows for a group: its thumbnail when it has one, else its main figure. */
export function thumbnailOf(outputs: readonly string[]): string | undefined {
  return outputs.includes(THUMBNAIL) ? THUMBNAIL : mainFigureOf(outputs);
}
