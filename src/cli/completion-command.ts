/**
 * `bnviz completion`: a shell completion script for bash (and zsh, through
 * its bashcompinit), made from the program's own commands and options, so it
 * never lists one that does not exist. Install with
 * `bnviz completion > ~/.local/share/bash-completion/completions/bnviz`, or
 * `source <(bnviz completion)` in a shell's rc file.
 */
import type { Command } from 'commander';
import { ALPHA_MODES, BACKENDS, COLOR_PROFILES, FITS, METHODS } from '../types.js';

/**
 * The values an option completes to, where they are few words. `--draw`'s
 * forms end in ':' (K, the ids or a file follow); after `names:` a file name.
 */
const VALUE_WORDS: Record<string, readonly string[]> = {
  '--draw': ['all', 'none', 'worst:', 'sample:', 'ids:', 'names:'],
  '--method': METHODS,
  '--fit': FITS,
  '--color-profile': COLOR_PROFILES,
  '--alpha': ALPHA_MODES,
  '--backend': BACKENDS,
};

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
 * `-` to one of that command's options, the value of an option of
 * VALUE_WORDS to its words, anything else to a file name. Bash splits words
 * at ':' (COMP_WORDBREAKS), so `--draw names:ph` reaches it as `names`, `:`,
 * `ph`; zsh's bashcompinit does not, and it reaches it whole.
 */
export function completionScript(program: Command): string {
  const commands = program.commands.map((c) => c.name());
  const cases = program.commands.map((c) => `    ${c.name()}) opts=${JSON.stringify(longOptions(c).join(' '))} ;;`).join('\n');
  const values = Object.entries(VALUE_WORDS).map(([option, words]) => `    ${option}) words=${JSON.stringify(words.join(' '))} ;;`).join('\n');
  return `# bnviz completion for bash and zsh (bnviz completion prints it)
#   bash: source <(bnviz completion)   or save it as ~/.local/share/bash-completion/completions/bnviz
#   zsh:  source <(bnviz completion)   (after compinit)
if [ -n "$ZSH_VERSION" ]; then autoload -U +X bashcompinit && bashcompinit; fi
_bnviz() {
  local cur="\${COMP_WORDS[COMP_CWORD]}" opts="" words=""
  local prev="\${COMP_WORDS[COMP_CWORD-1]}" prev2="\${COMP_WORDS[COMP_CWORD-2]}"
  if [ "$COMP_CWORD" -eq 1 ]; then
    COMPREPLY=($(compgen -W ${JSON.stringify([...commands, '--help', '--version'].join(' '))} -- "$cur"))
    return
  fi
  # --draw names:FILE: a file name after the colon (bash: the words names, :, FILE; zsh: one word)
  if [ "$prev2" = "--draw" ] && [ "$prev" = "names" ] && [ "$cur" = ":" ]; then
    COMPREPLY=($(compgen -f -- "" | sed 's/^/:/'))
    return
  fi
  if [ "\${COMP_WORDS[COMP_CWORD-3]}" = "--draw" ] && [ "$prev2" = "names" ] && [ "$prev" = ":" ]; then
    COMPREPLY=($(compgen -f -- "$cur"))
    return
  fi
  if [ "$prev" = "--draw" ] && [[ "$cur" == names:* ]]; then
    COMPREPLY=($(compgen -f -- "\${cur#names:}" | sed 's/^/names:/'))
    return
  fi
  case "$prev" in
${values}
  esac
  if [ -n "$words" ]; then
    COMPREPLY=($(compgen -W "$words" -- "$cur"))
    # a form that ends in ':' waits for what follows it
    if [[ "\${COMPREPLY[0]}" == *: ]] && type compopt >/dev/null 2>&1; then compopt -o nospace; fi
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
