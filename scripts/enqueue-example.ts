/**
 * Enqueueing from a script of your own: every subfolder of a folder becomes
 * its own run, enqueued for the fleet (`bnviz worker` processes draw them).
 * Settings come from the usual sources (BNVIZ_* environment, --config file);
 * the run id is each subfolder's default, so running this again adds nothing.
 *
 *   node dist/scripts/enqueue-example.js DATASETS_DIR
 */
import { readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { loadConfig } from '../src/config/load-config.js';
import { connectRedis } from '../src/fleet/connect-redis.js';
import { enqueueDataset } from '../src/fleet/enqueue-dataset.js';

const parent = resolve(process.argv[2] ?? '.');
const config = loadConfig({ flags: { figures: 'overview,compare' } });
// One connection for every enqueue (each would otherwise open and close its own).
const redis = connectRedis(config.redis.url);
try {
  for (const entry of readdirSync(parent, { withFileTypes: true })) {
    if (!entry.isDirectory()) continue;
    const r = await enqueueDataset(join(parent, entry.name), config, { redis });
    console.log(`${r.runId}: ${r.added} jobs added, ${r.existing} already queued or done, of ${r.groups} groups`);
  }
} finally {
  await redis.quit();
}
