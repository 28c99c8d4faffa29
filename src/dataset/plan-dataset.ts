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
  for await (const run of walkImages(root, { exclude: options.exclude })) {
    for (const file of run) {
      members.push(file);
      if (members.length < groupSize) continue;
      // splice: an array of exactly the group's length (one grown by push keeps room for 17)
      const files = members.splice(0);
      chunk.push({ groupId: groupId(groups, files), index: groups++, files, partial: false });
      images += files.length;
      if (chunk.length === chunkSize) {
        yield chunk;
        chunk = [];
      }
    }
  }
  if (members.length > 0) {
    chunk.push({ groupId: groupId(groups, members), index: groups++, files: members, partial: true });
    images += members.length;
  }
  if (images === 0) {
    throw new InputError(dir, `no images found (looked for ${IMAGE_EXTENSIONS.map((e) => `.${e}`).join(' ')}, in subfolders too)`);
  }
  if (chunk.length > 0) yield chunk;
  return { root, images, groups };
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
