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
  if (chosen !== undefined) {
    const source = place.stateDir !== undefined ? "--state-dir" : "S3MPU_STATE_DIR";
    await ensureStateDir(chosen, source, note);
    return stateBaseIn(chosen, besideSource);
  }
  if (await writable(dirname(besideSource))) return besideSource;
  const dir = xdgStateDir(env);
  note(
    `${
      dirname(besideSource)
    } is not writable; keeping the state files in ${dir} (--state-dir to choose).`,
  );
  // The XDG base directory may not exist yet on a fresh account: it is created whole.
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

/**
 * A state directory the user named (--state-dir, $S3MPU_STATE_DIR): used as it is, or created
 * (mode 0700, saying so) when only its last part is missing. A missing parent is refused: it
 * is more likely a typo than a wish for a new tree, which (as root) could land anywhere.
 */
async function ensureStateDir(
  dir: string,
  source: string,
  note: (message: string) => void,
): Promise<void> {
  const info = await Deno.stat(dir).catch((error) => {
    if (error instanceof Deno.errors.NotFound) return undefined;
    throw new UsageError(`${source} ${dir}: ${(error as Error).message}.`);
  });
  if (info?.isDirectory) return;
  if (info) throw new UsageError(`${source} ${dir} is not a directory; pass a directory.`);
  const parent = dirname(resolve(dir));
  if (!(await Deno.stat(parent).then((p) => p.isDirectory, () => false))) {
    throw new UsageError(
      `${source} ${dir}: its parent directory ${parent} does not exist. Create it first (mkdir -p ${dir}) or pass another directory.`,
    );
  }
  try {
    await Deno.mkdir(dir, { mode: 0o700 });
  } catch (error) {
    throw new UsageError(
      `Cannot create the state directory ${dir} (${source}): ${(error as Error).message}.`,
    );
  }
  note(`Created the state directory ${dir} (${source}, mode 0700).`);
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
