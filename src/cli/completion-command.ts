/**
 * `bnviz completion`: a shell completion script for bash (and zsh, through
 * its bashcompinit), made from the program's own commands and options, so it
 * never lists one that does not exist. Install with
 * `bnviz completion > ~/.local/share/bash-completion/completions/bnviz`, or
 * `source <(bnviz completion)` in a shell's rc file.
 */
import type { Command } from 'commander';

export function registerCompletion(program: Command): void {
  program
    .command('completion')
    .description('print a completion script for bash or zsh: source <(bnviz completion) in ~/.bashrc or ~/.zshrc')
    .action(() => {
      process.stdout.write(completionScript(program));
    });
}

/** The long options a command takes (`--help` included), in the order its help lists them. */
function longOptions(command: Command): string[] {
  return [...command.options.map((o) => o.long).filter((l): l is string => typeof l === 'string'), '--help'];
}

/**
 * The script: the first word completes to a command, a word starting with
 * `-` to one of that command's options, anything else to a file name.
 */
export function completionScript(program: Command): string {
  const commands = program.commands.map((c) => c.name());
  const cases = program.commands.map((c) => `    ${c.name()}) opts=${JSON.stringify(longOptions(c).join(' '))} ;;`).join('\n');
  return `# bnviz completion for bash and zsh (bnviz completion prints it)
#   bash: source <(bnviz completion)   or save it as ~/.local/share/bash-completion/completions/bnviz
#   zsh:  source <(bnviz completion)   (after compinit)
if [ -n "$ZSH_VERSION" ]; then autoload -U +X bashcompinit && bashcompinit; fi
_bnviz() {
  local cur="\${COMP_WORDS[COMP_CWORD]}" opts=""
  if [ "$COMP_CWORD" -eq 1 ]; then
    COMPREPLY=($(compgen -W ${JSON.stringify([...commands, '--help', '--version'].join(' '))} -- "$cur"))
    return
  fi
  case "\${COMP_WORDS[1]}" in
${cases}
  esac
  if [[ "$cur" == -* ]]; then
    COMPREPLY=($(compgen -W "$opts" -- "$cur"))
  else
    COMPREPLY=($(compgen -f -- "$cur"))
  fi
}
complete -o filenames -F _bnviz bnviz
`;
}
