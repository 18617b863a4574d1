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
import { BaseBinaryError, checkBaseBinary, denortExeName, extractFromZip } from "./denort.ts";
import {
  BuildError,
  compileArgs,
  type CompileOptions,
  entrySource,
  HELP,
  outputName,
  parseArgs,
  PERMISSION_FLAGS,
  UsageError,
} from "./compile_options.ts";
import {
  baseBinaryHelp,
  chooseBases,
  denoDir,
  isBaseBinaryFailure,
  stripAnsi,
  underlyingError,
} from "./base_binary.ts";

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

/** SHA256SUMS in `sha256sum` text format, sorted by file name. */
export function sha256sumsText(files: { name: string; sha256: string }[]): string {
  return [...files].sort((a, b) => a.name < b.name ? -1 : a.name > b.name ? 1 : 0)
    .map((f) => `${f.sha256}  ${f.name}\n`).join("");
}

/** The SHA-256 of a file, lowercase hex, read in chunks. */
export async function sha256File(path: string): Promise<string> {
  const hash = createHash("sha256");
  using file = await Deno.open(path);
  for await (const chunk of file.readable) hash.update(chunk);
  return hash.digest("hex");
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

if (import.meta.main) {
  Deno.exit(await main(Deno.args));
}
