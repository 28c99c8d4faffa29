/**
 * One group end to end: resolve its files inside the dataset root, decode,
 * normalize, densities and statistics, figures, and write the group's folder
 * whole. Bad input (a corrupt image, a path outside the root) does not throw:
 * it comes back as a failed result naming the file and the reason, so it
 * fails this group once and nothing else. Anything else (a bug, a full disk)
 * throws, and the driver may retry it.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { computeGroup } from '../compute/compute-group.js';
import { decodeImage, type DecodeOptions } from '../decode/decode-image.js';
import { InputError, isBnvizError } from '../errors.js';
import type { RgbImage } from '../types.js';
import { drawFigures } from '../figure/index.js';
import { fingerprint } from './fingerprint.js';
import type { GroupResult, GroupTask, Stage } from './group-task.js';
import { resolveInside } from '../dataset/resolve-inside.js';
import { maxUnseen, summaryRows } from '../records/summary-rows.js';
import { writeFolder } from '../records/write-atomic.js';

/** The small record beside a group's figures: what `run.json`, `summary.csv` and the gallery are made from. */
export interface GroupRecord extends GroupResult {
  fingerprint: string;
}

export const GROUP_RECORD = 'group.json';

export function groupDir(runDir: string, groupId: string): string {
  return join(runDir, 'groups', groupId);
}

export async function processGroup(task: GroupTask, onStage: (stage: Stage) => void = () => {}): Promise<GroupResult> {
  const t0 = performance.now();
  const base = { runId: task.runId, groupId: task.groupId, files: task.files };
  const dir = groupDir(task.runDir, task.groupId);
  try {
    const paths = [];
    for (const f of task.files) paths.push(await resolveInside(task.root, f, { linksOut: task.linksOut }));
    const print = await fingerprint(paths, task.files, task.options);
    if (!task.force) {
      const previous = await readRecord(dir);
      if (previous?.status === 'done' && previous.fingerprint === print) return { ...previous, status: 'skipped' };
    }
    onStage('decode');
    const images = await decodeAll(paths, task.options);
    const t1 = performance.now();
    onStage('normalize');
    // only panels and compare draw the min-max scaled pixels
    const minmaxPixels = task.options.figures.some((f) => f !== 'overview');
    const { stats, arrays } = await computeGroup(images, task.files, { ...task.options, minmaxPixels }, onStage);
    const t2 = performance.now();
    onStage('figure');
    const figures = await drawFigures({ stats, arrays }, task.options);
    const t3 = performance.now();
    onStage('write');
    const rows = summaryRows(stats, task.files);
    const write = performance.now();
    const timings = { decodeMs: t1 - t0, computeMs: t2 - t1, figureMs: t3 - t2, writeMs: 0, totalMs: write - t0 };
    // the record on disk cannot hold the time of its own writing: writeMs is 0 there
    const record: GroupRecord = {
      ...base,
      status: 'done',
      outputs: [...figures.map((f) => f.name), 'stats.json'],
      rows,
      maxUnseen: maxUnseen(rows),
      backend: stats.backend,
      fingerprint: print,
      timings,
    };
    await writeFolder(dir, [...figures, { name: 'stats.json', bytes: JSON.stringify(stats) }, { name: GROUP_RECORD, bytes: JSON.stringify(record) }]);
    const end = performance.now();
    const { fingerprint: _omit, ...result } = record;
    return { ...result, timings: { ...timings, writeMs: end - write, totalMs: end - t0 } };
  } catch (err) {
    if (!isBnvizError(err, 'InputError')) throw err;
    const e = err as InputError;
    return { ...base, status: 'failed', outputs: [], rows: [], maxUnseen: 0, error: { name: e.name, message: e.message, subject: e.subject } };
  }
}

/**
 * Decodes every file of the group. When some cannot be read, the error names
 * each of them, in the group's order (not whichever failed first).
 */
async function decodeAll(paths: string[], options: DecodeOptions): Promise<RgbImage[]> {
  const settled = await Promise.allSettled(paths.map((p) => decodeImage(p, options)));
  const errors = settled.flatMap((r) => (r.status === 'rejected' ? [r.reason as unknown] : []));
  const other = errors.find((e) => !isBnvizError(e, 'InputError'));
  if (other) throw other;
  if (errors.length > 0) {
    const [first, ...rest] = errors as InputError[];
    if (rest.length === 0) throw first;
    throw new InputError(first.subject, [first.reason, ...rest.map((e) => e.message)].join('; '), { cause: first });
  }
  return settled.map((r) => (r as PromiseFulfilledResult<RgbImage>).value);
}

/** The record of a finished group, or undefined when there is none (or it cannot be read). */
export async function readRecord(dir: string): Promise<GroupRecord | undefined> {
  try {
    return JSON.parse(await readFile(join(dir, GROUP_RECORD), 'utf8')) as GroupRecord;
  } catch {
    return undefined;
  }
}
