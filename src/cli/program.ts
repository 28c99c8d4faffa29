/** The commander program: one file a command under src/cli/. */
import { Command } from 'commander';
import { createRequire } from 'node:module';
import { registerDashboard } from './dashboard-command.js';
import { registerEnqueue } from './enqueue-command.js';
import { registerInspect } from './inspect-command.js';
import { registerRender } from './render-command.js';
import { registerRun } from './run-command.js';
import { registerStatus } from './status-command.js';
import { registerWorker } from './worker-command.js';
import { registerRetry } from './retry-command.js';
import { registerClean } from './clean-command.js';
import { registerFit } from './fit-command.js';
import { registerCompletion } from './completion-command.js';

const { version } = createRequire(import.meta.url)('../../../package.json') as { version: string };

export function buildProgram(): Command {
  const program = new Command('bnviz')
    .description('See what batch normalization does to image data: densities before and after, and the values no image can show.')
    .version(version)
    .exitOverride();
  oneLineErrors(program, 'bnviz --help lists the commands');
  registerRun(program);
  registerInspect(program);
  registerFit(program);
  registerRender(program);
  registerEnqueue(program);
  registerWorker(program);
  registerStatus(program);
  registerRetry(program);
  registerClean(program);
  registerDashboard(program);
  registerCompletion(program);
  for (const command of program.commands) oneLineErrors(command, `bnviz ${command.name()} --help lists its options`);
  return program;
}

/**
 * Commander's own errors (an unknown option, a missing argument) in bnviz's
 * voice: one `bnviz:` line with commander's hint ("did you mean --size?") and
 * where the help is, not `error:` and two more lines, nor the whole help.
 */
function oneLineErrors(command: Command, help: string): void {
  command.configureOutput({
    outputError(text, write) {
      write(`bnviz: ${commanderLine(text)}; ${help}\n`);
    },
  });
}

/** "error: unknown option '--sise'\n(Did you mean --size?)" -> "unknown option '--sise' (did you mean --size?)". */
export function commanderLine(text: string): string {
  return text
    .trim()
    .replace(/^error: /, '')
    .split('\n')
    .map((l) => l.trim().replace(/^\(Did you mean/, '(did you mean'))
    .filter(Boolean)
    .join(' ');
}
