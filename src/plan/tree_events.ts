/**
 * What enumerating a tree yields (docs/tree-walk.md "Events"): a file to upload, a skip (an
 * entry left out by design: links, FIFOs, sockets, devices, loops), a failure (an entry the
 * user should fix: a name that is not UTF-8, a key too long, an unreadable directory, a file
 * that vanished), and once at the end, `done`. Every event but `done` carries the cursor to
 * resume after it.
 *
 * @module
 */

/**
 * Where a resumed enumeration starts: the walk's cursor is an entry's path relative to DIR
 * (resume yields only paths after it in the order of path_order.ts); a `--files-from` list's
 * is a line number (resume reads the lines after it).
 */
export type TreeCursor = string | number;

/** A regular file to upload, from one lstat (or stat, for a followed link). */
export interface TreeFile {
  kind: "file";
  cursor: TreeCursor;
  /** Path relative to DIR, `/`-separated. */
  relPath: string;
  /** The path to open (DIR joined with relPath). */
  absPath: string;
  /** The object key: the prefix followed by relPath. */
  key: string;
  size: number;
  mtimeMs: number;
  ctimeMs: number;
  ino: number;
  dev: number;
}

/** Why an entry was left out by design. */
export type SkipReason =
  | "symlink"
  | "dangling-link"
  | "loop"
  | "fifo"
  | "socket"
  | "device"
  | "special"
  | "directory";

/** Why an entry that should be uploaded cannot be. */
export type FailureReason =
  | "not-utf8"
  | "key-too-long"
  | "unreadable"
  | "vanished"
  | "missing"
  | "outside-dir";

/** An entry left out by design (a symbolic link not followed, a FIFO...). */
export interface TreeSkip {
  kind: "skip";
  cursor: TreeCursor;
  relPath: string;
  reason: SkipReason;
  /** One line naming the entry and why (paths quoted, control characters escaped). */
  message: string;
}

/** An entry that cannot be uploaded as it is; the rest of the tree goes on. */
export interface TreeFailure {
  kind: "failure";
  cursor: TreeCursor;
  relPath: string;
  reason: FailureReason;
  /** One line naming the entry, the problem and the fix. */
  message: string;
}

/** The enumeration is complete; the counts are of this run's events (after its cursor). */
export interface TreeDone {
  kind: "done";
  files: number;
  bytes: number;
  skipped: Partial<Record<SkipReason, number>>;
  failed: Partial<Record<FailureReason, number>>;
}

/** An event about one entry (all but `done`). */
export type TreeEntryEvent = TreeFile | TreeSkip | TreeFailure;

/** One event of an enumeration. */
export type TreeEvent = TreeEntryEvent | TreeDone;

/** A path for a one-line message: JSON-quoted, so spaces, quotes and newlines show. */
export function quotePath(relPath: string): string {
  return JSON.stringify(relPath);
}

/** Counts events into a {@link TreeDone}. */
export class TreeTally {
  #done: TreeDone = { kind: "done", files: 0, bytes: 0, skipped: {}, failed: {} };

  /** Counts `event` and returns it. */
  count<T extends TreeEntryEvent>(event: T): T {
    const done = this.#done;
    if (event.kind === "file") {
      done.files++;
      done.bytes += event.size;
    } else if (event.kind === "skip") {
      done.skipped[event.reason] = (done.skipped[event.reason] ?? 0) + 1;
    } else {
      done.failed[event.reason] = (done.failed[event.reason] ?? 0) + 1;
    }
    return event;
  }

  /** The final event. */
  done(): TreeDone {
    return this.#done;
  }
}
