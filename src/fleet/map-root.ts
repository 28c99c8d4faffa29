/**
 * Which dataset roots a worker may read. A job names its dataset root as the
 * enqueuer saw it; the worker accepts it only when that path is one of its
 * configured roots or inside one (so every machine of a fleet must mount the
 * shared dataset storage at the same path). The check is made on the text
 * first, so a path outside is refused without touching it, then again after
 * following symlinks, so a link inside a root cannot lead out of it.
 */
import { realpath } from 'node:fs/promises';
import { resolve } from 'node:path';
import { ConfigError, ServeError, expectedSetting } from '../errors.js';
import { isInside } from '../dataset/resolve-inside.js';

export interface AllowedRoots {
  /** As configured, made absolute. */
  given: string[];
  /** The same after following symlinks. */
  real: string[];
}

/** The configured roots, absolute and real; empty means the current folder. */
export async function resolveRoots(roots: readonly string[], cwd = process.cwd()): Promise<AllowedRoots> {
  const given = (roots.length ? roots : [cwd]).map((r) => resolve(cwd, r));
  const real = await Promise.all(given.map((r) => realpath(r).catch(() => {
    throw new ConfigError(expectedSetting('roots', 'an existing folder', r));
  })));
  return { given, real };
}

/**
 * The real dataset root of a job; ServeError when it lies outside the allowed
 * roots or is missing here (another worker may have it mounted: the job is
 * handed back, nothing is wrong with the group).
 */
export async function mapJobRoot(jobRoot: string, allowed: AllowedRoots): Promise<string> {
  const root = resolve(jobRoot);
  const inside = (p: string) => allowed.given.some((r) => isInside(r, p)) || allowed.real.some((r) => isInside(r, p));
  const outside = () => new ServeError(`${jobRoot}: dataset root is outside the roots this worker may read (${allowed.given.join(', ')})`);
  if (!inside(root)) throw outside();
  const real = await realpath(root).catch((err) => {
    throw new ServeError(`${jobRoot}: dataset root not found on this worker`, { cause: err });
  });
  if (!allowed.real.some((r) => isInside(r, real))) throw outside();
  return real;
}
