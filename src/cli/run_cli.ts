import denoConfig from "../../deno.json" with { type: "json" };
import { type BuildInfo, buildInfo } from "../build_info.ts";
import { BackendError, ExitCode, S3mpuError, UsageError } from "../errors.ts";
import { COMMANDS } from "./commands.ts";
import { closest } from "./did_you_mean.ts";
import { githubOutputsFromEnv } from "./github_outputs.ts";
import { userMessage } from "./remedy_words.ts";

function mainHelp(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length)) + 2;
  return `s3mpu ${denoConfig.version}: resumable multipart uploads to S3 and S3-compatible stores.

Usage: s3mpu <command> [options]

Commands:
${COMMANDS.map((c) => `  ${c.name.padEnd(width)}${c.summary}`).join("\n")}

Options:
  -h, --help     show help; "s3mpu <command> --help" for a command's options
  --version      print the version and build
  --json, -q, -v, --debug  may come before the command too (s3mpu --json list ...); every
                 other option goes after it

Examples:
  s3mpu upload db.tar s3://my-bucket/backups/      # re-run the same command to resume
  s3mpu status db.tar                              # how far an interrupted upload got
  s3mpu list s3://my-bucket --older-than 7d        # orphaned uploads (add --yes to abort them)
  source <(s3mpu completions bash)                 # tab completion (zsh and fish too)

Credentials come from the standard AWS chain: environment, shared config and credentials
files (--profile, AWS_PROFILE), SSO, web identity (OIDC), container and instance metadata.
Exit codes: 0 done · 2 the command or setup must change (nothing changed) · 3 re-running
unchanged can succeed (state kept) · 4 needs a decision (--restart) · 130 interrupted by
SIGINT, SIGTERM or SIGHUP (state kept). With --json, a failure prints
{"error": {"code", "message", "exitCode", "serverCode"}} on stdout. See docs/exit-codes.md.
`;
}

/** Runs the CLI with `args`; returns the process exit code. Never throws. */
export async function runCli(given: string[]): Promise<number> {
  const debug = given.includes("--debug");
  let json = given.includes("--json");
  try {
    const args = commandFirst(given);
    const [name, ...rest] = args;
    json = rest.includes("--json");
    if (name === undefined || name === "help" || name === "--help" || name === "-h") {
      console.log(mainHelp());
      return name === undefined ? ExitCode.usage : ExitCode.ok;
    }
    if (name === "--version" || name === "version") {
      console.log(versionText());
      return ExitCode.ok;
    }
    const command = COMMANDS.find((c) => c.name === name);
    if (!command) {
      const guess = closest(name, COMMANDS.map((c) => c.name));
      const hint = guess ? ` (did you mean "${guess}"?)` : "";
      throw new UsageError(`Unknown command "${name}"${hint}; run s3mpu --help for the commands.`);
    }
    const outcome = await command.run(rest);
    if (outcome === "help") {
      console.log(command.help());
      return ExitCode.ok;
    }
    if (json && outcome.json !== undefined) {
      console.log(JSON.stringify(outcome.json));
    }
    // GitHub Actions step outputs and summary; opt-in with S3MPU_GITHUB_OUTPUTS=1.
    for (const warning of await githubOutputsFromEnv(outcome.json)) {
      console.error(`s3mpu: warning: ${warning}`);
    }
    return outcome.exitCode;
  } catch (error) {
    return report(error, debug, json);
  }
}

/** The output options every command takes, also when given before the command's name. */
const OUTPUT_FLAGS = new Set(["--json", "--quiet", "-q", "--verbose", "-v", "--debug"]);

/**
 * `s3mpu --json upload ...` as `s3mpu upload ... --json`: the output options (--json, -q,
 * -v, --debug) may come before the command, as in aws-cli. Any other option there is
 * refused with the command line that works, since its value cannot be told from a command.
 */
export function commandFirst(args: string[]): string[] {
  let at = 0;
  while (at < args.length && OUTPUT_FLAGS.has(args[at])) at++;
  const leading = args.slice(0, at);
  const name = args[at];
  if (name === undefined) return [];
  if (name.startsWith("-") && !["--help", "-h", "--version"].includes(name)) {
    const command = args.find((a) => COMMANDS.some((c) => c.name === a)) ?? "<command>";
    throw new UsageError(
      `Only --json, -q, -v and --debug may come before the command; put ${name} after it: s3mpu ${command} ${name} ...`,
    );
  }
  return at === 0 ? args : [name, ...args.slice(at + 1), ...leading];
}

/**
 * The --json form of a failure: the only object on stdout. Its shape is part of the contract
 * (docs/exit-codes.md): `code` is a stable name, `serverCode` the store's own error code.
 */
export interface JsonFailure {
  error: { code: string; message: string; exitCode: number; serverCode: string | null };
}

/** Builds the --json object of a failure; see {@link JsonFailure}. */
export function jsonFailure(error: unknown): JsonFailure {
  const known = error instanceof S3mpuError;
  const message = userMessage(error).split("\n")[0];
  let serverCode: string | null = null;
  for (let e: unknown = error; e instanceof Error; e = e.cause) {
    if (e instanceof BackendError && e.details.code) {
      serverCode = e.details.code;
      break;
    }
  }
  return {
    error: {
      code: known ? error.code : "internal",
      message,
      exitCode: known ? error.exitCode : ExitCode.resumable,
      serverCode,
    },
  };
}

function report(error: unknown, debug: boolean, json: boolean): number {
  const known = error instanceof S3mpuError;
  const message = userMessage(error);
  if (json) console.log(JSON.stringify(jsonFailure(error)));
  console.error(`s3mpu: error: ${message.split("\n")[0]}`);
  if (debug) {
    console.error(error instanceof Error ? error.stack : error);
    let cause = (error as Error)?.cause;
    while (cause) {
      console.error("Caused by:", cause instanceof Error ? cause.stack : cause);
      cause = (cause as Error)?.cause;
    }
  } else if (!known) {
    console.error("This is a bug in s3mpu; run again with --debug for details and report it.");
  }
  return known ? error.exitCode : ExitCode.resumable;
}

/**
 * `s3mpu --version`: version, build (commit and date, or "dev" from source), runtime and
 * target, e.g. `s3mpu 0.1.0 (commit 1a2b3c4d5e6f, built 2026-11-24T20:00:00Z; deno 2.9.6,
 * x86_64-unknown-linux-gnu)`.
 */
export function versionText(build: BuildInfo = buildInfo()): string {
  const made = build.commit === "dev"
    ? "dev build"
    : `commit ${build.commit}${build.date ? `, built ${build.date}` : ""}`;
  return `s3mpu ${denoConfig.version} (${made}; deno ${Deno.version.deno}, ${Deno.build.target})`;
}
