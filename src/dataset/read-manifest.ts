/**
 * A manifest lets users choose their own groups. Two forms:
 *
 * JSON: `[["a.png", "b.png", "c.png"], ...]` or
 *       `{"groups": [{"id": "cats", "files": ["cat1.jpg", "cat2.jpg"]}, ...]}`
 * text: one group a line, files separated by commas or tabs; blank lines and
 *       lines starting with # are skipped.
 *
 * Paths are relative to the dataset folder. Group ids (JSON only) are optional.
 */
import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { InputError } from '../errors.js';

export interface ManifestGroup {
  id?: string;
  files: string[];
}

const Files = z.array(z.string().min(1)).min(1);
const Manifest = z.union([
  z.array(Files),
  z.object({ groups: z.array(z.union([Files, z.object({ id: z.string().optional(), files: Files })])).min(1) }),
]);

export async function readManifest(file: string): Promise<ManifestGroup[]> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new InputError(file, `cannot read manifest (${(err as Error).message})`, { cause: err });
  }
  if (/^\s*[[{]/.test(text)) {
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (err) {
      throw new InputError(file, `manifest is not valid JSON (${(err as Error).message})`, { cause: err });
    }
    const parsed = Manifest.safeParse(json);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new InputError(file, `expected a list of groups, each a non-empty list of file names, but ${issue.path.join('.') || 'the document'}: ${issue.message}`);
    }
    const groups = Array.isArray(parsed.data) ? parsed.data : parsed.data.groups;
    return groups.map((g) => (Array.isArray(g) ? { files: g } : g));
  }
  const groups = text
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'))
    .map((line) => ({ files: line.split(/[,\t]/).map((f) => f.trim()).filter(Boolean) }));
  if (groups.length === 0) throw new InputError(file, 'manifest lists no groups');
  return groups;
}
