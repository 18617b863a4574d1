/**
 * Runs the s3mpu CLI as a user would: `deno run -A main.ts …` in a child process.
 * @module
 */

import {
  exists,
  MiB,
  randomBytes,
  type RandomFile,
  randomFile as sharedRandomFile,
} from "../../src/testing/files.ts";

export { exists, MiB, randomBytes, type RandomFile };

const MAIN = new URL("../../main.ts", import.meta.url).pathname;

/** What a finished CLI run printed and returned. */
export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the CLI to completion with `args` and extra `env`. */
export async function runS3mpu(args: string[], env: Record<string, string> = {}): Promise<CliRun> {
  const output = await command(args, env).output();
  return {
    code: output.code,
    stdout: new TextDecoder().decode(output.stdout),
    stderr: new TextDecoder().decode(output.stderr),
  };
}

/** Starts the CLI without waiting, for tests that signal or kill it. */
export function spawnS3mpu(args: string[], env: Record<string, string> = {}): Deno.ChildProcess {
  return command(args, env).spawn();
}

/** Collects a spawned CLI's result after it exits. */
export async function collect(child: Deno.ChildProcess): Promise<CliRun> {
  const output = await child.output();
  return {
    code: output.code,
    stdout: new TextDecoder().decode(output.stdout),
    stderr: new TextDecoder().decode(output.stderr),
  };
}

/**
 * Starts the CLI with `input` written to its standard input in pieces of at most 1 MiB (as
 * a producer's pipe would give them), for stream uploads (`upload -`). With `close` (the
 * default) stdin is closed after the last byte; otherwise it stays open, as a producer that
 * has not finished. `fed` settles once everything is written or the CLI went away.
 */
export function spawnS3mpuFed(
  args: string[],
  env: Record<string, string>,
  input: Uint8Array,
  opts: { close?: boolean } = {},
): { child: Deno.ChildProcess; fed: Promise<void> } {
  const child = command(args, env, "piped").spawn();
  const writer = child.stdin.getWriter();
  const fed = (async () => {
    for (let at = 0; at < input.length; at += MiB) {
      await writer.write(input.subarray(at, Math.min(input.length, at + MiB)));
    }
    if (opts.close !== false) await writer.close();
  })().catch(() => {}); // the CLI exited (or was killed) before reading everything
  return { child, fed };
}

/** Feeds `input` to the CLI's standard input (see {@link spawnS3mpuFed}) and waits for the run. */
export async function feedS3mpu(
  args: string[],
  env: Record<string, string>,
  input: Uint8Array,
): Promise<CliRun> {
  const { child, fed } = spawnS3mpuFed(args, env, input);
  const run = await collect(child);
  await fed;
  return run;
}

function command(
  args: string[],
  env: Record<string, string>,
  stdin: "null" | "piped" = "null",
): Deno.Command {
  return new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "--quiet", MAIN, ...args],
    env: { NO_COLOR: "1", ...env },
    stdin,
    stdout: "piped",
    stderr: "piped",
  });
}

/** Resolves once `path` holds at least `lines` newline-terminated lines (or rejects on timeout). */
export async function waitForLines(
  path: string,
  lines: number,
  timeoutMs = 30_000,
): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const text = await Deno.readTextFile(path).catch(() => "");
    const count = text.split("\n").length - 1;
    if (count >= lines) return count;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`${path} did not reach ${lines} lines within ${timeoutMs} ms`);
}

/** A temp dir holding a random file of `size` bytes (the shared fixture, named for the CLI). */
export function randomFile(size: number, name = "source.bin"): Promise<RandomFile> {
  return sharedRandomFile(size, name, "s3mpu-cli-");
}

/**
 * Runs the CLI with `args`, SIGKILLs it once the parts journal `partsFile` holds `lines`
 * lines (the kill -9 part-way of the resume tests) and returns the killed run (exit 137 when
 * the kill landed) and how many lines the journal held then.
 */
export async function killAfterParts(
  args: string[],
  env: Record<string, string>,
  partsFile: string,
  lines: number,
): Promise<{ run: CliRun; journaled: number; pid: number }> {
  const child = spawnS3mpu(args, env);
  const journaled = await waitForLines(partsFile, lines);
  child.kill("SIGKILL");
  return { run: await collect(child), journaled, pid: child.pid };
}

/** Where an upload goes, and the state files it keeps. */
export interface UploadTarget {
  bucket: string;
  key: string;
  file: string;
  meta: string;
  parts: string;
}

/** `upload -b BUCKET -k KEY -f FILE -m META -a PARTS` (the seed's form) plus `extra`. */
export function seedUploadArgs(target: UploadTarget, ...extra: string[]): string[] {
  const { bucket, key, file, meta, parts } = target;
  return ["upload", "-b", bucket, "-k", key, "-f", file, "-m", meta, "-a", parts, ...extra];
}
