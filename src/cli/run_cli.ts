import denoConfig from "../../deno.json" with { type: "json" };
import { ExitCode, S3mpuError } from "../errors.ts";
import { UPLOAD_HELP, uploadCommand } from "./upload_command.ts";

const MAIN_HELP =
  `s3mpu ${denoConfig.version}: resumable multipart uploads to S3 and S3-compatible stores.

Usage:
  s3mpu upload -b BUCKET -k KEY -f FILE [options]   upload a file; re-run the same command to resume
  s3mpu --version                                   print the version and build

Run "s3mpu upload --help" for the upload options, state files and exit codes.
Credentials come from the standard AWS chain: environment, shared config and credentials
files (AWS_PROFILE), SSO, web identity (OIDC), container and instance metadata.
`;

/** Runs the CLI with `args`; returns the process exit code. Never throws. */
export async function runCli(args: string[]): Promise<number> {
  const [command, ...rest] = args;
  const debug = args.includes("--debug");
  const json = args.includes("--json");
  try {
    switch (command) {
      case undefined:
      case "help":
      case "--help":
      case "-h":
        console.log(MAIN_HELP);
        return command === undefined ? ExitCode.usage : ExitCode.ok;
      case "--version":
      case "version":
        console.log(versionText());
        return ExitCode.ok;
      case "upload": {
        const result = await uploadCommand(rest);
        if (result === "help") console.log(UPLOAD_HELP);
        else if (json) console.log(JSON.stringify(result));
        return ExitCode.ok;
      }
      default:
        console.error(
          `s3mpu: error: Unknown command "${command}"; run s3mpu --help for the commands.`,
        );
        return ExitCode.usage;
    }
  } catch (error) {
    return report(error, debug);
  }
}

function report(error: unknown, debug: boolean): number {
  const known = error instanceof S3mpuError;
  const message = error instanceof Error ? error.message : String(error);
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

/** `s3mpu --version`: version, runtime and platform. */
export function versionText(): string {
  return `s3mpu ${denoConfig.version} (deno ${Deno.version.deno}, ${Deno.build.target})`;
}
