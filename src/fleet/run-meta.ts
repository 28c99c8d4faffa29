/**
 * A run's meta hash read field by field: the meta when every field is sound,
 * what could be read, and what is wrong. A damaged record is reported, never
 * thrown: `bnviz status` shows the run and says what is malformed.
 */
import type { GroupOptions } from '../group/group-task.js';
import type { Grouping } from '../records/run-record.js';

export interface RunMeta {
  root: string;
  options: GroupOptions;
  groupSize: number;
  images: number;
  queue: string;
  partialGroups: string[];
  enqueuedAt: string;
  /** How the images were ordered and grouped; absent for a run enqueued before it was recorded (sorted, by dataset). */
  grouping?: Grouping;
  /** Enqueued with `--stats dataset`: the workers count the dataset's statistics first (fit-phase.ts). */
  firstPass?: boolean;
}

/** A run's meta hash read field by field: the meta when every field is sound, what could be read, and what is wrong. */
export function parseRunMeta(f: Record<string, string>): { meta?: RunMeta; partial: Partial<RunMeta>; damaged: string[] } {
  const damaged: string[] = [];
  const missing: string[] = [];
  const partial: Partial<RunMeta> = {};
  const text = (key: 'root' | 'queue') => {
    if (f[key] === undefined || f[key] === '') missing.push(key);
    else partial[key] = f[key];
  };
  const json = (key: string): unknown => {
    if (f[key] === undefined) {
      missing.push(key);
      return undefined;
    }
    try {
      return JSON.parse(f[key]) as unknown;
    } catch {
      damaged.push(`meta.${key} is not JSON`);
      return undefined;
    }
  };
  const count = (key: 'groupSize' | 'images', min: number) => {
    const n = f[key] === undefined || f[key].trim() === '' ? NaN : Number(f[key]);
    if (Number.isInteger(n) && n >= min) partial[key] = n;
    else if (f[key] === undefined) missing.push(key);
    else damaged.push(`meta.${key} is not a whole number of at least ${min} (${JSON.stringify(f[key].slice(0, 40))})`);
  };
  text('root');
  const options = json('options');
  if (options !== undefined) {
    if (typeof options === 'object' && options !== null && !Array.isArray(options)) partial.options = options as GroupOptions;
    else damaged.push('meta.options is not a JSON object');
  }
  count('groupSize', 1);
  count('images', 0);
  text('queue');
  const partialGroups = json('partialGroups');
  if (partialGroups !== undefined) {
    if (Array.isArray(partialGroups) && partialGroups.every((g) => typeof g === 'string')) partial.partialGroups = partialGroups as string[];
    else damaged.push('meta.partialGroups is not a JSON array of group ids');
  }
  if (f.grouping !== undefined) {
    const grouping = json('grouping') as Grouping | undefined;
    if (grouping && typeof grouping === 'object' && ['sorted', 'shuffle'].includes(grouping.order) && ['dataset', 'folder'].includes(grouping.groupBy) && Number.isInteger(grouping.seed)) {
      partial.grouping = { order: grouping.order, seed: grouping.seed, groupBy: grouping.groupBy };
    } else if (grouping !== undefined) damaged.push('meta.grouping is not an order, a seed and a grouping');
  }
  const enqueuedAt = dateField(f, 'enqueuedAt', damaged);
  if (f.enqueuedAt === undefined) missing.push('enqueuedAt');
  if (enqueuedAt !== undefined) partial.enqueuedAt = enqueuedAt;
  if (missing.length) damaged.unshift(`meta lacks ${missing.join(', ')}`);
  return { meta: damaged.length ? undefined : (partial as RunMeta), partial, damaged };
}

/** A date field of the meta hash; a value that is no date adds a problem and reads as undefined. */
export function dateField(f: Record<string, string>, key: string, problems: string[]): string | undefined {
  const v = f[key];
  if (v === undefined) return undefined;
  if (Number.isNaN(Date.parse(v))) {
    problems.push(`meta.${key} is not a date (${JSON.stringify(v.slice(0, 40))})`);
    return undefined;
  }
  return v;
}

