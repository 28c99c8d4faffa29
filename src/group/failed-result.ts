/** The one way to make a failed group's result, from whatever was thrown. */
import { messageOf, oneLineReason } from '../errors.js';
import type { GroupError, GroupResult } from './group-task.js';

/** A GroupError from anything thrown: its name, a one-line message, the full text when longer, and (for an InputError) the file or key at fault. */
export function groupErrorOf(err: unknown): GroupError {
  const e = (typeof err === 'object' && err !== null ? err : {}) as { name?: unknown; subject?: unknown };
  const message = oneLineReason(messageOf(err));
  // the whole text: the message, or a one-line reason (a decoder's) and the text of its cause (libvips' every line)
  const cause = (e as { cause?: unknown }).cause;
  const full = message === messageOf(err) && cause !== undefined && messageOf(cause).trim() !== message ? `${message}\n${messageOf(cause).trim()}` : messageOf(err);
  return {
    name: typeof e.name === 'string' ? e.name : 'Error',
    message,
    ...(message !== full ? { detail: full } : {}),
    ...(typeof e.subject === 'string' ? { subject: e.subject } : {}),
  };
}

export function failedResult(group: { runId: string; groupId: string; files: string[] }, err: unknown): GroupResult {
  return { runId: group.runId, groupId: group.groupId, files: group.files, status: 'failed', outputs: [], rows: [], maxUnseen: 0, error: groupErrorOf(err) };
}
