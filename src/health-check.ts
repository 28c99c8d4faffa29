#!/usr/bin/env node
/**
 * A container's health check (deploy/Dockerfile's HEALTHCHECK, the compose
 * file's): exit 0 when healthy, 1 when not. A worker is healthy while it
 * rewrites its health file (BNVIZ_HEALTH_FILE: every 5 s while it is ready
 * and Redis answers); a container with no such file is asked as a dashboard,
 * whose /healthz answers 200 while Redis does.
 */
import { statSync } from 'node:fs';
import { HEALTH_MAX_AGE_MS } from './cli/health-file.js';
import { loadConfig } from './config/load-config.js';

const config = loadConfig();
const age = config.healthFile ? ageOf(config.healthFile) : undefined;
if (age !== undefined) {
  process.exitCode = age <= HEALTH_MAX_AGE_MS ? 0 : 1;
} else {
  const host = config.dashboard.host === '0.0.0.0' || config.dashboard.host === '::' ? '127.0.0.1' : config.dashboard.host;
  const healthy = await fetch(`http://${host.includes(':') ? `[${host}]` : host}:${config.dashboard.port}/healthz`, { signal: AbortSignal.timeout(4000) })
    .then((r) => r.ok, () => false);
  process.exitCode = healthy ? 0 : 1;
}

function ageOf(file: string): number | undefined {
  try {
    return Date.now() - statSync(file).mtimeMs;
  } catch {
    return undefined;
  }
}
