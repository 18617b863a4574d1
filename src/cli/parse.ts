import { parseArgs } from "node:util";
import { UsageError } from "../errors.ts";
import { closest } from "./did_you_mean.ts";
import { applyPositionals } from "./s3_url.ts";

export type { Flags, OptionSpec } from "./flags.ts";
import type { Flags, OptionSpec } from "./flags.ts";

/**
 * Parses `args` strictly against `specs`: an unknown flag (with the nearest known one
 * suggested), a missing value or a stray argument is a UsageError that names it and points
 * at --help. Positionals are an `s3://` URL and a local file, where the command takes them
 * (see {@link applyPositionals}).
 */
export function parseFlags(command: string, specs: OptionSpec[], args: string[]): Flags {
  const options = Object.fromEntries(specs.map((s) => [s.long, {
    type: s.type,
    ...(s.short ? { short: s.short } : {}),
    ...(s.multiple ? { multiple: true } : {}),
  }]));
  try {
    const { values, positionals } = parseArgs({
      args: attachNegativeValues(args, specs),
      options,
      strict: true,
      allowPositionals: true,
    });
    return applyPositionals(command, specs, values as Flags, positionals);
  } catch (error) {
    if (error instanceof UsageError) throw error;
    const message = friendly((error as Error).message, specs);
    throw new UsageError(`${message}; see s3mpu ${command} --help.`);
  }
}

/**
 * `-s -1` and `--older-than -1d`: node:util refuses a value that starts with a dash as
 * "ambiguous". A value that reads as a negative number is meant as the option's value, so it
 * is attached (`--split-size=-1`) and the option's own range check answers it.
 */
function attachNegativeValues(args: string[], specs: OptionSpec[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (arg === "--") return [...out, ...args.slice(i)];
    const spec = specs.find((s) => arg === `--${s.long}` || (s.short && arg === `-${s.short}`));
    const next = args[i + 1];
    if (spec?.type === "string" && next !== undefined && /^-\d/.test(next)) {
      out.push(`--${spec.long}=${next}`);
      i++;
    } else out.push(arg);
  }
  return out;
}

// node:util's messages are long and mention "positional"; keep the gist.
function friendly(message: string, specs: OptionSpec[]): string {
  const unknown = /Unknown option '([^']+)'/.exec(message);
  if (unknown) {
    const known = specs.map((s) => `--${s.long}`);
    const suggestion = closest(unknown[1].split("=")[0], known);
    return `Unknown option ${unknown[1]}${suggestion ? ` (did you mean ${suggestion}?)` : ""}`;
  }
  const missing = /Option '([^']+)' argument missing/.exec(message);
  if (missing) return `Option ${missing[1].replace(/ <value>$/, "")} needs a value`;
  return message.split(".")[0];
}

/** Renders the options part of --help. */
export function optionsHelp(specs: OptionSpec[]): string {
  const rows = specs.map((s) => {
    const names = `${s.short ? `-${s.short}, ` : "    "}--${s.long}${s.value ? ` ${s.value}` : ""}`;
    return [names, s.help] as const;
  });
  const width = Math.min(36, Math.max(...rows.map(([n]) => n.length)) + 2);
  return rows.map(([names, help]) => {
    const wrapped = wrap(help, 100 - width - 2);
    const first = `  ${names.padEnd(width)}${wrapped[0]}`;
    const rest = wrapped.slice(1).map((line) => `  ${" ".repeat(width)}${line}`);
    return names.length >= width
      ? [`  ${names}`, ...wrapped.map((l) => `  ${" ".repeat(width)}${l}`)].join("\n")
      : [first, ...rest].join("\n");
  }).join("\n");
}

function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = "";
  for (const word of text.split(" ")) {
    if (line && line.length + word.length + 1 > width) {
      lines.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  return [...lines, line];
}

/** A string flag's value, or undefined. */
export function str(flags: Flags, name: string): string | undefined {
  const value = flags[name];
  return typeof value === "string" ? value : undefined;
}

/** A string flag that must be given. */
export function required(flags: Flags, name: string, short: string, what: string): string {
  const value = str(flags, name);
  if (value === undefined) {
    throw new UsageError(`Missing -${short}/--${name}: ${what}.`);
  }
  return value;
}
