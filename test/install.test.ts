/**
 * The install route of the README: bnviz is not on the npm registry, so it is
 * installed from its packed tarball. The project is packed, the tarball
 * installed globally into a temporary prefix (its dependencies from the
 * registry, as a user gets them), and what a user does next is done with it:
 * the command, the library, its types, its source maps, and the systemd unit
 * that starts it.
 */
import test from 'ava';
import { execFile, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { promisify } from 'node:util';
import { EXAMPLES, ROOT, tempDir } from './helpers/paths.js';

const run = promisify(execFile);
const { version } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };
/** Stands for a machine's root: the prefix is its /usr/local, as `sudo npm install -g` has it. */
const machine = tempDir('bnviz-install-');
const prefix = join(machine, 'usr', 'local');
const installed = join(prefix, 'lib', 'node_modules', 'bnviz');
const bin = join(prefix, 'bin', 'bnviz');

test.before('npm pack, then npm install -g of the tarball into a temporary prefix', async (t) => {
  t.timeout(10 * 60_000);
  const packDir = join(machine, 'pack');
  mkdirSync(packDir, { recursive: true });
  // dist/ is built (npm test builds first); npm pack in a clone builds it by `prepare`
  await run('npm', ['pack', '--ignore-scripts', '--pack-destination', packDir], { cwd: ROOT });
  const tarball = join(packDir, `bnviz-${version}.tgz`);
  t.true(existsSync(tarball));
  await run('npm', ['install', '-g', '--prefix', prefix, '--prefer-offline', '--no-audit', '--no-fund', tarball], { cwd: packDir, maxBuffer: 16 * 1024 * 1024 });
});

test.after.always('the temporary machine is removed', () => {
  rmSync(machine, { recursive: true, force: true });
});

test('the installed bnviz command runs: --version, and a run of the examples', async (t) => {
  t.timeout(5 * 60_000);
  t.is((await run(bin, ['--version'])).stdout.trim(), version);
  const out = join(machine, 'out');
  const r = await run(bin, ['run', EXAMPLES, '--out', out, '--size', '32', '--figures', 'overview', '--quiet']);
  t.is(r.stdout + r.stderr, '');
  t.true(readdirSync(out).some((d) => existsSync(join(out, d, 'summary.csv'))));
});

test("import ... from 'bnviz' works in a project that installed it, and its types compile (only ioredis' own .d.ts wants skipLibCheck)", async (t) => {
  t.timeout(5 * 60_000);
  const project = join(machine, 'project');
  mkdirSync(join(project, 'node_modules', '@types'), { recursive: true });
  symlinkSync(installed, join(project, 'node_modules', 'bnviz'));
  symlinkSync(join(ROOT, 'node_modules', '@types', 'node'), join(project, 'node_modules', '@types', 'node'));
  writeFileSync(join(project, 'package.json'), '{ "type": "module" }\n');
  writeFileSync(join(project, 'use.ts'), [
    "import { computeGroup, runDataset, enqueueDataset, loadConfig, type GroupTask } from 'bnviz';",
    'const config = loadConfig({ env: {} });',
    'const size: number = config.size;',
    'export const calls = [computeGroup, runDataset, enqueueDataset, size] as const;',
    'export type Task = GroupTask;',
    '',
  ].join('\n'));
  const imported = spawnSync(process.execPath, ['--input-type=module', '-e', "const m = await import('bnviz'); console.log(typeof m.computeGroup, typeof m.runDataset)"], { cwd: project, encoding: 'utf8' });
  t.is(imported.stdout.trim(), 'function function', imported.stderr);
  const tsc = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
  const options = ['--noEmit', '--strict', '--target', 'ES2022', '--module', 'NodeNext', '--moduleResolution', 'NodeNext', '--types', 'node', 'use.ts'];
  const checked = spawnSync(process.execPath, [tsc, ...options], { cwd: project, encoding: 'utf8' });
  const errors = checked.stdout.split('\n').filter((l) => /error TS\d+/.test(l));
  // bnviz's own declarations have none; ioredis' import the untyped redis-errors (README: Library)
  t.deepEqual(errors.filter((l) => !l.includes('/node_modules/ioredis/')), [], checked.stdout);
  t.true(errors.length > 0 && errors.every((l) => /TS7016: .*'redis-errors'/.test(l)), checked.stdout);
});

test('the installed source maps carry their sources (src/*.ts is not in the package)', (t) => {
  const maps: string[] = [];
  const walk = (dir: string) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      if (e.isDirectory()) walk(join(dir, e.name));
      else if (e.name.endsWith('.js.map')) maps.push(join(dir, e.name));
    }
  };
  walk(join(installed, 'dist', 'src'));
  t.true(maps.length > 50);
  const broken = maps.filter((file) => {
    const map = JSON.parse(readFileSync(file, 'utf8')) as { sources: string[]; sourcesContent?: Array<string | null> };
    return map.sources.some((s, i) => typeof map.sourcesContent?.[i] !== 'string');
  });
  t.deepEqual(broken.map((f) => relative(installed, f)), []);
});

test("the systemd unit passes systemd-analyze verify with bnviz installed where npm install -g puts it", (t) => {
  const analyze = spawnSync('systemd-analyze', ['--version'], { encoding: 'utf8' });
  t.is(analyze.status, 0, 'systemd-analyze is part of systemd (Debian: apt-get install systemd)');
  // the machine's own units (the targets the unit is ordered after) and the unit, under the temporary root
  cpSync('/usr/lib/systemd/system', join(machine, 'usr', 'lib', 'systemd', 'system'), { recursive: true });
  mkdirSync(join(machine, 'etc', 'systemd', 'system'), { recursive: true });
  cpSync(join(ROOT, 'deploy', 'bnviz-worker.service'), join(machine, 'etc', 'systemd', 'system', 'bnviz-worker.service'));
  const verify = spawnSync('systemd-analyze', ['verify', '--man=no', `--root=${machine}`, '/etc/systemd/system/bnviz-worker.service'], { encoding: 'utf8' });
  t.is(verify.status, 0, verify.stderr);
  t.is(verify.stderr, '');
});
