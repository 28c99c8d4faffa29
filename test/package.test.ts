/** What `npm install bnviz` gets: the built program and no tests, and dependencies that run on the Node.js that engines names. */
import test from 'ava';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import semver from 'semver';
import { ROOT } from './helpers/paths.js';

const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { engines: { node: string } };
const lock = JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8')) as { packages: Record<string, { dev?: boolean; optional?: boolean; engines?: { node?: string } }> };

test('npm pack holds the command, the library and the example config, and no tests, scripts or sources', async (t) => {
  const { stdout } = await promisify(execFile)('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: ROOT, maxBuffer: 16 * 1024 * 1024 });
  const [packed] = JSON.parse(stdout) as Array<{ size: number; files: Array<{ path: string }> }>;
  const paths = packed.files.map((f) => f.path);
  for (const needed of ['dist/src/cli.js', 'dist/src/index.js', 'dist/src/index.d.ts', 'dist/src/pool/group-worker.js', 'config/bnviz.example.json', 'README.md', 'package.json']) {
    t.true(paths.includes(needed), needed);
  }
  t.deepEqual(paths.filter((p) => /^(dist\/(test|scripts)|test|scripts|src)\//.test(p) || (p.endsWith('.ts') && !p.endsWith('.d.ts'))), []);
  t.true(packed.size < 1024 * 1024, `packed size ${packed.size} bytes`);
});

test('every dependency installed for users supports the lowest Node.js that engines allows; every one the tests use, this Node.js', (t) => {
  const lowest = semver.minVersion(pkg.engines.node)!.version;
  const bad: string[] = [];
  for (const [path, entry] of Object.entries(lock.packages)) {
    const range = entry.engines?.node;
    if (!path || !range) continue;
    if (!entry.dev && !semver.satisfies(lowest, range)) bad.push(`${path} needs node ${range}, engines allows ${lowest}`);
    if (!entry.optional && !semver.satisfies(process.versions.node, range)) bad.push(`${path} needs node ${range}, running ${process.versions.node}`);
  }
  t.deepEqual(bad, []);
});
