/**
 * A run's own records, made from its groups' records on disk (the one source
 * both drivers share): summary.csv, index.html and run.json, each written
 * atomically under a hidden temporary name. summary.csv streams, so memory
 * stays flat however many groups. Only one writer finalizes a run at a time
 * (`bnviz run` is one process; the fleet holds a lock), so temporaries of
 * these three files left by a writer that died, on any host, are removed first.
 */
import { readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { galleryHtml, type GalleryEntry } from './gallery-html.js';
import { groupDir, readRecord } from './group-record.js';
import type { RunRecord } from './run-record.js';
import { SUMMARY_HEADER, summaryLines } from './summary-csv.js';
import { UnseenSpread } from './unseen-spread.js';
import { TEMP_PREFIX, writeFileAtomic, writeStreamAtomic } from './write-atomic.js';

export const RUN_FILES = ['summary.csv', 'index.html', 'run.json'] as const;

export async function finalizeRun(runDir: string, run: RunRecord, groups: Iterable<{ groupId: string }>): Promise<void> {
  await removeRunTemporaries(runDir);
  const entries: GalleryEntry[] = [];
  const spread = new UnseenSpread();
  await writeStreamAtomic(join(runDir, 'summary.csv'), async (write) => {
    await write(SUMMARY_HEADER);
    for (const { groupId } of groups) {
      const record = await readRecord(groupDir(runDir, groupId));
      if (!record || record.status !== 'done') continue;
      await write(summaryLines(groupId, record.rows));
      spread.add(record.rows);
      entries.push({ groupId, files: record.files, maxUnseen: record.maxUnseen, outputs: record.outputs });
    }
  });
  await writeFileAtomic(join(runDir, 'index.html'), galleryHtml(run, entries, spread));
  await writeFileAtomic(join(runDir, 'run.json'), `${JSON.stringify(run, null, 2)}\n`);
}

/** Removes temporaries of the run's own files (whoever made them); returns how many. */
export async function removeRunTemporaries(runDir: string): Promise<number> {
  const names = await readdir(runDir).catch(() => [] as string[]);
  const stale = names.filter((n) => RUN_FILES.some((f) => n.startsWith(`${TEMP_PREFIX}${f}-`)));
  await Promise.all(stale.map((n) => rm(join(runDir, n), { force: true })));
  return stale.length;
}
