/**
 * A finished run's groups made without computing any, for measuring and
 * testing the run's own records at dataset scale: group i's id, files and
 * record (nine summary rows, an unseen share spread over 0..0.6 out of
 * dataset order), and every `failEvery`th group failed. As finalizeRun takes
 * them (a stream of groups and a reader of their records), or written to disk
 * as group.json files as workers leave them.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { groupId } from '../src/dataset/group-id.js';
import type { GroupRecordView, RunGroup } from '../src/records/finalize-run.js';
import { groupDir, GROUP_RECORD } from '../src/records/group-record.js';
import type { RunRecord } from '../src/records/run-record.js';
import { THUMBNAIL } from '../src/records/thumbnail.js';
import type { SummaryRow } from '../src/group/group-task.js';

export const syntheticFiles = (i: number): string[] => [0, 1, 2].map((j) => `shard-${String(Math.floor(i / 1000)).padStart(3, '0')}/img-${String(i * 3 + j).padStart(7, '0')}.png`);

/** Group i's largest unseen share: over 0..0.6, not in dataset order. */
export const syntheticUnseen = (i: number): number => ((i * 7919) % 1000) / 1000 * 0.6;

export const syntheticId = (i: number): string => groupId(i, syntheticFiles(i));

export const isSyntheticFailure = (i: number, failEvery: number): boolean => failEvery > 0 && i % failEvery === failEvery - 1;

/** The groups of a run of `n`, in dataset order, the failed ones with their failure. */
export function* syntheticGroups(n: number, failEvery = 0): Generator<RunGroup> {
  for (let i = 0; i < n; i++) {
    const id = syntheticId(i);
    if (!isSyntheticFailure(i, failEvery)) yield { groupId: id };
    else yield { groupId: id, failure: { groupId: id, files: syntheticFiles(i), error: { name: 'InputError', message: `${syntheticFiles(i)[0]}: not an image` } } };
  }
}

/** Group i's record (its index is the number before the id's dash). */
export function syntheticRecord(i: number): GroupRecordView {
  const files = syntheticFiles(i);
  const maxUnseen = syntheticUnseen(i);
  const rows: SummaryRow[] = files.flatMap((file, f) => (['R', 'G', 'B'] as const).map((channel, c) => {
    const share = maxUnseen * (f === 0 && c === 0 ? 1 : 0.5);
    return { file, channel, min: 0, max: 1, mean: 0.5, std: 0.2, normMin: -2, normMax: 2, normMean: 0, normStd: 1, below0: share / 2, above1: share / 2 };
  }));
  return { status: 'done', files, outputs: ['overview.png', THUMBNAIL], rows, maxUnseen };
}

/** The reader finalizeRun takes: a record made from the group's id, as if read from disk. */
export async function readSyntheticRecord(id: string): Promise<GroupRecordView> {
  return syntheticRecord(Number(id.slice(0, id.indexOf('-'))) - 1);
}

/** Writes group i's group.json where a worker would. */
export function writeSyntheticRecord(runDir: string, i: number): void {
  const dir = groupDir(runDir, syntheticId(i));
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, GROUP_RECORD), JSON.stringify({ runId: 'synthetic', groupId: syntheticId(i), ...syntheticRecord(i), fingerprint: 'synthetic' }));
}

/** A run record of `n` groups as a driver makes it before finalizeRun (no failures listed: they come with the groups). */
export function syntheticRunRecord(runId: string, n: number, failEvery = 0): RunRecord {
  const failed = failEvery > 0 ? Math.floor(n / failEvery) : 0;
  return {
    runId, root: '/data/synthetic', status: 'finished', startedAt: '2026-01-01T00:00:00.000Z', finishedAt: '2026-01-01T01:00:00.000Z',
    options: { method: 'batch', epsilon: 0.001 } as RunRecord['options'], groupSize: 3, versions: {},
    counts: { groups: n, images: 3 * n, done: n - failed, skipped: 0, failed, partialGroups: [] },
    failures: [], failuresLeftOut: 0,
  };
}
