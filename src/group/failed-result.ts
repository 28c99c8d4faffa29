/** The one way to make a failed group's result, from whatever was thrown. */
import { messageOf } from '../errors.js';
import type { GroupError, GroupResult } from './group-task.js';

/** A GroupError from anything thrown: its name, message and (for an InputError) the file or key at fault. */
export function groupErrorOf(err: unknown): GroupError {
  const e = (typeof err === 'object' && err !== null ? err : {}) as { name?: unknown; subject?: unknown };
  return {
    name: typeof e.name === 'string' ? e.name : 'Error',
    message: messageOf(err),
    ...(typeof e.subject === 'string' ? { subject: e.subject } : {}),
  };
}

export function failedResult(group: { runId: string; groupId: string; files: string[] }, err: unknown): GroupResult {
  return { runId: group.runId, groupId: group.groupId, files: group.files, status: 'failed', outputs: [], rows: [], maxUnseen: 0, error: groupErrorOf(err) };
}
