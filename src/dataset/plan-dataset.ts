/**
 * A dataset folder to groups: walk the folder in sorted order and take the
 * images `groupSize` at a time (or take the groups a manifest chooses).
 *
 * planDatasetStream is the one definition: it yields the groups a chunk at a
 * time, in memory bounded by the chunk and the folders on the walk's current
 * path (or a text manifest's longest line), whatever the dataset's size.
 * planDataset collects it into one plan, for `bnviz run` and for tests.
 */
import { resolve } from 'node:path';
import { InputError, UsageError, expectedMessage } from '../errors.js';
import { groupId, isSafeId } from './group-id.js';
import { openManifest, type ManifestGroup } from './read-manifest.js';
import { IMAGE_EXTENSIONS, walkImages } from './scan-images.js';
import { shuffleInPlace } from './shuffle.js';

export interface GroupPlan {
  groupId: string;
  /** 0-based position in the dataset. */
  index: number;
  /** Paths relative to the dataset root, POSIX separators. */
  files: string[];
  /** Fewer images than groupSize (the trailing group). */
  partial: boolean;
}

export interface DatasetPlan {
  /** Absolute dataset folder. */
  root: string;
  groups: GroupPlan[];
  images: number;
}

/** What a plan held, known once its stream has ended. */
export interface PlanTotals {
  /** Absolute dataset folder. */
  root: string;
  /** Images in every group. */
  images: number;
  /** Groups yielded. */
  groups: number;
}

export interface PlanOptions {
  groupSize: number;
  /** sorted (the walk's order) or shuffle: every image shuffled with `seed` before grouping (default sorted). */
  order?: 'sorted' | 'shuffle';
  /** The shuffle's seed (default 0). */
  seed?: number;
  /** folder: no group mixes two folders (each folder's last group may be partial); default dataset. */
  groupBy?: 'dataset' | 'folder';
  /** A manifest file; empty: sorted order. */
  manifest?: string;
  /** Folders to leave out of the scan (the output folder). */
  exclude?: string[];
}

export interface PlanStreamOptions extends PlanOptions {
  /** Groups a yielded chunk holds at most (default 1,000); the last chunk may hold fewer. */
  chunkSize?: number;
}

/**
 * The groups of a dataset folder, in chunks of at most `chunkSize`, in the
 * order and with the ids planDataset gives; the generator's return value is
 * the totals. Throws InputError when the folder (or a folder in it) cannot be
 * read, when a manifest is malformed, and, once the walk has ended, when it
 * found no images (then no chunk has been yielded). A folder or manifest line
 * that fails halfway fails the stream after the chunks before it were yielded.
 *
 * Group ids are unique: a made id starts with its group's position, so made
 * ids never meet; a JSON manifest that gives ids of its own has all of its
 * ids checked, with a Set, before its first chunk (the manifest is held whole
 * anyway); a text manifest has no ids of its own, so it needs no Set.
 *
 * ```ts
 * const plan = planDatasetStream(dir, { groupSize: 3 });
 * let next;
 * while (!(next = await plan.next()).done) await handle(next.value);
 * const { images, groups } = next.value;
 * ```
 * @example
 * for await (const groups of planDatasetStream('/data/photos', { groupSize: 3 })) {
 *   console.log(groups.length); // a chunk at a time, in planDataset's order and ids
 * }
 */
export async function* planDatasetStream(dir: string, options: PlanStreamOptions): AsyncGenerator<GroupPlan[], PlanTotals, undefined> {
  const { groupSize, chunkSize = 1000 } = options;
  if (!Number.isSafeInteger(groupSize) || groupSize < 1) throw new UsageError(expectedMessage('a positive integer', 'groupSize', groupSize));
  if (!Number.isSafeInteger(chunkSize) || chunkSize < 1) throw new UsageError(expectedMessage('a positive integer', 'chunkSize', chunkSize));
  const root = resolve(dir);
  let chunk: GroupPlan[] = [];
  let images = 0;
  let groups = 0;

  const { order = 'sorted', seed = 0, groupBy = 'dataset' } = options;
  if (options.manifest && (order !== 'sorted' || groupBy !== 'dataset')) {
    throw new UsageError('A manifest chooses the groups itself: --order shuffle and --group-by folder are for a folder only');
  }
  if (options.manifest) {
    const manifest = await openManifest(options.manifest);
    // a JSON manifest's own ids, checked before its first chunk is yielded; made ids are unique and safe
    const ids = manifest.format === 'json' ? manifestIds(options.manifest, manifest.groups) : undefined;
    for await (const g of manifest.groups) {
      const index = groups++;
      const files = normalizeSeparators(g.files);
      images += files.length;
      chunk.push({ groupId: ids?.[index] ?? groupId(index, files), index, files, partial: false });
      if (chunk.length === chunkSize) {
        yield chunk;
        chunk = [];
      }
    }
    if (chunk.length > 0) yield chunk;
    return { root, images, groups };
  }

  const members: string[] = [];
  let folder: string | undefined;
  const cut = (files: string[], partial: boolean) => {
    chunk.push({ groupId: groupId(groups, files), index: groups++, files, partial });
    images += files.length;
  };
  for await (const run of imagesInOrder(root, options.exclude, order, seed, groupBy)) {
    for (const file of run) {
      if (groupBy === 'folder') {
        const dir = folderOf(file);
        // a folder's last images are a group of their own, never topped up from the next folder
        if (dir !== folder && members.length > 0) cut(members.splice(0), true);
        folder = dir;
      }
      members.push(file);
      if (members.length >= groupSize) {
        // splice: an array of exactly the group's length (one grown by push keeps room for 17)
        cut(members.splice(0), false);
      }
      if (chunk.length >= chunkSize) {
        yield chunk;
        chunk = [];
      }
    }
  }
  if (members.length > 0) cut(members, true);
  if (images === 0) {
    throw new InputError(dir, `no images found (looked for ${IMAGE_EXTENSIONS.map((e) => `.${e}`).join(' ')}, in subfolders too)`);
  }
  if (chunk.length > 0) yield chunk;
  return { root, images, groups };
}

/** A file's folder, relative to the root ('' for the root's own files). */
function folderOf(file: string): string {
  const slash = file.lastIndexOf('/');
  return slash < 0 ? '' : file.slice(0, slash);
}

/**
 * The images in the order they are grouped: the walk's sorted runs as they
 * come (memory: the walk's path); shuffled, every path held once, shuffled
 * whole, and with --group-by folder the folders then kept in sorted order,
 * each folder's images in the shuffled order.
 */
async function* imagesInOrder(root: string, exclude: string[] | undefined, order: 'sorted' | 'shuffle', seed: number, groupBy: 'dataset' | 'folder'): AsyncGenerator<string[]> {
  if (order === 'sorted') {
    yield* walkImages(root, { exclude });
    return;
  }
  const all: string[] = [];
  for await (const run of walkImages(root, { exclude })) for (const f of run) all.push(f);
  shuffleInPlace(all, seed);
  if (groupBy === 'dataset') {
    for (let i = 0; i < all.length; i += 10_000) yield all.slice(i, i + 10_000);
    return;
  }
  const byFolder = new Map<string, string[]>();
  for (const f of all) {
    const dir = folderOf(f);
    let list = byFolder.get(dir);
    if (!list) byFolder.set(dir, (list = []));
    list.push(f);
  }
  all.length = 0;
  for (const dir of [...byFolder.keys()].sort()) yield byFolder.get(dir)!;
}

function normalizeSeparators(files: string[]): string[] {
  return files.map((f) => f.split('\\').join('/'));
}

/**
 * The ids of a JSON manifest's groups (their own, or made), each checked safe
 * and unique with a Set: memory like the parsed manifest's, which is held
 * whole already. Undefined when no group has an id of its own: made ids
 * never meet.
 */
function manifestIds(file: string, groups: ManifestGroup[]): string[] | undefined {
  if (!groups.some((g) => g.id !== undefined)) return undefined;
  const seen = new Set<string>();
  return groups.map((g, index) => {
    const id = g.id ?? groupId(index, normalizeSeparators(g.files));
    if (!isSafeId(id)) throw new InputError(file, `group id ${JSON.stringify(id)} must be letters, digits, '.', '_' or '-' (at most 100)`);
    if (seen.has(id)) throw new InputError(file, `group id ${id} appears twice`);
    seen.add(id);
    return id;
  });
}

/**
 * The whole plan of a dataset folder in one object (planDatasetStream collected).
 * @example
 * const plan = await planDataset('photos', { groupSize: 3 });
 * plan.groups[0]; // { groupId: '0001-…', index: 0, files: [three paths relative to photos], partial: false }
 */
export async function planDataset(dir: string, options: PlanOptions): Promise<DatasetPlan> {
  const plan = planDatasetStream(dir, options);
  const groups: GroupPlan[] = [];
  for (let next = await plan.next(); ; next = await plan.next()) {
    if (next.done) return { root: next.value.root, groups, images: next.value.images };
    for (const g of next.value) groups.push(g);
  }
}
