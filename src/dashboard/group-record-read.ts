/**
 * A group's record read through the dashboard's one safe way to a file
 * (resolveGroupFile), for the figures and numbers a page shows.
 */
import { readFile } from 'node:fs/promises';
import { GROUP_RECORD, type GroupRecord } from '../records/group-record.js';
import { resolveGroupFile, servedType } from './output-file.js';

/** The record of a counted group, or undefined when there is none inside the output folder (or it is no JSON). */
export async function readGroupRecord(outRoot: string, runId: string, groupId: string): Promise<GroupRecord | undefined> {
  const found = await resolveGroupFile(outRoot, runId, groupId, GROUP_RECORD);
  if (!found.ok) return undefined;
  try {
    const record = JSON.parse(await readFile(found.path, 'utf8')) as GroupRecord;
    return typeof record === 'object' && record !== null ? record : undefined;
  } catch {
    return undefined;
  }
}

/** The outputs a record names that the dashboard serves. */
export function servedOutputs(record: GroupRecord | undefined): string[] {
  return Array.isArray(record?.outputs) ? record.outputs.filter((o) => typeof o === 'string' && servedType(o) !== undefined) : [];
}
