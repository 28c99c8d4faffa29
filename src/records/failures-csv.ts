/**
 * failures.csv: every failed group of a run, one row each, in dataset order
 * (run.json lists only the first ones). Text cells are made spreadsheet-safe
 * as summary.csv's are; a group's files are separated by semicolons.
 */
import { stringify } from 'csv-stringify/sync';
import type { RunFailure } from './run-record.js';
import { spreadsheetSafe } from './summary-csv.js';

export const FAILURES_COLUMNS = ['group', 'files', 'error', 'message'];

export const FAILURES_HEADER = stringify([FAILURES_COLUMNS]);

/** One failed group's line, ending in a newline. */
export function failureLine(f: RunFailure): string {
  return stringify([[f.groupId, f.files.join(';'), f.error.name, f.error.message].map(spreadsheetSafe)]);
}
