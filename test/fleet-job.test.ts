import test from 'ava';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfig } from '../src/config/load-config.js';
import { groupOptions } from '../src/config/derive-options.js';
import { backoffDelay, groupIdOfJob, idsOf, jobIdOf, jobOpts, makeJobDocument, parseJobDocument, parseRunSettings } from '../src/fleet/job-document.js';
import { mapJobRoot, resolveRoots } from '../src/fleet/map-root.js';
import { stageReporter } from '../src/fleet/process-job.js';
import { bar, formatRun, formatRunList, localTime, paceOf, workerRate } from '../src/fleet/status-view.js';
import { tempDir } from './helpers/paths.js';

const options = groupOptions(loadConfig({ env: {} }));
const good = () => makeJobDocument('run-1', 0);
/** A job of version 2, which named its group's id and files (still served). */
const named = () => ({ v: 2, runId: 'run-1', groupId: '0001-abcdef12', index: 0, files: ['a.png', 'sub/b.png'] });

test('parseJobDocument accepts what makeJobDocument makes, version 3, and version 2 as it was', (t) => {
  const doc = parseJobDocument(JSON.parse(JSON.stringify(good())));
  t.deepEqual(doc, { v: 3, runId: 'run-1', index: 0 });
  t.deepEqual(parseJobDocument(makeJobDocument('run-1', 7, true)), { v: 3, runId: 'run-1', index: 7, force: true });
  t.deepEqual(parseJobDocument(named()), named());
});

test('a group job names its run and index only: with a 15-character run id, a retried job of group 430,000 is under the 64 bytes Redis keeps compact', (t) => {
  const doc = makeJobDocument('imagenet-a1b2c3', 429_999, true);
  t.false('root' in doc || 'options' in doc || 'files' in doc || 'groupId' in doc);
  t.true(JSON.stringify(doc).length <= 64, JSON.stringify(doc));
  // and so are the options BullMQ keeps beside it (the backoff's delay is the run's)
  t.true(JSON.stringify(jobOpts({ attempts: 10 })).length <= 64, JSON.stringify(jobOpts({ attempts: 10 })));
});

test('a version 3 job names its group by its job id: idsOf reads it back given the run; a job id of another run names none', (t) => {
  t.is(groupIdOfJob(jobIdOf('photos.v2', '0001-1a2b3c4d'), 'photos.v2'), '0001-1a2b3c4d');
  t.is(groupIdOfJob('photos.0001-1a2b3c4d', 'photo'), undefined);
  t.is(groupIdOfJob('photos.0001:x', 'photos'), undefined, 'an unsafe id');
  t.deepEqual(idsOf(makeJobDocument('photos', 3), 'photos.0004-ab'), { runId: 'photos', groupId: '0004-ab', index: 3, files: undefined });
  t.deepEqual(idsOf(named(), 'anything'), { runId: 'run-1', groupId: '0001-abcdef12', index: 0, files: ['a.png', 'sub/b.png'] });
});

test('backoffDelay: BullMQ\'s exponential backoff from the run\'s backoffMs, 2,000 ms when the run does not say', (t) => {
  const run = JSON.stringify({ attempts: 5, backoffMs: 500, force: false });
  t.deepEqual([1, 2, 3, 4].map((n) => backoffDelay(n, run)), [500, 1000, 2000, 4000]);
  t.is(backoffDelay(1, null), 2000);
  t.is(backoffDelay(2, '{not json'), 4000);
  t.is(backoffDelay(1, JSON.stringify({ backoffMs: -1 })), 2000);
  t.is(backoffDelay(1, JSON.stringify({ backoffMs: 0 })), 0);
});

test('parseRunSettings checks the run\'s root and options as strictly as a job, naming the run', (t) => {
  t.deepEqual(parseRunSettings('/data/set', JSON.stringify(options), 'r1'), { root: '/data/set', options });
  t.regex(t.throws(() => parseRunSettings('data/set', JSON.stringify(options), 'r1')).message, /^run r1: invalid run records: Expected an absolute path for root but received "data\/set"$/);
  t.regex(t.throws(() => parseRunSettings('/d', JSON.stringify({ ...options, size: 1e9 }), 'r1')).message, /Expected an integer between 8 and 4096 for options\.size but received 1000000000$/);
  t.regex(t.throws(() => parseRunSettings('/d', '{nope', 'r1')).message, /^run r1: its options in Redis are not JSON$/);
  t.regex(t.throws(() => parseRunSettings(null, null, 'r1')).message, /^run r1: invalid run records/);
});

test('parseJobDocument rejects ".." and absolute files in a version 2 job, naming the key and the reason', (t) => {
  const dots = t.throws(() => parseJobDocument({ ...named(), files: ['a.png', '../../etc/passwd'] }, 'job x'));
  t.is(dots.name, 'InputError');
  t.is(dots.message, `job x: invalid job: Expected a path relative to the dataset root for files[1] but received "../../etc/passwd" (file must not contain '..')`);
  const abs = t.throws(() => parseJobDocument({ ...named(), files: ['/etc/passwd'] }));
  t.regex(abs.message, /for files\[0\] but received "\/etc\/passwd" \(file must be relative to the dataset root, not absolute\)/);
});

test('parseJobDocument rejects malformed documents: unknown version, extra keys, unsafe ids, a bad index, files, options or a root of its own', (t) => {
  t.regex(t.throws(() => parseJobDocument({ ...good(), v: 1 })).message, /Expected version 3 for v but received 1$/);
  t.regex(t.throws(() => parseJobDocument({ ...good(), pixels: [1, 2, 3] })).message, /Unknown key pixels$/);
  t.regex(t.throws(() => parseJobDocument({ ...good(), runId: 'a:b' })).message, /Expected an id of letters, digits.* for runId but received "a:b"$/);
  t.regex(t.throws(() => parseJobDocument({ ...named(), groupId: '../x' })).message, /for groupId but received "\.\.\/x"$/);
  t.regex(t.throws(() => parseJobDocument({ ...good(), index: -1 })).message, /Expected a group index for index but received -1$/);
  t.regex(t.throws(() => parseJobDocument({ ...good(), index: 1.5 })).message, /for index but received 1\.5$/);
  // the group's files are the run's records' in version 3: a job may not bring its own, nor the run's options and root
  t.regex(t.throws(() => parseJobDocument({ ...good(), files: ['../x.png'] })).message, /Unknown key files$/);
  t.regex(t.throws(() => parseJobDocument({ ...good(), groupId: '0001-abcdef12' })).message, /Unknown key groupId$/);
  t.regex(t.throws(() => parseJobDocument({ ...good(), root: '/data/set' })).message, /Unknown key root$/);
  t.regex(t.throws(() => parseJobDocument({ ...named(), options })).message, /Unknown key options$/);
  t.regex(t.throws(() => parseJobDocument('not a document')).message, /for the document but received "not a document"$/);
  t.regex(t.throws(() => parseJobDocument({ ...named(), files: [] })).message, /Expected a list of 1 to 1024 files for files but received \[\]$/);
});

test('jobIdOf joins run and group ids without a colon (BullMQ forbids it in custom ids)', (t) => {
  t.is(jobIdOf('photos-1a2b3c', '0007-deadbeef'), 'photos-1a2b3c.0007-deadbeef');
  t.false(jobIdOf('a', 'b').includes(':'));
});

test('mapJobRoot accepts a root equal to or inside an allowed root, refuses one outside and a link leading out', async (t) => {
  const base = tempDir();
  const allowed = join(base, 'datasets');
  const outside = join(base, 'private');
  mkdirSync(join(allowed, 'set1'), { recursive: true });
  mkdirSync(outside);
  writeFileSync(join(outside, 'secret.png'), 'x');
  symlinkSync(outside, join(allowed, 'escape'));
  const roots = await resolveRoots([allowed]);
  t.is(await mapJobRoot(allowed, roots), roots.real[0]);
  t.is(await mapJobRoot(join(allowed, 'set1'), roots), join(roots.real[0], 'set1'));
  const out = await t.throwsAsync(mapJobRoot(outside, roots));
  t.is(out.name, 'ServeError');
  t.regex(out.message, /outside the roots this worker may read/);
  t.regex((await t.throwsAsync(mapJobRoot(join(allowed, '..', 'private'), roots))).message, /outside the roots/);
  t.regex((await t.throwsAsync(mapJobRoot(join(allowed, 'escape'), roots))).message, /outside the roots/);
  t.regex((await t.throwsAsync(mapJobRoot(join(allowed, 'missing'), roots))).message, /not found/);
});

test('resolveRoots refuses a root that does not exist, as a ConfigError', async (t) => {
  const err = await t.throwsAsync(resolveRoots([join(tempDir(), 'nope')]));
  t.is(err.name, 'ConfigError');
});

test('paceOf gives rate and ETA from the counts and the start time; bar fills by the share finished', (t) => {
  const run = { runId: 'r', total: 10, done: 3, skipped: 1, failed: 1, status: 'running' as const, startedAt: '2026-01-01T00:00:00.000Z' };
  const p = paceOf(run, Date.parse('2026-01-01T00:00:10.000Z'));
  t.deepEqual(p, { finished: 5, rate: 0.5, elapsedSeconds: 10, etaSeconds: 10 });
  t.is(bar(run, 10), '[#####.....]');
  t.is(paceOf({ ...run, startedAt: undefined, status: 'queued' }, 0).etaSeconds, undefined);
  const text = formatRun({ ...run, failures: [{ groupId: 'g', files: ['x.png'], error: { name: 'InputError', message: 'x.png: corrupt' } }], failureCount: 1, workers: [] }, Date.parse('2026-01-01T00:00:10.000Z'));
  t.regex(text, /5\/10 groups: 3 done, 1 already done, 1 failed/);
  t.regex(text, /0\.50 groups\/s over 10s, ETA 10s/);
  t.regex(text, /g \(x\.png\): x\.png: corrupt/);
  t.regex(text, /workers alive: 0/);
});

test('status shows local times with their offset, and each worker\'s groups per second', (t) => {
  const zone = process.env.TZ;
  t.teardown(() => { if (zone === undefined) delete process.env.TZ; else process.env.TZ = zone; });
  process.env.TZ = 'Asia/Kolkata';
  t.is(localTime('2026-01-01T00:00:10.000Z'), '2026-01-01 05:30:10 UTC+05:30');
  process.env.TZ = 'America/New_York';
  t.is(localTime('2026-07-01T12:00:00.000Z'), '2026-07-01 08:00:00 UTC-04:00');
  process.env.TZ = 'UTC';
  t.is(localTime('2026-01-01T00:00:10.000Z'), '2026-01-01 00:00:10 UTC');
  t.is(localTime('not a date'), 'not a date');
  const worker = { host: 'h', pid: 7, queue: 'q', threads: 2, active: 1, processed: 12, failed: 1, startedAt: '2026-01-01T00:00:00.000Z', lastSeen: '2026-01-01T00:00:04.000Z' };
  t.is(workerRate(worker), 3);
  const run = { runId: 'r', total: 12, done: 12, skipped: 0, failed: 0, status: 'finished' as const, startedAt: '2026-01-01T00:00:00.000Z', finishedAt: '2026-01-01T00:00:04.000Z' };
  const text = formatRun({ ...run, failures: [], failureCount: 0, workers: [worker] }, Date.parse('2026-01-01T00:00:05.000Z'));
  t.regex(text, /finished 2026-01-01 00:00:04 UTC/);
  t.notRegex(text, /workers alive|h:7/, 'a finished run lists no workers');
  const running = formatRun({ ...run, done: 11, status: 'running', finishedAt: undefined, failures: [], failureCount: 0, workers: [worker, { ...worker, pid: 8, threads: 1, active: 2 }] }, Date.parse('2026-01-01T00:00:05.000Z'));
  t.regex(running, /h:7 queue q, 1 job in hand on 2 threads, 12 processed \(1 failed\), 3\.00 groups\/s, seen 1s ago/);
  t.regex(running, /h:8 queue q, 2 jobs in hand on 1 thread, /, 'one voice: 1 thread, 1 job');
  // the run list: how long each took, and when it finished
  const list = formatRunList([run, { ...run, runId: 'r2', status: 'running', finishedAt: undefined, done: 6, enqueueDone: '2026-01-01T00:00:00.000Z' }], Date.parse('2026-01-01T00:01:05.000Z'));
  t.regex(list, /^r  finished 12\/12 groups  12 done  0 failed  started 2026-01-01 00:00:00 UTC, finished 2026-01-01 00:00:04 UTC after 4s$/m);
  t.regex(list, /^r2  running  6\/12 groups  6 done  0 failed  started 2026-01-01 00:00:00 UTC, running for 1m05s$/m);
});

/** Long beside the microseconds between two calls, which a busy machine may stretch to tens of milliseconds. */
const PERIOD_MS = 1000;

test('stageReporter: a job that ends within the first wait writes no stage; a longer one its latest stage when the wait ends, then at most one a period; nothing after the end', async (t) => {
  const quick: string[] = [];
  const short = stageReporter((stage) => quick.push(stage), PERIOD_MS, PERIOD_MS / 2);
  short.stage('decode');
  short.stage('density');
  short.end();
  const written: string[] = [];
  let next: (stage: string) => void = () => {};
  const reporter = stageReporter((stage) => {
    written.push(stage);
    next(stage);
  }, PERIOD_MS, PERIOD_MS / 2);
  const first = new Promise<string>((ok) => { next = ok; });
  reporter.stage('decode');
  reporter.stage('normalize');
  t.deepEqual(written, [], 'within the first wait: held');
  t.is(await first, 'normalize', 'the latest stage held is written when the first wait ends');
  const trailing = new Promise<string>((ok) => { next = ok; });
  reporter.stage('density');
  reporter.stage('figure');
  t.deepEqual(written, ['normalize'], 'within the period: held');
  t.is(await trailing, 'figure', 'the latest stage held is written when the period ends');
  t.deepEqual(written, ['normalize', 'figure']);
  reporter.stage('write');
  reporter.end();
  reporter.stage('write');
  // a period and more later, the held stage and the late one were never written, nor the short job's
  await new Promise((ok) => setTimeout(ok, 2 * PERIOD_MS));
  t.deepEqual(written, ['normalize', 'figure']);
  t.deepEqual(quick, [], 'a job ended within its first wait wrote no stage');
});
