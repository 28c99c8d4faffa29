import test from 'ava';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from './helpers/paths.js';
import { runCli } from './helpers/run-cli.js';

/** What the script completes `words` to in bash, the last word being the one completed. */
function complete(script: string, words: string[], cwd: string): string[] {
  const file = join(cwd, 'bnviz-completion.bash');
  writeFileSync(file, script);
  const bashWords = words.map((w) => `'${w}'`).join(' ');
  const r = spawnSync('bash', ['-c', `source ${file}; COMP_WORDS=(${bashWords}); COMP_CWORD=${words.length - 1}; _bnviz; printf '%s\\n' "\${COMPREPLY[@]}"`], { cwd, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(r.stderr);
  return r.stdout.split('\n').filter(Boolean).sort();
}

test('bnviz completion prints a bash script that completes commands, each command\'s own long options, and file names', async (t) => {
  const r = await runCli(['completion']);
  t.is(r.code, 0, r.stderr);
  t.regex(r.stdout, /^complete -o filenames -F _bnviz bnviz$/m);
  t.is(spawnSync('bash', ['-n'], { input: r.stdout }).status, 0, 'bash reads it');
  const dir = tempDir();
  writeFileSync(join(dir, 'photos.txt'), '');
  t.deepEqual(complete(r.stdout, ['bnviz', 'st'], dir), ['status']);
  t.deepEqual(complete(r.stdout, ['bnviz', 're'], dir), ['render', 'retry']);
  t.deepEqual(complete(r.stdout, ['bnviz', 'enqueue', '--exc'], dir), ['--exclude']);
  t.deepEqual(complete(r.stdout, ['bnviz', 'status', '--'], dir).filter((o) => ['--watch', '--json', '--size'].includes(o)), ['--json', '--watch'], 'status has no --size');
  t.deepEqual(complete(r.stdout, ['bnviz', 'enqueue', 'pho'], dir), ['photos.txt']);
});

test('bnviz completion completes --draw\'s forms, and a file after names: (split at the colon, as bash splits words, or whole, as zsh hands them)', async (t) => {
  const r = await runCli(['completion']);
  t.is(r.code, 0, r.stderr);
  const dir = tempDir();
  writeFileSync(join(dir, 'picked.txt'), '');
  t.deepEqual(complete(r.stdout, ['bnviz', 'run', '--draw', ''], dir), ['all', 'ids:', 'names:', 'none', 'sample:', 'worst:']);
  t.deepEqual(complete(r.stdout, ['bnviz', 'enqueue', '--draw', 'na'], dir), ['names:']);
  t.deepEqual(complete(r.stdout, ['bnviz', 'run', '--draw', 'names', ':', 'pi'], dir), ['picked.txt']);
  // the colon itself is the word completed: each file comes after it (the script's own file is in the folder too)
  t.deepEqual(complete(r.stdout, ['bnviz', 'run', '--draw', 'names', ':'], dir), [':bnviz-completion.bash', ':picked.txt']);
  t.deepEqual(complete(r.stdout, ['bnviz', 'run', '--draw', 'names:pi'], dir), ['names:picked.txt']);
  t.deepEqual(complete(r.stdout, ['bnviz', 'run', '--method', 'in'], dir), ['instance']);
  t.deepEqual(complete(r.stdout, ['bnviz', 'run', '--size', 'pi'], dir), ['picked.txt'], 'another option\'s value is a file name as before');
});
