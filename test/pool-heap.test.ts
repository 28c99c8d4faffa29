/**
 * The group pool sizes its threads' heaps so that a group's figures do not
 * cost a full collection each (group-pool.ts, INITIAL_OLD_SPACE_MB), and
 * leaves a size the user gave node alone.
 */
import test from 'ava';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { ROOT } from './helpers/paths.js';

const CHILD = join(ROOT, 'dist', 'test', 'helpers', 'pool-heap-child.js');

function majorCollections(nodeArgs: string[] = []): number {
  const out = execFileSync(process.execPath, [...nodeArgs, CHILD], { encoding: 'utf8', timeout: 60_000 });
  const result = JSON.parse(out.trim().split('\n').pop()!) as { major: number; kept: number };
  if (result.kept !== 400000) throw new Error(`the child kept ${result.kept} arrays`);
  return result.major;
}

test('a thread made after the pool keeps 48 MB without a full collection; with the user\'s own small size it needs at least one', (t) => {
  const sized = majorCollections();
  const small = majorCollections(['--initial-old-space-size=4']);
  t.log(`full collections: ${sized} with the pool's size, ${small} with --initial-old-space-size=4`);
  t.is(sized, 0);
  t.true(small >= 1, `${small} full collections with the user's 4 MB`);
});
