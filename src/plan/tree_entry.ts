/**
 * What one entry of a tree is, from its lstat: a file to upload, a directory, or a skip or
 * failure event. Shared by the walk (tree_walk.ts) and `--files-from` (files_from.ts), so both
 * treat links, FIFOs, sockets, devices, filters and keys alike. Only lstat and stat are
 * called: nothing is opened, so a FIFO cannot block.
 *
 * @module
 */

import {
  quotePath,
  type TreeCursor,
  type TreeFailure,
  type TreeFile,
  type TreeSkip,
} from "./tree_events.ts";
import type { TreeFilter } from "./tree_filters.ts";
import { type DirListing, readListing } from "./dir_listing.ts";
import { keyProblem, treeKey } from "./tree_keys.ts";

/** The file-system calls enumeration makes; tests wrap them to inject races. */
export interface WalkFs {
  /** Every entry of the directory (unsorted). */
  readDir(path: string): Promise<DirListing>;
  lstat(path: string): Promise<Deno.FileInfo>;
  stat(path: string): Promise<Deno.FileInfo>;
}

/** The real file system. */
export const denoFs: WalkFs = {
  readDir: readListing,
  lstat: (path) => Deno.lstat(path),
  stat: (path) => Deno.stat(path),
};

/** What every entry of one enumeration is judged by. */
export interface EntryRules {
  prefix: string;
  filter: TreeFilter;
  followSymlinks: boolean;
  fs: WalkFs;
  /** `dev:ino` of the directories to leave out. */
  excludedDirs: ReadonlySet<string>;
}

/** One entry to judge. */
export interface EntryAt {
  relPath: string;
  absPath: string;
  cursor: TreeCursor;
}

/** A directory entry (after following a link, when links are followed). */
export interface DirectoryOutcome {
  kind: "directory";
  info: Deno.FileInfo;
  /** `dev:ino`, for loops and excluded directories. */
  id: string;
}

/** What an entry is; undefined when the filters leave it out (silently). */
export type EntryOutcome = TreeFile | TreeSkip | TreeFailure | DirectoryOutcome | undefined;

/** Judges the entry whose lstat is `info`. */
export async function judgeEntry(
  rules: EntryRules,
  at: EntryAt,
  info: Deno.FileInfo,
): Promise<EntryOutcome> {
  if (info.isSymlink) {
    let target: Deno.FileInfo;
    try {
      target = await rules.fs.stat(at.absPath);
    } catch (error) {
      if (!rules.filter.includes(at.relPath)) return undefined;
      if (error instanceof Deno.errors.NotFound) {
        return skip(at, "dangling-link", "symbolic link to a missing target");
      }
      if (error instanceof Deno.errors.FilesystemLoop) {
        return skip(at, "loop", "symbolic link loop");
      }
      return failure(at, "unreadable", `cannot follow its link (${osReason(error)})`);
    }
    if (!rules.followSymlinks) {
      if (!rules.filter.includes(at.relPath)) return undefined;
      return skip(at, "symlink", "symbolic link (links are not followed)");
    }
    info = target;
  }
  if (info.isDirectory) return { kind: "directory", info, id: fileId(info) };
  if (!rules.filter.includes(at.relPath)) return undefined;
  if (info.isFile) return fileEvent(rules, at, info);
  if (info.isFifo) return skip(at, "fifo", "FIFO (named pipe); only regular files are uploaded");
  if (info.isSocket) return skip(at, "socket", "socket; only regular files are uploaded");
  if (info.isCharDevice || info.isBlockDevice) {
    return skip(at, "device", "device; only regular files are uploaded");
  }
  return skip(at, "special", "not a regular file; only regular files are uploaded");
}

/** `dev:ino` of a stat, the identity loops and excluded directories are compared by. */
export function fileId(info: Deno.FileInfo): string {
  return `${info.dev}:${info.ino}`;
}

/** A skip event for `at`. */
export function skip(at: EntryAt, reason: TreeSkip["reason"], why: string): TreeSkip {
  return {
    kind: "skip",
    cursor: at.cursor,
    relPath: at.relPath,
    reason,
    message: `skipped ${quotePath(at.relPath)}: ${why}`,
  };
}

/** A failure event for `at`. */
export function failure(at: EntryAt, reason: TreeFailure["reason"], why: string): TreeFailure {
  return {
    kind: "failure",
    cursor: at.cursor,
    relPath: at.relPath,
    reason,
    message: `${quotePath(at.relPath)}: ${why}`,
  };
}

/** Whether `error` says the path is not there (removed, or a parent no longer a directory). */
export function isGone(error: unknown): boolean {
  return error instanceof Deno.errors.NotFound || error instanceof Deno.errors.NotADirectory;
}

/** The OS's reason in an error from Deno ("Permission denied", without the path). */
export function osReason(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.replace(/ \(os error \d+\).*$/s, "").split("\n")[0];
}

function fileEvent(rules: EntryRules, at: EntryAt, info: Deno.FileInfo): TreeFile | TreeFailure {
  const key = treeKey(rules.prefix, at.relPath);
  const problem = keyProblem(key);
  if (problem) return failure(at, "key-too-long", problem);
  return {
    kind: "file",
    cursor: at.cursor,
    relPath: at.relPath,
    absPath: at.absPath,
    key,
    size: info.size,
    mtimeMs: info.mtime?.getTime() ?? 0,
    ctimeMs: info.ctime?.getTime() ?? 0,
    ino: info.ino ?? 0,
    dev: info.dev,
  };
}
