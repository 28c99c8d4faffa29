/**
 * A run's own records, made from its groups' records on disk (the one source
 * both drivers share): summary.csv, index.html and run.json, each written
 * atomically. summary.csv streams, so memory stays flat however many groups.
 */
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { groupDir, readRecord } from '../group/process-group.js';
import { writeFileAtomic } from './write-atomic.js';
import { galleryHtml, type GalleryEntry } from './gallery-html.js';
import type { RunRecord } from './run-record.js';
import { SUMMARY_HEADER, summaryLines } from './summary-csv.js';

export async function finalizeRun(runDir: string, run: RunRecord, groups: Iterable<{ groupId: string }>): Promise<void> {
  const entries: GalleryEntry[] = [];
  const csv = join(runDir, 'summary.csv');
  const temp = `${csv}.tmp-${process.pid}`;
  // a run whose every group failed has no folder yet
  await mkdir(runDir, { recursive: true });
  const out = createWriteStream(temp);
  try {
    const write = async (text: string) => {
      if (!out.write(text)) await once(out, 'drain');
    };
    await write(`${SUMMARY_HEADER}\n`);
    for (const { groupId } of groups) {
      const record = await readRecord(groupDir(runDir, groupId));
      if (!record || record.status !== 'done') continue;
      await write(summaryLines(groupId, record.rows));
      entries.push({ groupId, files: record.files, maxUnseen: record.maxUnseen, outputs: record.outputs });
    }
    out.end();
    await once(out, 'finish');
    await rename(temp, csv);
  } catch (err) {
    out.destroy();
    await rm(temp, { force: true });
    throw err;
  }
  await writeFileAtomic(join(runDir, 'index.html'), galleryHtml(run, entries));
  await writeFileAtomic(join(runDir, 'run.json'), `${JSON.stringify(run, null, 2)}\n`);
}
