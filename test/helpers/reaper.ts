/**
 * What a test process leaves behind, removed when it ends however it ends:
 * the child processes it started (SIGKILLed) and the temporary folders it
 * made. A test's own teardown does not run when ava stops a test file (a
 * timeout, --fail-fast: ava SIGTERMs it), and a worker whose parent is gone
 * was seen living on under pid 1; so this is done on 'exit' and on SIGTERM,
 * SIGINT and SIGHUP too, after which the process ends by that signal.
 */
import type { ChildProcess } from 'node:child_process';
import { rmSync } from 'node:fs';

const children = new Set<ChildProcess>();
const folders = new Set<string>();
let installed = false;

function alive(child: ChildProcess): boolean {
  return child.exitCode === null && child.signalCode === null;
}

/** Kills every tracked child still running and removes every tracked folder; safe to call more than once. */
export function reapAll(): void {
  for (const child of children) {
    if (alive(child)) {
      try { child.kill('SIGKILL'); } catch { /* already gone */ }
    }
  }
  children.clear();
  for (const dir of folders) rmSync(dir, { recursive: true, force: true });
  folders.clear();
}

function install(): void {
  if (installed) return;
  installed = true;
  process.on('exit', reapAll);
  for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) {
    process.once(signal, () => {
      reapAll();
      // ended by the signal itself, as if no handler were installed
      process.kill(process.pid, signal);
    });
  }
}

/** Kills `child` (SIGKILL) when this test process ends, unless it has ended by then. Returns it. */
export function reap<C extends ChildProcess>(child: C): C {
  install();
  children.add(child);
  child.once('exit', () => children.delete(child));
  return child;
}

/** Removes `dir` (recursively) when this test process ends. Returns it. */
export function reapFolder(dir: string): string {
  install();
  folders.add(dir);
  return dir;
}
