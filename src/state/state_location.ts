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
  await makeXdgStateDir(dir);
  return stateBaseIn(dir, besideSource);
}

/**
 * Where `upload` keeps the state of a stream, which has no place of its own: -m/-a win;
 * otherwise the state directory (--state-dir, $S3MPU_STATE_DIR, else $XDG_STATE_HOME/s3mpu),
 * under a name made from the object and the store (`endpoint`, "" for AWS), so the same
 * command finds the same files and two streams to different objects never share them.
 */
export async function streamStatePaths(
  place: StatePlace,
  target: StreamTarget,
  note: (message: string) => void,
  env: Env = (name) => Deno.env.get(name),
): Promise<StateFilePaths & { defaulted: boolean }> {
  const defaulted = place.metaPath === undefined || place.partsPath === undefined;
  let base = "";
  if (defaulted) {
    const chosen = chosenStateDir(place, env);
    if (chosen !== undefined) {
      await ensureStateDir(
        chosen,
        place.stateDir !== undefined ? "--state-dir" : "S3MPU_STATE_DIR",
        note,
      );
    } else {
      await makeXdgStateDir(xdgStateDir(env));
    }
    base = streamStateBase(chosen ?? xdgStateDir(env), target);
  }
  return {
    metaPath: place.metaPath ?? base + META_SUFFIX,
    partsPath: place.partsPath ?? base + PARTS_SUFFIX,
    defaulted,
  };
}

/** The object (and store) a stream is uploaded to: what names its state files. */
export interface StreamTarget {
  bucket: string;
  key: string;
  /** The endpoint as given (flag, else environment), "" for AWS. */
  endpoint: string;
}

/** A stream's state files' base name in `dir`: `stream-`, bucket, key's name and a hash. */
export function streamStateBase(dir: string, target: StreamTarget): string {
  const tag = createHash("sha256")
    .update(JSON.stringify([target.endpoint, target.bucket, target.key]))
    .digest("hex").slice(0, 12);
  const name = basename(target.key).replace(/[^A-Za-z0-9._-]/g, "_").slice(0, 64);
  return join(dir, `stream-${target.bucket}-${name}-${tag}`);
}

/** The XDG base directory may not exist yet on a fresh account: it is created whole. */
async function makeXdgStateDir(dir: string): Promise<void> {
  try {
    await Deno.mkdir(dir, { recursive: true, mode: 0o700 });
  } catch (error) {
    throw new UsageError(
      `Cannot create the state directory ${dir}: ${
        (error as Error).message
      }. Pass --state-dir DIR.`,
    );
  }
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
 * For status and abort given a stream (`-`, a FIFO) and its object: where `upload` put its
 * state. In the state directory, then in the XDG fallback: the name upload gives it for this
 * endpoint, else the one stream meta file there of this bucket and key whatever its endpoint
 * (several: a UsageError naming them). Defaults to the first name (so an error names it).
 */
export function findStreamStatePaths(
  target: StreamTarget,
  place: Omit<StatePlace, "metaPath">,
  env: Env = (name) => Deno.env.get(name),
): StateFilePaths {
  const chosen = chosenStateDir(place, env);
  const dirs = [...(chosen !== undefined ? [chosen] : []), xdgStateDir(env)];
  const exact = dirs.map((dir) => streamStateBase(dir, target));
  const paths = (base: string) => ({
    metaPath: base + META_SUFFIX,
    partsPath: place.partsPath ?? base + PARTS_SUFFIX,
  });
  const hit = exact.find((base) => existsSync(base + META_SUFFIX));
  if (hit) return paths(hit);
  for (const dir of dirs) {
    const bases = streamMetasIn(dir, target);
    if (bases.length === 1) return paths(bases[0]);
    if (bases.length > 1) {
      throw new UsageError(
        `${bases.length} stream uploads to s3://${target.bucket}/${target.key} are recorded in ${dir} (for different endpoints): ${
          bases.map((b) => basename(b) + META_SUFFIX).join(", ")
        }. Pass the --endpoint-url the upload was given, or -m META_FILE.`,
      );
    }
  }
  return paths(exact[0]);
}

/** The bases of the stream meta files in `dir` that record an upload to `target`'s object. */
function streamMetasIn(dir: string, target: StreamTarget): string[] {
  const name = streamStateBase(dir, target);
  const prefix = basename(name).slice(0, basename(name).lastIndexOf("-") + 1);
  let names: string[];
  try {
    names = [...Deno.readDirSync(dir)].map((e) => e.name);
  } catch {
    return [];
  }
  return names
    .filter((n) => n.startsWith(prefix) && n.endsWith(META_SUFFIX))
    .map((n) => join(dir, n.slice(0, -META_SUFFIX.length)))
    .filter((base) => {
      try {
        const meta = JSON.parse(Deno.readTextFileSync(base + META_SUFFIX));
        return meta.bucket === target.bucket && meta.key === target.key;
      } catch {
        return false; // not s3mpu's, or unreadable: not this upload's
      }
    });
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
