/**
 * `s3mpu completions bash|zsh|fish`: shell completion scripts generated from the commands'
 * own --help, so they never drift from the options.
 *
 * @module
 */
import { presetNames } from "../../../backends/presets.ts";
import { ExitCode, UsageError } from "../../errors.ts";
import type { Command } from "../command.ts";
import { ACLS, REGIONAL_STORAGE_CLASSES, SSE } from "../object_flags.ts";

/** One option as completion sees it. */
interface CompletedOption {
  long: string;
  short?: string;
  takesValue: boolean;
  /** First sentence of its help, for zsh and fish descriptions. */
  about: string;
}

/** Values offered after an option, beyond files. */
const VALUES: Record<string, string[]> = {
  provider: presetNames(),
  acl: [...ACLS],
  sse: [...SSE],
  "sse-c": ["AES256"],
  "storage-class": [...REGIONAL_STORAGE_CLASSES],
  "request-payer": ["requester"],
};

/** Options whose value is a local path. */
const PATHS = new Set([
  "file-path",
  "dir-path",
  "meta-file-path",
  "parts-file-path",
  "ca-bundle",
  "state-dir",
  "sse-c-key-file",
]);

const SHELLS = ["bash", "zsh", "fish"] as const;
type Shell = typeof SHELLS[number];

/** Reads a command's options from its --help (the lines optionsHelp renders). */
export function optionsOf(command: Command): CompletedOption[] {
  const options: CompletedOption[] = [];
  const pattern = /^ {2}(?:-(\w), | {4})--([\w-]+)( [^ ]\S*)?(?: +(.*))?$/gm;
  // Only the Options: section (examples below it mention options too).
  const section = /\nOptions:\n([\s\S]*?)(?:\n\n|$)/.exec(command.help())?.[1] ?? "";
  for (const match of section.matchAll(pattern)) {
    const [, short, long, value, help] = match;
    options.push({
      long,
      ...(short ? { short } : {}),
      takesValue: value !== undefined,
      about: (help ?? "").split(/[.;:(]/)[0].replace(/[^\w ,/+-]/g, "").trim(),
    });
  }
  return options;
}

/** The completion script for `shell`. */
export function completionScript(shell: Shell, commands: Command[]): string {
  const all = [...commands, completionsCommandStub];
  if (shell === "bash") return bashScript(all);
  if (shell === "zsh") return zshScript(all);
  return fishScript(all);
}

function bashScript(commands: Command[]): string {
  const cases = commands.map((c) => {
    const opts = optionsOf(c).flatMap((o) => [`--${o.long}`, ...(o.short ? [`-${o.short}`] : [])]);
    return `    ${c.name}) opts="${opts.join(" ")}" ;;`;
  }).join("\n");
  const valueCases = Object.entries(VALUES).map(([name, values]) =>
    `    --${name}) COMPREPLY=($(compgen -W "${values.join(" ")}" -- "$cur")); return ;;`
  ).join("\n");
  return `# bash completion for s3mpu. Load with: source <(s3mpu completions bash)
_s3mpu() {
  local cur="\${COMP_WORDS[COMP_CWORD]}" prev="\${COMP_WORDS[COMP_CWORD-1]}" opts=""
  if [[ $COMP_CWORD -eq 1 ]]; then
    COMPREPLY=($(compgen -W "${commands.map((c) => c.name).join(" ")} --help --version" -- "$cur"))
    return
  fi
  case "\${COMP_WORDS[1]}" in
${cases}
  esac
  case "$prev" in
${valueCases}
    completions) COMPREPLY=($(compgen -W "${SHELLS.join(" ")}" -- "$cur")); return ;;
  esac
  if [[ "$cur" == -* ]]; then
    COMPREPLY=($(compgen -W "$opts" -- "$cur"))
  else
    COMPREPLY=($(compgen -f -- "$cur"))
  fi
}
complete -o default -o filenames -F _s3mpu s3mpu
`;
}

function zshScript(commands: Command[]): string {
  const quote = (text: string) => text.replaceAll("'", "");
  const describe = commands.map((c) => `    '${c.name}:${quote(c.summary).replaceAll(":", " ")}'`)
    .join("\n");
  const cases = commands.map((c) => {
    const specs = optionsOf(c).map((o) => {
      const about = quote(o.about);
      const action = !o.takesValue
        ? ""
        : VALUES[o.long]
        ? `:${o.long}:(${VALUES[o.long].join(" ")})`
        : PATHS.has(o.long)
        ? `:${o.long}:_files`
        : `:${o.long}:`;
      return `'--${o.long}[${about}]${action}'`;
    });
    const positional = c.name === "completions"
      ? `'1:shell:(${SHELLS.join(" ")})'`
      : "'*:file:_files'";
    return `    ${c.name})\n      _arguments ${[...specs, positional].join(" \\\n        ")} ;;`;
  }).join("\n");
  return `#compdef s3mpu
# zsh completion for s3mpu. Load with: source <(s3mpu completions zsh)
# (after compinit), or save as _s3mpu in a directory on $fpath.
_s3mpu() {
  local -a commands
  commands=(
${describe}
  )
  if (( CURRENT == 2 )); then
    _describe 'command' commands
    return
  fi
  local cmd=$words[2]
  shift words
  (( CURRENT-- ))
  case $cmd in
${cases}
  esac
}
if [[ $zsh_eval_context[-1] == loadautofunc ]]; then
  _s3mpu "$@"
else
  compdef _s3mpu s3mpu
fi
`;
}

function fishScript(commands: Command[]): string {
  const quote = (text: string) => `'${text.replaceAll("\\", "").replaceAll("'", "")}'`;
  const lines = [
    "# fish completion for s3mpu. Load with: s3mpu completions fish | source",
    "# or save as ~/.config/fish/completions/s3mpu.fish",
    "complete -c s3mpu -f",
    ...commands.map((c) =>
      `complete -c s3mpu -n __fish_use_subcommand -a ${c.name} -d ${quote(c.summary)}`
    ),
  ];
  for (const c of commands) {
    const when = `'__fish_seen_subcommand_from ${c.name}'`;
    for (const o of optionsOf(c)) {
      const values = VALUES[o.long] ? ` -a ${quote(VALUES[o.long].join(" "))}` : "";
      const value = o.takesValue ? (PATHS.has(o.long) ? " -r -F" : ` -x${values}`) : "";
      lines.push(
        `complete -c s3mpu -n ${when} -l ${o.long}${o.short ? ` -s ${o.short}` : ""}${value} -d ${
          quote(o.about)
        }`,
      );
    }
    if (c.name === "completions") {
      lines.push(`complete -c s3mpu -n ${when} -a ${quote(SHELLS.join(" "))}`);
    } else lines.push(`complete -c s3mpu -n ${when} -F`);
  }
  return lines.join("\n") + "\n";
}

const COMPLETIONS_HELP = `Usage:
  s3mpu completions bash|zsh|fish

Prints a shell completion script for the commands, their options and the values some
options take (--provider, --storage-class, --acl, --sse, ...).

Options:
  -h, --help  Show this help.

Examples:
  source <(s3mpu completions bash)           # in ~/.bashrc
  source <(s3mpu completions zsh)            # in ~/.zshrc, after compinit
  s3mpu completions fish | source            # in ~/.config/fish/config.fish
  s3mpu completions fish > ~/.config/fish/completions/s3mpu.fish
`;

const completionsCommandStub: Command = {
  name: "completions",
  summary: "print a shell completion script: bash, zsh or fish",
  help: () => COMPLETIONS_HELP,
  run: () => Promise.resolve({ exitCode: ExitCode.ok }),
};

/** `s3mpu completions`; `commands` are the ones to complete (its own is added). */
export function completionsCommand(commands: () => Command[]): Command {
  return {
    ...completionsCommandStub,
    run(args) {
      if (args.includes("--help") || args.includes("-h")) return Promise.resolve("help");
      const [shell, ...rest] = args;
      if (!SHELLS.includes(shell as Shell) || rest.length > 0) {
        throw new UsageError(
          `s3mpu completions takes one shell: bash, zsh or fish${
            shell ? `, not "${args.join(" ")}"` : ""
          }.`,
        );
      }
      const own = commands().filter((c) => c.name !== "completions");
      Deno.stdout.writeSync(new TextEncoder().encode(completionScript(shell as Shell, own)));
      return Promise.resolve({ exitCode: ExitCode.ok });
    },
  };
}
