import { join, resolve } from "node:path";
import { NeedsDecisionError, UsageError } from "./errors.ts";
import type { SourceFingerprint } from "./state/meta_file.ts";
import { sourceChanges } from "./source_changes.ts";

/** A part's place in the source. */
export interface SourcePart {
  partNumber: number;
  offset: number;
  size: number;
}

/** A per-worker reader: each in-flight part reads through its own handle. */
export interface PartReader {
  /** Fills `into` (at least `part.size` long) with the part's bytes; returns that view. */
  read(part: SourcePart, into: Uint8Array): Promise<Uint8Array>;
  close(): void;
}

/** Where the bytes come from: one file, or a directory of pre-split chunk files. */
export interface PartSource {
  readonly fingerprint: SourceFingerprint;
  /** Parts for a given part size; a chunk directory ignores it (one chunk, one part). */
  parts(partSize: number): SourcePart[];
  /** Fixed part size of a chunk directory (its first chunk), undefined for a file. */
  readonly fixedPartSize?: number;
  openReader(): Promise<PartReader>;
  /**
   * Looks at the source again (stat, and for chunks the directory) and throws a
   * NeedsDecisionError naming what changed since it was opened. Called before Complete, so
   * bytes changed during the run never end up in an object that counts as done.
   */
  checkUnchanged(): Promise<void>;
}

/** Opens and checks a file: present, a regular file, readable, not empty. */
export async function openFileSource(path: string): Promise<PartSource> {
  const info = await statSource(path, "-f");
  if (!info.isFile) {
    throw new UsageError(
      `${path} is not a regular file; pass a file with -f, or a directory with -d and -p.`,
    );
  }
  if (info.size === 0) throw new UsageError(`${path} is empty; there is nothing to upload.`);
  await checkReadable(path);
  const fingerprint = fileFingerprint(path, info);
  return {
    fingerprint,
    parts: (partSize) => splitRange(info.size, partSize),
    openReader: async () => fileReader(await Deno.open(path, { read: true }), 0),
    checkUnchanged: async () => {
      const now = await Deno.stat(path).then((i) => fileFingerprint(path, i), () => undefined);
      changedOrNot(fingerprint, now, path);
    },
  };
}

function fileFingerprint(path: string, info: Deno.FileInfo): SourceFingerprint {
  return {
    kind: "file",
    path: resolve(path),
    size: info.size,
    mtimeMs: info.mtime?.getTime() ?? 0,
    ...(info.ino !== null ? { ino: info.ino } : {}),
    ...(info.dev !== null ? { dev: info.dev } : {}),
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
  if (changes.length === 0) return;
  throw new NeedsDecisionError(
    `The source changed during the upload (${
      changes.join("; ")
    }), so the parts sent may not be the file's bytes; nothing was completed. Run again with --restart to upload it as it is now.`,
  );
}

/**
 * Opens a directory of pre-split chunks named PREFIX*, each one part, ordered by the
 * number in the name after the prefix (`input_data_2` before `input_data_10`), then by
 * name. Every chunk but the last must have the first chunk's size.
 */
export async function openChunkDirSource(dir: string, prefix: string): Promise<PartSource> {
  const info = await statSource(dir, "-d");
  if (!info.isDirectory) throw new UsageError(`${dir} is not a directory; -d takes a directory.`);
  const names: string[] = [];
  for await (const entry of Deno.readDir(dir)) {
    if (entry.isFile && entry.name.startsWith(prefix)) names.push(entry.name);
  }
  if (names.length === 0) {
    throw new UsageError(`No files in ${dir} start with "${prefix}"; check -d and -p.`);
  }
  names.sort(chunkOrder(prefix));
  const chunks: Array<SourcePart & { path: string; name: string; mtimeMs: number }> = [];
  let offset = 0;
  let latest = 0;
  for (const [index, name] of names.entries()) {
    const path = join(dir, name);
    const stat = await Deno.stat(path);
    await checkReadable(path);
    if (stat.size === 0) throw new UsageError(`Chunk ${path} is empty; remove it or re-split.`);
    const mtimeMs = stat.mtime?.getTime() ?? 0;
    chunks.push({ partNumber: index + 1, offset, size: stat.size, path, name, mtimeMs });
    offset += stat.size;
    latest = Math.max(latest, stat.mtime?.getTime() ?? 0);
  }
  const first = chunks[0].size;
  const odd = chunks.slice(0, -1).find((c) => c.size !== first);
  if (odd) {
    throw new UsageError(
      `Chunk ${odd.path} is ${odd.size} bytes but the first chunk is ${first}; every chunk but the last must be the same size.`,
    );
  }
  const fingerprint: SourceFingerprint = {
    kind: "chunks",
    path: resolve(dir, prefix),
    size: offset,
    mtimeMs: latest,
    chunkCount: chunks.length,
    chunks: chunks.map((c) => ({ name: c.name, size: c.size, mtimeMs: c.mtimeMs })),
  };
  return {
    fingerprint,
    fixedPartSize: first,
    parts: () => chunks.map(({ partNumber, offset, size }) => ({ partNumber, offset, size })),
    openReader: () => Promise.resolve(chunkReader(chunks)),
    checkUnchanged: async () => {
      const now = await openChunkDirSource(dir, prefix).then(
        (again) => again.fingerprint,
        (error) => `the chunk directory no longer reads: ${(error as Error).message}`,
      );
      changedOrNot(fingerprint, now, dir);
    },
  };
}

function chunkOrder(prefix: string): (a: string, b: string) => number {
  const key = (name: string) => {
    const match = /^\d+/.exec(name.slice(prefix.length));
    return match ? Number(match[0]) : Number.POSITIVE_INFINITY;
  };
  return (a, b) => key(a) - key(b) || (a < b ? -1 : a > b ? 1 : 0);
}

function splitRange(size: number, partSize: number): SourcePart[] {
  const count = Math.ceil(size / partSize);
  return Array.from({ length: count }, (_, i) => ({
    partNumber: i + 1,
    offset: i * partSize,
    size: Math.min(partSize, size - i * partSize),
  }));
}

function fileReader(file: Deno.FsFile, base: number): PartReader {
  return {
    async read(part, into) {
      const view = into.subarray(0, part.size);
      await file.seek(part.offset - base, Deno.SeekMode.Start);
      await readFull(file, view, part);
      return view;
    },
    close: () => file.close(),
  };
}

function chunkReader(chunks: Array<SourcePart & { path: string }>): PartReader {
  return {
    async read(part, into) {
      const chunk = chunks[part.partNumber - 1];
      using file = await Deno.open(chunk.path, { read: true });
      const view = into.subarray(0, part.size);
      await readFull(file, view, part);
      return view;
    },
    close: () => {},
  };
}

// Deno has no pread: seek then read in a loop, because read may return short.
async function readFull(file: Deno.FsFile, view: Uint8Array, part: SourcePart): Promise<void> {
  let filled = 0;
  while (filled < view.length) {
    const n = await file.read(view.subarray(filled));
    if (n === null) {
      throw new NeedsDecisionError(
        `The source ended early while reading part ${part.partNumber}; it changed during the upload. Run again with --restart.`,
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

async function checkReadable(path: string): Promise<void> {
  try {
    (await Deno.open(path, { read: true })).close();
  } catch (error) {
    const reason = error instanceof Deno.errors.PermissionDenied
      ? "permission denied"
      : (error as Error).message;
    throw new UsageError(`Cannot read ${path}: ${reason}. Check its permissions.`);
  }
}
