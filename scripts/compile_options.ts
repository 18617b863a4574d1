/**
 * The command line of scripts/compile.ts, and what it hands to `deno compile`: the permission
 * flags compiled into the binary, the generated entry module, the per-target arguments.
 *
 * @module
 */
import { join, relative } from "node:path";
import { isTarget, type Target, TARGETS } from "./denort.ts";

/**
 * The permissions compiled into the binary, and given to `deno run` by action.yml. Each one
 * was needed by a run against a local S3 server (moto); see docs/install.md.
 */
export const PERMISSION_FLAGS: readonly string[] = [
  // The source file or chunk directory, the state files, ~/.aws/config and credentials, the
  // web identity token file, --ca-bundle: all paths the user chooses.
  "--allow-read",
  // The state files (temp file + rename, beside the source or where -m/-a say).
  "--allow-write",
  // The S3 endpoint (any host), STS / SSO for credentials, container and instance metadata.
  "--allow-net",
  // AWS_* configuration and credentials (dozens of names), HOME/USERPROFILE, S3MPU_*,
  // GITHUB_OUTPUT and GITHUB_STEP_SUMMARY. An env read outside an allow-list throws
  // NotCapable, so a list would turn every unlisted AWS_* variable into a crash.
  "--allow-env",
  // OS facts only (no files, no network). Needed: osRelease for the SDK's user agent
  // (os.release(), every request); homedir and uid when HOME is unset (the SDK finds ~/.aws
  // with os.homedir()); and "ca" for node:tls rootCertificates, which the https agent reads
  // to add a --ca-bundle to the public roots. Deno 2.9.6 rejects "ca" in an allow-list
  // ("unknown sys descriptor: 'ca'"), so the flag cannot name the three it needs.
  "--allow-sys",
  // credential_process in an AWS profile (aws-vault, granted, 1Password, …). Without it the
  // SDK reports the denied spawn as missing credentials, which misleads; read and write are
  // already unrestricted, so this widens little.
  "--allow-run",
  // Never wait on a permission prompt: fail at once.
  "--no-prompt",
];

/** The executable's file name for `target`. */
export function outputName(target: Target): string {
  return `s3mpu-${target}${target.includes("-windows-") ? ".exe" : ""}`;
}

/** What the command line asked for. */
export interface CompileOptions {
  targets: Target[];
  outDir: string;
  /** Type-check the entry before compiling (deno compile itself then runs with --no-check). */
  check: boolean;
  verbose: boolean;
  /** Skip checking the base binaries given by DENORT_BIN / S3MPU_DENORT_DIR. */
  skipBaseCheck: boolean;
}

/** A bad command line (exit 2). */
export class UsageError extends Error {}

/** Parses the script's arguments. `host` is Deno.build.target. */
export function parseArgs(
  args: string[],
  host: string,
): CompileOptions | "help" | "print-permissions" {
  const options: CompileOptions = {
    targets: [],
    outDir: "dist",
    check: true,
    verbose: false,
    skipBaseCheck: false,
  };
  let all = false;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    const value = () => {
      const next = args[++i];
      if (next === undefined || next.startsWith("--")) {
        throw new UsageError(`${arg} needs a value.`);
      }
      return next;
    };
    if (arg === "-h" || arg === "--help") return "help";
    if (arg === "--print-permissions") return "print-permissions";
    if (arg === "--all") all = true;
    else if (arg === "--target") {
      const target = value();
      if (!isTarget(target)) {
        throw new UsageError(`Unknown target "${target}"; use one of ${TARGETS.join(", ")}.`);
      }
      if (!options.targets.includes(target)) options.targets.push(target);
    } else if (arg === "--out-dir") options.outDir = value();
    else if (arg === "--no-check") options.check = false;
    else if (arg === "--verbose") options.verbose = true;
    else if (arg === "--skip-base-check") options.skipBaseCheck = true;
    else throw new UsageError(`Unknown argument "${arg}"; see --help.`);
  }
  if (all && options.targets.length > 0) {
    throw new UsageError("Pass --all or --target, not both.");
  }
  if (all) options.targets = [...TARGETS];
  if (options.targets.length === 0) {
    if (!isTarget(host)) {
      throw new UsageError(
        `This platform (${host}) is not a release target; pass --target with one of ${
          TARGETS.join(", ")
        }.`,
      );
    }
    options.targets = [host];
  }
  return options;
}

/** `deno run scripts/compile.ts --help`. */
export const HELP = `Builds the s3mpu executable with deno compile.

Usage: deno run -A scripts/compile.ts [--all | --target TARGET ...] [options]
       deno run scripts/compile.ts --print-permissions

  --all               build every release target: ${TARGETS.join(", ")}
  --target TARGET     build TARGET (repeatable); default: this platform
  --out-dir DIR       where to write s3mpu-<target>[.exe] and SHA256SUMS (default dist)
  --no-check          skip type-checking
  --verbose           show deno compile's output
  --skip-base-check   use DENORT_BIN / S3MPU_DENORT_DIR without checking them
  --print-permissions print the permission flags compiled into the binary, one per line

deno compile downloads its base binary (denort) from dl.deno.land. Where that is not reachable:
  DENORT_BIN=/path/to/denort          a denort of this Deno version for the (single) target
  S3MPU_DENORT_DIR=/path/to/dir       a directory with denort-<target>.zip (as released) or
                                      the unzipped denort-<target>[.exe], one per target
`;

/**
 * V8 flags compiled into the binary. A 1 MiB young generation (V8's default grows it to 16 MiB
 * and more): an upload's garbage is small and short-lived (per-request SDK objects; part bytes
 * live in reused buffers outside the heap), so it costs no measurable CPU and keeps ~10 MiB of
 * RSS off every run (docs/performance.md). scripts/bench.sh runs `deno run` with the same.
 */
export const V8_FLAGS: readonly string[] = ["--max-semi-space-size=1"];

/** The generated entry module: records the build, then runs the CLI like main.ts. */
export function entrySource(build: { commit: string; date: string }, root: string, dir: string) {
  const imp = (path: string) => JSON.stringify(relative(dir, join(root, path)).replace(/\\/g, "/"));
  return `// Generated by scripts/compile.ts for one build; not part of the source tree.
import { setBuildInfo } from ${imp("src/build_info.ts")};
import { runCli } from ${imp("src/cli/run_cli.ts")};

setBuildInfo({ commit: ${JSON.stringify(build.commit)}, date: ${JSON.stringify(build.date)} });
Deno.exit(await runCli(Deno.args));
`;
}

/** The `deno compile` arguments for one target. */
export function compileArgs(target: Target, entry: string, output: string, config: string) {
  return [
    "compile",
    "--no-check",
    "--config",
    config,
    // Only npm packages the program imports: test-only ones in deno.lock stay out. All of
    // the SDK's credential providers are dependencies of @aws-sdk/client-s3, so they stay in.
    "--exclude-unused-npm",
    ...PERMISSION_FLAGS,
    `--v8-flags=${V8_FLAGS.join(",")}`,
    "--target",
    target,
    "--output",
    output,
    entry,
  ];
}

/** A failed build step (exit 1). */
export class BuildError extends Error {}
