/**
 * Where an upload's state files are: the one owner of their names and places
 * (docs/state-paths.md). `upload` puts them beside the source (the seed's way), in a state
 * directory (--state-dir, $S3MPU_STATE_DIR), or, when the source's directory is not
 * writable, in $XDG_STATE_HOME/s3mpu; status and abort find them again the same way.
 *
 * @module
 */
import { createHash } from "node:crypto";
import { basename, dirname, join, resolve } from "node:path";
import { UsageError } from "../errors.ts";

/** The meta file's name beside the source: `FILE` + this. */
export const META_SUFFIX = ".s3mpu-meta.json";
/** The parts journal's name beside the source: `FILE` + this. */
export const PARTS_SUFFIX = ".s3mpu-parts.jsonl";

/** Reads an environment variable (Deno.env in the CLI; a table in tests). */
export type Env = (name: string) => string | undefined;

/** What the user said about the state's place: -m, -a and --state-dir, each optional. */
export interface StatePlace {
  metaPath?: string;
  partsPath?: string;
  stateDir?: string;
}

/** The two state files of one upload. */
export interface StateFilePaths {
  metaPath: string;
  partsPath: string;
}

/**
 * Where `upload` keeps the state of a source whose state files default to `besideSource`
 * plus the suffixes: -m/-a win; otherwise beside the source, in the state directory, or in
 * the XDG fallback when the source's directory is not writable (`note` says so). Outside the
 * source's directory the name carries a hash of the source's absolute path, so two files of
 * the same name never share state. `defaulted` is whether -m or -a was left out.
 */
export async function uploadStatePaths(
  place: StatePlace,
  besideSource: string,
  note: (message: string) => void,
  env: Env = (name) => Deno.env.get(name),
): Promise<StateFilePaths & { defaulted: boolean }> {
  const defaulted = place.metaPath === undefined || place.partsPath === undefined;
  const base = defaulted ? await defaultBase(place, besideSource, note, env) : besideSource;
  return {
    metaPath: place.metaPath ?? base + META_SUFFIX,
    partsPath: place.partsPath ?? base + PARTS_SUFFIX,
    defaulted,
  };
}

async function defaultBase(
  place: StatePlace,
  besideSource: string,
  note: (message: string) => void,
  env: Env,
): Promise<string> {
  const chosen = chosenStateDir(place, env);
  let dir: string | undefined;
  if (chosen !== undefined) {
    dir = chosen;
  } else if (!(await writable(dirname(besideSource)))) {
    dir = xdgStateDir(env);
    note(
      `${
        dirname(besideSource)
      } is not writable; keeping the state files in ${dir} (--state-dir to choose).`,
    );
  }
  if (dir === undefined) return besideSource;
  try {
    await Deno.mkdir(dir, { recursive: true, mode: 0o700 });
  } catch (error) {
    throw new UsageError(
      `Cannot create the state directory ${dir}: ${
        (error as Error).message
      }. Pass --state-dir DIR.`,
    );
  }
  return stateBaseIn(dir, besideSource);
}

/** The state files' base name for `source` in a state directory: its name plus a path hash. */
export function stateBaseIn(dir: string, source: string): string {
  const absolute = resolve(source);
  const tag = createHash("sha256").update(absolute).digest("hex").slice(0, 12);
  return join(dir, `${basename(absolute)}-${tag}`);
}

/**
 * For status and abort given the uploaded `file`: where `upload` put its state. Beside the
 * file when it is there; else in the state directory, else in the XDG fallback, whichever
 * holds a meta file. Defaults to beside the file (so an error names that path).
 */
export function findStatePaths(
  file: string,
  place: Omit<StatePlace, "metaPath">,
  env: Env = (name) => Deno.env.get(name),
): StateFilePaths {
  const chosen = chosenStateDir(place, env);
  const candidates = [
    file,
    ...(chosen !== undefined ? [stateBaseIn(chosen, file)] : []),
    stateBaseIn(xdgStateDir(env), file),
  ];
  const base = candidates.find((b) => existsSync(b + META_SUFFIX)) ?? file;
  return { metaPath: base + META_SUFFIX, partsPath: place.partsPath ?? base + PARTS_SUFFIX };
}

/**
 * The journal that goes with a meta file named by -m: the default name beside it when -m
 * ends in {@link META_SUFFIX}, else the default beside `file`; undefined when neither says.
 */
export function journalBeside(metaPath: string, file?: string): string | undefined {
  if (metaPath.endsWith(META_SUFFIX)) return metaPath.slice(0, -META_SUFFIX.length) + PARTS_SUFFIX;
  return file !== undefined ? file + PARTS_SUFFIX : undefined;
}

function chosenStateDir(place: { stateDir?: string }, env: Env): string | undefined {
  return place.stateDir ?? nonEmpty(env("S3MPU_STATE_DIR"));
}

/** $XDG_STATE_HOME/s3mpu, by default ~/.local/state/s3mpu. */
function xdgStateDir(env: Env): string {
  const xdg = nonEmpty(env("XDG_STATE_HOME")) ?? join(env("HOME") ?? "/", ".local", "state");
  return join(xdg, "s3mpu");
}

async function writable(dir: string): Promise<boolean> {
  try {
    const probe = await Deno.makeTempFile({ dir, prefix: ".s3mpu-probe-" });
    await Deno.remove(probe);
    return true;
  } catch {
    return false;
  }
}

function existsSync(path: string): boolean {
  try {
    Deno.statSync(path);
    return true;
  } catch {
    return false;
  }
}

function nonEmpty(text: string | undefined): string | undefined {
  return text === undefined || text === "" ? undefined : text;
}

/**
 * Where tree jobs keep their state: `--state-dir`, else $S3MPU_STATE_DIR, else the XDG
 * default ($XDG_STATE_HOME/s3mpu, ~/.local/state/s3mpu); created (mode 0700) if missing.
 * `defaulted` is whether neither was given (the command then prints where it is).
 */
export async function treeStateDir(
  flag: string | undefined,
  env: Env = (name) => Deno.env.get(name),
): Promise<{ dir: string; defaulted: boolean }> {
  const chosen = chosenStateDir({ stateDir: flag }, env);
  const dir = resolve(chosen ?? xdgStateDir(env));
  try {
    await Deno.mkdir(dir, { recursive: true, mode: 0o700 });
  } catch (error) {
    throw new UsageError(
      `Cannot create the state directory ${dir}: ${
        (error as Error).message
      }. Pass --state-dir DIR.`,
    );
  }
  return { dir, defaulted: chosen === undefined };
}
