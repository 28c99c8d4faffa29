/**
 * Planning benchmark: peak RSS, wall and CPU time of planning a dataset of
 * `--groups N` groups of three (default 430,000, ImageNet's training set),
 * from a folder of empty files (in folders of 1,300, as ImageNet's classes)
 * from a text manifest of one group a line and from the same groups as a
 * JSON manifest, each in a process of its own: planDataset (the whole plan
 * in memory) and planDatasetStream consumed a chunk at a time (as an
 * enqueuer does), in alternating rounds.
 *
 *   npm run build && node dist/scripts/bench-plan.js [--groups N] [--rounds R] [--base DIST] [--dir DIR] [--sources folder,text,json]
 *
 * `--base DIST` also runs another build's planDataset (DIST is its `dist`,
 * built inside this checkout so that it finds the same node_modules), and
 * checks that every variant gives the same groups (a hash of their ids and
 * files, in order). `--dir DIR` plans a folder already made (its manifest is
 * made from its plan). The folder it makes is removed at the end.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { closeSync, createWriteStream, mkdirSync, mkdtempSync, openSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';

interface Measure {
  groups: number;
  images: number;
  /** sha1 of every group's id and files, in order. */
  hash: string;
  wallMs: number;
  cpuMs: number;
  maxRssMB: number;
}

const FOLDER_SIZE = 1300;
const SOURCES = ['folder', 'text', 'json'] as const;
type Source = (typeof SOURCES)[number];

/** In the child: plans `path` with the build at `dist` and prints a Measure. */
async function child(dist: string, form: 'array' | 'stream', source: Source, path: string): Promise<void> {
  const mod = await import(pathToFileURL(join(resolve(dist), 'src', 'dataset', 'plan-dataset.js')).href);
  const options = source === 'folder' ? { groupSize: 3 } : { groupSize: 3, manifest: path };
  const dir = source === 'folder' ? path : '.';
  const hash = createHash('sha1');
  const add = (g: { groupId: string; files: string[] }) => hash.update(`${g.groupId}\0${g.files.join('\0')}\n`);
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  let groups = 0;
  let images = 0;
  if (form === 'array') {
    const plan = await mod.planDataset(dir, options);
    for (const g of plan.groups) add(g);
    groups = plan.groups.length;
    images = plan.images;
  } else {
    const plan = mod.planDatasetStream(dir, options);
    let next = await plan.next();
    for (; !next.done; next = await plan.next()) for (const g of next.value) add(g);
    ({ groups, images } = next.value);
  }
  const cpu = process.cpuUsage(c0);
  const m: Measure = {
    groups, images, hash: hash.digest('hex').slice(0, 12),
    wallMs: performance.now() - t0, cpuMs: (cpu.user + cpu.system) / 1000, maxRssMB: process.resourceUsage().maxRSS / 1024,
  };
  process.stdout.write(`${JSON.stringify(m)}\n`);
}

async function measure(dist: string, form: 'array' | 'stream', source: Source, path: string): Promise<Measure> {
  const { stdout } = await promisify(execFile)(process.execPath, [fileURLToPath(import.meta.url), '--child', dist, form, source, path], { maxBuffer: 1 << 20 });
  return JSON.parse(stdout) as Measure;
}

function makeFolder(dir: string, images: number): void {
  for (let i = 0; i < images; ++i) {
    const folder = join(dir, `n${String(Math.floor(i / FOLDER_SIZE)).padStart(8, '0')}`);
    if (i % FOLDER_SIZE === 0) mkdirSync(folder);
    closeSync(openSync(join(folder, `n${String(Math.floor(i / FOLDER_SIZE)).padStart(8, '0')}_${i}.JPEG`), 'w'));
  }
}

/** A manifest of the folder's files, three a group: text (one group a line) or JSON (a list of lists). */
async function makeManifest(file: string, images: number, form: 'text' | 'json'): Promise<void> {
  const out = createWriteStream(file);
  const write = async (text: string) => {
    if (!out.write(text)) await new Promise<void>((r) => out.once('drain', () => r()));
  };
  let line: string[] = [];
  if (form === 'json') await write('[');
  for (let i = 0; i < images; ++i) {
    line.push(`n${String(Math.floor(i / FOLDER_SIZE)).padStart(8, '0')}/n${String(Math.floor(i / FOLDER_SIZE)).padStart(8, '0')}_${i}.JPEG`);
    if (line.length === 3 || i === images - 1) {
      await write(form === 'json' ? `${i < 3 ? '' : ','}${JSON.stringify(line)}\n` : `${line.join(',')}\n`);
      line = [];
    }
  }
  if (form === 'json') await write(']');
  await new Promise<void>((r, j) => out.end((err?: Error | null) => (err ? j(err) : r())));
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  if (args[0] === '--child') return child(args[1]!, args[2] as 'array', args[3] as Source, args[4]!);
  const flag = (name: string) => { const i = args.indexOf(name); return i === -1 ? undefined : args[i + 1]; };
  const groups = Number(flag('--groups') ?? 430_000);
  const rounds = Number(flag('--rounds') ?? 3);
  const base = flag('--base');
  const sources = (flag('--sources') ?? SOURCES.join(',')).split(',') as Source[];
  if (sources.some((s) => !SOURCES.includes(s))) throw new Error(`Expected --sources of ${SOURCES.join(', ')} but received ${flag('--sources')}`);
  const here = resolve(fileURLToPath(import.meta.url), '..', '..');
  const work = mkdtempSync(join(tmpdir(), 'bnviz-bench-plan-'));
  try {
    const dir = flag('--dir');
    const paths: Record<Source, string> = { folder: dir ?? join(work, 'data'), text: join(work, 'groups.txt'), json: join(work, 'groups.json') };
    if (!dir && sources.includes('folder')) {
      mkdirSync(paths.folder);
      const t0 = performance.now();
      makeFolder(paths.folder, groups * 3);
      console.log(`made ${groups * 3} empty files in ${Math.ceil((groups * 3) / FOLDER_SIZE)} folders in ${((performance.now() - t0) / 1000).toFixed(0)} s`);
    }
    if (sources.includes('text')) await makeManifest(paths.text, groups * 3, 'text');
    if (sources.includes('json')) await makeManifest(paths.json, groups * 3, 'json');
    const variants: Array<[label: string, dist: string, form: 'array' | 'stream']> = [
      ...(base ? [[`planDataset (${base})`, base, 'array'] as [string, string, 'array']] : []),
      ['planDataset (this build)', here, 'array'],
      ['planDatasetStream (this build)', here, 'stream'],
    ];
    for (const source of sources) {
      const runs = new Map<string, Measure[]>(variants.map(([label]) => [label, []]));
      for (let r = 0; r < rounds; ++r) {
        for (const [label, dist, form] of variants) runs.get(label)!.push(await measure(dist, form, source, paths[source]));
      }
      console.log(`\n${source === 'folder' ? 'folder' : `${source} manifest`}, ${groups} groups; medians of ${rounds} rounds`);
      console.log('| planning | groups | peak RSS | wall | CPU | groups (hash) |');
      console.log('|---|---|---|---|---|---|');
      const hashes = new Set<string>();
      for (const [label, ms] of runs) {
        hashes.add(ms[0]!.hash);
        console.log(`| ${label} | ${ms[0]!.groups} | ${median(ms.map((m) => m.maxRssMB)).toFixed(0)} MB | ${(median(ms.map((m) => m.wallMs)) / 1000).toFixed(2)} s | ${(median(ms.map((m) => m.cpuMs)) / 1000).toFixed(2)} s | ${ms[0]!.hash} |`);
      }
      console.log(hashes.size === 1 ? 'every variant gives the same groups' : 'THE VARIANTS GIVE DIFFERENT GROUPS');
      if (hashes.size !== 1) process.exitCode = 1;
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

await main();
