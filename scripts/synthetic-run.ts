/**
 * A run of many groups made without computing any: its records written into
 * Redis with the fleet's own calls (RunStore: open, addGroups, and record for
 * each group, as a worker counts it), and optionally each
 * group's folder with a group.json record and a small thumb.webp, as a worker
 * leaves them. For measuring and testing the dashboard at dataset scale.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RedisClient } from '../src/fleet/redis-options.js';
import sharp from 'sharp';
import { isSyntheticFailure, syntheticFiles, syntheticId, syntheticUnseen } from './synthetic-records.js';
import { RunStore, type Outcome } from '../src/fleet/run-store.js';
import { groupDir, GROUP_RECORD } from '../src/records/group-record.js';
import { THUMBNAIL } from '../src/records/thumbnail.js';

export interface SyntheticRun {
  redis: RedisClient;
  prefix: string;
  runId: string;
  groups: number;
  /** Groups counted (default: all), in dataset order. */
  counted?: number;
  /** Every `failEvery`th group fails (0: none). */
  failEvery?: number;
  /** Output folder: when set, each counted group gets its folder there (the first `folders` of them, when given). */
  out?: string;
  folders?: number;
  /** The run's queue (default 'groups'). */
  queue?: string;
  /** Thumbnails to give the groups in turn (default: a plain green one). */
  thumbs?: Buffer[];
}

// the same synthetic groups as the records' benchmark and tests (one definition)
export { syntheticFiles, syntheticId, syntheticUnseen } from './synthetic-records.js';

/** Writes the run; returns its group ids in dataset order. */
export async function synthesizeRun(o: SyntheticRun): Promise<string[]> {
  const store = new RunStore(o.redis, o.prefix, o.runId);
  const ids = Array.from({ length: o.groups }, (_, i) => syntheticId(i));
  await store.open({
    root: '/data/synthetic', options: { size: 64 } as never, groupSize: 3, images: o.groups * 3, queue: o.queue ?? 'groups', partialGroups: [], enqueuedAt: new Date().toISOString(),
  });
  for (let start = 0; start < ids.length; start += 5000) {
    await store.addGroups(ids.slice(start, start + 5000).map((groupId, j) => ({ groupId, index: start + j, files: syntheticFiles(start + j) })));
  }
  await store.markStarted();
  const thumbs = o.thumbs ?? [await sharp({ create: { width: 160, height: 80, channels: 3, background: '#3a7d44' } }).webp().toBuffer()];
  const counted = o.counted ?? o.groups;
  for (let start = 0; start < counted; start += 1000) {
    const batch: Array<Promise<unknown>> = [];
    for (let i = start; i < Math.min(counted, start + 1000); i++) {
      const failed = isSyntheticFailure(i, o.failEvery ?? 0);
      const outcome: Outcome = failed
        ? { groupId: ids[i]!, index: i, status: 'failed', files: syntheticFiles(i), error: { name: 'InputError', message: `${syntheticFiles(i)[0]}: not an image` } }
        : { groupId: ids[i]!, index: i, status: 'done', files: syntheticFiles(i), maxUnseen: syntheticUnseen(i), unseen: syntheticFiles(i).flatMap((_, f) => [0, 1, 2].map((c) => syntheticUnseen(i) * (f === 0 && c === 0 ? 1 : 0.5))), timings: { decodeMs: 20, computeMs: 30 + (i % 40), figureMs: 120, writeMs: 10, totalMs: 180 + (i % 40) } };
      if (o.out && !failed && i < (o.folders ?? Infinity)) writeGroupFolder(join(o.out, o.runId), ids[i]!, outcome, thumbs[i % thumbs.length]!);
      batch.push(store.record(outcome));
    }
    await Promise.all(batch);
  }
  return ids;
}

function writeGroupFolder(runDir: string, id: string, o: Outcome, thumb: Buffer): void {
  const dir = groupDir(runDir, id);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, THUMBNAIL), thumb);
  const rows = (o.files).flatMap((file, f) => ['R', 'G', 'B'].map((channel, c) => {
    const share = (o.maxUnseen ?? 0) * (f === 0 && c === 0 ? 1 : 0.5);
    return { file, channel, min: 0, max: 1, mean: 0.5, std: 0.2, normMin: -2, normMax: 2, normMean: 0, normStd: 1, below0: share / 2, above1: share / 2 };
  }));
  writeFileSync(join(dir, GROUP_RECORD), JSON.stringify({ runId: 'synthetic', groupId: id, files: o.files, status: o.status, outputs: [THUMBNAIL], rows, maxUnseen: o.maxUnseen, fingerprint: 'synthetic' }));
}
