/**
 * What a run's own records cost at dataset scale: N synthetic groups written
 * to disk as workers leave them (group.json, no figures; 1 in 100 failed),
 * then finalized in a child process of its own (so its peak RSS is the
 * finalization's): wall and CPU time, peak RSS, the files' sizes; then
 * index.html opened from disk in Chromium (time to its load event and to the
 * first page of groups drawn). `--base DIR` finalizes the same run with
 * another build too (DIR, its `dist`), in the same run of the script.
 *
 * `node dist/scripts/bench-records.js --groups 100000 [--base /path/to/other/checkout] [--no-browser]`
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { syntheticGroups, syntheticRunRecord, writeSyntheticRecord, isSyntheticFailure } from './synthetic-records.js';

const FAIL_EVERY = 100;
const { values } = parseArgs({ options: { groups: { type: 'string', default: '100000' }, base: { type: 'string' }, 'no-browser': { type: 'boolean', default: false }, finalize: { type: 'string' }, code: { type: 'string' } } });
const groups = Number(values.groups);
const here = resolve(fileURLToPath(import.meta.url), '..', '..'); // dist/

if (values.finalize) {
  // the child: finalize the run with the build at --code, print what it cost
  const { finalizeRun } = (await import(pathToFileURL(join(values.code!, 'src', 'records', 'finalize-run.js')).href)) as typeof import('../src/records/finalize-run.js');
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  await finalizeRun(values.finalize, syntheticRunRecord('bench', groups, FAIL_EVERY), syntheticGroups(groups, FAIL_EVERY));
  const cpu = process.cpuUsage(cpu0);
  process.stdout.write(`${JSON.stringify({ wallMs: performance.now() - t0, cpuMs: (cpu.user + cpu.system) / 1000, peakRssMB: process.resourceUsage().maxRSS / 1024 })}\n`);
  process.exit(0);
}

const mb = (bytes: number) => `${(bytes / 1048576).toFixed(1)} MB`;
const kb = (bytes: number) => `${(bytes / 1024).toFixed(0)} KB`;
function sizeOf(path: string): number {
  const s = statSync(path, { throwIfNoEntry: false });
  if (!s) return 0;
  return s.isDirectory() ? readdirSync(path).reduce((n, f) => n + sizeOf(join(path, f)), 0) : s.size;
}

const runDir = mkdtempSync(join(tmpdir(), 'bnviz-bench-records-'));
try {
  let t0 = performance.now();
  for (let i = 0; i < groups; i++) if (!isSyntheticFailure(i, FAIL_EVERY)) writeSyntheticRecord(runDir, i);
  console.log(`${groups.toLocaleString('en')} groups (${Math.floor(groups / FAIL_EVERY).toLocaleString('en')} failed) written as group.json in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  const builds: Array<[string, string]> = [['this build', here]];
  if (values.base) builds.push(['base', join(resolve(values.base), 'dist')]);
  for (const [name, code] of builds) {
    for (const f of ['index.html', 'summary.csv', 'summary.csv.gz', 'failures.csv', 'run.json', 'pages']) rmSync(join(runDir, f), { recursive: true, force: true });
    const out = execFileSync(process.execPath, [join(here, 'scripts', 'bench-records.js'), '--groups', String(groups), '--finalize', runDir, '--code', code], { encoding: 'utf8', maxBuffer: 1 << 20 });
    const r = JSON.parse(out.trim().split('\n').at(-1)!) as { wallMs: number; cpuMs: number; peakRssMB: number };
    const files = ['index.html', 'summary.csv', 'summary.csv.gz', 'failures.csv', 'run.json'].filter((f) => statSync(join(runDir, f), { throwIfNoEntry: false })).map((f) => `${f} ${f.startsWith('summary.csv') ? mb(sizeOf(join(runDir, f))) : kb(sizeOf(join(runDir, f)))}`);
    const pages = statSync(join(runDir, 'pages'), { throwIfNoEntry: false }) ? `, pages/ ${readdirSync(join(runDir, 'pages')).length} files ${mb(sizeOf(join(runDir, 'pages')))}` : '';
    console.log(`${name}: finalize ${(r.wallMs / 1000).toFixed(1)} s wall, ${(r.cpuMs / 1000).toFixed(1)} s CPU, peak RSS ${r.peakRssMB.toFixed(0)} MB; ${files.join(', ')}${pages}`);
    let opened = '';
    if (!values['no-browser']) {
      const { launchChromium } = await import('../test/helpers/browser.js');
      const browser = await launchChromium();
      try {
        const page = await browser.newPage();
        page.setDefaultTimeout(600_000);
        t0 = performance.now();
        await page.goto(pathToFileURL(join(runDir, 'index.html')).href, { waitUntil: 'load' });
        const loaded = performance.now() - t0;
        const paged = await page.$('#gallery') ? await page.waitForSelector('#gallery[data-page="1"]', { timeout: 600_000 }).then(() => performance.now() - t0, () => NaN) : NaN;
        opened = `; Chromium: load ${(loaded / 1000).toFixed(2)} s${Number.isFinite(paged) ? `, first page drawn ${(paged / 1000).toFixed(2)} s` : ''}`;
      } finally {
        await browser.close();
      }
    }
    if (opened) console.log(`${name}${opened}`);
  }
} finally {
  rmSync(runDir, { recursive: true, force: true });
}
