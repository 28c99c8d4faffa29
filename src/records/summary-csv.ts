/** summary.csv: one row per image and channel, the statistics and the unseen shares (csv-stringify quotes as RFC 4180 asks). */
import { stringify } from 'csv-stringify/sync';
import type { SummaryRow } from '../group/group-task.js';

export const SUMMARY_COLUMNS = ['group', 'file', 'channel', 'min', 'max', 'mean', 'std', 'norm_min', 'norm_max', 'norm_mean', 'norm_std', 'below0', 'above1', 'unseen', 'batch_below0', 'batch_above1', 'batch_unseen'];

export const SUMMARY_HEADER = stringify([SUMMARY_COLUMNS]);

/** The most rows a spreadsheet opens: Excel's and LibreOffice Calc's sheets end at row 1,048,576. */
export const SPREADSHEET_ROWS = 1_048_576;

/** summary.csv's names: plain, or gzipped once a spreadsheet could not open it. */
export const SUMMARY_FILES = ['summary.csv', 'summary.csv.gz'] as const;
export type SummaryFile = (typeof SUMMARY_FILES)[number];

/**
 * gzip's level for summary.csv.gz: at 3, 491 bytes a group of three (9 rows)
 * against 1,312 plain, in 9.5 s of CPU for 430,000 groups; level 6 saves 30
 * bytes more a group for 2.7 times the CPU.
 */
export const SUMMARY_GZIP_LEVEL = 3;

/**
 * The name of a run's summary: summary.csv while a spreadsheet can open it
 * whole (its header and a row per image and channel, at most
 * SPREADSHEET_ROWS), else summary.csv.gz: past that size the file is read by
 * programs (pandas, polars, DuckDB, R), which read gzip as they read text,
 * and it is about a third of the size (ImageNet's 1.28 million images: 211 MB
 * against 565 MB). Decided by the images the run plans, so a retry or a
 * resume of the run writes the same name.
 */
export function summaryFileName(images: number): SummaryFile {
  return images * 3 + 1 > SPREADSHEET_ROWS ? 'summary.csv.gz' : 'summary.csv';
}

/**
 * 8 significant digits; empty for a value that is not a number. An integer
 * of 8 digits or fewer (0 and 1, often) is its own text, without the cost of
 * toPrecision, the largest part of writing a row.
 */
const n = (v: number) => (Number.isInteger(v) && Math.abs(v) < 1e8 ? String(v) : Number.isFinite(v) ? String(+v.toPrecision(8)) : '');

/**
 * A text cell a spreadsheet will not take for a formula: one that starts with
 * = + - @, a tab or a carriage return gets a leading single quote, as OWASP's
 * "CSV Injection" page advises. Only for text columns: numbers such as -0.5
 * stay numbers.
 */
export function spreadsheetSafe(text: string): string {
  return /^[=+\-@\t\r]/.test(text) ? `'${text}` : text;
}

/** One group's lines, each ending in a newline. */
export function summaryLines(groupId: string, rows: SummaryRow[]): string {
  return stringify(rows.map((r) => [spreadsheetSafe(groupId), spreadsheetSafe(r.file), r.channel, n(r.min), n(r.max), n(r.mean), n(r.std), n(r.normMin), n(r.normMax), n(r.normMean), n(r.normStd), n(r.below0), n(r.above1), n(r.below0 + r.above1), ...batchColumns(r)]));
}

/** With --stats: what the batch's own statistics would give, beside it; empty otherwise. */
function batchColumns(r: SummaryRow): string[] {
  if (r.batchBelow0 === undefined || r.batchAbove1 === undefined) return ['', '', ''];
  return [n(r.batchBelow0), n(r.batchAbove1), n(r.batchBelow0 + r.batchAbove1)];
}
