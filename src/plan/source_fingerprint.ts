/**
 * What identifies a source's bytes (recorded in the meta file as `source`), and what differs
 * between two looks at it. The source owns this record; the state store keeps it.
 *
 * @module
 */

/** Identifies the bytes being uploaded: a file, or a directory of pre-split chunks. */
export interface SourceFingerprint {
  /** "file" or "chunks" (the seed's -d/-p mode). */
  kind: "file" | "chunks";
  path: string;
  size: number;
  mtimeMs: number;
  /** For chunks: how many chunk files. */
  chunkCount?: number;
  /** For a file: its inode, so a file replaced under the same name is noticed. */
  ino?: number;
  /** For a file: its device; compared within one run only (it may change across boots). */
  dev?: number;
  /**
   * For a file: its change time (ctime, ms since the epoch), which `touch` cannot put back, so
   * an edit whose mtime was restored is noticed. Absent where the platform gives none, and in
   * meta files of earlier versions (then compared from the next run on).
   */
  ctimeMs?: number;
  /** For chunks: every chunk file's name, size, modification time, inode and change time, in part order. */
  chunks?: ChunkFingerprint[];
}

/** One chunk file of a chunk directory, as recorded. */
export interface ChunkFingerprint {
  name: string;
  size: number;
  mtimeMs: number;
  /** Its inode, so a chunk replaced under the same name (by rename, as rsync does) is noticed. */
  ino?: number;
  /** Its change time (ctime), as for a file; both absent in earlier versions' meta files. */
  ctimeMs?: number;
}

/**
 * What stat says of one source file (a file source, or one chunk): enough to tell, within a
 * run or across runs, that the file at a path is still the one whose bytes were read.
 */
export interface FileStamp {
  size: number;
  mtimeMs: number;
  ino?: number;
  dev?: number;
  ctimeMs?: number;
}

/** How two stamps are compared: within one run, and of a file at the same path. */
export interface CompareOptions {
  /** Within one run: the device too (it may change across reboots). */
  sameRun: boolean;
  /**
   * The same path: the inode and the change time too. A file moved or copied elsewhere has
   * another inode or change time (a rename sets it), so there only size and mtime count.
   */
  samePath: boolean;
}

/**
 * What differs between two stamps of one file, in words ("size 10 → 12 bytes"); empty when
 * nothing does. A field missing on either side (a meta file of an earlier version, a
 * platform without inodes or change times) is not compared.
 */
export function fileChanges(before: FileStamp, now: FileStamp, opts: CompareOptions): string[] {
  const changes: string[] = [];
  const known = (a?: number, b?: number) => a !== undefined && b !== undefined;
  const otherInode = opts.samePath && known(before.ino, now.ino) && before.ino !== now.ino;
  const otherDevice = opts.sameRun && known(before.dev, now.dev) && before.dev !== now.dev;
  if (otherInode || otherDevice) {
    const which = otherInode ? `inode ${before.ino} → ${now.ino}` : "on another device";
    changes.push(`now another file, ${which}: replaced, renamed over or swapped`);
  }
  if (before.size !== now.size) changes.push(`size ${before.size} → ${now.size} bytes`);
  if (before.mtimeMs !== now.mtimeMs) {
    changes.push(`modified ${iso(before.mtimeMs)} → ${iso(now.mtimeMs)}`);
  }
  if (
    opts.samePath && known(before.ctimeMs, now.ctimeMs) &&
    !sameChangeTime(before.ctimeMs!, now.ctimeMs!)
  ) {
    changes.push(
      `its change time moved ${iso(before.ctimeMs!)} → ${
        iso(now.ctimeMs!)
      }: written, renamed, or its permissions or links changed`,
    );
  }
  return changes;
}

/**
 * Change times are equal, or equal to the second where one of them is whole seconds: Deno
 * 2.9 gives ctime in whole seconds on Linux, so a meta file written by it must still match
 * if a later build reads the time more finely.
 */
function sameChangeTime(a: number, b: number): boolean {
  if (a === b) return true;
  const second = (ms: number) => Math.floor(ms / 1000);
  return (a % 1000 === 0 || b % 1000 === 0) && second(a) === second(b);
}

/**
 * What differs between two fingerprints of the same source, in words ("size 10 → 12 bytes",
 * "chunk input_3 renamed or removed"); empty when nothing does. `sameRun` also compares the
 * device, which is stable within one run but may change across reboots. The inode and change
 * time (of the file, or of each chunk) are compared where the source is at the same path.
 */
export function sourceChanges(
  before: SourceFingerprint,
  now: SourceFingerprint,
  opts: { sameRun: boolean },
): string[] {
  if (before.kind !== now.kind) return [`source kind ${before.kind} → ${now.kind}`];
  const compare = { sameRun: opts.sameRun, samePath: before.path === now.path };
  if (before.kind === "file") return fileChanges(before, now, compare);
  const changes: string[] = [];
  if (before.size !== now.size) changes.push(`size ${before.size} → ${now.size} bytes`);
  if (before.chunkCount !== now.chunkCount) {
    changes.push(`chunks ${before.chunkCount} → ${now.chunkCount}`);
  }
  changes.push(...chunkChanges(before, now, compare));
  return changes;
}

/**
 * The record a resume keeps: `recorded` (already compared with `now`), with what it lacks
 * taken from `now` (a meta file of an earlier version has no change time, and no inode per
 * chunk), so later runs compare those too. Nothing is added for a source that moved: `now`
 * describes another path. No record at all (a seed file): `now`.
 */
export function recordMissing(
  recorded: SourceFingerprint | undefined,
  now: SourceFingerprint,
): SourceFingerprint {
  if (!recorded) return now;
  if (recorded.path !== now.path || recorded.kind !== now.kind) return recorded;
  const filled: SourceFingerprint = { ...now, ...recorded };
  if (recorded.chunks && now.chunks) {
    filled.chunks = recorded.chunks.map((chunk, i) =>
      now.chunks![i]?.name === chunk.name ? { ...now.chunks![i], ...chunk } : chunk
    );
  }
  return filled;
}

function chunkChanges(
  before: SourceFingerprint,
  now: SourceFingerprint,
  compare: CompareOptions,
): string[] {
  if (!before.chunks || !now.chunks) return [];
  const changes: string[] = [];
  const names = new Set(now.chunks.map((c) => c.name));
  before.chunks.forEach((chunk, i) => {
    const current = now.chunks![i];
    if (!current || current.name !== chunk.name) {
      changes.push(
        names.has(chunk.name)
          ? `chunk ${chunk.name} is now part ${
            now.chunks!.findIndex((c) => c.name === chunk.name) + 1
          }, was ${i + 1}`
          : `chunk ${chunk.name} renamed or removed`,
      );
      return;
    }
    // The chunks' device is in no record: within a run each handle is proved against it.
    const differences = fileChanges(chunk, current, { ...compare, sameRun: false });
    if (differences.length > 0) changes.push(`chunk ${chunk.name}: ${differences.join(", ")}`);
  });
  for (const chunk of now.chunks.slice(before.chunks.length)) {
    changes.push(`chunk ${chunk.name} added`);
  }
  return changes.slice(0, 5);
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}
