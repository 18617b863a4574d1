/**
 * The state path rules: s3mpu only ever writes, truncates or removes a file that is its own.
 *
 * Before anything is created or removed, the meta file (-m), the parts journal (-a) and the
 * lock file (META.lock) must each be a regular file or absent, differ from each other and
 * from every source file; an existing meta file must parse as s3mpu or seed state for this
 * bucket and key, and an existing journal as part records of this upload id. Anything else is
 * a {@link UsageError} (exit 2) that names the file and the fix. See docs/state-paths.md.
 *
 * @module
 */
import { basename, dirname, join, resolve } from "node:path";
import { UsageError } from "../errors.ts";
import { checkMeta, type UploadMeta } from "./meta_file.ts";
import { isLockFileText } from "./state_lock.ts";

/** The checked state paths; symbolic links are replaced by the files they point to. */
export interface StatePaths {
  metaPath: string;
  partsPath: string;
}

/** A path that exists: its identity, to tell two names of one file apart from two files. */
interface Existing {
  path: string;
  dev: number;
  ino: number;
}

/**
 * Checks -m and -a (and the lock file beside -m) before the lock is taken. `sources` are
 * the files being uploaded (the -f file, or every chunk of -d/-p).
 */
export async function checkStatePaths(opts: {
  metaPath: string;
  partsPath: string;
  sources?: readonly string[];
}): Promise<StatePaths> {
  const metaPath = await followLink(opts.metaPath, "-m");
  const partsPath = await followLink(opts.partsPath, "-a");
  const lockPath = `${metaPath}.lock`;
  const meta = await regularOrAbsent(metaPath, "-m", "meta file");
  const parts = await regularOrAbsent(partsPath, "-a", "parts file");
  const lock = await lockFileOrAbsent(lockPath);
  const named = [
    { flag: "-m", path: metaPath, info: meta },
    { flag: "-a", path: partsPath, info: parts },
    { flag: "the lock file of -m", path: lockPath, info: lock },
  ];
  for (let i = 0; i < named.length; i++) {
    for (let j = i + 1; j < named.length; j++) {
      if (await sameFile(named[i], named[j])) {
        throw statePathError(
          `${named[i].flag} and ${named[j].flag} name the same file ${
            named[i].path
          }; pass two different state files (for example FILE.s3mpu-meta.json and FILE.s3mpu-parts.jsonl).`,
        );
      }
    }
  }
  for (const source of opts.sources ?? []) {
    const info = await identity(source);
    for (const state of named) {
      if (await sameFile(state, { path: source, info })) {
        throw statePathError(
          `${state.flag} ${state.path} is the file being uploaded (${source}); s3mpu would overwrite it. Pass a separate state file with ${
            state.flag.startsWith("the lock") ? "-m" : state.flag.slice(0, 2)
          }.`,
        );
      }
    }
  }
  return { metaPath, partsPath };
}

/**
 * Reads a meta file that s3mpu may overwrite or remove: absent or empty gives undefined;
 * one that is not s3mpu/seed state, or records another bucket and key (when `expect` says
 * which), is a UsageError. Nothing is changed either way.
 */
export async function readOwnedMeta(
  path: string,
  expect?: { bucket: string; key: string },
): Promise<UploadMeta | undefined> {
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return undefined;
    throw statePathError(`Cannot read the meta file ${path}: ${(error as Error).message}.`);
  }
  if (text.trim() === "") return undefined;
  const checked = checkMeta(text);
  if ("problem" in checked) {
    const { problem } = checked;
    const why = problem.kind === "not_json"
      ? "it is not JSON"
      : `it lacks ${problem.keys.join(", ")}`;
    throw statePathError(
      `${path} is not an s3mpu meta file (${why}), and s3mpu only overwrites or removes its own state. Pass another -m, or move ${path} away yourself.`,
    );
  }
  const { meta } = checked;
  if (expect && (meta.bucket !== expect.bucket || meta.key !== expect.key)) {
    throw statePathError(
      `${path} records an upload to s3://${meta.bucket}/${meta.key}, not s3://${expect.bucket}/${expect.key}; s3mpu will not overwrite it. Pass other -m/-a files, or end that upload first with s3mpu abort -m ${path}.`,
    );
  }
  return meta;
}

/** What a parts journal holds, as far as ownership goes. */
export interface JournalOwner {
  /** The upload ids its part records name (empty for an empty journal). */
  uploadIds: Set<string>;
}

/**
 * Checks that a parts journal is s3mpu's (or the seed's): empty or absent, or JSON Lines of
 * part records, with at most the lines a crash could tear (not JSON at all). With
 * `uploadId`, it must also hold parts of that upload when it holds any. Otherwise a
 * UsageError naming the file.
 */
export async function checkOwnedJournal(
  path: string,
  uploadId: string | undefined,
  metaPath?: string,
): Promise<JournalOwner> {
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return { uploadIds: new Set() };
    throw statePathError(`Cannot read the parts file ${path}: ${(error as Error).message}.`);
  }
  const uploadIds = new Set<string>();
  let records = 0;
  let foreign = 0;
  for (const line of text.split("\n")) {
    if (line.trim() === "") continue;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      continue; // a torn write; the journal reader skips it
    }
    const v = value as Record<string, unknown> | null;
    if (
      v && typeof v === "object" && typeof v.uploadId === "string" &&
      typeof v.eTag === "string" && typeof v.partNumber === "number"
    ) {
      records++;
      uploadIds.add(v.uploadId);
    } else foreign++;
  }
  if (foreign > 0 || (records === 0 && text.trim() !== "")) {
    throw statePathError(
      `${path} is not an s3mpu parts file (it holds lines that are not part records), and s3mpu only writes to or removes its own state. Pass another -a, or move ${path} away yourself.`,
    );
  }
  if (uploadId !== undefined && uploadIds.size > 0 && !uploadIds.has(uploadId)) {
    throw statePathError(
      `${path} holds parts of upload ${[...uploadIds].join(", ")}, but ${
        metaPath ?? "the meta file"
      } records upload ${uploadId}: they belong to different uploads. Pass the parts file of upload ${uploadId} with -a.`,
    );
  }
  return { uploadIds };
}

/** A symbolic link is replaced by its target, which the rules then apply to. */
async function followLink(path: string, flag: string): Promise<string> {
  let info: Deno.FileInfo;
  try {
    info = await Deno.lstat(path);
  } catch {
    return path;
  }
  if (!info.isSymlink) return path;
  try {
    return await Deno.realPath(path);
  } catch {
    throw statePathError(
      `${flag} ${path} is a symbolic link to ${await Deno.readLink(path).catch(() =>
        "?"
      )}, which does not exist; pass the target's path with ${flag}, or remove the link.`,
    );
  }
}

async function regularOrAbsent(
  path: string,
  flag: string,
  what: string,
): Promise<Deno.FileInfo | undefined> {
  const info = await identity(path);
  if (info && !info.isFile) {
    throw statePathError(
      `${flag} ${path} is ${
        kindOf(info)
      }, not a regular file; s3mpu keeps its ${what} in a regular file it creates. Pass a path to a new file with ${flag}.`,
    );
  }
  return info;
}

/** The lock file is ours when absent, or a regular file holding what a killed run left. */
async function lockFileOrAbsent(path: string): Promise<Deno.FileInfo | undefined> {
  let info: Deno.FileInfo;
  try {
    info = await Deno.lstat(path);
  } catch {
    return undefined;
  }
  let problem: string | undefined;
  if (info.isSymlink) problem = "is a symbolic link";
  else if (!info.isFile) problem = `is ${kindOf(info)}`;
  else {
    const text = await Deno.readTextFile(path).catch(() => "?");
    if (!isLockFileText(text)) {
      problem = "exists and is not an s3mpu lock file";
    }
  }
  if (problem) {
    throw statePathError(
      `${path} ${problem}; s3mpu uses META_FILE.lock as its lock file and would overwrite and remove it. Pass another -m, or move ${path} away yourself.`,
    );
  }
  return info;
}

async function identity(path: string): Promise<Deno.FileInfo | undefined> {
  try {
    return await Deno.stat(path);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound || error instanceof Deno.errors.NotADirectory) {
      return undefined;
    }
    throw statePathError(`Cannot access ${path}: ${(error as Error).message}.`);
  }
}

/** Same device and inode when both exist; otherwise the same resolved path. */
async function sameFile(
  a: { path: string; info?: Deno.FileInfo },
  b: { path: string; info?: Deno.FileInfo },
): Promise<boolean> {
  const ia = existing(a);
  const ib = existing(b);
  if (ia && ib) return ia.dev === ib.dev && ia.ino === ib.ino;
  return (await canonical(a.path)) === (await canonical(b.path));
}

function existing(p: { path: string; info?: Deno.FileInfo }): Existing | undefined {
  const { info } = p;
  if (!info || info.ino === null) return undefined;
  return { path: p.path, dev: info.dev, ino: info.ino };
}

/** The absolute path with its directory's symbolic links resolved (the file may not exist). */
async function canonical(path: string): Promise<string> {
  const absolute = resolve(path);
  try {
    return await Deno.realPath(absolute);
  } catch {
    const dir = await Deno.realPath(dirname(absolute)).catch(() => dirname(absolute));
    return join(dir, basename(absolute));
  }
}

function kindOf(info: Deno.FileInfo): string {
  if (info.isDirectory) return "a directory";
  if (info.isSymlink) return "a symbolic link";
  if (info.isCharDevice) return "a character device";
  if (info.isBlockDevice) return "a block device";
  if (info.isFifo) return "a named pipe (FIFO)";
  if (info.isSocket) return "a socket";
  return "not a regular file";
}

function statePathError(message: string): UsageError {
  return new UsageError(message, { code: "state_path" });
}
