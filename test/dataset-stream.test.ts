import test, { type ExecutionContext } from 'ava';
import { execFile, execFileSync } from 'node:child_process';
import { closeSync, createWriteStream, mkdirSync, openSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { groupId } from '../src/dataset/group-id.js';
import { planDataset, planDatasetStream, type GroupPlan, type PlanStreamOptions, type PlanTotals } from '../src/dataset/plan-dataset.js';
import { readManifest } from '../src/dataset/read-manifest.js';
import { scanImages } from '../src/dataset/scan-images.js';
import { isBnvizError } from '../src/errors.js';
import { ROOT, tempDir } from './helpers/paths.js';

const run = promisify(execFile);

/** A temp folder removed when the test ends, passed or failed. */
function ownTempDir(t: ExecutionContext): string {
  const dir = tempDir();
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** Every chunk of a plan stream, and its totals. */
async function drain(plan: AsyncGenerator<GroupPlan[], PlanTotals>): Promise<{ chunks: GroupPlan[][]; totals: PlanTotals }> {
  const chunks: GroupPlan[][] = [];
  for (let next = await plan.next(); ; next = await plan.next()) {
    if (next.done) return { chunks, totals: next.value };
    chunks.push(next.value);
  }
}

/** The groups a sorted list of images makes, as planDataset has always cut them. */
function groupsOf(files: string[], size: number): GroupPlan[] {
  const groups: GroupPlan[] = [];
  for (let start = 0, index = 0; start < files.length; start += size, ++index) {
    const members = files.slice(start, start + size);
    groups.push({ groupId: groupId(index, members), index, files: members, partial: members.length < size });
  }
  return groups;
}

/** Mulberry32: a seeded generator, so a failing tree can be made again from its seed. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let x = Math.imul(a ^ (a >>> 15), 1 | a);
    x = (x + Math.imul(x ^ (x >>> 7), 61 | x)) ^ x;
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
}

// Names whose order differs between a folder's bare name and its 'name/' ('a' vs 'a.png' vs 'a-1'),
// by code unit and by locale ('ä', 'A', 'Z'), and by code unit and code point ('😀' is two units below '！').
const STEMS = ['a', 'A', 'a b', 'ä', 'a-1', 'a_1', 'ab', 'a.b', 'a0', 'b', 'Z', '~', '日本', '😀', '！', 'a,b', '10', '9'];
const SUFFIXES = ['', '', '.png', '.PNG', '.jpg', '.jpeg', '.tiff', '.webp', '.txt', '.png.txt', '.Gif'];
const IMAGE = /\.(jpe?g|png|webp|tiff?|gif|avif)$/i;
const byCodeUnit = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/**
 * Makes a random tree under `dir` and returns the images scanImages has always
 * found in it: image-named files and symlinks (to a file, a folder, or
 * nothing), none hidden or below a hidden or excluded folder, globally sorted
 * by code unit.
 */
function randomTree(dir: string, seed: number): { expected: string[]; exclude: string } {
  const next = random(seed);
  const pick = <T>(list: readonly T[]) => list[Math.floor(next() * list.length)]!;
  const outside = join(dir, '..', `${dir.split('/').pop()!}-target.png`);
  const expected: string[] = [];
  const root = join(dir, 'data');
  const exclude = join(root, 'out');
  function fill(abs: string, rel: string, depth: number, counted: boolean): void {
    mkdirSync(abs, { recursive: true });
    const used = new Set<string>();
    const entries = Math.floor(next() * (depth === 0 ? 14 : 8));
    for (let i = 0; i < entries; ++i) {
      const name = (next() < 0.08 ? '.' : '') + pick(STEMS) + pick(SUFFIXES);
      if (used.has(name)) continue;
      used.add(name);
      const path = join(abs, name);
      const shown = counted && !name.startsWith('.');
      const kind = next();
      if (kind < 0.3 && depth < 3) {
        fill(path, `${rel}${name}/`, depth + 1, shown);
      } else if (kind < 0.38) {
        symlinkSync(pick([outside, root, join(dir, 'nowhere.png')]), path);
        if (shown && IMAGE.test(name)) expected.push(rel + name);
      } else {
        writeFileSync(path, '');
        if (shown && IMAGE.test(name)) expected.push(rel + name);
      }
    }
  }
  fill(root, '', 0, true);
  mkdirSync(join(exclude, 'run'), { recursive: true });
  writeFileSync(join(exclude, 'run', 'overview.png'), '');
  writeFileSync(outside, '');
  return { expected: expected.sort(byCodeUnit), exclude };
}

test('scanImages, planDataset and planDatasetStream on random trees: the walk, one folder at a time, equals the global sort of relative paths', async (t) => {
  const top = ownTempDir(t);
  let images = 0;
  for (let seed = 1; seed <= 60; ++seed) {
    const dir = join(top, String(seed));
    mkdirSync(dir);
    const { expected, exclude } = randomTree(dir, seed);
    const root = join(dir, 'data');
    images += expected.length;
    const found = await scanImages(root, { exclude: [exclude] });
    t.deepEqual(found, expected, `seed ${seed}`);
    if (expected.length === 0) continue;
    const groupSize = 1 + (seed % 4);
    const plan = await planDataset(root, { groupSize, exclude: [exclude] });
    t.deepEqual(plan.groups, groupsOf(expected, groupSize), `seed ${seed}`);
    t.is(plan.images, expected.length);
    const { chunks, totals } = await drain(planDatasetStream(root, { groupSize, exclude: [exclude], chunkSize: 1 + (seed % 3) }));
    t.deepEqual(chunks.flat(), plan.groups, `seed ${seed}`);
    t.true(chunks.every((c) => c.length <= 1 + (seed % 3)));
    t.deepEqual(totals, { root, images: expected.length, groups: plan.groups.length });
  }
  t.true(images > 500, `the trees hold ${images} images`);
});

test('scanImages orders a folder as its name and "/": a-1.png < a.png < a/x.png < a0/y.png', async (t) => {
  const dir = ownTempDir(t);
  for (const f of ['a/x.png', 'a.png', 'a-1.png', 'a b.png', 'ab.png', 'a0/y.png', 'a/b/c.png', 'a/b.png']) {
    mkdirSync(join(dir, f, '..'), { recursive: true });
    writeFileSync(join(dir, f), '');
  }
  t.deepEqual(await scanImages(dir), ['a b.png', 'a-1.png', 'a.png', 'a/b.png', 'a/b/c.png', 'a/x.png', 'a0/y.png', 'ab.png']);
});

test('planDatasetStream yields chunks of chunkSize groups, the trailing partial group last, and returns the totals', async (t) => {
  const dir = ownTempDir(t);
  for (let i = 0; i < 11; ++i) writeFileSync(join(dir, `${String(i).padStart(2, '0')}.png`), '');
  const { chunks, totals } = await drain(planDatasetStream(dir, { groupSize: 3, chunkSize: 2 }));
  t.deepEqual(chunks.map((c) => c.map((g) => g.files.length)), [[3, 3], [3, 2]]);
  t.deepEqual(chunks.flat().map((g) => g.partial), [false, false, false, true]);
  t.deepEqual(chunks.flat().map((g) => g.index), [0, 1, 2, 3]);
  t.deepEqual(totals, { root: dir, images: 11, groups: 4 });
});

test('planDatasetStream refuses a group or chunk size that is not a positive integer', async (t) => {
  const dir = ownTempDir(t);
  for (const options of [{ groupSize: 0 }, { groupSize: 1.5 }, { groupSize: 3, chunkSize: 0 }] as PlanStreamOptions[]) {
    const err = await t.throwsAsync(planDatasetStream(dir, options).next());
    t.true(isBnvizError(err, 'UsageError'));
    t.regex(err!.message, /^Expected a positive integer for (groupSize|chunkSize) but received/);
  }
});

test('planDatasetStream of a folder with no images throws InputError at its end, having yielded nothing', async (t) => {
  const dir = ownTempDir(t);
  mkdirSync(join(dir, 'sub'));
  writeFileSync(join(dir, 'sub', 'readme.txt'), '');
  const plan = planDatasetStream(dir, { groupSize: 3 });
  const err = await t.throwsAsync(plan.next());
  t.true(isBnvizError(err, 'InputError'));
  t.regex(err!.message, /no images found/);
});

/** A text manifest read the way readManifest always read one: the whole text split at /\r?\n/. */
function linesAsBefore(text: string): string[][] {
  return text.split(/\r?\n/).map((l) => l.trim()).filter((l) => l !== '' && !l.startsWith('#'))
    .map((l) => l.split(/[,\t]/).map((f) => f.trim()).filter(Boolean));
}

test('readManifest of a text manifest read in chunks gives the groups of the whole text split at line ends (CRLF, a lone CR, BOM, multi-byte characters across chunks)', async (t) => {
  const dir = ownTempDir(t);
  const next = random(7);
  const pieces = ['a.png', ' b.jpg', ',', '\t', ', ', '\r\n', '\n', '\n', '\r', '# note', 'ä.png', '😀.png', '  ', 'x/y.png', '\u2028'];
  let text = '\uFEFF';
  while (text.length < 300_000) text += pieces[Math.floor(next() * pieces.length)];
  const file = join(dir, 'groups.txt');
  writeFileSync(file, text);
  const groups = await readManifest(file);
  t.deepEqual(groups.map((g) => g.files), linesAsBefore(text));
  t.true(groups.length > 10_000);
});

test('planDatasetStream yields the first groups of a text manifest before the manifest has ended (a named pipe)', async (t) => {
  const dir = ownTempDir(t);
  const fifo = join(dir, 'groups.fifo');
  execFileSync('mkfifo', [fifo]);
  const writer = createWriteStream(fifo);
  t.teardown(() => writer.destroy());
  writer.write('a.png,b.png\nc.png\n');
  const plan = planDatasetStream(dir, { groupSize: 3, manifest: fifo, chunkSize: 1 });
  let timer: NodeJS.Timeout | undefined;
  const first = await Promise.race([
    plan.next(),
    new Promise<'still waiting'>((resolve) => { timer = setTimeout(() => resolve('still waiting'), 20_000); }),
  ]);
  clearTimeout(timer);
  writer.end('d.png, e.png\n');
  t.not(first, 'still waiting', 'the first group comes while the manifest is still open');
  if (first === 'still waiting') return;
  t.deepEqual(first.value, [{ groupId: groupId(0, ['a.png', 'b.png']), index: 0, files: ['a.png', 'b.png'], partial: false }]);
  const { chunks, totals } = await drain(plan);
  t.deepEqual(chunks.flat().map((g) => g.files), [['c.png'], ['d.png', 'e.png']]);
  t.deepEqual(totals, { root: dir, images: 5, groups: 3 });
});

test('planDatasetStream checks a JSON manifest\'s ids before its first chunk: a repeated id fails at once', async (t) => {
  const dir = ownTempDir(t);
  const file = join(dir, 'groups.json');
  const groups = Array.from({ length: 2500 }, (_, i) => ({ id: `g${i}`, files: [`${i}.png`] }));
  groups.push({ id: 'g3', files: ['again.png'] });
  writeFileSync(file, JSON.stringify({ groups }));
  const err = await t.throwsAsync(planDatasetStream(dir, { groupSize: 3, manifest: file }).next());
  t.true(isBnvizError(err, 'InputError'));
  t.regex(err!.message, /groups\.json: group id g3 appears twice/);
  // an own id that equals a made one is a repeat too
  writeFileSync(file, JSON.stringify({ groups: [['a.png'], { id: groupId(0, ['a.png']), files: ['b.png'] }] }));
  t.regex((await t.throwsAsync(planDataset(dir, { groupSize: 3, manifest: file })))!.message, /appears twice/);
});

/** Runs test/helpers/plan-heap-child.ts and returns what it printed. */
async function heapGrowth(source: 'folder' | 'manifest', path: string, keep: 'discard' | 'retain'): Promise<{ peak: number; groups: number; images: number }> {
  const child = join(ROOT, 'dist', 'test', 'helpers', 'plan-heap-child.js');
  const { stdout } = await run(process.execPath, ['--expose-gc', child, source, path, keep], { maxBuffer: 1 << 20 });
  return JSON.parse(stdout) as { peak: number; groups: number; images: number };
}

const MB = 1 << 20;

/**
 * The stream's heap growth stays under 4 MB, while keeping its chunks (the
 * control, a whole plan in memory) grows by three times that at least: the
 * measure can see a plan that grows.
 */
async function checkFlat(t: ExecutionContext, source: 'folder' | 'manifest', path: string, totals: { groups: number; images: number }): Promise<void> {
  const streamed = await heapGrowth(source, path, 'discard');
  const whole = await heapGrowth(source, path, 'retain');
  t.log(`heap growth: streamed ${(streamed.peak / MB).toFixed(2)} MB, whole plan ${(whole.peak / MB).toFixed(2)} MB`);
  t.like(streamed, totals);
  t.true(whole.peak > 3 * 4 * MB, 'the control: keeping the plan shows as growth');
  t.true(streamed.peak < 4 * MB);
}

// serial: they make their files synchronously, so they run before the tests that wait on events
test.serial('planDatasetStream over 150,000 files in 150 folders: the heap in use stays within 4 MB of where it began (a whole plan: far more)', async (t) => {
  const dir = ownTempDir(t);
  for (let d = 0; d < 150; ++d) {
    const folder = join(dir, `class-${String(d).padStart(3, '0')}`);
    mkdirSync(folder);
    for (let f = 0; f < 1000; ++f) closeSync(openSync(join(folder, `image-${String(f).padStart(5, '0')}.png`), 'w'));
  }
  await checkFlat(t, 'folder', dir, { groups: 50_000, images: 150_000 });
});

test.serial('planDatasetStream over a text manifest of 150,000 groups: the heap in use stays within 4 MB of where it began (a whole plan: far more)', async (t) => {
  const dir = ownTempDir(t);
  const file = join(dir, 'groups.txt');
  const lines: string[] = [];
  for (let i = 0; i < 150_000; ++i) lines.push(`class-${i % 1000}/image-${i}-a.png, class-${i % 1000}/image-${i}-b.png, class-${i % 1000}/image-${i}-c.png`);
  writeFileSync(file, `${lines.join('\n')}\n`);
  await checkFlat(t, 'manifest', file, { groups: 150_000, images: 450_000 });
});
