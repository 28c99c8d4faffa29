/**
 * A run's own records, made from its groups' records on disk (the one source
 * both drivers share): summary.csv, failures.csv, the gallery's pages,
 * index.html and run.json. One pass over the groups in dataset order, in
 * bounded memory whatever the run's size: summary.csv, failures.csv and the
 * pages are written as the groups stream by; what is kept is flat (the
 * unseen spread's counts, the WORST_GROUPS groups with the most unseen, the
 * first MAX_LISTED_FAILURES failures, one page). Each file is written
 * atomically under a hidden temporary name, the pages as one folder. Only
 * one writer finalizes a run at a time (`bnviz run` is one process; the
 * fleet holds a lock), so temporaries left by a writer that died, on any
 * host, are removed first.
 */
import { readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { mapOrdered } from '../util/map-ordered.js';
import { TopK } from '../util/top-k.js';
import { FAILURES_HEADER, failureLine } from './failures-csv.js';
import { galleryHtml, WORST_GROUPS } from './gallery-html.js';
import { PAGE_SIZE, PAGES_DIR, pageFileName, pageScript, type GalleryEntry } from './gallery-pages.js';
import { CountedReader, recordOfLine, sealCounted } from './counted-rows.js';
import { groupDir, readRecordSync, type GroupRecord } from './group-record.js';
import { MAX_LISTED_FAILURES, type RunFailure, type RunRecord } from './run-record.js';
import { SUMMARY_FILES, SUMMARY_GZIP_LEVEL, SUMMARY_HEADER, summaryFileName, summaryLines } from './summary-csv.js';
import { UnseenSpread } from './unseen-spread.js';
import { DatasetReport } from './dataset-report.js';
import type { DatasetShares } from '../types.js';
import { TEMP_PREFIX, writeFileAtomic, writeFolderAtomic, writeStreamAtomic } from './write-atomic.js';

export const RUN_FILES = [...SUMMARY_FILES, 'failures.csv', 'report.json', 'index.html', 'run.json'] as const;
/** Folders of the run's own records, beside RUN_FILES. */
export const RUN_FOLDERS = [PAGES_DIR] as const;

/** A group of the run as a driver hands it: its id, and how it failed when it did. */
export interface RunGroup {
  groupId: string;
  /** Its index in the dataset; by default its place among the groups handed in. */
  index?: number;
  failure?: RunFailure;
}

/** What finalizeRun reads of a group's record. */
export type GroupRecordView = Pick<GroupRecord, 'status' | 'files' | 'rows' | 'maxUnseen' | 'outputs'>;

export interface FinalizeRunOptions {
  /**
   * A group's record; by default its group.json under the run's folder, read
   * at once, or its line in the run's counted files when it was not drawn (a
   * seam for tests and benchmarks).
   */
  readGroup?: (groupId: string, index: number) => Promise<GroupRecordView | undefined>;
  /** Group records read at once, ahead of the one being written. */
  readAhead?: number;
  /** For a run that normalized each batch by its own statistics: the shares under the dataset's, for the report (fit/dataset-shares.ts). */
  datasetShares?: DatasetShares;
}

/** Groups with more unseen first; of equal ones, the earlier in the dataset. */
const moreUnseen = (a: GalleryEntry, b: GalleryEntry) => unseenKey(b) - unseenKey(a) || a.order - b.order;
const unseenKey = (e: GalleryEntry) => (Number.isFinite(e.maxUnseen) ? e.maxUnseen : -1);

/**
 * Writes the run's records from its groups, given in dataset order (an
 * array, an iterable or an async iterable, read once). A failed group comes
 * with its failure: run.json lists the first MAX_LISTED_FAILURES and counts
 * the rest, failures.csv holds every one, in dataset order. Given no failure
 * with the groups, the failures `run` lists (as buildRunRecord made them)
 * stand, and failures.csv holds those. Returns the record written to run.json.
 */
export async function finalizeRun(
  runDir: string,
  run: RunRecord,
  groups: Iterable<RunGroup> | AsyncIterable<RunGroup>,
  { readGroup = recordReader(runDir), readAhead = 16, datasetShares }: FinalizeRunOptions = {},
): Promise<RunRecord> {
  await removeRunTemporaries(runDir);
  const spread = new UnseenSpread();
  const report = new DatasetReport(datasetShares);
  const worst = new TopK<GalleryEntry>(WORST_GROUPS, moreUnseen);
  const firstFailures: RunFailure[] = [];
  let failed = 0;
  let paged = 0;
  let pages = 0;
  const summary = summaryFileName(run.counts.images);
  await writeStreamAtomic(join(runDir, summary), (writeSummary) => writeStreamAtomic(join(runDir, 'failures.csv'), (writeFailure) =>
    writeFolderAtomic(join(runDir, PAGES_DIR), async (putPage) => {
      await writeSummary(SUMMARY_HEADER);
      await writeFailure(FAILURES_HEADER);
      let page: GalleryEntry[] = [];
      const flush = async () => {
        pages++;
        await putPage(pageFileName(pages), pageScript(pages, page));
        page = [];
      };
      let order = 0;
      let seen = 0;
      const read = async (group: RunGroup) => {
        const at = seen++;
        return { group, record: group.failure ? undefined : await readGroup(group.groupId, group.index ?? at) };
      };
      for await (const { group, record } of mapOrdered(groups, readAhead, read)) {
        const index = group.index ?? order;
        order++;
        if (group.failure) {
          failed++;
          if (firstFailures.length < MAX_LISTED_FAILURES) firstFailures.push(group.failure);
          await writeFailure(failureLine(group.failure));
          continue;
        }
        if (!record || record.status !== 'done') continue;
        await writeSummary(summaryLines(group.groupId, record.rows));
        spread.add(record.rows);
        report.add(record.rows);
        const entry: GalleryEntry = { groupId: group.groupId, files: record.files, maxUnseen: record.maxUnseen, outputs: record.outputs, order: index };
        worst.add(entry);
        page.push(entry);
        paged++;
        if (page.length === PAGE_SIZE) await flush();
      }
      if (page.length) await flush();
      if (failed === 0) for (const f of run.failures) await writeFailure(failureLine(f));
    })), summary === 'summary.csv.gz' ? { gzip: SUMMARY_GZIP_LEVEL } : {});
  // the summary of the other name, if an earlier version of bnviz wrote one, would say other numbers
  for (const other of SUMMARY_FILES) if (other !== summary) await rm(join(runDir, other), { force: true });
  const record: RunRecord = { ...(failed === 0 ? run : { ...run, failures: firstFailures, failuresLeftOut: failed - firstFailures.length }), summary };
  await writeFileAtomic(join(runDir, 'report.json'), `${JSON.stringify(report.facts())}\n`);
  await writeFileAtomic(join(runDir, 'index.html'), galleryHtml(record, { worst: worst.sorted(), paged, pages, spread, report }));
  await writeFileAtomic(join(runDir, 'run.json'), `${JSON.stringify(record, null, 2)}\n`);
  // the counted groups' lines, read for the last time unless the run is retried: gzipped
  sealCounted(runDir);
  return record;
}

/**
 * A group's record as the run's folder holds it: its group.json when it was
 * drawn, else its line in the counted files; when it has both (drawn in a
 * second pass, or by an earlier run), the group.json made from the same
 * inputs and options (equal fingerprints), else the line, which is newer.
 */
export function recordReader(runDir: string): (groupId: string, index: number) => Promise<GroupRecordView | undefined> {
  const counted = new CountedReader(runDir);
  return async (groupId, index) => {
    const drawn = readRecordSync(groupDir(runDir, groupId));
    const line = counted.get(groupId, index);
    if (!line) return drawn;
    if (drawn && drawn.status !== 'failed' && drawn.fingerprint === line.p) return drawn;
    return recordOfLine(line);
  };
}

/**
 * Removes temporaries of the run's own files and folders (whoever made
 * them), and a folder left moved aside by a replacement cut short; returns
 * how many.
 */
export async function removeRunTemporaries(runDir: string): Promise<number> {
  const names = await readdir(runDir).catch(() => [] as string[]);
  const prefixes = [...RUN_FILES, ...RUN_FOLDERS].map((f) => `${TEMP_PREFIX}${f}-`).concat(RUN_FOLDERS.map((f) => `.old-${f}-`));
  const stale = names.filter((n) => prefixes.some((p) => n.startsWith(p)));
  await Promise.all(stale.map((n) => rm(join(runDir, n), { recursive: true, force: true })));
  return stale.length;
}
