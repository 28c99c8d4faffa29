/**
 * Runs deploy/Dockerfile's steps as a script, in a clean temporary folder,
 * where no Docker engine is at hand: each stage a folder standing for its
 * /app, COPY a copy from the build context (less what .dockerignore leaves
 * out) or from the named stage, RUN its command there, ENV into the
 * environment. A step that writes outside /app (mkdir /out, chown) is shown,
 * not run. Then the image's ENTRYPOINT with its CMD, a `run` of the example
 * photos and the health check, as the image would run them.
 *
 *   node dist/scripts/dockerfile-steps.js [--keep]
 */
import { execSync, spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';

const root = process.cwd();
const lines = readFileSync(join(root, 'deploy', 'Dockerfile'), 'utf8').split('\n').filter((l) => l.trim() && !l.startsWith('#'));
const ignored = readFileSync(join(root, '.dockerignore'), 'utf8').split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
const isIgnored = (path: string) => ignored.some((p) => {
  const re = new RegExp(`^${p.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*\*\//g, '(.*/)?').replace(/\*/g, '[^/]*')}(/|$)`);
  return re.test(path);
});
const work = mkdtempSync(join(tmpdir(), 'bnviz-dockerfile-'));
const stages = new Map<string, string>();
let app = '';
// npm's cache in the work folder, as a fresh image has its own: the steps' `npm cache clean --force` must not empty this machine's
const env: NodeJS.ProcessEnv = { ...process.env, npm_config_cache: join(work, 'npm-cache') };
let entry: string[] = [];
let cmd: string[] = [];
const fromApp = (p: string) => p.replace(/^\/app\b/, app);

for (const line of lines) {
  const [op, ...rest] = line.trim().split(/\s+/);
  const args = rest.join(' ');
  if (op === 'FROM') {
    app = mkdtempSync(join(work, 'stage-'));
    const name = /\bAS\s+(\S+)/i.exec(args)?.[1];
    if (name) stages.set(name, app);
    console.log(`== ${line}  (in ${app})`);
  } else if (op === 'COPY') {
    const from = /^--from=(\S+)\s+/.exec(args);
    const parts = args.replace(/^--from=\S+\s+/, '').split(/\s+/);
    const dest = parts.pop()!;
    for (const src of parts) {
      const source = from ? join(stages.get(from[1])!, relative('/app', src)) : join(root, src);
      const target = join(fromApp(dest.startsWith('/') ? dest : join('/app', dest)), dest.endsWith('/') ? src.split('/').pop()! : '');
      cpSync(source, target, { recursive: true, filter: (p) => from !== null || !isIgnored(relative(root, p)) });
    }
    console.log(`== ${line}`);
  } else if (op === 'RUN') {
    if (/(^|\s)\/(?!app\b)\w/.test(args)) {
      console.log(`== ${line}  (not run: writes outside /app)`);
      continue;
    }
    console.log(`== ${line}`);
    execSync(args, { cwd: app, env, stdio: 'inherit', shell: '/bin/sh' });
  } else if (op === 'ENV') {
    for (const m of args.matchAll(/(\w+)=(\S+)/g)) env[m[1]] = m[2].startsWith('/tmp') ? join(work, m[2]) : m[2];
    console.log(`== ${line}`);
  } else if (op === 'ENTRYPOINT') entry = (JSON.parse(args) as string[]).map(fromApp);
  else if (op === 'CMD') cmd = JSON.parse(args) as string[];
  else console.log(`== ${line}  (nothing to do here)`);
}

const image = (extra: string[]) => {
  const [bin, ...rest] = entry;
  const r = spawnSync(bin!, [...rest, ...extra], { env: { ...env, BNVIZ_OUT: join(work, 'out'), BNVIZ_ROOTS: join(root, 'examples') }, encoding: 'utf8' });
  console.log(`$ ${[...entry, ...extra].join(' ')}\n${(r.stdout + r.stderr).trim().split('\n').slice(-3).join('\n')}\n(exit ${r.status})`);
  return r.status;
};
const results = [image(cmd), image(['run', join(root, 'examples'), '--size', '64', '--figures', 'overview'])];
const health = spawnSync(process.execPath, [fromApp('/app/dist/src/health-check.js')], { env: { ...env, BNVIZ_DASHBOARD_PORT: '1' } });
console.log(`health check with no worker and no dashboard: exit ${health.status} (1 expected)`);
if (!process.argv.includes('--keep')) rmSync(work, { recursive: true, force: true });
process.exitCode = results.every((r) => r === 0) && health.status === 1 ? 0 : 1;
