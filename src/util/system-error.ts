/**
 * What the system's error codes mean to a user, in words: the machine's
 * state (no space, read-only, permissions), not a crash of bnviz. A command
 * stops on these with one line and exit code 2.
 */

const REASONS: Record<string, string> = {
  ENOSPC: 'no space left on the device',
  EDQUOT: 'disk quota exceeded',
  EROFS: 'read-only file system',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  ENOTDIR: 'a part of the path is a file, not a folder',
  EISDIR: 'is a folder, not a file',
  EMFILE: 'too many open files (raise ulimit -n)',
  ENFILE: 'too many open files on this machine',
};

/** The errno code of a system error, if it is one. */
export function errorCode(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^E[A-Z]+$/.test(code) ? code : undefined;
}

/** The words for a system error code this machine's state explains, or undefined. */
export function systemReason(err: unknown): string | undefined {
  const code = errorCode(err);
  return code ? REASONS[code] : undefined;
}

/**
 * One line for a file-system error of the machine's state ("cannot write
 * out/run.json: no space left on the device"), or undefined for any other error.
 */
export function systemErrorLine(err: unknown): string | undefined {
  const reason = systemReason(err);
  if (!reason) return undefined;
  const { syscall, path } = err as { syscall?: string; path?: string };
  const verb = syscall === 'open' || syscall === 'scandir' || syscall === 'read' ? 'cannot use' : 'cannot write';
  return path ? `${verb} ${path}: ${reason}` : reason;
}
