/**
 * Where a group's outputs live and the small record beside them
 * (`<out>/<runId>/groups/<groupId>/group.json`): what run.json, summary.csv,
 * the gallery and the dashboard are made from, whichever driver wrote it.
 */
import { closeSync, constants, fstatSync, openSync, readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { deflateRawSync, inflateRawSync } from 'node:zlib';
import { groupLevelsOf, levelsDoc } from '../compute/count-levels.js';
import type { GroupResult } from '../group/group-task.js';
import type { GroupLevels, LevelCountsDoc } from '../types.js';
import { THUMBNAIL } from './thumbnail.js';

/** A group's level counts as group.json keeps them (levelsRecord). */
export type LevelsRecord = LevelCountsDoc & {
  /** 16-bit counts, packed: `counts16` as little-endian 32-bit integers, deflated, in base64. */
  packed16?: string;
};

/** A group.json: its result, its inputs' fingerprint, and its level counts (levelsRecord). */
export interface GroupRecord extends Omit<GroupResult, 'levels'> {
  fingerprint: string;
  levels?: LevelsRecord;
}

const LEVELS16 = 65536 * 3;

/**
 * A group's level counts for its group.json, read back when a later run
 * skips the group (levelsOfRecord): 8-bit ones as [level, pixels] pairs
 * (levelsDoc, about 7 KB); 16-bit ones packed, since as pairs a group of
 * three 16-bit images (186,000 levels: noise, the worst case) made group.json
 * 1.8 MB and cost 0.3 s of CPU a group; packed, 198 KB and a few milliseconds.
 */
export function levelsRecord(levels: GroupLevels): LevelsRecord {
  const { counts16, ...rest } = levels;
  const doc = levelsDoc(rest);
  if (!counts16 || counts16.some((n) => n > 0xffffffff)) return counts16 ? levelsDoc(levels) : doc;
  const words = Buffer.alloc(LEVELS16 * 4);
  for (let i = 0; i < LEVELS16; i++) words.writeUInt32LE(counts16[i]!, i * 4);
  return { ...doc, packed16: deflateRawSync(words, { level: 1 }).toString('base64') };
}

/** The counts of a group.json (undefined: it has none, or they cannot be read, and the run sums without them). */
export function levelsOfRecord(doc: LevelsRecord | undefined): GroupLevels | undefined {
  const levels = groupLevelsOf(doc);
  if (!levels || doc?.packed16 === undefined) return levels;
  try {
    const words = inflateRawSync(Buffer.from(String(doc.packed16), 'base64'), { maxOutputLength: LEVELS16 * 4 });
    if (words.length !== LEVELS16 * 4) return undefined;
    const counts16 = new Float64Array(LEVELS16);
    for (let i = 0; i < LEVELS16; i++) counts16[i] = words.readUInt32LE(i * 4);
    return { ...levels, counts16 };
  } catch {
    return undefined;
  }
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
