/** A `bnviz worker --json` child process, with its events as they come. */
import { spawn, type ChildProcess } from 'node:child_process';
import { CLI } from './paths.js';
import { watchChild } from './child-output.js';

export type WorkerEvent = Record<string, unknown>;

export interface WorkerProcess {
  child: ChildProcess;
  pid: number;
  /** Every JSON event printed so far. */
  readonly events: WorkerEvent[];
  /** Resolves once the worker is connected and listening. */
  ready: Promise<WorkerEvent>;
  /** Resolves with the exit code (or the signal's name). */
  exited: Promise<number | string>;
  stderr(): string;
  /**
   * Resolves with the `n`th event for which `match` holds (events already
   * printed count too); rejects, with the exit code and stderr, if the worker
   * ends first.
   */
  waitFor(what: string, match: (event: WorkerEvent) => boolean, n?: number): Promise<WorkerEvent>;
}

function parse(line: string): WorkerEvent | undefined {
  try {
    const v = JSON.parse(line) as unknown;
    return v !== null && typeof v === 'object' ? (v as WorkerEvent) : undefined;
  } catch {
    return undefined;
  }
}

export function spawnWorker(args: string[], env: Record<string, string>): WorkerProcess {
  const child = spawn(process.execPath, [CLI, 'worker', '--json', ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const watched = watchChild(child);
  const waitFor = (what: string, match: (event: WorkerEvent) => boolean, n = 1) =>
    watched.waitForLine(`the worker's event: ${what}`, (line) => {
      const event = parse(line);
      return event !== undefined && match(event);
    }, n).then((line) => parse(line)!);
  const ready = waitFor('ready', (e) => e.event === 'ready');
  ready.catch(() => {});
  return {
    child, pid: child.pid!, ready, exited: watched.exited, stderr: watched.stderr, waitFor,
    get events() {
      return watched.lines.flatMap((line): WorkerEvent[] => { const e = parse(line); return e ? [e] : []; });
    },
  };
}
