/**
 * Signals as long-running commands answer them (util/on-signals.ts): the
 * first asks the command to stop; a second ends the process at once, even
 * when a thread is blocked in a read that never returns (where
 * process.exit would wait for that thread for ever).
 */
import test from 'ava';
import { execFileSync, spawn } from 'node:child_process';
import { join } from 'node:path';
import { watchChild } from './helpers/child-output.js';
import { ROOT, tempDir } from './helpers/paths.js';

test('onSignals: the first SIGTERM calls the handler; a second ends the process by SIGTERM though a thread is blocked in a read', async (t) => {
  const fifo = join(tempDir(), 'never-written');
  execFileSync('mkfifo', [fifo]);
  const child = spawn(process.execPath, [join(ROOT, 'dist', 'test', 'helpers', 'signals-child.js'), fifo], { stdio: ['ignore', 'pipe', 'pipe'] });
  const watched = watchChild(child);
  await watched.waitForLine('ready', (l) => l === 'ready');
  child.kill('SIGTERM');
  await watched.waitForLine('the first signal handled', (l) => l === 'first SIGTERM');
  child.kill('SIGTERM');
  const ended = await Promise.race([watched.exited, new Promise((r) => setTimeout(() => r('still running 20 s after the second signal'), 20_000))]);
  t.is(ended, 'SIGTERM');
});
