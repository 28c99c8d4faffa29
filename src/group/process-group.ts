/**
 * One group end to end, the unit both drivers run: resolve its files inside
 * the dataset root, compute (computeFiles), draw the figures, and write the
 * group's folder whole. Bad input (a corrupt image, a path outside the root)
 * does not throw: it comes back as a failed result naming the file and the
 * reason, so it fails this group once and nothing else. Anything else (a bug,
 * a full disk) throws, and the driver may retry it.
 */
import { resolveAllInside } from '../dataset/resolve-inside.js';
import { isBnvizError } from '../errors.js';
import { drawFigures } from '../figure/index.js';
import { GROUP_RECORD, groupDir, levelsOfRecord, levelsRecord, mainFigureOf, readRecord, type GroupRecord } from '../records/group-record.js';
import { appendCounted, countedLine } from '../records/counted-rows.js';
import { maxUnseen, summaryRows } from '../records/summary-rows.js';
import { DENSITIES_FILE, STATS_FILE, statsFiles } from '../records/stats-file.js';
import type { GroupStats } from '../types.js';
import { halvedFrom, makeThumbnail, THUMBNAIL, THUMBNAIL_WIDTH, type RgbaPixels } from '../records/thumbnail.js';
import { writeFolderSync } from '../records/write-atomic.js';
import { computeFiles } from './compute-files.js';
import { failedResult } from './failed-result.js';
import { fingerprint } from './fingerprint.js';
import type { GroupResult, GroupTask, Stage } from './group-task.js';

/**
 * @example
 * const result = await processGroup({ runId: 'r', groupId: 'g', root: '/data/photos', files: ['a.jpg', 'b.jpg', 'c.jpg'], runDir: '/tmp/out/r', options: groupOptions(config), force: false });
 * result.status; // 'done', 'skipped' or 'failed' (with error)
 */
export async function processGroup(task: GroupTask, onStage: (stage: Stage) => void = () => {}): Promise<GroupResult> {
  const t0 = performance.now();
  const dir = groupDir(task.runDir, task.groupId);
  try {
    const paths = await resolveAllInside(task.root, task.files, { linksOut: task.linksOut });
    const print = await fingerprint(paths, task.files, task.options);
    if (!task.force) {
      const previous = await readRecord(dir);
      if (previous?.status === 'done' && previous.fingerprint === print) {
        const levels = levelsOfRecord(previous.levels);
        return { ...previous, status: 'skipped', levels };
      }
    }
    const t1 = performance.now();
    const computed = await computeFiles(paths, task.options, task.files, onStage);
    const { stats, arrays, levels } = computed;
    const t2 = performance.now();
    // decode counts from the start (resolving and fingerprinting the files are reading too)
    const decodeMs = t1 - t0 + computed.decodeMs;
    if (task.draw === false) return { ...countOnly(task, stats, print, { decodeMs, computeMs: t2 - t0 - decodeMs, t0 }, onStage), levels };
    onStage('figure');
    // the main figure halved for its thumbnail from its canvas as drawn (see thumbnail.ts)
    const mainName = mainFigureOf(task.options.figures.flatMap((kind) => task.options.formats.map((format) => `${kind}.${format}`)));
    let half: RgbaPixels | undefined;
    const figures = await drawFigures({ stats, arrays }, task.options, (kind, canvas) => {
      if (`${kind}.png` === mainName || `${kind}.webp` === mainName) half = halvedFrom(canvas, THUMBNAIL_WIDTH);
    });
    const main = figures.find((f) => f.name === mainFigureOf(figures.map((g) => g.name)));
    if (main) figures.push({ name: THUMBNAIL, bytes: await makeThumbnail(half ?? main.pixels ?? main.bytes) });
    // the pixels served the thumbnail; two groups a thread need not hold them while they are written
    for (const f of figures) delete f.pixels;
    const t3 = performance.now();
    onStage('write');
    const rows = summaryRows(stats, task.files);
    const write = performance.now();
    const timings = { decodeMs, computeMs: t2 - t0 - decodeMs, figureMs: t3 - t2, writeMs: 0, totalMs: write - t0 };
    // the record on disk cannot hold the time of its own writing: writeMs is 0 there
    const record: GroupRecord = {
      runId: task.runId,
      groupId: task.groupId,
      files: task.files,
      status: 'done',
      outputs: [...figures.map((f) => f.name), STATS_FILE, DENSITIES_FILE],
      rows,
      maxUnseen: maxUnseen(rows),
      backend: stats.backend,
      fingerprint: print,
      timings,
      // kept (about 7 KB), so a run that skips this group later still sums the dataset's statistics over it
      levels: levelsRecord(levels),
    };
    // stats.json with its densities in a binary sidecar: a few KB and 29 KB, not 210 KB (stats-file.ts)
    const numbers = statsFiles(stats);
    writeFolderSync(dir, [...figures, { name: STATS_FILE, bytes: numbers.json }, { name: DENSITIES_FILE, bytes: numbers.densities }, { name: GROUP_RECORD, bytes: JSON.stringify(record) }]);
    const end = performance.now();
    const { fingerprint: _omit, ...result } = record;
    return { ...result, levels, timings: { ...timings, writeMs: end - write, totalMs: end - t0 } };
  } catch (err) {
    if (!isBnvizError(err, 'InputError')) throw err;
    return failedResult(task, err);
  }
}

/** A group counted, not drawn: its record one line in the run's counted files, no folder. */
function countOnly(task: GroupTask, stats: GroupStats, print: string, t: { decodeMs: number; computeMs: number; t0: number }, onStage: (stage: Stage) => void): GroupResult {
  onStage('write');
  const rows = summaryRows(stats, task.files);
  const write = performance.now();
  appendCounted(task.runDir, task.index ?? 0, countedLine({ groupId: task.groupId, files: task.files, rows, fingerprint: print, backend: stats.backend }));
  const end = performance.now();
  return {
    runId: task.runId,
    groupId: task.groupId,
    files: task.files,
    status: 'done',
    outputs: [],
    rows,
    maxUnseen: maxUnseen(rows),
    backend: stats.backend,
    timings: { decodeMs: t.decodeMs, computeMs: t.computeMs, figureMs: 0, writeMs: end - write, totalMs: end - t.t0 },
  };
}
