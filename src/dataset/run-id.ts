import { createHash } from 'node:crypto';
import { basename } from 'node:path';
import { isSafeId } from './group-id.js';

/**
 * The default run id of a dataset folder: its name and a short hash of its
 * absolute path, so the same command on the same folder names the same run
 * (a re-run resumes it and skips what is done) while two folders of the same
 * name do not collide. `--run ID` names another run.
 */
export function defaultRunId(root: string): string {
  const name = basename(root).replace(/[^A-Za-z0-9._-]/g, '_').replace(/^[._-]+/, '').slice(0, 60) || 'run';
  return `${name}-${createHash('sha1').update(root).digest('hex').slice(0, 6)}`;
}

/** Run ids become folder names and parts of job ids: letters, digits, '.', '_', '-'. */
export function checkRunId(id: string): string | undefined {
  return isSafeId(id) ? undefined : `run id ${JSON.stringify(id)} must be letters, digits, '.', '_' or '-' (at most 100), starting with a letter or digit`;
}
