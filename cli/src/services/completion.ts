/**
 * Shell completion scripts for bash, zsh and fish, written from the commands oclif knows
 * (its manifest), printed whole like `gh completion -s <shell>`: nothing is cached or
 * written, so a script never goes stale behind the user's back; re-source it after an
 * upgrade.
 */
export const SHELLS = ['bash', 'zsh', 'fish'] as const;
export type Shell = (typeof SHELLS)[number];

export interface CompletionFlag {
  name: string;
  char?: string;
  summary: string;
  /** Takes a value (`--amount 10`), as opposed to a switch (`--json`). */
  takesValue: boolean;
  /** The values it accepts, when it has a fixed list. */
  options?: readonly string[];
  /** `--no-open` as well as `--open`. */
  allowNo?: boolean;
}

export interface CompletionCommand {
  /** oclif's id, `keys:list`. */
  id: string;
  summary: string;
  flags: readonly CompletionFlag[];
}

export interface CompletionSpec {
  bin: string;
  commands: readonly CompletionCommand[];
  /** Summaries of topics (`keys`, `admin:accounts`) by id. */
  topics: Readonly<Record<string, string>>;
}

/** The shape of a command in oclif's manifest, as far as completion needs it. */
interface ManifestCommand {
  id: string;
  hidden?: boolean;
  summary?: string;
  description?: string;
  flags: Record<
    string,
    {
      name: string;
      char?: string;
      summary?: string;
      description?: string;
      type: string;
      options?: readonly string[];
      helpValue?: string | string[];
      allowNo?: boolean;
      hidden?: boolean;
    }
  >;
}

export function completionSpec(
  bin: string,
  commands: readonly ManifestCommand[],
  topics: ReadonlyArray<{ name: string; description?: string; hidden?: boolean }>,
): CompletionSpec {
  return {
    bin,
    commands: commands
      .filter((command) => !command.hidden)
      .map((command) => ({
        id: command.id,
        summary: firstLine(command.summary ?? command.description),
        flags: Object.values(command.flags)
          .filter((flag) => !flag.hidden)
          .map((flag) => ({
            name: flag.name,
            ...(flag.char ? { char: flag.char } : {}),
            summary: firstLine(flag.summary ?? flag.description),
            takesValue: flag.type === 'option',
            // A custom flag lists its values in helpValue (`paddle|stars`), as oclif's help shows them.
            ...((flag.options ?? choicesOf(flag.helpValue)) ? { options: flag.options ?? choicesOf(flag.helpValue) } : {}),
            ...(flag.allowNo ? { allowNo: true } : {}),
          })),
      }))
      .sort((a, b) => a.id.localeCompare(b.id)),
    topics: Object.fromEntries(topics.filter((topic) => !topic.hidden).map((topic) => [topic.name, firstLine(topic.description)])),
  };
}

export function completionScript(shell: Shell, spec: CompletionSpec): string {
  if (shell === 'bash') return bashScript(spec);
  if (shell === 'zsh') return zshScript(spec);
  return fishScript(spec);
}

/** Where the user's next word can go from `parent` (`''` is the top): subcommands and topics, with summaries. */
function childrenOf(spec: CompletionSpec, parent: string): Array<[string, string]> {
  const children = new Map<string, string>();
  const ids = [...spec.commands.map((command) => command.id), ...Object.keys(spec.topics)];
  for (const id of ids) {
    if (parent && !id.startsWith(`${parent}:`)) continue;
    const rest = parent ? id.slice(parent.length + 1) : id;
    const word = rest.split(':')[0]!;
    if (!word || children.has(word)) continue;
    const childId = parent ? `${parent}:${word}` : word;
    children.set(word, spec.topics[childId] ?? spec.commands.find((command) => command.id === childId)?.summary ?? '');
  }
  return [...children].sort(([a], [b]) => a.localeCompare(b));
}

/** Every id a word can lead to: commands and topics, and the topics implied by deeper ids. */
function knownIds(spec: CompletionSpec): string[] {
  const ids = new Set<string>(Object.keys(spec.topics));
  for (const { id } of spec.commands) {
    const parts = id.split(':');
    for (let length = 1; length <= parts.length; length++) ids.add(parts.slice(0, length).join(':'));
  }
  return [...ids].sort();
}

/** The ids the scripts branch on: the top, every topic, every command. */
function places(spec: CompletionSpec): string[] {
  return ['', ...knownIds(spec)];
}

/**
 * What follows a flag that takes a value: its choices (by command, grouped by list), or
 * nothing to suggest for free values such as `--name` (one list of flag words for all commands).
 */
function flagValues(spec: CompletionSpec): { choices: Array<{ cases: string[]; options: readonly string[] }>; free: string[] } {
  const choices = new Map<string, { cases: string[]; options: readonly string[] }>();
  const free = new Set<string>();
  for (const command of spec.commands) {
    for (const flag of command.flags.filter((candidate) => candidate.takesValue)) {
      const words = [`--${flag.name}`, ...(flag.char ? [`-${flag.char}`] : [])];
      if (!flag.options) {
        for (const word of words) free.add(word);
        continue;
      }
      const key = flag.options.join(' ');
      const group = choices.get(key) ?? { cases: [], options: flag.options };
      group.cases.push(...words.map((word) => `${command.id} ${word}`));
      choices.set(key, group);
    }
  }
  return { choices: [...choices.values()], free: [...free].sort() };
}

function flagWords(flag: CompletionFlag): string[] {
  return [`--${flag.name}`, ...(flag.allowNo ? [`--no-${flag.name}`] : []), ...(flag.char ? [`-${flag.char}`] : [])];
}

function bashScript(spec: CompletionSpec): string {
  const fn = `_${identifier(spec.bin)}_completion`;
  const wordsAt = (id: string) => {
    const command = spec.commands.find((candidate) => candidate.id === id);
    const words = [
      ...childrenOf(spec, id).map(([word]) => word),
      ...(command ? command.flags.flatMap(flagWords) : []),
      ...(id === '' ? ['--help', '--version'] : []),
    ];
    return words.join(' ');
  };
  const values = flagValues(spec);
  const valueCases = values.choices.map(
    ({ cases, options }) => `    ${cases.map((pattern) => `"${pattern}"`).join('|')}) COMPREPLY=($(compgen -W "${options.join(' ')}" -- "$cur")); return ;;`,
  );
  return `# ${spec.bin} completion for bash. Load it in this shell:
#   source <(${spec.bin} completion bash)
# or for every new shell:
#   ${spec.bin} completion bash > ~/.local/share/bash-completion/completions/${spec.bin}
${fn}() {
  local cur="\${COMP_WORDS[COMP_CWORD]}" prev="\${COMP_WORDS[COMP_CWORD-1]}" id="" word i
  # The command typed so far: words that extend a known command or topic (arguments do not).
  for ((i = 1; i < COMP_CWORD; i++)); do
    word="\${COMP_WORDS[i]}"
    case " ${knownIds(spec).join(' ')} " in
      *" \${id:+$id:}$word "*) id="\${id:+$id:}$word" ;;
    esac
  done
  # The value of a flag: its choices, or files and free text.
  case "$id $prev" in
${valueCases.join('\n')}
  esac
  case "$prev" in
    ${values.free.join('|')}) COMPREPLY=(); return ;;
  esac
  local candidates=""
  case "$id" in
${places(spec)
  .map((id) => `    "${id}") candidates="${wordsAt(id)}" ;;`)
  .join('\n')}
  esac
  COMPREPLY=($(compgen -W "$candidates" -- "$cur"))
}
complete -o default -F ${fn} ${spec.bin}
`;
}

function zshScript(spec: CompletionSpec): string {
  const fn = `_${identifier(spec.bin)}`;
  const described = (entries: Array<[string, string]>) =>
    entries.map(([word, summary]) => `      ${singleQuoted(`${word.replace(/:/g, '\\:')}:${summary}`)}`).join('\n');
  const placeCases = places(spec).map((id) => {
    const command = spec.commands.find((candidate) => candidate.id === id);
    const children = childrenOf(spec, id);
    const flags = command ? command.flags.flatMap((flag) => flagWords(flag).map((word): [string, string] => [word, flag.summary])) : [];
    const lines = [`    ${singleQuoted(id)})`];
    if (children.length > 0) lines.push(`      entries=(\n${described(children)}\n      )`, "      _describe -t commands 'command' entries");
    if (flags.length > 0) lines.push(`      entries=(\n${described(flags)}\n      )`, "      _describe -t options 'flag' entries");
    lines.push('      ;;');
    return lines.join('\n');
  });
  const values = flagValues(spec);
  const valueCases = values.choices.map(({ cases, options }) => `    ${cases.map(singleQuoted).join('|')}) compadd -- ${options.join(' ')}; return ;;`);
  return `#compdef ${spec.bin}
# ${spec.bin} completion for zsh. Load it in this shell:
#   source <(${spec.bin} completion zsh)
# or for every new shell, into a folder on $fpath (before compinit runs):
#   ${spec.bin} completion zsh > "\${fpath[1]}/_${spec.bin}"
${fn}() {
  local id="" word i
  local -a known entries
  known=(${knownIds(spec).join(' ')})
  # The command typed so far: words that extend a known command or topic (arguments do not).
  for ((i = 2; i < CURRENT; i++)); do
    word=\${words[i]}
    if (( \${known[(Ie)\${id:+$id:}$word]} )); then id=\${id:+$id:}$word; fi
  done
  # The value of a flag: its choices, or files and free text.
  case "$id \${words[CURRENT-1]}" in
${valueCases.join('\n')}
  esac
  case "\${words[CURRENT-1]}" in
    ${values.free.join('|')}) _files; return ;;
  esac
  case "$id" in
${placeCases.join('\n')}
  esac
}
if [[ $zsh_eval_context[-1] == loadautofunc ]]; then
  ${fn} "$@"
else
  compdef ${fn} ${spec.bin}
fi
`;
}

function fishScript(spec: CompletionSpec): string {
  const bin = spec.bin;
  const fn = `__${identifier(bin)}_at`;
  const lines = [
    `# ${bin} completion for fish. Load it in this shell:`,
    `#   ${bin} completion fish | source`,
    '# or for every new shell:',
    `#   ${bin} completion fish > ~/.config/fish/completions/${bin}.fish`,
    `set -g __${identifier(bin)}_known ${knownIds(spec).join(' ')}`,
    '# True when the command typed so far (words that extend a known command or topic) is $argv[1].',
    `function ${fn}`,
    '    set -l id',
    '    for word in (commandline -opc)[2..-1]',
    '        set -l next (string join -- : $id $word)',
    `        contains -- $next $__${identifier(bin)}_known; and set id $next`,
    '    end',
    '    test "$id" = "$argv[1]"',
    'end',
    `complete -c ${bin} -f`,
  ];
  for (const id of places(spec)) {
    const condition = `"${fn} ${id ? id : "''"}"`;
    for (const [word, summary] of childrenOf(spec, id)) lines.push(`complete -c ${bin} -n ${condition} -a ${word} -d ${singleQuoted(summary)}`);
    const command = spec.commands.find((candidate) => candidate.id === id);
    for (const flag of command?.flags ?? []) {
      const short = flag.char ? ` -s ${flag.char}` : '';
      const value = flag.options ? ` -x -a ${singleQuoted(flag.options.join(' '))}` : flag.takesValue ? ' -r -F' : '';
      lines.push(`complete -c ${bin} -n ${condition} -l ${flag.name}${short}${value} -d ${singleQuoted(flag.summary)}`);
      if (flag.allowNo) lines.push(`complete -c ${bin} -n ${condition} -l no-${flag.name} -d ${singleQuoted(`Do not: ${flag.summary}`)}`);
    }
  }
  return `${lines.join('\n')}\n`;
}

function firstLine(text: string | undefined): string {
  return (text ?? '').split('\n')[0]!.trim();
}

function choicesOf(helpValue: string | string[] | undefined): string[] | undefined {
  return typeof helpValue === 'string' && /^[\w-]+(\|[\w-]+)+$/.test(helpValue) ? helpValue.split('|') : undefined;
}

function identifier(bin: string): string {
  return bin.replace(/[^A-Za-z0-9_]/g, '_');
}

/** A word in single quotes, any quote inside closed, escaped and reopened: the same in bash, zsh and fish. */
function singleQuoted(text: string): string {
  return `'${text.replace(/'/g, "'\\''")}'`;
}
