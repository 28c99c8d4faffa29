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

const { version } = createRequire(import.meta.url)('../../../package.json') as { version: string };

export function buildProgram(): Command {
  const program = new Command('bnviz')
    .description('See what batch normalization does to image data: densities before and after, and the values no image can show.')
    .version(version)
    .exitOverride()
    .showHelpAfterError('(bnviz --help lists the commands)');
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
  // A mistake gets its hint ("Did you mean --size?") and one line, not the whole help.
  for (const command of program.commands) command.showHelpAfterError(`(bnviz ${command.name()} --help lists its options)`);
  return program;
}
