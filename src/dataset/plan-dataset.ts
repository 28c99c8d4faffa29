/**
 * A dataset folder to groups: scan, then split the sorted images into groups
 * of `groupSize` (or take the groups a manifest chooses).
 */
import { resolve } from 'node:path';
import { InputError } from '../errors.js';
import { groupId, isSafeId } from './group-id.js';
import { readManifest } from './read-manifest.js';
import { IMAGE_EXTENSIONS, scanImages } from './scan-images.js';

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

export interface PlanOptions {
  groupSize: number;
  /** A manifest file; empty: sorted order. */
  manifest?: string;
  /** Folders to leave out of the scan (the output folder). */
  exclude?: string[];
}

export async function planDataset(dir: string, options: PlanOptions): Promise<DatasetPlan> {
  const root = resolve(dir);
  if (options.manifest) return fromManifest(root, options.manifest);
  const files = await scanImages(root, { exclude: options.exclude });
  if (files.length === 0) {
    throw new InputError(dir, `no images found (looked for ${IMAGE_EXTENSIONS.map((e) => `.${e}`).join(' ')}, in subfolders too)`);
  }
  const groups: GroupPlan[] = [];
  for (let start = 0, index = 0; start < files.length; start += options.groupSize, ++index) {
    const members = files.slice(start, start + options.groupSize);
    groups.push({ groupId: groupId(index, members), index, files: members, partial: members.length < options.groupSize });
  }
  return { root, groups, images: files.length };
}

async function fromManifest(root: string, manifest: string): Promise<DatasetPlan> {
  const chosen = await readManifest(manifest);
  const seen = new Set<string>();
  const groups = chosen.map((g, index): GroupPlan => {
    const files = g.files.map((f) => f.split('\\').join('/'));
    const id = g.id ?? groupId(index, files);
    if (!isSafeId(id)) throw new InputError(manifest, `group id ${JSON.stringify(id)} must be letters, digits, '.', '_' or '-' (at most 100)`);
    if (seen.has(id)) throw new InputError(manifest, `group id ${id} appears twice`);
    seen.add(id);
    return { groupId: id, index, files, partial: false };
  });
  return { root, groups, images: groups.reduce((n, g) => n + g.files.length, 0) };
}
