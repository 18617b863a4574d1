import { join, resolve } from "node:path";
import { NeedsDecisionError, RESTART, say, UsageError } from "../errors.ts";
import { type FileStamp, sourceChanges, type SourceFingerprint } from "./source_fingerprint.ts";
import {
  changedDuringRun,
  openProved,
  provedUnchanged,
  settleChangeTimes,
  stampByOpening,
  stampOf,
} from "./source_identity.ts";

/** A part's place in the source. */
export interface SourcePart {
  partNumber: number;
  offset: number;
  size: number;
}

/** A per-worker reader: each in-flight part reads through its own handle. */
export interface PartReader {
  /**
   * Yields the part's bytes in order through a file handle of its own (opened here, closed
   * when the iteration ends or is abandoned), so a part is never whole in memory and every
   * call reads the file again. The handle is proved to be the file the source was opened on,
   * unchanged (device, inode, size, mtime, change time), when it is opened and again before
   * the last slice is yielded; otherwise the iteration throws a NeedsDecisionError (exit 4),
   * so a send never completes with another file's bytes. Each slice is a view of the next
   * buffer of `into` in turn (as long as the buffer, or the bytes left), so a slice stays
   * valid until `into.length` more are asked for: reused buffers leave no garbage behind,
   * whatever the part size. When `into` is a function, each slice is read into a buffer it
   * lends, never touched again.
   */
  slices(
    part: SourcePart,
    into: readonly Uint8Array[] | (() => Promise<Uint8Array>),
  ): AsyncIterable<Uint8Array>;
  close(): void;
}

/** Where the bytes come from: one file, or a directory of pre-split chunk files. */
export interface PartSource {
  /** What the source is and was: its size, and what tells a change (meta file's `source`). */
  readonly fingerprint: SourceFingerprint;
  /** For a chunk directory: each chunk's size, in part order (each chunk is one part). */
  readonly chunkSizes?: readonly number[];
  /** The files read (absolute paths): the state files must be none of them. */
  readonly files: readonly string[];
  openReader(): Promise<PartReader>;
  /**
   * Looks at the source again (stat of the path, and for chunks the directory) and throws a
   * NeedsDecisionError naming what changed since it was opened: another file at the path
   * (device or inode), its size, mtime or change time. Called before Complete, so bytes
   * changed during the run never end up in an object that counts as done.
   */
  checkUnchanged(): Promise<void>;
}

/** How a source is opened. */
export interface OpenOptions {
  /**
   * Wait (at most a second) when the source was changed in the current second, so a later
   * change in that second moves its change time (see settleChangeTimes). Default true; tests
   * whose files never change may skip it.
   */
  settle?: boolean;
}

/**
 * Opens and checks a file: present, a regular file, readable (an empty one is put whole by
 * upload). Its fingerprint is the stamp of the handle opened here; every later read is
 * proved to be that file.
 */
export async function openFileSource(path: string, opts: OpenOptions = {}): Promise<PartSource> {
  const info = await statSource(path, "-f");
  if (!info.isFile) {
    throw new UsageError(
      `${path} is not a regular file; pass a file with -f, or a directory with -d and -p.`,
    );
  }
  const stamp = await stampByOpening(path);
  if (opts.settle !== false) await settleChangeTimes([stamp]);
  const fingerprint: SourceFingerprint = { kind: "file", path: resolve(path), ...stamp };
  return {
    fingerprint,
    files: [resolve(path)],
    openReader: () =>
      Promise.resolve(partReader((part) => ({ path, stamp, what: path, offset: part.offset }))),
    checkUnchanged: async () => {
      const now = await Deno.stat(path).then(
        (i): SourceFingerprint => ({ kind: "file", path: resolve(path), ...stampOf(i) }),
        () => undefined,
      );
      changedOrNot(fingerprint, now, path);
    },
  };
}

/** Throws NeedsDecisionError when `now` (undefined: gone) differs from `before`. */
function changedOrNot(
  before: SourceFingerprint,
  now: SourceFingerprint | undefined | string,
  where: string,
): void {
  const changes = typeof now === "string"
    ? [now]
    : now === undefined
    ? [`${where} is gone`]
    : sourceChanges(before, now, { sameRun: true });
  if (changes.length > 0) throw changedDuringRun(changes);
}

/**
 * Opens a directory of pre-split chunks: the files named PREFIX followed by digits only
 * (`input_data_7`), each one part, ordered by that number. Any other file whose name starts
 * with PREFIX is an error listing them, so a stray `input_data_7.bak` never becomes a part.
 * Every chunk but the last must have the first chunk's size; the store's minimum part size is
 * checked by the planner (part_plan.ts), before any upload is created.
 */
export async function openChunkDirSource(
  dir: string,
  prefix: string,
  opts: OpenOptions = {},
): Promise<PartSource> {
  const info = await statSource(dir, "-d");
  if (!info.isDirectory) throw new UsageError(`${dir} is not a directory; -d takes a directory.`);
  const names: string[] = [];
  const strays: string[] = [];
  for await (const entry of Deno.readDir(dir)) {
    if (!entry.name.startsWith(prefix)) continue;
    const isChunkName = /^\d+$/.test(entry.name.slice(prefix.length));
    const isFile = entry.isFile ||
      (entry.isSymlink && (await Deno.stat(join(dir, entry.name)).catch(() => null))?.isFile);
    if (isChunkName && isFile) names.push(entry.name);
    else strays.push(entry.name);
  }
  if (strays.length > 0) {
    strays.sort();
    const shown = strays.slice(0, 10).join(", ") + (strays.length > 10 ? ", ..." : "");
    throw new UsageError(
      `${strays.length} file(s) in ${dir} start with "${prefix}" but are not chunks (the prefix followed by digits only, e.g. ${prefix}1): ${shown}. Move them away, or choose a -p that matches only the chunks.`,
    );
  }
  if (names.length === 0) {
    throw new UsageError(
      `No files in ${dir} are named "${prefix}" followed by a number; check -d and -p.`,
    );
  }
  const number = (name: string) => Number(name.slice(prefix.length));
  names.sort((a, b) => number(a) - number(b) || (a < b ? -1 : 1));
  const clash = names.find((name, i) => i > 0 && number(names[i - 1]) === number(name));
  if (clash) {
    const twin = names[names.indexOf(clash) - 1];
    throw new UsageError(
      `${twin} and ${clash} in ${dir} carry the same chunk number; keep one of them.`,
    );
  }
  const chunks: Array<SourcePart & { path: string; name: string; stamp: FileStamp }> = [];
  let offset = 0;
  for (const [index, name] of names.entries()) {
    const path = join(dir, name);
    // The stamp of a handle (it proves the chunk readable too), which each read is proved against.
    const stamp = await stampByOpening(path);
    if (stamp.size === 0) throw new UsageError(`Chunk ${path} is empty; remove it or re-split.`);
    chunks.push({ partNumber: index + 1, offset, size: stamp.size, path, name, stamp });
    offset += stamp.size;
  }
  const first = chunks[0].size;
  const odd = chunks.slice(0, -1).find((c) => c.size !== first);
  if (odd) {
    throw new UsageError(
      `Chunk ${odd.path} is ${odd.size} bytes but the first chunk is ${first}; every chunk but the last must be the same size.`,
    );
  }
  if (opts.settle !== false) await settleChangeTimes(chunks.map((c) => c.stamp));
  const fingerprint: SourceFingerprint = {
    kind: "chunks",
    path: resolve(dir, prefix),
    size: offset,
    mtimeMs: Math.max(...chunks.map((c) => c.stamp.mtimeMs)),
    chunkCount: chunks.length,
    chunks: chunks.map(({ name, stamp }) => ({
      name,
      size: stamp.size,
      mtimeMs: stamp.mtimeMs,
      ...(stamp.ino !== undefined ? { ino: stamp.ino } : {}),
      ...(stamp.ctimeMs !== undefined ? { ctimeMs: stamp.ctimeMs } : {}),
    })),
  };
  return {
    fingerprint,
    chunkSizes: chunks.map((c) => c.size),
    files: chunks.map((c) => resolve(c.path)),
    openReader: () =>
      Promise.resolve(partReader((part) => {
        const { path, stamp, name } = chunks[part.partNumber - 1];
        return { path, stamp, what: `chunk ${name}`, offset: 0 };
      })),
    checkUnchanged: async () => {
      const now = await openChunkDirSource(dir, prefix, { settle: false }).then(
        (again) => again.fingerprint,
        (error) => `the chunk directory no longer reads: ${(error as Error).message}`,
      );
      changedOrNot(fingerprint, now, dir);
    },
  };
}

/** Where a part's bytes are: the file, what its handle must prove, and where in it. */
interface PartPlace {
  path: string;
  stamp: FileStamp;
  /** The file in messages: its path, or "chunk NAME". */
  what: string;
  offset: number;
}

/** A reader whose every `slices` call opens the part's file, proved, at the part's offset. */
function partReader(placeOf: (part: SourcePart) => PartPlace): PartReader {
  return { slices: (part, into) => readSlices(placeOf(part), part, into), close: () => {} };
}

async function* readSlices(
  place: PartPlace,
  part: SourcePart,
  into: readonly Uint8Array[] | (() => Promise<Uint8Array>),
): AsyncGenerator<Uint8Array> {
  const file = await openProved(place.path, place.stamp, place.what);
  try {
    if (place.offset > 0) await file.seek(place.offset, Deno.SeekMode.Start);
    for (let left = part.size, turn = 0; left > 0; turn++) {
      const buffer = typeof into === "function" ? await into() : into[turn % into.length];
      const slice = buffer.subarray(0, Math.min(left, buffer.length));
      const length = slice.length;
      await readFull(file, slice, part);
      left -= length;
      // Before the last slice leaves: the file did not change while the part was read.
      if (left === 0) await provedUnchanged(file, place.stamp, place.what);
      yield slice;
    }
  } finally {
    file.close();
  }
}

// Deno has no pread: seek then read in a loop, because read may return short.
async function readFull(file: Deno.FsFile, view: Uint8Array, part: SourcePart): Promise<void> {
  let filled = 0;
  while (filled < view.length) {
    const n = await file.read(view.subarray(filled));
    if (n === null) {
      throw new NeedsDecisionError(
        say`The source ended early while reading part ${part.partNumber}; it changed during the upload. Run again with ${RESTART}.`,
      );
    }
    filled += n;
  }
}

async function statSource(path: string, flag: string): Promise<Deno.FileInfo> {
  try {
    return await Deno.stat(path);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) {
      throw new UsageError(`${path} does not exist; check the path given with ${flag}.`);
    }
    if (error instanceof Deno.errors.PermissionDenied) {
      throw new UsageError(`Cannot access ${path}: permission denied.`);
    }
    throw new UsageError(`Cannot access ${path}: ${(error as Error).message}.`);
  }
}
