/** The shape of command-line options and of what parsing them gives (parse.ts). */

/** One command-line option: its parseArgs spec and its line in --help. */
export interface OptionSpec {
  long: string;
  short?: string;
  type: "string" | "boolean";
  /** Shown in help as `--long VALUE`. */
  value?: string;
  help: string;
  multiple?: boolean;
}

/** Parsed flags by long name. */
export type Flags = Record<string, string | boolean | string[] | undefined>;
