/**
 * Prints the README's table of settings from the config schema, so the two
 * cannot drift apart: `node dist/scripts/options-table.js`.
 */
import { schema } from '../src/config/schema.js';
import { FLAG_KEYS } from '../src/cli/common-options.js';

interface Entry { doc: string; default: unknown; env: string }

function* entries(node: Record<string, unknown>, prefix = ''): Generator<[string, Entry]> {
  for (const [key, value] of Object.entries(node)) {
    const v = value as Record<string, unknown>;
    if ('doc' in v) yield [`${prefix}${key}`, v as unknown as Entry];
    else yield* entries(v, `${prefix}${key}.`);
  }
}

// a key with two flags (out: --out, and enqueue's --exclude) shows both
const flagOf = new Map<string, string>();
for (const f of Object.values(FLAG_KEYS)) {
  const name = f.flags.replace(/^-\w, /, '').replace(/ <.*>$/, '');
  flagOf.set(f.key, flagOf.has(f.key) ? `${flagOf.get(f.key)}\`, \`${name}` : name);
}
const cell = (s: string) => s.replace(/\|/g, '\\|');
const lines = ['| setting | flag | environment | default | what it does |', '|---|---|---|---|---|'];
for (const [key, e] of entries(schema as unknown as Record<string, unknown>)) {
  const text = Array.isArray(e.default) ? e.default.join(',') : String(e.default);
  const shown = text === '' ? '(empty)' : text;
  lines.push(`| \`${key}\` | ${flagOf.has(key) ? `\`${flagOf.get(key)}\`` : ''} | \`${e.env}\` | \`${cell(shown)}\` | ${cell(e.doc)} |`);
}
process.stdout.write(`${lines.join('\n')}\n`);
