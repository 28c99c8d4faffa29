/** The one way to make a failed group's result, from whatever was thrown. */
import { messageOf } from '../errors.js';
import type { GroupError, GroupResult } from './group-task.js';

/** A GroupError from anything thrown: its name, a one-line message, the full text when longer, and (for an InputError) the file or key at fault. */
export function groupErrorOf(err: unknown): GroupError {
  const e = (typeof err === 'object' && err !== null ? err : {}) as { name?: unknown; subject?: unknown };
  const full = messageOf(err);
  const message = oneLineReason(full);
  return {
    name: typeof e.name === 'string' ? e.name : 'Error',
    message,
    ...(message !== full ? { detail: full } : {}),
    ...(typeof e.subject === 'string' ? { subject: e.subject } : {}),
  };
}

/**
 * A reason on one line, so each group stays one line of output: libvips
 * reports a damaged file as several lines, often the same two repeated
 * ("...corrupt header: VipsJpeg: premature end of JPEG image\nVipsJpeg: JPEG
 * datastream contains no image\n..."). Each line after the first is dropped
 * up to a closing parenthesis, so what follows it ("); b.jpg: empty file",
 * the next file of the group) is kept; the full text stays in
 * GroupError.detail.
 */
export function oneLineReason(text: string): string {
  let line = text.trim().replace(/[ \t]*\r?\n[^()\n]*/g, '').trim().replace(/[:;,]$/, '');
  const open = (line.match(/\(/g) ?? []).length - (line.match(/\)/g) ?? []).length;
  if (open > 0) line += ')'.repeat(open);
  return line;
}

export function failedResult(group: { runId: string; groupId: string; files: string[] }, err: unknown): GroupResult {
  return { runId: group.runId, groupId: group.groupId, files: group.files, status: 'failed', outputs: [], rows: [], maxUnseen: 0, error: groupErrorOf(err) };
}
