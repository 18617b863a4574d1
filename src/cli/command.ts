import { createLogger, type Logger } from "../log.ts";
import { retyped } from "./as_typed.ts";
import { logLevel } from "./common_options.ts";
import { type Flags, type OptionSpec, parseFlags } from "./parse.ts";

/** What a command returns: the exit code and, for --json, the result object. */
export interface CommandOutcome {
  exitCode: number;
  /** Printed as one JSON line on stdout when --json is given. */
  json?: unknown;
}

/** One `s3mpu <name>` command. */
export interface Command {
  name: string;
  /** One line for the main --help. */
  summary: string;
  /** The full `s3mpu <name> --help` text. */
  help(): string;
  /** Runs with the arguments after the command name; returns "help" for --help. */
  run(args: string[]): Promise<CommandOutcome | "help">;
}

/** What one command is made of; {@link defineCommand} adds the shared start of its run. */
export interface CommandSpec {
  name: string;
  /** One line for the main --help. */
  summary: string;
  /** The full `s3mpu <name> --help` text. */
  help: string;
  /** The options `s3mpu <name>` accepts. */
  options: OptionSpec[];
  /**
   * The command's work, given its parsed flags, a logger at the level they ask for, and the
   * raw arguments (where their order matters, as for filters).
   */
  run(flags: Flags, logger: Logger, args: string[]): Promise<CommandOutcome>;
}

/**
 * A command whose run parses its flags, answers --help, and builds the logger before doing
 * its own work, so every command starts the same way.
 *
 * @example
 * ```ts
 * const hello = defineCommand({
 *   name: "hello",
 *   summary: "say hello",
 *   help: "Usage: s3mpu hello",
 *   options: OUTPUT_OPTIONS,
 *   run: (_flags, logger) => {
 *     logger.info("hello");
 *     return Promise.resolve({ exitCode: 0 });
 *   },
 * });
 * ```
 */
export function defineCommand(spec: CommandSpec): Command {
  return {
    name: spec.name,
    summary: spec.summary,
    help: () => spec.help,
    run: async (args) => {
      const flags = parseFlags(spec.name, spec.options, args);
      if (flags.help) return "help";
      try {
        return await spec.run(flags, createLogger(logLevel(flags)), args);
      } catch (error) {
        throw retyped(error, flags); // the messages name what the user typed: URL, file argument
      }
    },
  };
}

/**
 * Prints a command's report on stdout, unless --json (then its one object is the output) or
 * --quiet ("print only errors": the exit code still gives the result).
 */
export function printReport(flags: Flags, text: string): void {
  if (flags.json !== true && flags.quiet !== true) console.log(text);
}
