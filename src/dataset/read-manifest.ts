/**
 * A manifest lets users choose their own groups. Two forms:
 *
 * JSON: `[["a.png", "b.png", "c.png"], ...]` or
 *       `{"groups": [{"id": "cats", "files": ["cat1.jpg", "cat2.jpg"]}, ...]}`
 * text: one group a line, files separated by commas or tabs; blank lines and
 *       lines starting with # are skipped.
 *
 * Paths are relative to the dataset folder. Group ids (JSON only) are optional.
 *
 * A text manifest is read a line at a time, in memory bounded by its longest
 * line: the form for datasets of any size. A JSON manifest is parsed whole
 * (JSON.parse has no streaming form, and the file is the user's own
 * document): memory grows with it.
 */
import { createReadStream } from 'node:fs';
import { z } from 'zod';
import { InputError } from '../errors.js';

export interface ManifestGroup {
  id?: string;
  files: string[];
}

/** A manifest opened: a JSON one parsed whole, a text one's groups read as they are taken. */
export type OpenManifest =
  | { format: 'json'; groups: ManifestGroup[] }
  | { format: 'text'; groups: AsyncIterable<ManifestGroup> };

const Files = z.array(z.string().min(1)).min(1);
const Manifest = z.union([
  z.array(Files),
  z.object({ groups: z.array(z.union([Files, z.object({ id: z.string().optional(), files: Files })])).min(1) }),
]);

/**
 * Opens a manifest: reads up to its first non-blank character to tell JSON
 * (`[` or `{`) from text; a JSON manifest is then read and checked whole, a
 * text one is left to be read as its groups are taken. Throws InputError
 * naming the file when it cannot be read, is not valid JSON, or (text) lists
 * no groups (when its end is reached).
 */
export async function openManifest(file: string): Promise<OpenManifest> {
  const chunks = readChunks(file);
  let head = '';
  for (;;) {
    const next = await chunks.next();
    if (next.done) break;
    head += next.value;
    if (/\S/.test(head)) break;
  }
  if (/^\s*[[{]/.test(head)) {
    for await (const chunk of chunks) head += chunk;
    return { format: 'json', groups: parseJson(file, head) };
  }
  return { format: 'text', groups: textGroups(file, head, chunks) };
}

/**
 * Every group of a manifest, in one array.
 * @example
 * const groups = await readManifest('groups.json'); // or a text file, one group a line
 */
export async function readManifest(file: string): Promise<ManifestGroup[]> {
  const groups: ManifestGroup[] = [];
  for await (const g of (await openManifest(file)).groups) groups.push(g);
  return groups;
}

/** The file's text, a chunk at a time (whole UTF-8 characters); read errors become InputError. */
async function* readChunks(file: string): AsyncGenerator<string, void, undefined> {
  const stream = createReadStream(file, { encoding: 'utf8' });
  try {
    for await (const chunk of stream) yield chunk as string;
  } catch (err) {
    throw new InputError(file, `cannot read manifest (${(err as Error).message})`, { cause: err });
  } finally {
    stream.destroy();
  }
}

function parseJson(file: string, text: string): ManifestGroup[] {
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

/** A text manifest's groups, a line at a time: lines end at '\n' (a '\r' before it is trimmed with the line). */
async function* textGroups(file: string, head: string, chunks: AsyncGenerator<string, void, undefined>): AsyncGenerator<ManifestGroup, void, undefined> {
  let rest = head;
  let searched = 0; // rest's first characters hold no '\n': a long line is searched once, not once a chunk
  let groups = 0;
  try {
    for (;;) {
      let start = 0;
      for (let end = rest.indexOf('\n', searched); end !== -1; start = end + 1, end = rest.indexOf('\n', start)) {
        const group = parseLine(rest.slice(start, end));
        if (group) {
          ++groups;
          yield group;
        }
      }
      rest = rest.slice(start);
      searched = rest.length;
      const next = await chunks.next();
      if (next.done) break;
      rest += next.value;
    }
  } finally {
    await chunks.return();
  }
  const group = parseLine(rest);
  if (group) {
    ++groups;
    yield group;
  }
  if (groups === 0) throw new InputError(file, 'manifest lists no groups');
}

function parseLine(raw: string): ManifestGroup | undefined {
  const line = raw.trim();
  if (line === '' || line.startsWith('#')) return undefined;
  return { files: line.split(/[,\t]/).map((f) => f.trim()).filter(Boolean) };
}
