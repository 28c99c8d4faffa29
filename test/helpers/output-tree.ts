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

/**
 * Checks that every visible file of a run is whole: every PNG decodes fully,
 * every JSON parses, and each visible group folder holds a group.json of a
 * done group whose listed outputs are all there. Temporaries (`.tmp-`,
 * `.old-`) fail the check, unless `temporaries` allows them (a run killed
 * mid-write leaves them, hidden); hidden files are never read, as a reader
 * of the outputs never would. Returns the number of visible group folders.
 */
export async function assertWhole(t: ExecutionContext, runDir: string, options: { temporaries?: boolean } = {}): Promise<number> {
  const files = walk(runDir);
  if (!options.temporaries) for (const f of files) t.false(f.includes('.tmp-') || f.includes('.old-'), `leftover ${f}`);
  const visible = new Set(files.filter((f) => !isHidden(f)));
  for (const f of visible) {
    if (f.endsWith('.png')) await sharp(join(runDir, f), { failOn: 'error' }).raw().toBuffer();
    if (f.endsWith('.json')) JSON.parse(readFileSync(join(runDir, f), 'utf8'));
  }
  let groups = 0;
  const groupsDir = join(runDir, 'groups');
  for (const g of existsSync(groupsDir) ? readdirSync(groupsDir) : []) {
    if (g.startsWith('.')) continue;
    groups++;
    const record = JSON.parse(readFileSync(join(groupsDir, g, 'group.json'), 'utf8')) as { status: string; outputs: string[] };
    t.is(record.status, 'done', `groups/${g}`);
    for (const o of record.outputs) t.true(visible.has(`groups/${g}/${o}`), `groups/${g}/${o} listed in group.json is missing`);
  }
  return groups;
}
