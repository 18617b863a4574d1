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
