/**
 * The finished groups of a run, read from their `group.json` records in the
 * output folder (where the figures are, whichever worker drew them). A group
 * folder appears whole, renamed into place, so a record once read stays
 * true; each is read once and kept, and a poll reads only the new folders.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { isSafeId } from '../dataset/group-id.js';
import { GROUP_RECORD, type GroupRecord } from '../records/group-record.js';
import { unseenShares } from '../records/unseen-spread.js';
import { realInside, realOutRoot, servedType } from './output-file.js';

export interface FinishedGroup {
  groupId: string;
  files: string[];
  /** Largest unseen share (below 0 plus above 1) of any image and channel, 0..1. */
  maxUnseen: number;
  /** Output file names the dashboard can serve (figures first). */
  outputs: string[];
  /** Each image's unseen share per channel (unseenShares). */
  unseen: number[];
}

/** Remembers the records read, per run, for the life of the server. */
export class GroupCache {
  private readonly runs = new Map<string, Map<string, FinishedGroup>>();
  /** At most this many runs are kept; the oldest looked at goes first. */
  constructor(private readonly maxRuns = 20) {}

  forRun(runId: string): Map<string, FinishedGroup> {
    let groups = this.runs.get(runId);
    if (groups) this.runs.delete(runId);
    else groups = new Map();
    this.runs.set(runId, groups);
    while (this.runs.size > this.maxRuns) this.runs.delete(this.runs.keys().next().value as string);
    return groups;
  }
}

/** The URL the dashboard serves a group's file at. */
export function fileUrl(runId: string, groupId: string, file: string): string {
  return `/runs/${encodeURIComponent(runId)}/groups/${encodeURIComponent(groupId)}/${encodeURIComponent(file)}`;
}

/** The run's finished groups in folder (dataset) order; [] when the run has no folder. */
export async function readFinishedGroups(outRoot: string, runId: string, cache: GroupCache): Promise<FinishedGroup[]> {
  if (!isSafeId(runId)) return [];
  const outReal = await realOutRoot(outRoot);
  if (!outReal) return [];
  const groupsDir = await realInside(outReal, join(outReal, runId, 'groups'));
  if (!groupsDir.ok) return [];
  const names = await readdir(groupsDir.path).catch(() => [] as string[]);
  const known = cache.forRun(runId);
  const out: FinishedGroup[] = [];
  // Hidden folders (.tmp-*, .old-*) are writes in progress; isSafeId refuses them.
  for (const name of names.filter(isSafeId).sort()) {
    let entry = known.get(name);
    if (entry === undefined) {
      entry = await readGroup(outReal, name, join(groupsDir.path, name, GROUP_RECORD));
      // A missing or failed record may still become a finished one (a retry); only keep what is final.
      if (entry) known.set(name, entry);
    }
    if (entry) out.push(entry);
  }
  return out;
}

async function readGroup(outReal: string, folder: string, recordPath: string): Promise<FinishedGroup | undefined> {
  const found = await realInside(outReal, recordPath);
  if (!found.ok) return undefined;
  let record: GroupRecord;
  try {
    record = JSON.parse(await readFile(found.path, 'utf8')) as GroupRecord;
  } catch {
    return undefined;
  }
  if (record.status === 'failed' || !Array.isArray(record.outputs)) return undefined;
  const outputs = record.outputs.filter((o) => typeof o === 'string' && servedType(o) !== undefined);
  return {
    // The folder's name, not the record's word for it: the URLs are made from what is on disk.
    groupId: folder,
    files: Array.isArray(record.files) ? record.files.map(String) : [],
    maxUnseen: Number(record.maxUnseen) || 0,
    outputs,
    unseen: Array.isArray(record.rows) ? unseenShares(record.rows) : [],
  };
}
