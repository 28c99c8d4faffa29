import test, { type ExecutionContext } from 'ava';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { planDataset } from '../src/dataset/plan-dataset.js';
import { scanImages } from '../src/dataset/scan-images.js';
import { isBnvizError } from '../src/errors.js';
import { tempDir } from './helpers/paths.js';

/** A temp folder holding `files` (each 'x'), removed when the test ends. */
function tree(t: ExecutionContext, files: string[]): string {
  const dir = tempDir();
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  for (const f of files) {
    mkdirSync(join(dir, f, '..'), { recursive: true });
    writeFileSync(join(dir, f), 'x');
  }
  return dir;
}

test('scanImages finds every image extension in any case, recursively, sorted, skipping other and hidden files', async (t) => {
  const dir = tree(t, ['b.PNG', 'a.jpg', 'sub/c.JPEG', 'sub/deep/d.webp', 'e.TIF', 'f.tiff', 'g.gif', 'h.avif', 'notes.txt', '.hidden.png', '.cache/i.png', 'Z.png']);
  t.deepEqual(await scanImages(dir), ['Z.png', 'a.jpg', 'b.PNG', 'e.TIF', 'f.tiff', 'g.gif', 'h.avif', 'sub/c.JPEG', 'sub/deep/d.webp']);
});

test('scanImages leaves out an excluded folder (the output folder inside the dataset)', async (t) => {
  const dir = tree(t, ['a.png', 'out/run/groups/g/overview.png']);
  t.deepEqual(await scanImages(dir, { exclude: [join(dir, 'out')] }), ['a.png']);
});

test('planDataset splits into groups of groupSize with stable ids and reports the partial last group', async (t) => {
  const dir = tree(t, ['1.png', '2.png', '3.png', '4.png', '5.png', '6.png', '7.png']);
  const plan = await planDataset(dir, { groupSize: 3 });
  t.is(plan.images, 7);
  t.deepEqual(plan.groups.map((g) => g.files), [['1.png', '2.png', '3.png'], ['4.png', '5.png', '6.png'], ['7.png']]);
  t.deepEqual(plan.groups.map((g) => g.partial), [false, false, true]);
  t.regex(plan.groups[0].groupId, /^0001-[0-9a-f]{8}$/);
  const again = await planDataset(dir, { groupSize: 3 });
  t.deepEqual(again.groups.map((g) => g.groupId), plan.groups.map((g) => g.groupId));
  const other = await planDataset(dir, { groupSize: 2 });
  t.not(other.groups[0].groupId, plan.groups[0].groupId);
});

test('planDataset of a folder with no images is a clear error', async (t) => {
  const dir = tree(t, ['readme.txt']);
  const err = await t.throwsAsync(planDataset(dir, { groupSize: 3 }));
  t.true(isBnvizError(err, 'InputError'));
  t.regex(err!.message, /no images found/);
  const missing = await t.throwsAsync(planDataset(join(dir, 'nope'), { groupSize: 3 }));
  t.regex(missing!.message, /nope: folder not found/);
});

test('planDataset with a manifest takes the user\'s groups, in JSON or text', async (t) => {
  const dir = tree(t, ['a.png', 'b.png', 'c.png']);
  const json = join(dir, 'groups.json');
  writeFileSync(json, JSON.stringify({ groups: [{ id: 'pair', files: ['a.png', 'c.png'] }, ['b.png']] }));
  const plan = await planDataset(dir, { groupSize: 3, manifest: json });
  t.deepEqual(plan.groups.map((g) => [g.groupId.replace(/-.*/, ''), g.files]), [['pair', ['a.png', 'c.png']], ['0002', ['b.png']]]);
  const text = join(dir, 'groups.txt');
  writeFileSync(text, '# my groups\na.png, b.png\n\nc.png\n');
  t.deepEqual((await planDataset(dir, { groupSize: 3, manifest: text })).groups.map((g) => g.files), [['a.png', 'b.png'], ['c.png']]);
});

test('planDataset rejects a malformed manifest, naming the file', async (t) => {
  const dir = tree(t, ['a.png']);
  const bad = join(dir, 'bad.json');
  writeFileSync(bad, JSON.stringify({ groups: [[]] }));
  t.regex((await t.throwsAsync(planDataset(dir, { groupSize: 3, manifest: bad })))!.message, /bad\.json: expected a list of groups/);
  const badId = join(dir, 'id.json');
  writeFileSync(badId, JSON.stringify({ groups: [{ id: '../x', files: ['a.png'] }] }));
  t.regex((await t.throwsAsync(planDataset(dir, { groupSize: 3, manifest: badId })))!.message, /id\.json: group id "\.\.\/x"/);
});
