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
import { EXAMPLE_FILES, EXAMPLES, tempDir, CLI } from './helpers/paths.js';
import { runCli } from './helpers/run-cli.js';
import { watchChild } from './helpers/child-output.js';
import { configFrom } from '../src/cli/common-options.js';

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
  t.deepEqual(lines(r.stderr), [`bnviz: port ${port} on 127.0.0.1 is in use by another program; choose another with --port (or BNVIZ_DASHBOARD_PORT)`]);
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

test('a mistyped flag gets the hint and one line pointing at --help, not the whole help, exit 2', async (t) => {
  const r = await runCli(['run', EXAMPLES, '--sise', '64']);
  t.is(r.code, 2);
  t.deepEqual(lines(r.stderr), ["error: unknown option '--sise'", '(Did you mean --size?)', '(bnviz run --help lists its options)']);
  const command = await runCli(['rnu', EXAMPLES]);
  t.is(command.code, 2);
  t.deepEqual(lines(command.stderr), ["error: unknown command 'rnu'", '(Did you mean run?)', '(bnviz --help lists the commands)']);
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
  const settings = run.stdout.split('\n').filter((l) => /^\s+(-\w, )?--/.test(l) && !/--(json|help|config)\b/.test(l));
  t.true(settings.length > 20);
  for (const line of help.split(/ (?=(?:-\w, )?--[a-z-]+ )/).filter((p) => /^(-\w, )?--/.test(p) && !/^(-\w, )?--(json|help|config)\b/.test(p))) {
    t.regex(line, /\(default: [^;]+; env: BNVIZ_[A-Z_]+\)/, line);
  }
});

test('bnviz enqueue --help calls the scan exclusion --exclude; the old --out still works as its name', async (t) => {
  const help = await runCli(['enqueue', '--help']);
  t.regex(help.stdout.replace(/\s+/g, ' '), /--exclude <dir> a folder the scan leaves out \(the workers' output folder, when it is inside the dataset\) \(default: out; env: BNVIZ_OUT\)/);
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
