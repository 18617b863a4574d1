/**
 * Builds the s3mpu executable with `deno compile`.
 *
 *   deno task compile                      # this platform: dist/s3mpu-<target> and dist/s3mpu
 *   deno task compile --all                # every release target
 *   deno task compile --target aarch64-apple-darwin [--target …]
 *   deno run scripts/compile.ts --print-permissions   # the binary's permission flags
 *
 * Writes dist/s3mpu-<target>[.exe] and dist/SHA256SUMS (`sha256sum -c` format) for the
 * targets built. The binary embeds the git commit and build date for `s3mpu --version`: this
 * script writes a one-off entry module (dist/.build-XXXXXX/main.ts) that records them and then runs
 * the CLI exactly as main.ts does. A binary built for this platform is run once
 * (`--version`, `upload --help`) before it counts as built.
 *
 * deno compile copies a base binary, denort, of the same Deno version and the target
 * platform, which it downloads from dl.deno.land. Without that download:
 * - DENORT_BIN=/path/to/denort (one target): passed through to deno compile, after checking
 *   it is a denort for the target;
 * - S3MPU_DENORT_DIR=/dir holding the release's denort-<target>.zip files (or the unzipped
 *   denort-<target>[.exe]): used for every target built, e.g. with --all.
 * When the base binary cannot be had, the build stops with exit 1 and a message that says
 * what is missing and where to get it.
 *
 * @module
 */
import denoConfig from "../deno.json" with { type: "json" };
import { createHash } from "node:crypto";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import {
  BaseBinaryError,
  checkBaseBinary,
  denortExeName,
  denortUrls,
  denortZipName,
  extractFromZip,
  isTarget,
  type Target,
  TARGETS,
} from "./denort.ts";

/**
 * The permissions compiled into the binary, and given to `deno run` by action.yml. Each one
 * was needed by a run against a local S3 server (moto); see docs/README-binary-and-action.md.
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

const HELP = `Builds the s3mpu executable with deno compile.

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
    "--target",
    target,
    "--output",
    output,
    entry,
  ];
}

/** Whether deno compile's output says it could not get or use its base binary. */
export function isBaseBinaryFailure(output: string): boolean {
  return /Setting up base binary|denort|dl\.deno\.land/i.test(output);
}

/** The error part of deno compile's output: from "error:" on, without the backtrace. */
export function underlyingError(output: string): string {
  const text = stripAnsi(output);
  const start = text.search(/^error:/m);
  const error = start >= 0 ? text.slice(start) : text;
  return error.replace(/\n*Stack backtrace:[\s\S]*$/, "").trim();
}

/** The message for a build that failed for want of the base binary. */
export function baseBinaryHelp(
  target: Target,
  denoVersion: string,
  underlying: string,
  denoDir: string,
): string {
  const [dl, github] = denortUrls(target, denoVersion);
  return [
    `Cannot build ${
      outputName(target)
    }: deno compile needs its base binary, denort ${denoVersion} for ${target}, and could not get it. deno compile said:`,
    "",
    ...underlying.split("\n").map((line) => `    ${line}`),
    "",
    `It downloads ${
      denortZipName(target)
    } from ${dl}. Where that site is not reachable, fetch the same file on a machine that can reach it (or from ${github}), copy it here, and then either:`,
    `  - unzip it and run: DENORT_BIN=/path/to/${
      denortExeName(target)
    } deno task compile --target ${target}`,
    `  - or put the zip (one per target) in a directory and run: S3MPU_DENORT_DIR=/path/to/dir deno task compile [--all]`,
    `  - or copy the zip to ${
      join(denoDir, "dl", "release", `v${denoVersion}`, denortZipName(target))
    }, where deno compile looks before downloading.`,
    `denort must be exactly version ${denoVersion}, the Deno running this build. The deno executable itself (the npm package deno) is not denort and cannot be the base.`,
  ].join("\n");
}

/** SHA256SUMS in `sha256sum` text format, sorted by file name. */
export function sha256sumsText(files: { name: string; sha256: string }[]): string {
  return [...files].sort((a, b) => a.name < b.name ? -1 : a.name > b.name ? 1 : 0)
    .map((f) => `${f.sha256}  ${f.name}\n`).join("");
}

/** Where each target's base binary comes from: a path and its label, or deno's download. */
export interface BaseChoice {
  path?: string;
  /** How messages name it, e.g. "DENORT_BIN (/opt/denort)". */
  label?: string;
  /** A zip in S3MPU_DENORT_DIR to unpack first. */
  zip?: string;
}

/**
 * Chooses the base binary for every target from DENORT_BIN and S3MPU_DENORT_DIR. `exists`
 * tells whether a file exists (injected for tests).
 */
export function chooseBases(
  targets: Target[],
  env: (name: string) => string | undefined,
  exists: (path: string) => boolean,
): Map<Target, BaseChoice> {
  const bin = env("DENORT_BIN");
  const dir = env("S3MPU_DENORT_DIR");
  const choices = new Map<Target, BaseChoice>();
  if (bin) {
    if (targets.length > 1) {
      throw new UsageError(
        `DENORT_BIN names one base binary, but this build has ${targets.length} targets (${
          targets.join(", ")
        }). Build one --target at a time, or put each target's ${
          denortZipName(targets[0]).replace(targets[0], "<target>")
        } in a directory and set S3MPU_DENORT_DIR to it instead.`,
      );
    }
    choices.set(targets[0], { path: bin, label: `DENORT_BIN (${bin})` });
    return choices;
  }
  for (const target of targets) {
    if (!dir) {
      choices.set(target, {});
      continue;
    }
    const exe = join(dir, `denort-${target}${target.includes("-windows-") ? ".exe" : ""}`);
    const zip = join(dir, denortZipName(target));
    if (exists(exe)) {
      choices.set(target, { path: exe, label: exe });
    } else if (exists(zip)) {
      choices.set(target, { zip, label: `The denort in ${zip}` });
    } else {
      throw new UsageError(
        `S3MPU_DENORT_DIR is ${dir}, which has neither ${denortZipName(target)} nor ${
          exe.slice(dir.length + 1)
        } for target ${target}.`,
      );
    }
  }
  return choices;
}

/** A failed build step (exit 1). */
export class BuildError extends Error {}

const ROOT = dirname(dirname(fileURLToPath(import.meta.url)));

async function main(args: string[]): Promise<number> {
  let options: CompileOptions | "help" | "print-permissions";
  try {
    options = parseArgs(args, Deno.build.target);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    console.error(`compile: error: ${error.message}`);
    return 2;
  }
  if (options === "help") {
    console.log(HELP);
    return 0;
  }
  if (options === "print-permissions") {
    console.log(PERMISSION_FLAGS.join("\n"));
    return 0;
  }
  try {
    await build(options);
    return 0;
  } catch (error) {
    if (error instanceof UsageError) {
      console.error(`compile: error: ${error.message}`);
      return 2;
    }
    if (error instanceof BuildError || error instanceof BaseBinaryError) {
      console.error(`compile: error: ${error.message}`);
      return 1;
    }
    throw error;
  }
}

async function build(options: CompileOptions): Promise<void> {
  const denoVersion = Deno.version.deno;
  await warnIfNotPinned(denoVersion);
  const out = options.outDir === "dist" ? join(ROOT, "dist") : resolveFromCwd(options.outDir);
  const show = (path: string) => relative(Deno.cwd(), path) || ".";
  const bases = chooseBases(options.targets, (n) => Deno.env.get(n), fileExists);
  const scratch = await Deno.makeTempDir({ prefix: "s3mpu-compile-" });
  let buildDir: string | undefined;
  try {
    for (const [target, choice] of bases) {
      if (choice.zip) {
        const bytes = await extractFromZip(await Deno.readFile(choice.zip), denortExeName(target))
          .catch((error) => {
            throw new BuildError(`Cannot unpack ${choice.zip}: ${(error as Error).message}.`);
          });
        choice.path = join(scratch, `denort-${target}`);
        await Deno.writeFile(choice.path, bytes, { mode: 0o755 });
      }
      if (choice.path && !options.skipBaseCheck) {
        await checkBaseBinary(choice.path, target, choice.label ?? choice.path, denoVersion);
      }
    }
    const info = { commit: await gitCommit(), date: buildDate() };
    console.error(`compile: s3mpu ${denoConfig.version}, commit ${info.commit}, ${info.date}`);
    // The entry lives in the project (so deno.json applies), in a directory of its own.
    await Deno.mkdir(join(ROOT, "dist"), { recursive: true });
    buildDir = await Deno.makeTempDir({ dir: join(ROOT, "dist"), prefix: ".build-" });
    const entry = join(buildDir, "main.ts");
    await Deno.writeTextFile(entry, entrySource(info, ROOT, buildDir));
    const config = join(ROOT, "deno.json");
    if (options.check) {
      console.error("compile: type-checking ...");
      await run(["check", "--config", config, entry], "deno check", options.verbose);
    }
    await Deno.mkdir(out, { recursive: true });
    const built: { name: string; sha256: string; size: number }[] = [];
    for (const target of options.targets) {
      const name = outputName(target);
      const output = join(out, name);
      console.error(`compile: building ${show(output)} ...`);
      const choice = bases.get(target) ?? {};
      const env: Record<string, string> = choice.path ? { DENORT_BIN: choice.path } : {};
      const result = await runCapture(compileArgs(target, entry, output, config), env);
      if (options.verbose) console.error(result.output);
      if (!result.success) {
        await Deno.remove(output).catch(() => {});
        if (isBaseBinaryFailure(result.output) && !choice.path) {
          throw new BuildError(
            baseBinaryHelp(target, denoVersion, underlyingError(result.output), await denoDir()),
          );
        }
        throw new BuildError(
          `deno compile failed for ${target} (exit ${result.code}):\n${
            underlyingError(result.output)
          }`,
        );
      }
      if (target === Deno.build.target) await smokeTest(output, info.commit);
      const { size } = await Deno.stat(output);
      built.push({ name, sha256: await sha256File(output), size });
      if (target === Deno.build.target) await linkHostBinary(out, name);
    }
    await Deno.writeTextFile(join(out, "SHA256SUMS"), sha256sumsText(built));
    for (const f of built) {
      console.error(
        `compile: ${show(join(out, f.name))}  ${
          (f.size / 2 ** 20).toFixed(1)
        } MiB  sha256 ${f.sha256}`,
      );
    }
    console.error(`compile: wrote ${show(join(out, "SHA256SUMS"))}`);
  } finally {
    await Deno.remove(scratch, { recursive: true }).catch(() => {});
    if (buildDir) await Deno.remove(buildDir, { recursive: true }).catch(() => {});
  }
}

/** Runs the fresh binary for this platform; a binary that does not run as s3mpu is deleted. */
export async function smokeTest(path: string, commit: string): Promise<void> {
  const version = await runBinary(path, ["--version"]);
  if (!version.stdout.startsWith("s3mpu ") || !version.stdout.includes(commit)) {
    await Deno.remove(path).catch(() => {});
    const asDeno = /^deno \d/.test(version.stdout);
    throw new BuildError(
      `The built ${path} does not run as s3mpu: "${path} --version" printed ${
        JSON.stringify(version.stdout.trim().split("\n")[0] ?? "")
      } (exit ${version.code})${
        asDeno
          ? ". Its base binary is the deno CLI, not denort: point DENORT_BIN at denort."
          : `. stderr: ${version.stderr.trim()}`
      } The file was deleted.`,
    );
  }
  const help = await runBinary(path, ["upload", "--help"]);
  if (help.code !== 0 || !help.stdout.includes("Usage:")) {
    await Deno.remove(path).catch(() => {});
    throw new BuildError(
      `The built ${path} runs, but "upload --help" failed (exit ${help.code}): ${help.stderr.trim()}. The file was deleted.`,
    );
  }
  console.error(`compile: ${version.stdout.trim()}`);
}

async function runBinary(path: string, args: string[]) {
  const out = await new Deno.Command(path, {
    args,
    stdout: "piped",
    stderr: "piped",
    stdin: "null",
    signal: AbortSignal.timeout(60_000),
  }).output();
  const decode = (b: Uint8Array) => stripAnsi(new TextDecoder().decode(b));
  return { code: out.code, stdout: decode(out.stdout), stderr: decode(out.stderr) };
}

/** dist/s3mpu (or s3mpu.exe): the same file as this platform's dist/s3mpu-<target>. */
async function linkHostBinary(out: string, name: string): Promise<void> {
  const link = join(out, name.endsWith(".exe") ? "s3mpu.exe" : "s3mpu");
  await Deno.remove(link).catch(() => {});
  await Deno.link(join(out, name), link).catch(() => Deno.copyFile(join(out, name), link));
}

async function runCapture(args: string[], env: Record<string, string>) {
  const out = await new Deno.Command(Deno.execPath(), {
    args,
    cwd: ROOT,
    env: { ...env, NO_COLOR: "1", DENO_NO_UPDATE_CHECK: "1" },
    stdout: "piped",
    stderr: "piped",
    stdin: "null",
  }).output();
  const decoder = new TextDecoder();
  return {
    success: out.success,
    code: out.code,
    output: stripAnsi(decoder.decode(out.stdout) + decoder.decode(out.stderr)),
  };
}

async function run(args: string[], what: string, verbose: boolean) {
  const result = await runCapture(args, {});
  if (verbose || !result.success) console.error(result.output);
  if (!result.success) throw new BuildError(`${what} failed (exit ${result.code}); see above.`);
}

async function gitCommit(): Promise<string> {
  const git = async (...args: string[]) => {
    const out = await new Deno.Command("git", { args, cwd: ROOT, stdout: "piped", stderr: "null" })
      .output();
    if (!out.success) throw new Error(`git ${args[0]} failed`);
    return new TextDecoder().decode(out.stdout).trim();
  };
  try {
    const commit = await git("rev-parse", "--short=12", "HEAD");
    const dirty = await git("status", "--porcelain", "--untracked-files=no");
    return dirty ? `${commit}-dirty` : commit;
  } catch {
    return Deno.env.get("GITHUB_SHA")?.slice(0, 12) || "unknown";
  }
}

/** Now, or SOURCE_DATE_EPOCH for reproducible builds; ISO 8601 UTC to the second. */
function buildDate(): string {
  const epoch = Deno.env.get("SOURCE_DATE_EPOCH");
  const date = epoch && /^\d+$/.test(epoch) ? new Date(Number(epoch) * 1000) : new Date();
  return date.toISOString().replace(/\.\d{3}Z$/, "Z");
}

/** The SHA-256 of a file, lowercase hex, read in chunks. */
export async function sha256File(path: string): Promise<string> {
  const hash = createHash("sha256");
  using file = await Deno.open(path);
  for await (const chunk of file.readable) hash.update(chunk);
  return hash.digest("hex");
}

async function denoDir(): Promise<string> {
  try {
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["info", "--json"],
      stdout: "piped",
      stderr: "null",
      env: { NO_COLOR: "1" },
    }).output();
    const dir = JSON.parse(new TextDecoder().decode(out.stdout)).denoDir;
    if (typeof dir === "string") return dir;
  } catch {
    // fall through
  }
  return Deno.env.get("DENO_DIR") ?? "$DENO_DIR";
}

async function warnIfNotPinned(version: string): Promise<void> {
  try {
    const env = await Deno.readTextFile(join(ROOT, "scripts", "versions.env"));
    const pinned = /^DENO_VERSION=(\S+)/m.exec(env)?.[1];
    if (pinned && pinned !== version) {
      console.error(
        `compile: warning: this is Deno ${version}, but scripts/versions.env pins ${pinned}; releases use the pinned version (bash scripts/ensure_deno.sh).`,
      );
    }
  } catch {
    // no pin to compare with
  }
}

function fileExists(path: string): boolean {
  try {
    return Deno.statSync(path).isFile;
  } catch {
    return false;
  }
}

function resolveFromCwd(path: string): string {
  return path.startsWith("/") || /^[A-Za-z]:[\\/]/.test(path) ? path : join(Deno.cwd(), path);
}

function stripAnsi(text: string): string {
  // deno-lint-ignore no-control-regex
  return text.replace(/\x1b\[[0-9;]*m/g, "");
}

if (import.meta.main) {
  Deno.exit(await main(Deno.args));
}
