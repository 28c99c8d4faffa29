/**
 * `--quiet` and `--verbose`: how much a command says while it works. Quiet
 * keeps failures, warnings and errors (the exit code says the rest); verbose
 * adds each group as it ends and a failed group's reason in full.
 */
import { Option, type Command } from 'commander';

export type Voice = 'quiet' | 'normal' | 'verbose';

/** Adds `-q, --quiet` (and `-v, --verbose` when the command has more to say) to a command. */
export function withVoice(command: Command, { verbose = false }: { verbose?: boolean } = {}): Command {
  const quiet = new Option('-q, --quiet', 'print only failures, warnings and errors');
  command.addOption(verbose ? quiet.conflicts('verbose') : quiet);
  if (verbose) command.addOption(new Option('-v, --verbose', 'also print each group as it ends (above the bar on a terminal), and a failed group\'s reason in full'));
  return command;
}

/** The voice the flags ask for. */
export function voiceOf(opts: Record<string, unknown>): Voice {
  return opts.quiet ? 'quiet' : opts.verbose ? 'verbose' : 'normal';
}
