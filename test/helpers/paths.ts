/** Paths the tests share; tests run from the package root (dist/test/... is compiled). */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { reapFolder } from './reaper.js';

export const ROOT = resolve(process.cwd());
export const EXAMPLES = join(ROOT, 'examples');
/** The reference numbers of the write-up's own stack (see its README). */
export const REFERENCE = join(ROOT, 'test', 'fixtures', 'reference');
export const CLI = join(ROOT, 'dist', 'src', 'cli.js');

/** The reference order of the example group (stats.json's). */
export const EXAMPLE_FILES = ['astronaut.png', 'coffee.png', 'chelsea.png'].map((f) => join(EXAMPLES, f));

/** A temporary folder, removed when the test process ends (however it ends: see reaper.ts). */
export function tempDir(prefix = 'bnviz-test-'): string {
  return reapFolder(mkdtempSync(join(tmpdir(), prefix)));
}

/** A temporary folder removed when the test ends. */
export function ownTempDir(t: { teardown(fn: () => void): void }, prefix = 'bnviz-test-'): string {
  const dir = tempDir(prefix);
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}
