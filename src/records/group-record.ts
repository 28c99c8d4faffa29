/**
 * Where a group's outputs live and the small record beside them
 * (`<out>/<runId>/groups/<groupId>/group.json`): what run.json, summary.csv,
 * the gallery and the dashboard are made from, whichever driver wrote it.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { GroupResult } from '../group/group-task.js';

/** A group's record on disk: its result, and the fingerprint of what made it. */
export interface GroupRecord extends GroupResult {
  fingerprint: string;
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

/** The figure a gallery shows for a group: the overview when there is one, else its first PNG. */
export function thumbnailOf(outputs: readonly string[]): string | undefined {
  const pngs = outputs.filter((o) => o.endsWith('.png'));
  return pngs.includes('overview.png') ? 'overview.png' : pngs[0];
}
