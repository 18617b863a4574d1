/**
 * Where each target's base binary (denort) comes from, and what to say when `deno compile`
 * could not get it. See scripts/denort.ts for checking and unpacking a base binary.
 *
 * @module
 */
import { join } from "node:path";
import { denortExeName, denortUrls, denortZipName, type Target } from "./denort.ts";
import { outputName, UsageError } from "./compile_options.ts";

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

/** The directory deno caches downloads in (`deno info`), for the message's copy hint. */
export async function denoDir(): Promise<string> {
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

/** `text` without terminal colour codes. */
export function stripAnsi(text: string): string {
  // deno-lint-ignore no-control-regex
  return text.replace(/\x1b\[[0-9;]*m/g, "");
}
