/**
 * What a tree job's run needs of the walk of its source: files with their stat and resume
 * cursor, in one path order (the run's comparator), and marks for entries passed that are no
 * file to upload, so a resumed walk does not pass them again.
 *
 * @module
 */
import type { FileStat, WalkCursor } from "./job_records.ts";

/** A file the walk found, with its stat and resume cursor. */
export interface WalkFile extends FileStat {
  relPath: string;
  cursor: WalkCursor;
}

/** The walk went past an entry that is no file to upload (skipped, failed); no stat. */
export interface WalkPassed {
  passed: true;
  cursor: WalkCursor;
}

/** What a walk yields, in the order of the run's comparator. */
export type WalkEvent = WalkFile | WalkPassed;

/** Starts a walk after `after` (undefined: from the start). */
export type StartWalk = (after: WalkCursor | undefined) => AsyncIterable<WalkEvent>;

/** The stat of a regular file at `path`, undefined if it is gone or something else. */
export async function lstatFile(path: string): Promise<FileStat | undefined> {
  try {
    const info = await Deno.lstat(path);
    if (!info.isFile) return undefined;
    return {
      size: info.size,
      mtimeMs: info.mtime?.getTime() ?? 0,
      ctimeMs: info.ctime?.getTime() ?? 0,
      ino: info.ino ?? 0,
    };
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return undefined;
    throw error;
  }
}
