/**
 * Writes config/bnviz.example.json from the schema: every key with its doc
 * as a comment and its default, so the example cannot drift from the schema.
 * `node dist/scripts/example-config.js > config/bnviz.example.json`
 */
import { schema } from '../src/config/schema.js';

function render(node: Record<string, unknown>, indent: string): string {
  const keys = Object.entries(node);
  return keys.map(([key, value], i) => {
    const v = value as Record<string, unknown>;
    const comma = i < keys.length - 1 ? ',' : '';
    if (!('doc' in v)) return `${indent}${JSON.stringify(key)}: {\n${render(v, `${indent}  `)}\n${indent}}${comma}`;
    return `${indent}// ${v.doc} (env ${v.env})\n${indent}${JSON.stringify(key)}: ${JSON.stringify(v.default)}${comma}`;
  }).join('\n');
}

process.stdout.write(`// bnviz configuration: every setting with its default. Pass it with
// --config FILE or BNVIZ_CONFIG=FILE; the environment and flags override it.
// Lines starting with // are comments. Keep only the keys you change.
{
${render(schema as unknown as Record<string, unknown>, '  ')}
}
`);
