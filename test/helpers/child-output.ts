/**
 * A child process's output as events: wait for the line that says what the
 * test waits for, not for a while. A child that ends before that line comes
 * fails the wait at once, with its exit code and stderr; one that prints
 * neither it nor ends within a deadline (LINE_WAIT_MS, as until()'s) fails it
 * with what it waited for and its last lines, before ava's own timeout.
 */
import type { ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { reap } from './reaper.js';

export interface WatchedChild {
  child: ChildProcess;
  /** Every stdout line so far. */
  lines: string[];
  stderr(): string;
  /** Resolves with the exit code (or the signal's name) once the process has exited and its output is all read. */
  exited: Promise<number | string>;
  /**
   * Resolves with the `n`th stdout line for which `match` holds (lines already
   * printed count too); rejects if the child's output ends first, or after
   * `deadlineMs` (LINE_WAIT_MS) without it.
   */
  waitForLine(what: string, match: (line: string) => boolean, n?: number, deadlineMs?: number): Promise<string>;
}

/** The longest a test waits for a child's line: far above what a busy machine needs, under ava's 3 min timeout. */
export const LINE_WAIT_MS = 120_000;

interface Waiter {
  what: string;
  match: (line: string) => boolean;
  n: number;
  seen: number;
  resolve(line: string): void;
  reject(err: Error): void;
}

/** Watches a child spawned with stdout and stderr piped; call it right after spawn so no output is missed. */
export function watchChild(child: ChildProcess): WatchedChild {
  if (!child.stdout || !child.stderr) throw new Error('watchChild: spawn the child with stdout and stderr piped');
  // killed when the test process ends, even if the test fails before its teardown
  reap(child);
  const lines: string[] = [];
  let err = '';
  child.stderr.on('data', (d: Buffer) => { err += d.toString(); });
  // 'close' comes after the exit and after the last of stdout and stderr, so stderr() is then complete.
  const exited = new Promise<number | string>((resolve) => child.on('close', (code, signal) => resolve(code ?? signal ?? -1)));
  let waiters: Waiter[] = [];
  let ended: string | undefined;
  const rl = createInterface({ input: child.stdout });
  rl.on('line', (line) => {
    lines.push(line);
    waiters = waiters.filter((w) => {
      if (!w.match(line) || ++w.seen < w.n) return true;
      w.resolve(line);
      return false;
    });
  });
  // after every line is read, so a line printed just before the exit still counts
  void exited.then((code) => {
    ended = `exited (${code})`;
    for (const w of waiters) w.reject(endedError(w.what, ended, err, lines));
    waiters = [];
  });
  return {
    child, lines, exited, stderr: () => err,
    waitForLine(what, match, n = 1, deadlineMs = LINE_WAIT_MS) {
      const seen = lines.filter(match).length;
      if (seen >= n) return Promise.resolve(lines.filter(match)[n - 1]!);
      if (ended) return Promise.reject(endedError(what, ended, err, lines));
      return new Promise<string>((resolve, reject) => {
        const waiter: Waiter = {
          what, match, n, seen,
          resolve(line) { clearTimeout(timer); resolve(line); },
          reject(e) { clearTimeout(timer); reject(e); },
        };
        const timer = setTimeout(() => {
          waiters = waiters.filter((w) => w !== waiter);
          const tail = lines.slice(-5).join('\n');
          reject(new Error(`waited ${Math.round(deadlineMs / 1000)} s for ${what}, in vain; the child still runs; stderr: ${err.trim() || '(empty)'}; last stdout lines: ${tail || '(none)'}`));
        }, deadlineMs);
        waiters.push(waiter);
      });
    },
  };
}

function endedError(what: string, ended: string, stderr: string, lines: string[]): Error {
  const tail = lines.slice(-5).join('\n');
  return new Error(`the child ${ended} before ${what}; stderr: ${stderr.trim() || '(empty)'}; last stdout lines: ${tail || '(none)'}`);
}
