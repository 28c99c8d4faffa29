/** Checks of a run's output folder, as `bnviz run` and the fleet workers write it. */
import type { ExecutionContext } from 'ava';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';

/** Every file under dir, relative, POSIX separators, hidden ones included. */
export function walk(dir: string, prefix = ''): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? walk(join(dir, e.name), `${prefix}${e.name}/`) : [`${prefix}${e.name}`]);
}

/** A path with a hidden part: where writes are staged (`.tmp-...`) and old outputs set aside (`.old-...`). */
const isHidden = (file: string) => file.split('/').some((part) => part.startsWith('.'));

/** A staged write or a set-aside output, wherever it is. */
export const isTemporary = (file: string) => file.includes('.tmp-') || file.includes('.old-');

/**
 * What is wrong with a run's folder, as sentences (none when it is whole):
 * every PNG decodes fully, every JSON parses, and each visible group folder
 * holds a group.json of a done group whose listed outputs are all there.
 * Temporaries (`.tmp-`, `.old-`) are wrong, unless `temporaries` allows them
 * (a run killed mid-write leaves them, hidden); hidden files are never read,
 * as a reader of the outputs never would. `groups` names the visible group folders.
 */
export async function runFolderProblems(runDir: string, options: { temporaries?: boolean } = {}): Promise<{ problems: string[]; groups: string[] }> {
  const problems: string[] = [];
  const files = walk(runDir);
  if (!options.temporaries) for (const f of files) if (isTemporary(f)) problems.push(`leftover ${f}`);
  const visible = new Set(files.filter((f) => !isHidden(f)));
  for (const f of visible) {
    try {
      if (f.endsWith('.png')) await sharp(join(runDir, f), { failOn: 'error' }).raw().toBuffer();
      if (f.endsWith('.json')) JSON.parse(readFileSync(join(runDir, f), 'utf8'));
    } catch (err) {
      problems.push(`${f} is not whole: ${(err as Error).message}`);
    }
  }
  const groupsDir = join(runDir, 'groups');
  const groups = (existsSync(groupsDir) ? readdirSync(groupsDir) : []).filter((g) => !g.startsWith('.'));
  for (const g of groups) {
    if (!visible.has(`groups/${g}/group.json`)) {
      problems.push(`groups/${g} has no group.json`);
      continue;
    }
    const record = JSON.parse(readFileSync(join(groupsDir, g, 'group.json'), 'utf8')) as { status: string; outputs: string[] };
    if (record.status !== 'done') problems.push(`groups/${g}: status ${record.status}, not done`);
    for (const o of record.outputs) if (!visible.has(`groups/${g}/${o}`)) problems.push(`groups/${g}/${o} listed in group.json is missing`);
  }
  return { problems, groups };
}

/** runFolderProblems as a test's assertion; returns the number of visible group folders. */
export async function assertWhole(t: ExecutionContext, runDir: string, options: { temporaries?: boolean } = {}): Promise<number> {
  const { problems, groups } = await runFolderProblems(runDir, options);
  t.deepEqual(problems, [], runDir);
  return groups.length;
}
