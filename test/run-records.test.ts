/**
 * The run's own records from its groups (finalizeRun, buildRunRecord), on
 * small exact cases: the groups with the most unseen, the pages of every
 * drawn group, the failures listed and counted, failures.csv, the page
 * scripts' encoding, and the temporaries a dead writer leaves.
 */
import test from 'ava';
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runInNewContext } from 'node:vm';
import { execFileSync } from 'node:child_process';
import { finalizeRun, removeRunTemporaries, type RunGroup } from '../src/records/finalize-run.js';
import { GROUP_RECORD, readRecordSync } from '../src/records/group-record.js';
import { WORST_GROUPS } from '../src/records/gallery-html.js';
import { PAGE_SIZE, pageScript } from '../src/records/gallery-pages.js';
import { buildRunRecord, MAX_LISTED_FAILURES, type RunFailure, type RunRecord } from '../src/records/run-record.js';
import { isSyntheticFailure, readSyntheticRecord, syntheticGroups, syntheticId, syntheticRunRecord, syntheticUnseen } from '../scripts/synthetic-records.js';
import { tempDir } from './helpers/paths.js';
import { gunzipSync } from 'node:zlib';
import { SPREADSHEET_ROWS, summaryFileName } from '../src/records/summary-csv.js';
import { writeStreamAtomic } from '../src/records/write-atomic.js';

function runDirOf(t: { teardown(fn: () => void): void }): string {
  const dir = tempDir();
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

type PageGroup = [id: string, unseen: number, files: string[], view: number, order: number];
interface PageData { views: Array<[string | null, string | null, string[]]>; groups: PageGroup[] }

/** A page script run as the browser runs it: what it hands to bnvizPage. */
function readPage(text: string): { n: number; data: PageData } {
  let got: { n: number; data: PageData } | undefined;
  runInNewContext(text, { bnvizPage: (n: number, data: PageData) => { got = { n, data }; } });
  return got!;
}

function pagesOf(runDir: string): Array<{ n: number; data: PageData }> {
  return readdirSync(join(runDir, 'pages')).sort().map((f) => readPage(readFileSync(join(runDir, 'pages', f), 'utf8')));
}

const csvLines = (file: string) => readFileSync(file, 'utf8').trim().split('\n');

test('finalizeRun shows the groups with the most unseen, most first and of equal ones the earlier, and pages every drawn group in dataset order, 1,000 a page', async (t) => {
  const runDir = runDirOf(t);
  const n = 2500;
  const record = await finalizeRun(runDir, syntheticRunRecord('small', n, 10), syntheticGroups(n, 10), { readGroup: readSyntheticRecord });
  const done = Array.from({ length: n }, (_, i) => i).filter((i) => !isSyntheticFailure(i, 10));
  const want = [...done].sort((a, b) => syntheticUnseen(b) - syntheticUnseen(a) || a - b).slice(0, WORST_GROUPS);
  const page = readFileSync(join(runDir, 'index.html'), 'utf8');
  const worst = [...page.matchAll(/<figure data-order="(\d+)" data-unseen="([0-9.e-]+)">/g)].map((m) => Number(m[1]));
  t.deepEqual(worst, want, 'the worst groups, by dataset index');
  t.regex(page, new RegExp(`<a href="groups/${syntheticId(want[0]!)}/overview\\.png"><img loading="lazy"[^>]* src="groups/${syntheticId(want[0]!)}/thumb\\.webp"`));
  t.regex(page, /Most unseen: the 100 groups of 2250, most first/);
  t.regex(page, /startPager\(3\);/);
  // the pages: every drawn group once, in dataset order, with its record's numbers
  const pages = pagesOf(runDir);
  t.deepEqual(pages.map((p) => p.n), [1, 2, 3]);
  t.deepEqual(pages.map((p) => p.data.groups.length), [PAGE_SIZE, PAGE_SIZE, done.length - 2 * PAGE_SIZE]);
  const paged = pages.flatMap((p) => p.data.groups);
  t.deepEqual(paged.map((g) => g[4]), done);
  t.deepEqual(paged.map((g) => g[0]), done.map(syntheticId));
  t.true(paged.every((g) => Math.abs(g[1] - syntheticUnseen(g[4])) < 1e-6));
  t.deepEqual(pages[0]!.data.views, [['thumb.webp', 'overview.png', ['overview.png']]], 'a view listed once a page');
  t.is(record.counts.done, done.length);
});

test('finalizeRun: run.json lists the first 1,000 failures in dataset order and counts the rest; failures.csv holds every one, spreadsheet-safe', async (t) => {
  const runDir = runDirOf(t);
  const n = 2600;
  const groups: RunGroup[] = [...syntheticGroups(n, 2)];
  const formula = groups.findIndex((g) => g.failure);
  groups[formula] = { groupId: groups[formula]!.groupId, failure: { groupId: groups[formula]!.groupId, files: ['=cmd.png', 'b.png'], error: { name: 'InputError', message: '-1 bytes: =HYPERLINK("x")' } } };
  const record = await finalizeRun(runDir, syntheticRunRecord('fails', n, 2), groups, { readGroup: readSyntheticRecord });
  const failed = groups.filter((g) => g.failure);
  t.is(failed.length, 1300);
  const onDisk = JSON.parse(readFileSync(join(runDir, 'run.json'), 'utf8')) as RunRecord;
  t.deepEqual(onDisk, record);
  t.is(onDisk.failures.length, MAX_LISTED_FAILURES);
  t.is(onDisk.failuresLeftOut, 300);
  t.deepEqual(onDisk.failures.map((f) => f.groupId), failed.slice(0, MAX_LISTED_FAILURES).map((g) => g.groupId));
  const csv = csvLines(join(runDir, 'failures.csv'));
  t.is(csv[0], 'group,files,error,message');
  t.is(csv.length, 1 + 1300);
  t.is(csv[1], `${failed[0]!.groupId},'=cmd.png;b.png,InputError,"'-1 bytes: =HYPERLINK(""x"")"`);
  t.is(csv[2], `${failed[1]!.groupId},${failed[1]!.failure!.files.join(';')},InputError,${failed[1]!.failure!.error.message}`);
  t.is(csv.at(-1)!.split(',')[0], failed.at(-1)!.groupId);
  const page = readFileSync(join(runDir, 'index.html'), 'utf8');
  t.regex(page, /<h2>Failed groups \(1300\)<\/h2>\n<p>the first 100 in dataset order here, every one in <a href="failures.csv">failures.csv<\/a>/);
  t.is((page.match(/<li>/g) ?? []).length, 100);
});

test('finalizeRun given groups without failures keeps the failures the record lists, and writes them to failures.csv', async (t) => {
  const runDir = runDirOf(t);
  const f: RunFailure = { groupId: syntheticId(1), files: ['x.png'], error: { name: 'InputError', message: 'x.png: corrupt' } };
  const run = { ...syntheticRunRecord('given', 3), failures: [f] };
  const record = await finalizeRun(runDir, run, [{ groupId: syntheticId(0) }, { groupId: syntheticId(1) }, { groupId: syntheticId(2) }], { readGroup: async (id) => (id === f.groupId ? undefined : readSyntheticRecord(id)) });
  t.deepEqual(record.failures, [f]);
  t.is(record.failuresLeftOut, 0);
  t.deepEqual(csvLines(join(runDir, 'failures.csv')), ['group,files,error,message', `${f.groupId},x.png,InputError,x.png: corrupt`]);
  t.deepEqual(pagesOf(runDir).flatMap((p) => p.data.groups.map((g) => g[4])), [0, 2]);
});

test('finalizeRun reads an async iterable once, never more than its read-ahead beyond the group it writes', async (t) => {
  const runDir = runDirOf(t);
  const n = 3000;
  let pulled = 0;
  let used = 0;
  let ahead = 0;
  async function* source() {
    for (const g of syntheticGroups(n)) {
      pulled++;
      ahead = Math.max(ahead, pulled - used);
      yield g;
    }
  }
  // a record counts as used when finalizeRun looks at its status, as it writes the group
  const readGroup = async (id: string) => {
    const record = await readSyntheticRecord(id);
    return { ...record, get status() { used++; return record.status; } };
  };
  await finalizeRun(runDir, syntheticRunRecord('async', n), source(), { readGroup, readAhead: 8 });
  t.is(pulled, n);
  t.is(used, n);
  t.true(ahead <= 8 + 1, `${ahead} groups pulled ahead of the one written`);
  t.true(ahead > 1, 'records are read ahead');
  t.is(csvLines(join(runDir, 'summary.csv')).length, 1 + 9 * n);
});

test('finalizeRun again on fewer groups replaces the pages whole: no page of the earlier run is left', async (t) => {
  const runDir = runDirOf(t);
  await finalizeRun(runDir, syntheticRunRecord('again', 2500), syntheticGroups(2500), { readGroup: readSyntheticRecord });
  t.is(readdirSync(join(runDir, 'pages')).length, 3);
  await finalizeRun(runDir, syntheticRunRecord('again', 1200), syntheticGroups(1200), { readGroup: readSyntheticRecord });
  t.deepEqual(readdirSync(join(runDir, 'pages')).sort(), ['000001.js', '000002.js']);
  t.deepEqual(readdirSync(runDir).sort(), ['failures.csv', 'index.html', 'pages', 'report.json', 'run.json', 'summary.csv'], 'no temporary or old folder left');
});

test('summary.csv is plain while a spreadsheet opens it whole (its header and 3 rows an image), gzipped past that', (t) => {
  const most = (SPREADSHEET_ROWS - 1) / 3;
  t.is(most, 349_525);
  t.is(summaryFileName(3), 'summary.csv');
  t.is(summaryFileName(most), 'summary.csv');
  t.is(summaryFileName(most + 1), 'summary.csv.gz');
  t.is(summaryFileName(1_281_167), 'summary.csv.gz', "ImageNet's training set");
});

test('finalizeRun writes summary.csv.gz for a run of more rows than a spreadsheet opens: the same text gzipped, named by run.json and index.html, and the plain one of an earlier version removed', async (t) => {
  const plainDir = runDirOf(t);
  const n = 30;
  const plain = await finalizeRun(plainDir, syntheticRunRecord('plain', n), syntheticGroups(n), { readGroup: readSyntheticRecord });
  t.is(plain.summary, 'summary.csv');
  const text = readFileSync(join(plainDir, 'summary.csv'), 'utf8');
  t.is(text.split('\n').length, 1 + 3 * 3 * n + 1, 'a header, 9 rows a group and the last newline');

  const bigDir = runDirOf(t);
  writeFileSync(join(bigDir, 'summary.csv'), 'an earlier version\n');
  // the same groups, in a run that plans 400,000 images: 1,200,001 rows
  const run = { ...syntheticRunRecord('plain', n), counts: { ...syntheticRunRecord('plain', n).counts, groups: 133_334, images: 400_000 } };
  const big = await finalizeRun(bigDir, run, syntheticGroups(n), { readGroup: readSyntheticRecord });
  t.is(big.summary, 'summary.csv.gz');
  t.is(gunzipSync(readFileSync(join(bigDir, 'summary.csv.gz'))).toString('utf8'), text);
  t.false(readdirSync(bigDir).includes('summary.csv'), "the earlier version's plain summary is gone");
  t.is((JSON.parse(readFileSync(join(bigDir, 'run.json'), 'utf8')) as { summary?: string }).summary, 'summary.csv.gz');
  t.regex(readFileSync(join(bigDir, 'index.html'), 'utf8'), /<a href="summary.csv.gz">summary.csv.gz<\/a> \(gzipped: more rows than a spreadsheet opens\)/);
  t.deepEqual(readdirSync(bigDir).sort(), ['failures.csv', 'index.html', 'pages', 'report.json', 'run.json', 'summary.csv.gz'], 'no temporary left');
});

test('writeStreamAtomic with gzip: a fill that fails leaves neither the file nor its temporary; one that ends writes the text gzipped', async (t) => {
  const dir = runDirOf(t);
  const file = join(dir, 'summary.csv.gz');
  await t.throwsAsync(writeStreamAtomic(file, async (write) => {
    for (let i = 0; i < 2000; i++) await write(`${'x'.repeat(100)},${i}\n`);
    throw new Error('a group could not be read');
  }, { gzip: 3 }), { message: 'a group could not be read' });
  t.deepEqual(readdirSync(dir), []);
  await writeStreamAtomic(file, async (write) => {
    for (let i = 0; i < 2000; i++) await write(`${'x'.repeat(100)},${i}\n`);
  }, { gzip: 3 });
  const lines = gunzipSync(readFileSync(file)).toString('utf8').split('\n');
  t.is(lines.length, 2001);
  t.is(lines[1999], `${'x'.repeat(100)},1999`);
  t.deepEqual(readdirSync(dir), ['summary.csv.gz']);
});

test('a page script is safe whatever the ids and file names hold: no < or line separator in its text, the same strings read back', (t) => {
  const id = '</script><script>alert(1)</script>';
  const files = ['a\u2028b.png', '<!--c.png', 'd\u2029&e".png'];
  const text = pageScript(7, [{ groupId: id, files, maxUnseen: 0.25, outputs: ['overview.png', 'thumb.webp'], order: 3 }]);
  t.false(/[<>\u2028\u2029]/.test(text), text);
  const { n, data } = readPage(text);
  t.is(n, 7);
  t.deepEqual(data.groups, [[id, 0.25, files, 0, 3]]);
});

test('removeRunTemporaries removes temporaries of every run file and of the pages folder, and pages left aside, whoever made them', async (t) => {
  const runDir = runDirOf(t);
  const stale = ['.tmp-summary.csv-otherhost-4242-deadbeef', '.tmp-failures.csv-h-1-00000000', '.tmp-index.html-h-1-00000001', '.tmp-run.json-h-1-00000002'];
  for (const f of stale) writeFileSync(join(runDir, f), 'x');
  for (const d of ['.tmp-pages-h-1-00000003', '.old-pages-h-1-00000004', 'pages', 'groups']) {
    mkdirSync(join(runDir, d));
    writeFileSync(join(runDir, d, '000001.js'), 'x');
  }
  writeFileSync(join(runDir, 'index.html'), 'kept');
  t.is(await removeRunTemporaries(runDir), 6);
  t.deepEqual(readdirSync(runDir).sort(), ['groups', 'index.html', 'pages']);
});

test('buildRunRecord takes failures as any iterable, in any order: the first 1,000 in dataset order, and how many are left out', (t) => {
  const n = 2500;
  const order = new Map(Array.from({ length: n }, (_, i) => [syntheticId(i), i]));
  function* backwards(): Generator<RunFailure> {
    for (let i = n - 1; i >= 0; i--) yield { groupId: syntheticId(i), files: [`${i}.png`], error: { name: 'InputError', message: 'bad' } };
  }
  const { timings: _, ...run } = syntheticRunRecord('r', n);
  const record = buildRunRecord({ ...run, failures: backwards(), indexOf: (id) => order.get(id) });
  t.is(record.failures.length, MAX_LISTED_FAILURES);
  t.is(record.failuresLeftOut, n - MAX_LISTED_FAILURES);
  t.deepEqual(record.failures.map((f) => f.groupId), Array.from({ length: MAX_LISTED_FAILURES }, (_, i) => syntheticId(i)));
  t.deepEqual(buildRunRecord({ ...run, failures: [], indexOf: () => undefined }).failuresLeftOut, 0);
});

test('readRecordSync reads a group.json, and gives nothing for a missing or malformed one, or a named pipe in its place, without waiting on it', (t) => {
  const runDir = runDirOf(t);
  const [good, bad, pipe, none] = ['good', 'bad', 'pipe', 'none'].map((d) => join(runDir, d));
  for (const d of [good, bad, pipe]) mkdirSync(d);
  writeFileSync(join(good, GROUP_RECORD), JSON.stringify({ groupId: 'g', status: 'done' }));
  writeFileSync(join(bad, GROUP_RECORD), '{"groupId": ');
  execFileSync('mkfifo', [join(pipe, GROUP_RECORD)]);
  t.like(readRecordSync(good), { groupId: 'g', status: 'done' });
  t.is(readRecordSync(bad), undefined);
  t.is(readRecordSync(pipe), undefined);
  t.is(readRecordSync(none), undefined);
});
