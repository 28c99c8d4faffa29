/**
 * `npm run test:busy`: the test suite on a busy machine. Starts N processes
 * that each spin a core (default 8), runs ava (the whole suite, or the files
 * given after `--`) `--runs` times in a row while they spin, and prints for
 * each run its result, its time and the load average; then what the runs
 * left behind: bnviz processes of this package still running, and test
 * folders left in the temporary folder. Exit 0 when every run passed and
 * nothing was left.
 *
 *   npm run test:busy [-- --busy 8 --runs 3 --logs DIR [dist/test/fleet-fit.test.js ...]]
 *
 * --logs DIR keeps each run's whole ava output, DIR/run-N.log (a failed run
 * prints only the end of it, where ava lists the failures).
 *
 * The spinners are stopped whatever happens (they are this process's
 * children, killed on its exit and on SIGINT/SIGTERM).
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createWriteStream, mkdirSync, readdirSync, type WriteStream } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';

const ROOT = resolve(process.cwd());
const CLI = join(ROOT, 'dist', 'src', 'cli.js');
/** The folders the test helpers make (test/helpers/paths.ts, redis-ha.ts), and bnviz's own. */
const LEFT = /^(bnviz-|\.tmp-)/;

const { values, positionals } = parseArgs({
  options: { busy: { type: 'string', default: '8' }, runs: { type: 'string', default: '1' }, logs: { type: 'string' } },
  allowPositionals: true,
});
const busy = Number(values.busy);
const runs = Number(values.runs);
const logs = values.logs === undefined ? undefined : resolve(values.logs);
if (logs) mkdirSync(logs, { recursive: true });

const spinners: ChildProcess[] = [];
const stopSpinners = () => { for (const c of spinners) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL'); };
process.on('exit', stopSpinners);
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => { stopSpinners(); process.exit(130); });

/** Pids of processes running this package's bnviz (workers, dashboards, runs), by their command line. */
function bnvizPids(): Set<number> {
  let out = '';
  try {
    out = execFileSync('pgrep', ['-f', CLI], { encoding: 'utf8' });
  } catch { /* none */ }
  return new Set(out.split('\n').filter(Boolean).map(Number));
}

const leftFolders = () => new Set(readdirSync(tmpdir()).filter((f) => LEFT.test(f)));

const pidsBefore = bnvizPids();
const foldersBefore = leftFolders();
for (let i = 0; i < busy; i++) spinners.push(spawn(process.execPath, ['-e', 'for (;;) {}'], { stdio: 'ignore' }));
process.stdout.write(`test:busy: ${busy} busy processes on ${execFileSync('nproc', { encoding: 'utf8' }).trim()} cores, ${runs} run(s) of ava ${positionals.join(' ') || '(the whole suite)'}\n`);

let passed = 0;
for (let run = 1; run <= runs; run++) {
  const started = Date.now();
  const ava = spawn(process.execPath, [join(ROOT, 'node_modules', 'ava', 'entrypoints', 'cli.mjs'), ...positionals], { stdio: ['ignore', 'pipe', 'pipe'] });
  let tail = '';
  const log: WriteStream | undefined = logs ? createWriteStream(join(logs, `run-${run}.log`)) : undefined;
  const keep = (d: Buffer) => {
    tail = (tail + d.toString()).slice(-4000);
    log?.write(d);
  };
  ava.stdout!.on('data', keep);
  ava.stderr!.on('data', keep);
  const [code] = (await once(ava, 'close')) as [number | null];
  if (log) await new Promise((r) => log.end(r));
  const summary = tail.split('\n').map((l) => l.trim()).filter((l) => /^(\d+ (tests? (passed|failed)|known failures?|tests? skipped|tests? todo|uncaught|unhandled)|Timed out)/.test(l)).join('; ');
  process.stdout.write(`run ${run}: ${code === 0 ? 'passed' : `FAILED (exit ${code})`} in ${Math.round((Date.now() - started) / 1000)} s, load average ${loadavg().map((l) => l.toFixed(1)).join(' ')}: ${summary}${log ? ` (${join(logs!, `run-${run}.log`)})` : ''}\n`);
  if (code !== 0) {
    process.stdout.write(`${tail}\n`);
    break;
  }
  passed++;
}
stopSpinners();
const strayPids = [...bnvizPids()].filter((p) => !pidsBefore.has(p));
const strayFolders = [...leftFolders()].filter((f) => !foldersBefore.has(f));
process.stdout.write(`${passed} of ${runs} run(s) passed; left behind: ${strayPids.length} bnviz process(es)${strayPids.length ? ` (${strayPids.join(', ')})` : ''}, ${strayFolders.length} temporary folder(s)${strayFolders.length ? ` (${strayFolders.slice(0, 5).join(', ')}${strayFolders.length > 5 ? ', ...' : ''})` : ''}\n`);
process.exitCode = passed === runs && !strayPids.length && !strayFolders.length ? 0 : 1;
