import test from 'ava';
import { execFileSync, spawn } from 'node:child_process';
import { closeSync, constants, copyFileSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { makeThumbnail } from '../src/records/thumbnail.js';
import { readStatsFiles } from '../src/records/stats-file.js';
import { loadConfig } from '../src/config/load-config.js';
import { runDataset } from '../src/run/run-dataset.js';
import { createGroupPool } from '../src/pool/group-pool.js';
import { groupOptions } from '../src/config/derive-options.js';
import type { GroupTask } from '../src/group/group-task.js';
import { watchChild } from './helpers/child-output.js';
import { makeCases, writePng } from './helpers/make-images.js';
import { assertWhole, walk } from './helpers/output-tree.js';
import { CLI, EXAMPLES, tempDir } from './helpers/paths.js';
import { runCli } from './helpers/run-cli.js';

const FAST = ['--size', '64', '--figures', 'overview'];

/** A line `bnviz run` prints (without --json, stdout not a terminal) once a group is done and on disk. */
const groupDone = (line: string) => /^\[\d+\/\d+\] \S+ done in /.test(line);

test('bnviz run on examples, generated and bad files: outputs, stats.json equal to inspect, failures with reasons, exit 1', async (t) => {
  const dir = tempDir();
  for (const f of readdirSync(EXAMPLES).filter((f) => f.endsWith('.png'))) copyFileSync(join(EXAMPLES, f), join(dir, f));
  mkdirSync(join(dir, 'gen'));
  for (let i = 0; i < 4; i++) await writePng(join(dir, 'gen', `g${i}.png`), 40 + i * 10, 50, i);
  const bad = join(dir, 'zbad');
  mkdirSync(bad);
  const cases = await makeCases(tempDir());
  copyFileSync(cases.corrupt, join(bad, 'a-corrupt.png'));
  copyFileSync(cases.empty, join(bad, 'b-empty.png'));
  copyFileSync(cases.text, join(bad, 'c-notes.jpg'));
  const out = tempDir();
  const { code, stdout, stderr } = await runCli(['run', dir, '--out', out, '--run', 'e2e', '--size', '256', '--figures', 'overview,compare', '--threads', '2']);
  t.is(code, 1, stderr);
  const runDir = join(out, 'e2e');
  const run = JSON.parse(readFileSync(join(runDir, 'run.json'), 'utf8'));
  // sorted: astronaut chelsea coffee | gen/g0..g2 | gen/g3 zbad/a-corrupt zbad/b-empty | zbad/c-notes.jpg
  t.deepEqual(run.counts, { groups: 4, images: 10, done: 2, skipped: 0, failed: 2, partialGroups: [run.failures.at(-1).groupId] });
  // every bad file of the group is named, in the group's order
  t.regex(run.failures[0].error.message, /zbad\/a-corrupt\.png: corrupt or truncated image data.*; .*zbad\/b-empty\.png: empty file \(0 bytes\)$/);
  t.deepEqual(run.failures[0].files, ['gen/g3.png', 'zbad/a-corrupt.png', 'zbad/b-empty.png']);
  t.regex(run.failures[1].error.message, /zbad\/c-notes\.jpg: not an image/);
  t.regex(stdout, /failed .*zbad\/a-corrupt\.png: corrupt or truncated/);
  t.is(await assertWhole(t, runDir), 2);
  const first = readdirSync(join(runDir, 'groups')).sort()[0];
  t.deepEqual(readdirSync(join(runDir, 'groups', first)).sort(), ['compare.png', 'densities.f32', 'group.json', 'overview.png', 'stats.json', 'thumb.webp']);
  // stats.json at most 40 KB a group: its densities are in the float32 sidecar
  t.true(statSync(join(runDir, 'groups', first, 'stats.json')).size <= 40 * 1024);
  // the thumbnail: the overview made small, at most 40 KB, and what index.html shows (linking the overview)
  const thumb = readFileSync(join(runDir, 'groups', first, 'thumb.webp'));
  t.true(thumb.length <= 40 * 1024, `thumb.webp is ${thumb.length} bytes`);
  const thumbMeta = await sharp(thumb).metadata();
  t.deepEqual([thumbMeta.format, thumbMeta.width, thumbMeta.height], ['webp', 360, 180]);
  t.true(thumb.equals(await makeThumbnail(readFileSync(join(runDir, 'groups', first, 'overview.png')))), 'made from the drawn pixels, the same as from the PNG');
  t.regex(readFileSync(join(runDir, 'index.html'), 'utf8'), new RegExp(`<a href="groups/${first}/overview\\.png"><img loading="lazy"[^>]* src="groups/${first}/thumb\\.webp"`));
  // stats.json is what bnviz inspect prints for the same files
  const inspect = await runCli(['inspect', ...['astronaut.png', 'chelsea.png', 'coffee.png'].map((f) => join(dir, f)), '--json']);
  const a = JSON.parse(inspect.stdout);
  const b = readStatsFiles(join(runDir, 'groups', first));
  // (the sidecar holds the densities as float32)
  for (const img of a.images) for (const ch of img.channels) for (const v of ['original', 'normalized', 'minmax']) {
    for (const k of ['x', 'y']) ch[v].density[k] = ch[v].density[k].map(Math.fround);
  }
  t.deepEqual(b.batch, a.batch);
  t.deepEqual(b.images.map((i: { channels: unknown }) => i.channels), a.images.map((i: { channels: unknown }) => i.channels));
  // summary.csv: a header and one row per image and channel of the done groups
  const csv = readFileSync(join(runDir, 'summary.csv'), 'utf8').trim().split('\n');
  t.is(csv.length, 1 + 6 * 3);
  t.regex(csv[1], /^0001-[0-9a-f]{8},astronaut\.png,R,0,1,/);
  const html = readFileSync(join(runDir, 'index.html'), 'utf8');
  t.regex(html, /Failed groups \(2\)/);
  t.regex(html, /a-corrupt\.png: corrupt or truncated/);
  t.is((html.match(/<figure /g) ?? []).length, 2);
});

test('bnviz run again skips the groups already done; --force redoes them', async (t) => {
  const dir = tempDir();
  for (let i = 0; i < 6; i++) await writePng(join(dir, `i${i}.png`), 32, 32, i);
  const out = tempDir();
  const first = await runCli(['run', dir, '--out', out, ...FAST]);
  t.is(first.code, 0, first.stderr);
  t.regex(first.stdout, /2 done, 0 already done, 0 failed of 2 groups/);
  const again = await runCli(['run', dir, '--out', out, ...FAST]);
  t.regex(again.stdout, /0 done, 2 already done/);
  const changed = await runCli(['run', dir, '--out', out, ...FAST, '--epsilon', '0.01']);
  t.regex(changed.stdout, /2 done, 0 already done/, 'other options are other outputs');
  const forced = await runCli(['run', dir, '--out', out, ...FAST, '--epsilon', '0.01', '--force']);
  t.regex(forced.stdout, /2 done, 0 already done/);
});

test('bnviz run --json prints start, group and end events; a partial last group is reported', async (t) => {
  const dir = tempDir();
  for (let i = 0; i < 4; i++) await writePng(join(dir, `i${i}.png`), 32, 32, i);
  const { code, stdout } = await runCli(['run', dir, '--out', tempDir(), ...FAST, '--json']);
  t.is(code, 0);
  const events = stdout.trim().split('\n').map((l) => JSON.parse(l));
  t.deepEqual(events.map((e) => e.event), ['start', 'group', 'group', 'end']);
  t.is(events[0].partialGroups.length, 1);
  t.is(events[3].counts.done, 2);
  t.deepEqual(events.filter((e) => e.event === 'group').map((e) => e.files.length).sort(), [1, 3]);
});

test('bnviz run on a folder with no images exits 2 with a clear message', async (t) => {
  const { code, stderr } = await runCli(['run', tempDir(), '--out', tempDir()]);
  t.is(code, 2);
  t.regex(stderr, /no images found/);
});

test('runDataset runs groups on more than one thread', async (t) => {
  const dir = tempDir();
  for (let i = 0; i < 24; i++) await writePng(join(dir, `i${String(i).padStart(2, '0')}.png`), 32, 32, i);
  const config = loadConfig({ env: {}, flags: { out: tempDir(), threads: 2, size: 64, figures: 'overview' } });
  const { record } = await runDataset(dir, config);
  t.is(record.counts.done, 8);
  t.is(record.threads, 2);
});

test('createGroupPool(2) runs two groups at once: both start before either ends', async (t) => {
  const dir = tempDir();
  for (let i = 0; i < 6; i++) await writePng(join(dir, `i${i}.png`), 32, 32, i);
  const pool = createGroupPool(2);
  t.teardown(() => pool.close());
  const runDir = tempDir();
  const options = groupOptions(loadConfig({ env: {}, flags: { size: 64, figures: 'overview' } }));
  const events: string[] = [];
  const task = (n: number): GroupTask => ({ runId: 'r', groupId: `g${n}`, root: dir, files: [`i${n}.png`, `i${n + 1}.png`, `i${n + 2}.png`], runDir, options, force: true });
  // On one thread the second group could not start before the first ended; the order of events says which it was.
  await Promise.all([0, 3].map((n) => pool.run(task(n), (stage) => { if (stage === 'decode') events.push(`start g${n}`); }).then((r) => {
    events.push(`end g${n}`);
    t.is(r.status, 'done');
  })));
  t.deepEqual(events.slice(0, 2).map((e) => e.split(' ')[0]), ['start', 'start'], events.join(', '));
});

/**
 * 90 images in 30 groups listed by a manifest, the last image a named pipe:
 * reading it blocks until someone writes, so the run cannot end before the
 * test's signal lands, however slow or fast the machine.
 */
async function blockedDataset(): Promise<{ dir: string; manifest: string; pipe: string }> {
  const dir = tempDir();
  const names = Array.from({ length: 90 }, (_, i) => `i${String(i).padStart(2, '0')}.png`);
  for (const name of names.slice(0, -1)) await writePng(join(dir, name), 48, 48, names.indexOf(name));
  const pipe = join(dir, names.at(-1)!);
  execFileSync('mkfifo', [pipe]);
  const manifest = join(tempDir(), 'groups.txt');
  writeFileSync(manifest, Array.from({ length: 30 }, (_, g) => names.slice(3 * g, 3 * g + 3).join(',')).join('\n') + '\n');
  return { dir, manifest, pipe };
}

/** Ends the pipe's reader, if any, by opening it for writing and closing it (it then reads an empty, invalid file); tried until `exited` settles. */
async function releasePipe(pipe: string, exited: Promise<unknown>): Promise<void> {
  let over = false;
  void exited.then(() => { over = true; });
  while (!over) {
    try {
      closeSync(openSync(pipe, constants.O_WRONLY | constants.O_NONBLOCK));
    } catch { /* no reader yet (ENXIO) */ }
    await new Promise((r) => setTimeout(r, 100));
  }
}

test('bnviz run SIGKILLed mid-run leaves no partial file; the re-run does only what was missing', async (t) => {
  const { dir, manifest, pipe } = await blockedDataset();
  const out = tempDir();
  const runDir = join(out, 'killed');
  const args = ['run', dir, '--manifest', manifest, '--out', out, '--run', 'killed', '--threads', '2', ...FAST];
  const child = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  const run = watchChild(child);
  // kill once a few groups are written; the group of the pipe cannot end before
  await run.waitForLine('the 3rd group done', groupDone, 3);
  child.kill('SIGKILL');
  await run.exited;
  const before = await assertWhole(t, runDir, { temporaries: true });
  t.true(before >= 3 && before < 30, `groups done before the kill: ${before}`);
  // nothing visible is partial: only whole group folders, and leftovers are hidden temporaries
  for (const f of walk(runDir)) t.true(/^(run\.json|\.run\.lock|groups\/[^./][^/]*\/[^/]+|groups\/\.tmp-[^/]+(\/[^/]+)?|\.tmp-.*)$/.test(f), f);
  rmSync(pipe);
  await writePng(pipe, 48, 48, 89);
  const rerun = await runCli(args);
  t.is(rerun.code, 0, rerun.stderr);
  const m = /(\d+) done, (\d+) already done, 0 failed of 30 groups/.exec(rerun.stdout);
  t.truthy(m, rerun.stdout);
  t.is(Number(m![2]), before);
  t.is(Number(m![1]), 30 - before);
  t.is(await assertWhole(t, runDir), 30);
  t.deepEqual(walk(runDir).filter((f) => f.includes('.tmp-') || f.includes('.old-')), [], 'leftovers of the killed run removed');
  t.true(statSync(join(runDir, 'summary.csv')).size > 0);
});

test('bnviz run on SIGINT finishes the groups in flight, writes the run records as interrupted and exits 130', async (t) => {
  const { dir, manifest, pipe } = await blockedDataset();
  const out = tempDir();
  const runDir = join(out, 'stopped');
  const child = spawn(process.execPath, [CLI, 'run', dir, '--manifest', manifest, '--out', out, '--run', 'stopped', '--threads', '2', ...FAST], { stdio: ['ignore', 'pipe', 'pipe'] });
  const run = watchChild(child);
  await run.waitForLine('the 2nd group done', groupDone, 2);
  child.kill('SIGINT');
  // the group of the pipe, if it is in flight, ends (as bad input) once the pipe has a writer that closes it
  void releasePipe(pipe, run.exited);
  t.is(await run.exited, 130, run.stderr());
  const stderr = run.stderr();
  t.regex(stderr, /SIGINT: finishing the groups in flight/);
  const record = JSON.parse(readFileSync(join(runDir, 'run.json'), 'utf8'));
  t.is(record.status, 'interrupted');
  const whole = await assertWhole(t, runDir);
  t.is(record.counts.done, whole, 'every group counted done is on disk, whole');
  t.true(whole < 30);
  t.deepEqual(walk(runDir).filter((f) => f.includes('.tmp-') || f.includes('.old-')), [], 'no temporaries left');
  t.is(readFileSync(join(runDir, 'summary.csv'), 'utf8').trim().split('\n').length, 1 + whole * 9);
});

test('bnviz run follows symlinks in the user\'s own folder to images elsewhere', async (t) => {
  const elsewhere = tempDir();
  const dir = tempDir();
  for (let i = 0; i < 3; i++) {
    await writePng(join(elsewhere, `src${i}.png`), 32, 32, i);
    symlinkSync(join(elsewhere, `src${i}.png`), join(dir, `link${i}.png`));
  }
  const out = tempDir();
  const { code, stdout, stderr } = await runCli(['run', dir, '--out', out, '--run', 'links', ...FAST]);
  t.is(code, 0, stderr);
  t.regex(stdout, /1 done, 0 already done, 0 failed of 1 group in /);
});

test('two bnviz run on one run folder: the second is refused in one line naming the first (exit 2); once the first is gone, the folder is taken over', async (t) => {
  const { dir, manifest, pipe } = await blockedDataset();
  const out = tempDir();
  const args = ['run', dir, '--manifest', manifest, '--out', out, '--run', 'shared', '--threads', '1', ...FAST];
  const child = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  const first = watchChild(child);
  await first.waitForLine('the 1st group done', groupDone, 1);
  const second = await runCli(args);
  t.is(second.code, 2);
  t.regex(second.stderr, new RegExp(`^bnviz: ${join(out, 'shared').replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} is in use by bnviz run \\(pid ${child.pid} on [^,]+, since [^)]+\\); wait for it to end, or if it has ended, run again\\n$`));
  child.kill('SIGKILL');
  await first.exited;
  rmSync(pipe);
  await writePng(pipe, 48, 48, 89);
  const again = await runCli(args);
  t.is(again.code, 0, again.stderr);
  t.regex(again.stdout, /0 failed of 30 groups/);
  t.false(existsSync(join(out, 'shared', '.run.lock')), 'released at the end');
});
