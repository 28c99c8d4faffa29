/**
 * `--draw` by name, at the edge of a run: `names:FILE` read into the
 * `ids:ID,ID,...` form a run's options keep (so `retry` and a resumed run
 * need no file), and the ids checked against the run's plan before any group
 * is counted. A script writes the file from an earlier run's summary.csv:
 * one group id a line; blank lines and lines starting with '#' are skipped,
 * an id given twice counts once.
 */
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { isSafeId } from '../dataset/group-id.js';
import { UsageError } from '../errors.js';
import { MAX_NAMED_GROUPS } from '../types.js';
import { errorCode, systemReason } from '../util/system-error.js';
import type { DrawChoice } from './draw-choice.js';

/** Ids a message names before it says how many more there are. */
const SHOWN = 5;

/**
 * The draw setting with `names:FILE` read into `ids:...`; any other form as it is.
 * @example
 * await resolveDrawNames('names:picked.txt'); // 'ids:0003-1f0c2a9e,0010-77aa03b1'
 */
export async function resolveDrawNames(draw: string): Promise<string> {
  if (!draw.startsWith('names:')) return draw;
  const file = resolve(draw.slice('names:'.length));
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    const code = errorCode(err);
    const reason = code === 'ENOENT' ? 'no such file' : systemReason(err) ?? code ?? (err as Error).message;
    throw new UsageError(`--draw names:FILE cannot read ${file}: ${reason}`, { cause: err });
  }
  const ids = new Set<string>();
  const bad: string[] = [];
  for (const [i, raw] of text.split(/\r?\n/).entries()) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    if (isSafeId(line)) ids.add(line);
    else bad.push(`${JSON.stringify(line.slice(0, 40))} (line ${i + 1})`);
  }
  const what = `group ids, one a line, in ${file} for --draw names:FILE`;
  if (bad.length) throw new UsageError(`Expected ${what} but received ${listed(bad)}`);
  if (ids.size === 0) throw new UsageError(`Expected ${what} but received none`);
  if (ids.size > MAX_NAMED_GROUPS) throw new UsageError(`Expected at most ${MAX_NAMED_GROUPS} ${what} but received ${ids.size} (to draw more, --draw sample:K or all)`);
  return `ids:${[...ids].join(',')}`;
}

/**
 * Checks that a run has every group `--draw ids:` names: `see` each of its
 * group ids as its plan streams by, then `end()` throws a UsageError naming
 * those it did not see. Memory: the ids named, not the run.
 */
export class NamedGroupsCheck {
  private readonly missing: Set<string>;
  private groups = 0;
  private first?: string;
  private last?: string;

  constructor(choice: DrawChoice) {
    this.missing = choice.mode === 'ids' ? new Set(choice.ids) : new Set();
  }

  see(groupId: string): void {
    this.groups++;
    this.first ??= groupId;
    this.last = groupId;
    this.missing.delete(groupId);
  }

  end(): void {
    if (this.missing.size === 0) return;
    const has = this.groups === 0 ? 'it has no group' : this.groups === 1 ? `it has 1 group, ${this.first}` : `it has ${this.groups} groups, ${this.first} to ${this.last}, as summary.csv's group column lists them`;
    throw new UsageError(`Expected ids of this run's groups for --draw but received ${listed([...this.missing])}, which it does not have (${has})`);
  }
}

function listed(items: string[]): string {
  const more = items.length - SHOWN;
  return `${items.slice(0, SHOWN).join(', ')}${more > 0 ? ` and ${more} more` : ''}`;
}
