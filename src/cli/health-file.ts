/**
 * A worker's liveness, for a container's health check (dist/src/health-check.js):
 * a file rewritten every HEALTH_BEAT_MS while the worker is ready and Redis
 * answers. A worker whose main thread is stuck, or that waits for Redis,
 * lets it age; the check calls a file older than HEALTH_MAX_AGE_MS unhealthy.
 */
import { writeFile } from 'node:fs/promises';
import { rmSync } from 'node:fs';

/** How often the file is rewritten. */
export const HEALTH_BEAT_MS = 5_000;
/** The age past which the check calls the worker unhealthy: three beats missed. */
export const HEALTH_MAX_AGE_MS = 4 * HEALTH_BEAT_MS;

export interface HealthFile {
  /** The worker is ready: write now, then every beat. */
  start(): void;
  /** Redis went away (false) or answers again (true). */
  redis(up: boolean): void;
  /** The worker stops: no more beats, and the file goes. */
  stop(): void;
}

export function healthFile(path: string): HealthFile {
  let up = true;
  let timer: NodeJS.Timeout | undefined;
  const beat = () => {
    if (up) writeFile(path, `${new Date().toISOString()}\n`).catch(() => {});
  };
  return {
    start() {
      beat();
      timer = setInterval(beat, HEALTH_BEAT_MS).unref();
    },
    redis(answers) {
      up = answers;
      beat();
    },
    stop() {
      clearInterval(timer);
      rmSync(path, { force: true });
    },
  };
}
