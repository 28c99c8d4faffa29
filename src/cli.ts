#!/usr/bin/env node
/**
 * The `bnviz` command: a thin entry with one top-level catch. Exit codes:
 * 0 success, 1 some groups failed, 2 bad usage or configuration.
 */
import { CommanderError } from 'commander';
import { buildProgram } from './cli/program.js';
import { isBnvizError, messageOf, type SettingFault } from './errors.js';
import { settingName } from './cli/common-options.js';
import { systemErrorLine } from './util/system-error.js';

// A closed pipe (bnviz inspect | head) ends the output, not the process with a stack.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw err;
});

try {
  await buildProgram().parseAsync(process.argv);
} catch (err) {
  if (err instanceof CommanderError) {
    process.exitCode = err.exitCode === 0 ? 0 : 2;
  } else if (isBnvizError(err, 'ConfigError') || isBnvizError(err, 'UsageError') || isBnvizError(err, 'InputError')) {
    // a setting at fault is named as the user gave it (--redis, BNVIZ_REDIS_URL), not by its key
    const setting = (err as { setting?: SettingFault }).setting;
    process.stderr.write(`bnviz: ${setting ? setting.text(settingName(setting.key)) : messageOf(err)}\n`);
    process.exitCode = 2;
  } else if (systemErrorLine(err)) {
    // the machine's state (a full disk, a read-only folder), not a fault of bnviz: one line
    process.stderr.write(`bnviz: ${systemErrorLine(err)}\n`);
    process.exitCode = 2;
  } else {
    process.stderr.write(`bnviz: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exitCode = 1;
  }
}
