/**
 * The records of groups counted but not drawn (`--draw`): no folder of their
 * own, one line each in a run-level file, about 1.2 KB a group of three
 * (9 rows of 10 numbers) against the 1.5 MB of a drawn group's folder.
 *
 * Lines are appended by the thread that counted the group, to a file of its
 * own (`<run>/counted/<bucket>-<host>-<pid>-<thread>.ndjson`), so writers on
 * any number of hosts never interleave; a line is written with one write
 * call, and a line cut short by a killed process is skipped when read. A
 * bucket holds the groups of BUCKET_GROUPS consecutive indexes, so
 * finalization reads one bucket at a time, in dataset order, in memory
 * bounded by the bucket (about 12 MB of lines), whatever the run's size. A
 * group counted twice (a retried job) has two equal lines; the last read wins.
 * Once a run's records are written, its files are sealed: gzipped (JSON
 * numbers compress 2.5 times: about 700 bytes a group on disk), appends
 * after that going to a new file beside them.
 *
 * Numbers are kept whole (JavaScript's shortest text that reads back as the
 * same double): a group's numbers are exactly the same drawn or not, and so
 * its summary.csv lines. Many are short (0, 1, shares such as 0.5); a group
 * of three 256 px JPEGs takes about 1.5 KB.
 */
import { randomBytes } from 'node:crypto';
import { appendFileSync, mkdirSync, readdirSync, readFileSync, renameSync, statSync, unlinkSync } from 'node:fs';
import { gunzipSync, gzipSync } from 'node:zlib';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { threadId } from 'node:worker_threads';
import { CHANNELS } from '../types.js';
import type { SummaryRow } from '../group/group-task.js';
import { maxUnseen } from './summary-rows.js';
import type { GroupRecord } from './group-record.js';

/** The folder, in a run's folder, of the counted groups' lines. */
export const COUNTED_DIR = 'counted';
/** Consecutive group indexes a bucket file holds. */
export const BUCKET_GROUPS = 10_000;

/** A counted group as its line holds it. */
export interface CountedLine {
  /** group id */
  g: string;
  /** files */
  f: string[];
  /** fingerprint of its inputs and options */
  p: string;
  /** the tfjs backend */
  b?: string;
  /** rows: [file index, channel index, min, max, mean, std, normMin, normMax, normMean, normStd, below0, above1, (batchBelow0, batchAbove1)] */
  r: number[][];
}


/** A writer's own name: its host, process and thread. */
const WRITER = `${hostname().replace(/[^A-Za-z0-9.-]/g, '_')}-${process.pid}-${threadId}`;

export function bucketOf(index: number): number {
  return Math.floor(index / BUCKET_GROUPS);
}

/** One group's line (with its newline). */
export function countedLine(record: Pick<GroupRecord, 'groupId' | 'files' | 'rows' | 'fingerprint' | 'backend'>): string {
  const fileIndex = new Map(record.files.map((f, i) => [f, i]));
  const r = record.rows.map((row) => [
    fileIndex.get(row.file) ?? -1, CHANNELS.indexOf(row.channel),
    row.min, row.max, row.mean, row.std, row.normMin, row.normMax, row.normMean, row.normStd, row.below0, row.above1,
    ...(row.batchBelow0 !== undefined && row.batchAbove1 !== undefined ? [row.batchBelow0, row.batchAbove1] : []),
  ]);
  const line: CountedLine = { g: record.groupId, f: record.files, p: record.fingerprint, ...(record.backend ? { b: record.backend } : {}), r };
  return `${JSON.stringify(line)}\n`;
}

/** A line back to the rows it holds. */
export function rowsOfLine(line: CountedLine): SummaryRow[] {
  return line.r.map((v) => ({
    file: line.f[v[0]!] ?? '',
    channel: CHANNELS[v[1]!] ?? 'R',
    min: v[2]!, max: v[3]!, mean: v[4]!, std: v[5]!,
    normMin: v[6]!, normMax: v[7]!, normMean: v[8]!, normStd: v[9]!,
    below0: v[10]!, above1: v[11]!,
    ...(v.length > 12 ? { batchBelow0: v[12]!, batchAbove1: v[13]! } : {}),
  }));
}

/** Appends a counted group's line to this thread's file of its bucket (one write). */
export function appendCounted(runDir: string, index: number, line: string): void {
  const dir = join(runDir, COUNTED_DIR);
  const file = join(dir, `${String(bucketOf(index)).padStart(6, '0')}-${WRITER}.ndjson`);
  try {
    appendFileSync(file, line);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    mkdirSync(dir, { recursive: true });
    appendFileSync(file, line);
  }
}

/**
 * Reads counted groups' lines a bucket at a time, for a pass over the run in
 * dataset order (finalizeRun): the bucket of the index asked is loaded when
 * it changes, the one before dropped.
 */
export class CountedReader {
  private bucket = -1;
  private lines = new Map<string, string>();
  private files: string[] | undefined;

  constructor(private readonly runDir: string) {}

  /** The group's line, if it was counted undrawn. */
  get(groupId: string, index: number): CountedLine | undefined {
    const b = bucketOf(index);
    if (b !== this.bucket) this.load(b);
    const raw = this.lines.get(groupId);
    if (raw === undefined) return undefined;
    try {
      return JSON.parse(raw) as CountedLine;
    } catch {
      return undefined;
    }
  }

  private load(b: number): void {
    this.bucket = b;
    this.lines = new Map();
    const dir = join(this.runDir, COUNTED_DIR);
    if (this.files === undefined) {
      try {
        this.files = readdirSync(dir).filter(isCountedFile).sort();
      } catch {
        this.files = [];
      }
    }
    const prefix = `${String(b).padStart(6, '0')}-`;
    for (const name of this.files) {
      if (!name.startsWith(prefix)) continue;
      let text: string;
      try {
        const bytes = readFileSync(join(dir, name));
        text = (name.endsWith('.gz') ? gunzipSync(bytes) : bytes).toString('utf8');
      } catch {
        continue;
      }
      for (const line of text.split('\n')) {
        // {"g":"<id>",... : the id read without parsing the line (a line cut short ends without '}')
        if (!line.startsWith('{"g":"') || !line.endsWith('}')) continue;
        const end = line.indexOf('"', 6);
        if (end > 6) this.lines.set(line.slice(6, end), line);
      }
    }
  }
}

/** The counted files: open (.ndjson), being sealed (.sealing: a sealer died), sealed (.ndjson.gz). */
function isCountedFile(name: string): boolean {
  return name.endsWith('.ndjson') || name.endsWith('.ndjson.gz') || name.endsWith('.sealing');
}

/**
 * Gzips a run's open counted files (once its records are written): each is
 * renamed aside first, so a writer appending meanwhile makes a new file by
 * its name (appendFileSync opens by path) rather than losing its line; the
 * sealed file is written under a new name, then the one aside removed, read
 * again first if it grew. Returns the files sealed.
 */
export function sealCounted(runDir: string): number {
  const dir = join(runDir, COUNTED_DIR);
  let names: string[];
  try {
    names = readdirSync(dir).filter((n) => n.endsWith('.ndjson') || n.endsWith('.sealing'));
  } catch {
    return 0;
  }
  let sealed = 0;
  for (const name of names) {
    const aside = name.endsWith('.sealing') ? join(dir, name) : join(dir, `${name}.${randomBytes(4).toString('hex')}.sealing`);
    try {
      if (aside !== join(dir, name)) renameSync(join(dir, name), aside);
      let bytes = readFileSync(aside);
      const base = name.slice(0, name.indexOf('.ndjson'));
      const temp = join(dir, `.tmp-${base}-${randomBytes(4).toString('hex')}`);
      for (;;) {
        appendFileSync(temp, gzipSync(bytes), { flag: 'w' });
        if (statSync(aside).size === bytes.length) break;
        bytes = readFileSync(aside); // a line appended while it was compressed
      }
      renameSync(temp, join(dir, `${base}.${Date.now().toString(36)}${randomBytes(3).toString('hex')}.ndjson.gz`));
      unlinkSync(aside);
      sealed++;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
  }
  return sealed;
}

/** A group's record made from its line (no figures, no timings). */
export function recordOfLine(line: CountedLine): Pick<GroupRecord, 'status' | 'files' | 'rows' | 'maxUnseen' | 'outputs' | 'fingerprint'> {
  const rows = rowsOfLine(line);
  return { status: 'done', files: line.f, rows, maxUnseen: maxUnseen(rows), outputs: [], fingerprint: line.p };
}
