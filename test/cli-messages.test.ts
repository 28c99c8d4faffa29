/**
 * What the command line says when something is wrong: one line on stderr,
 * exit code 2, naming what to change. Each test runs the built command.
 */
import test from 'ava';
import { execFile, execFileSync, spawn } from 'node:child_process';
import { open } from 'node:fs/promises';
import { mkdirSync, writeFileSync } from 'node:fs';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { EXAMPLE_FILES, EXAMPLES, tempDir, ownTempDir, CLI } from './helpers/paths.js';
import { runCli } from './helpers/run-cli.js';
import { watchChild } from './helpers/child-output.js';
import { configFrom } from '../src/cli/common-options.js';
import { writePng } from './helpers/make-images.js';
import { redisScope } from './helpers/redis.js';
import { spawnWorker } from './helpers/worker-process.js';

/** stderr as lines, without the empty last one. */
const lines = (text: string) => text.split('\n').filter((l) => l !== '');

/** Runs bnviz inside a private mount namespace (unshare, as root) after `setup`, a shell line that mounts what the test needs. */
function runInMountNamespace(setup: string, args: string[]): Promise<{ code: number; stderr: string }> {
  const quoted = [process.execPath, CLI, ...args].map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
  return new Promise((resolve) => {
    execFile('unshare', ['--mount', '--propagation', 'private', 'sh', '-c', `${setup} && exec ${quoted}`], (err, _stdout, stderr) => {
      resolve({ code: err ? (typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : 1) : 0, stderr });
    });
  });
}

test('bnviz run --out FILE: the output folder is a file, one line, exit 2', async (t) => {
  const file = join(tempDir(), 'not-a-folder');
  writeFileSync(file, 'x');
  const r = await runCli(['run', EXAMPLES, '--out', file]);
  t.is(r.code, 2);
  t.deepEqual(lines(r.stderr), [`bnviz: output folder ${file}: is a file, not a folder; choose another with --out`]);
  const below = await runCli(['run', EXAMPLES, '--out', join(file, 'sub')]);
  t.is(below.code, 2);
  t.deepEqual(lines(below.stderr), [`bnviz: output folder ${join(file, 'sub')}: ${file} is a file, not a folder; choose another with --out`]);
});

test('bnviz run --out /proc/nope: a file system that refuses folders is one line and exit 2, not a mkdir loop', async (t) => {
  const r = await runCli(['run', EXAMPLES, '--out', '/proc/nope/out']);
  t.is(r.code, 2);
  t.deepEqual(lines(r.stderr), ['bnviz: output folder /proc/nope/out: cannot create folders in /proc (the file system does not allow it); choose another with --out']);
});

test('bnviz run and render on a read-only file system say so in one line, exit 2', async (t) => {
  const mount = tempDir();
  const setup = `mount -t tmpfs -o ro,size=1m bnviz-test ${mount}`;
  const run = await runInMountNamespace(setup, ['run', EXAMPLES, '--out', join(mount, 'out')]);
  t.is(run.code, 2, run.stderr);
  t.deepEqual(lines(run.stderr), [`bnviz: output folder ${join(mount, 'out')}: cannot create ${join(mount, 'out')}: read-only file system; choose another with --out`]);
  const render = await runInMountNamespace(setup, ['render', ...EXAMPLE_FILES, '--out', mount]);
  t.is(render.code, 2, render.stderr);
  t.deepEqual(lines(render.stderr), [`bnviz: output folder ${mount}: cannot write there: read-only file system; choose another with --out`]);
});

test('bnviz run with no space left on the output device: one line at start, exit 2', async (t) => {
  const mount = tempDir();
  // a 64 KiB file system, filled to the last block
  const setup = `mount -t tmpfs -o size=64k bnviz-test ${mount} && mkdir ${mount}/out && (head -c 1000000 /dev/zero > ${mount}/fill 2>/dev/null; true)`;
  const r = await runInMountNamespace(setup, ['run', EXAMPLES, '--out', join(mount, 'out')]);
  t.is(r.code, 2, r.stderr);
  t.deepEqual(lines(r.stderr), [`bnviz: output folder ${join(mount, 'out')}: cannot write there: no space left on the device; choose another with --out`]);
});

test('bnviz dashboard on a port in use: one line that suggests --port, exit 2', async (t) => {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  t.teardown(() => server.close());
  const { port } = server.address() as { port: number };
  // Redis is never reached: an unused address fails only when asked, after listen
  const r = await runCli(['dashboard', '--port', String(port), '--redis', 'redis://127.0.0.1:1', '--out', tempDir()]);
  t.is(r.code, 2);
  t.deepEqual(lines(r.stderr), [`bnviz: port ${port} on 127.0.0.1 is in use by another program; choose another with --port`]);
  // set by the environment, the message names the variable
  const env = await runCli(['dashboard', '--redis', 'redis://127.0.0.1:1', '--out', tempDir()], { env: { BNVIZ_DASHBOARD_PORT: String(port) } });
  t.is(env.code, 2);
  t.deepEqual(lines(env.stderr), [`bnviz: port ${port} on 127.0.0.1 is in use by another program; choose another with BNVIZ_DASHBOARD_PORT`]);
});

test('a bad flag value names the flag and echoes the text given, exit 2', async (t) => {
  const size = await runCli(['render', ...EXAMPLE_FILES, '--size', 'abc', '--out', tempDir()]);
  t.is(size.code, 2);
  t.deepEqual(lines(size.stderr), ['bnviz: Expected an integer between 8 and 4096 for --size but received "abc"']);
  const groupSize = await runCli(['run', EXAMPLES, '--group-size', '0', '--out', tempDir()]);
  t.is(groupSize.code, 2);
  t.deepEqual(lines(groupSize.stderr), ['bnviz: Expected an integer between 1 and 1024 for --group-size but received "0"']);
});

test('a bad environment value names the variable, exit 2', async (t) => {
  const r = await runCli(['render', ...EXAMPLE_FILES, '--out', tempDir()], { env: { BNVIZ_SIZE: 'big' } });
  t.is(r.code, 2);
  t.deepEqual(lines(r.stderr), ['bnviz: Expected an integer between 8 and 4096 for BNVIZ_SIZE but received "big"']);
});

test('a bad value in a config file names the file and its line and echoes the value, exit 2', async (t) => {
  const file = join(tempDir(), 'bnviz.json');
  writeFileSync(file, '{\n  // size of every image\n  "size": "big",\n  "groupSize": 4\n}\n');
  const r = await runCli(['render', ...EXAMPLE_FILES, '--config', file, '--out', tempDir()]);
  t.is(r.code, 2);
  t.deepEqual(lines(r.stderr), [`bnviz: Expected an integer between 8 and 4096 for size in ${file} line 3 but received "big"`]);
});

test('broken JSON in a config file gives its line and column, exit 2', async (t) => {
  const file = join(tempDir(), 'bnviz.json');
  writeFileSync(file, '{\n  "size": 64\n  "groupSize": 4\n}\n');
  const r = await runCli(['render', ...EXAMPLE_FILES, '--config', file, '--out', tempDir()]);
  t.is(r.code, 2);
  t.deepEqual(lines(r.stderr), [`bnviz: config file ${file} line 3, column 3: Expected ',' or '}' after property value`]);
});

test('an unknown BNVIZ_ variable is warned about, with the setting it is nearest to; the command still runs', async (t) => {
  const out = tempDir();
  const r = await runCli(['render', ...EXAMPLE_FILES, '--out', out, '--figures', 'overview', '--size', '32'], { env: { BNVIZ_SIZ: '64' } });
  t.is(r.code, 0, r.stderr);
  t.deepEqual(lines(r.stderr), ['bnviz: warning: BNVIZ_SIZ="64" is not a bnviz setting, so it is ignored (did you mean BNVIZ_SIZE?)']);
});

test('commander\'s own errors are one bnviz: line with the hint and where the help is, exit 2', async (t) => {
  const cases: Array<[string[], string]> = [
    [['run', EXAMPLES, '--sise', '64'], "bnviz: unknown option '--sise' (did you mean --size?); bnviz run --help lists its options"],
    [['rnu', EXAMPLES], "bnviz: unknown command 'rnu' (did you mean run?); bnviz --help lists the commands"],
    [['run'], "bnviz: missing required argument 'dir'; bnviz run --help lists its options"],
    [['render', ...EXAMPLE_FILES, '--size'], "bnviz: option '--size <px>' argument missing; bnviz render --help lists its options"],
    [['run', EXAMPLES, '--quiet', '--verbose'], "bnviz: option '-q, --quiet' cannot be used with option '-v, --verbose'; bnviz run --help lists its options"],
  ];
  for (const [args, expected] of cases) {
    const r = await runCli(args);
    t.is(r.code, 2, args.join(' '));
    t.deepEqual(lines(r.stderr), [expected]);
  }
});

test('a setting checked after start is named as it was given: the flag, the environment variable or the config file line', async (t) => {
  const redis = await runCli(['status', '--redis', 'nope']);
  t.is(redis.code, 2);
  t.deepEqual(lines(redis.stderr), ['bnviz: Expected a URL as redis://[:password@]host[:port][/db] for --redis but received "nope"']);
  const redisEnv = await runCli(['status'], { env: { BNVIZ_REDIS_URL: 'http://example.org' } });
  t.is(redisEnv.code, 2);
  t.deepEqual(lines(redisEnv.stderr), ['bnviz: Expected a redis:// or rediss:// URL for BNVIZ_REDIS_URL but received "http://example.org"']);
  const file = join(ownTempDir(t), 'bnviz.json');
  writeFileSync(file, '{\n  "redis": {\n    "url": "nope"\n  }\n}\n');
  const redisFile = await runCli(['status', '--config', file]);
  t.is(redisFile.code, 2);
  t.deepEqual(lines(redisFile.stderr), [`bnviz: Expected a URL as redis://[:password@]host[:port][/db] for redis.url in ${file} line 3 but received "nope"`]);
  const missing = join(ownTempDir(t), 'missing');
  const roots = await runCli(['worker', '--roots', missing, '--redis', 'redis://127.0.0.1:1']);
  t.is(roots.code, 2);
  t.deepEqual(lines(roots.stderr), [`bnviz: Expected an existing folder for --roots but received ${JSON.stringify(missing)}`]);
  const rootsEnv = await runCli(['worker', '--redis', 'redis://127.0.0.1:1'], { env: { BNVIZ_ROOTS: missing } });
  t.deepEqual(lines(rootsEnv.stderr), [`bnviz: Expected an existing folder for BNVIZ_ROOTS but received ${JSON.stringify(missing)}`]);
  const out = await runCli(['run', EXAMPLES], { env: { BNVIZ_OUT: '/proc/nope/out' } });
  t.is(out.code, 2);
  t.deepEqual(lines(out.stderr), ['bnviz: output folder /proc/nope/out: cannot create folders in /proc (the file system does not allow it); choose another with BNVIZ_OUT']);
});

test('--port 99999: the range in words, for the flag', async (t) => {
  const r = await runCli(['dashboard', '--port', '99999']);
  t.is(r.code, 2);
  t.deepEqual(lines(r.stderr), ['bnviz: Expected an integer between 0 and 65535 for --port but received "99999"']);
});

test('--backend node without tfjs-node stops at start with one line, exit 2 (no silent fallback); --backend cpu prints no tfjs banner', async (t) => {
  const node = await runCli(['inspect', ...EXAMPLE_FILES, '--size', '16', '--backend', 'node']);
  t.is(node.code, 2);
  t.deepEqual(lines(node.stderr), ['bnviz: --backend: node needs @tensorflow/tfjs-node, which is not installed (npm install @tensorflow/tfjs-node); auto uses it when it is there and works, else wasm']);
  const run = await runCli(['run', EXAMPLES, '--out', ownTempDir(t)], { env: { BNVIZ_BACKEND: 'node' } });
  t.is(run.code, 2);
  t.regex(run.stderr, /^bnviz: BNVIZ_BACKEND: node needs @tensorflow\/tfjs-node/);
  const cpu = await runCli(['inspect', ...EXAMPLE_FILES, '--size', '16', '--backend', 'cpu']);
  t.is(cpu.code, 0, cpu.stderr);
  t.is(cpu.stderr, '');
  t.regex(cpu.stdout, /backend cpu/);
});

test('bnviz fit --save into a folder that takes no files names the file given, not its temporary', async (t) => {
  const r = await runCli(['fit', EXAMPLES, '--size', '16', '--save', '/proc/stats.json']);
  t.is(r.code, 2);
  t.deepEqual(lines(r.stderr), ['bnviz: cannot write /proc/stats.json (--save): its folder does not exist or takes no files']);
});

test('bnviz run: one group on one thread is "1 group" and "1 thread"; --quiet prints nothing when all is well', async (t) => {
  const out = ownTempDir(t);
  const r = await runCli(['run', EXAMPLES, '--out', out, '--size', '16', '--figures', 'overview', '--threads', '1']);
  t.is(r.code, 0, r.stderr);
  t.regex(r.stderr, /: 1 group \(3 images\) on 1 thread -> /);
  t.regex(r.stdout, /0 failed of 1 group in /);
  const quiet = await runCli(['run', EXAMPLES, '--out', out, '--size', '16', '--figures', 'overview', '--quiet', '--force']);
  t.is(quiet.code, 0, quiet.stderr);
  t.is(quiet.stdout + quiet.stderr, '');
});

test('bnviz run --quiet prints only a failed group; --verbose adds its reason\'s whole text', async (t) => {
  const dir = ownTempDir(t);
  writeFileSync(join(dir, 'empty.png'), '');
  const out = join(dir, 'out');
  const quiet = await runCli(['run', dir, '--out', out, '--size', '16', '--figures', 'overview', '-q']);
  t.is(quiet.code, 1);
  t.is(quiet.stderr, '');
  t.is(lines(quiet.stdout).length, 1);
  t.regex(quiet.stdout, /^\[1\/1\] 0001-\w+ failed: .*empty\.png/);
  const sharp = (await import('sharp')).default;
  const jpeg = await sharp(EXAMPLE_FILES[0]).jpeg().toBuffer();
  writeFileSync(join(dir, 'empty.png'), jpeg.subarray(0, Math.floor(jpeg.length / 100)));
  const verbose = await runCli(['run', dir, '--out', out, '--size', '16', '--figures', 'overview', '--verbose']);
  t.is(verbose.code, 1);
  const failed = lines(verbose.stdout);
  const at = failed.findIndex((l) => l.includes(' failed: '));
  t.true(failed.slice(at + 1).filter((l) => l.startsWith('    VipsJpeg: ')).length >= 2, verbose.stdout);
});

test('the fleet commands: a run or group id that does not exist is exit 2; counts of one are singular; "follow it" only while jobs wait', async (t) => {
  const s = await redisScope();
  t.teardown(() => s.cleanup());
  const clean = await runCli(['clean', 'nosuch'], { env: s.env });
  t.is(clean.code, 2);
  t.deepEqual(lines(clean.stderr), [`bnviz: no run nosuch under prefix ${s.prefix} (bnviz status lists the runs)`]);
  const data = ownTempDir(t);
  for (let i = 0; i < 3; i++) await writePng(join(data, `img${i}.png`), 16, 16, i);
  const enqueue = await runCli(['enqueue', data, '--run', 'one', '--size', '16', '--figures', 'overview'], { env: s.env });
  t.is(enqueue.code, 0, enqueue.stderr);
  t.regex(lines(enqueue.stdout)[0]!, /^bnviz: run one: 1 job added \(queue /);
  t.is(lines(enqueue.stdout)[1], 'bnviz: follow it with: bnviz status one --watch');
  const typo = await runCli(['retry', 'one', '--group', 'typo'], { env: s.env });
  t.is(typo.code, 2);
  t.deepEqual(lines(typo.stderr), ['bnviz: run one has no group typo (bnviz status one lists its failed groups)']);
  const worker = spawnWorker(['--threads', '1', '--roots', data, '--out', ownTempDir(t)], s.env);
  t.teardown(() => { if (worker.child.exitCode === null) worker.child.kill('SIGKILL'); });
  await worker.ready;
  const { groupId: done } = await worker.waitFor('its one group done', (e) => e.event === 'job' && e.status === 'done');
  worker.child.kill('SIGTERM');
  t.is(await worker.exited, 0);
  const again = await runCli(['enqueue', data, '--run', 'one', '--size', '16', '--figures', 'overview'], { env: s.env });
  t.is(again.code, 0, again.stderr);
  t.deepEqual(lines(again.stdout), ['bnviz: run one: 1 done, 0 failed; nothing added'], 'nothing to follow');
  const retry = await runCli(['retry', 'one', '--group', String(done)], { env: s.env });
  t.is(retry.code, 0, retry.stderr);
  t.deepEqual(lines(retry.stdout), [`bnviz: run one: 0 failed groups back in the queue; not failed, left alone: ${String(done)}`]);
  const quiet = await runCli(['clean', 'one', '--quiet'], { env: s.env });
  t.is(quiet.code, 0, quiet.stderr);
  t.is(quiet.stdout, '');
});

test('bnviz run: a JPEG cut in its header fails its group with a one-line reason; --json keeps the full text', async (t) => {
  const dir = tempDir();
  const sharp = (await import('sharp')).default;
  const jpeg = await sharp(EXAMPLE_FILES[0]).jpeg().toBuffer();
  writeFileSync(join(dir, 'cut.jpg'), jpeg.subarray(0, Math.floor(jpeg.length / 100)));
  mkdirSync(join(dir, 'out'));
  const text = await runCli(['run', dir, '--out', join(dir, 'out'), '--size', '32', '--figures', 'overview']);
  t.is(text.code, 1, text.stderr);
  const failed = lines(text.stdout).filter((l) => l.includes('failed'));
  t.is(failed[0], `[1/1] 0001-${failed[0].split(' ')[1].slice(5)} failed: ${join(dir, 'cut.jpg')}: corrupt or truncated image data (Input file has corrupt header: VipsJpeg: premature end of JPEG image)`);
  const json = await runCli(['run', dir, '--out', join(dir, 'out'), '--size', '32', '--figures', 'overview', '--json', '--force']);
  const group = lines(json.stdout).map((l) => JSON.parse(l) as { event: string; error?: { message: string; detail?: string } }).find((e) => e.event === 'group')!;
  t.is(group.error!.message, failed[0].replace(/^.*? failed: /, ''));
  const detail = group.error!.detail!.split('\n');
  t.true(detail.length > 2, 'the full libvips text, every line');
  t.true(detail.filter((l) => l.startsWith('VipsJpeg: premature end of JPEG image')).length >= 2, 'libvips repeats itself there');
});

test('--help shows each flag\'s default and environment variable', async (t) => {
  const run = await runCli(['run', '--help']);
  t.is(run.code, 0);
  const help = run.stdout.replace(/\s+/g, ' ');
  for (const expected of [
    '--background <#rrggbb> colour behind transparent pixels (default: #000000; env: BNVIZ_BACKGROUND)',
    '--groups <g> channel groups for group normalization (1 or 3) (default: 1; env: BNVIZ_GROUPS)',
    '--backend <b> tfjs backend: auto, wasm, cpu or node (default: auto; env: BNVIZ_BACKEND)',
    '--figures <list> figures to draw: overview,panels,compare (default: overview,panels,compare; env: BNVIZ_FIGURES)',
    '--scale <s> PNG scale; 1 is 1200 x 600 px (default: 1; env: BNVIZ_SCALE)',
    '-t, --threads <n> worker threads (default: every core; env: BNVIZ_THREADS)',
    '-c, --config <file> config file (JSON) (env: BNVIZ_CONFIG)',
  ]) t.true(help.includes(expected), expected);
  // every flag that is a setting says both
  const settings = run.stdout.split('\n').filter((l) => /^\s+(-\w, )?--/.test(l) && !/--(json|help|config|quiet|verbose)\b/.test(l));
  t.true(settings.length > 20);
  // each option's entry: its line and the more indented lines that continue it (a doc may name other flags)
  const entries: string[] = [];
  for (const line of run.stdout.split('\n')) {
    if (/^ {2}(-\w, )?--/.test(line)) entries.push(line.trim());
    else if (/^ {4,}\S/.test(line) && entries.length) entries[entries.length - 1] += ` ${line.trim()}`;
  }
  for (const entry of entries.filter((e) => !/^(-\w, )?--(json|help|config|quiet|verbose)\b/.test(e))) {
    t.regex(entry, /\(default: [^;]+; env: BNVIZ_[A-Z_]+\)/, entry);
  }
});

test('bnviz enqueue --help calls the scan exclusion --exclude; the old --out still works as its name', async (t) => {
  const help = await runCli(['enqueue', '--help']);
  t.regex(help.stdout.replace(/\s+/g, ' '), /--exclude <dir> a folder the scan leaves out \(the workers' output folder, when it is inside the dataset\) \(default: out; env: BNVIZ_OUT, the workers' output folder\)/);
  t.notRegex(help.stdout, /--out\b/);
  // both names set the one setting the scan leaves out
  t.is((await configFrom({ exclude: '/data/set/out' })).out, '/data/set/out');
  t.is((await configFrom({ out: '/data/set/out' })).out, '/data/set/out');
});

test('bnviz run stops on SIGTERM before its run starts, even while blocked reading its manifest (a FIFO nobody writes)', async (t) => {
  const dir = tempDir();
  const fifo = join(dir, 'manifest.txt');
  execFileSync('mkfifo', [fifo]);
  const child = spawn(process.execPath, [CLI, 'run', EXAMPLES, '--out', join(dir, 'out'), '--manifest', fifo], { stdio: ['ignore', 'pipe', 'pipe'] });
  const watched = watchChild(child);
  // Opening the FIFO for writing returns once bnviz has opened it to read: it is now blocked in that read.
  const writer = await open(fifo, 'w');
  t.teardown(() => writer.close());
  child.kill('SIGTERM');
  t.is(await watched.exited, 'SIGTERM');
  t.deepEqual(lines(watched.stderr()), ['bnviz: SIGTERM: stopped before the run started']);
});
