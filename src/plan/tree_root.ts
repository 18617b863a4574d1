/**
 * The start of an enumeration: DIR itself (followed if it is a link: the user named it) and
 * the directories to leave out, by identity (`dev:ino`), so the job's own state directory
 * inside DIR is never uploaded whatever path names it.
 *
 * @module
 */

import { UsageError } from "../errors.ts";
import { denoFs, type EntryRules, fileId, osReason, type WalkFs } from "./tree_entry.ts";
import { includeEverything, type TreeFilter } from "./tree_filters.ts";

/** Options common to the walk and `--files-from`. */
export interface TreeOptions {
  /** DIR: the directory whose files are uploaded. */
  root: string;
  /** Prepended to each relative path to make the key, as is (see directoryPrefix). */
  prefix?: string;
  /** From compileFilters; default: everything included. */
  filter?: TreeFilter;
  /** Follow symbolic links (default false: each link is a `symlink` skip). */
  followSymlinks?: boolean;
  /** Absolute directories to leave out (compared by dev+ino); missing ones are ignored. */
  excludeDirs?: readonly string[];
  /** File-system calls (tests inject races); default the real one. */
  fs?: WalkFs;
}

/** DIR, checked, and the rules every entry is judged by. */
export interface OpenedTree {
  rules: EntryRules;
  root: string;
  rootId: string;
}

/** Checks DIR is a directory and resolves the exclusions; bad input is a UsageError (exit 2). */
export async function openTree(options: TreeOptions): Promise<OpenedTree> {
  const fs = options.fs ?? denoFs;
  const root = trimSlashes(options.root);
  let info: Deno.FileInfo;
  try {
    info = await fs.stat(root);
  } catch (error) {
    throw new UsageError(
      `Cannot read ${options.root} (${osReason(error)}); name an existing directory.`,
    );
  }
  if (!info.isDirectory) {
    throw new UsageError(`${options.root} is not a directory; name the directory to upload.`);
  }
  const excludedDirs = new Set<string>();
  for (const dir of options.excludeDirs ?? []) {
    const excluded = await fs.stat(dir).catch(() => undefined);
    if (excluded?.isDirectory) excludedDirs.add(fileId(excluded));
  }
  return {
    root,
    rootId: fileId(info),
    rules: {
      prefix: options.prefix ?? "",
      filter: options.filter ?? includeEverything,
      followSymlinks: options.followSymlinks ?? false,
      fs,
      excludedDirs,
    },
  };
}

/** `root` joined with a relative path. */
export function joinPath(root: string, relPath: string): string {
  if (relPath === "") return root;
  return root.endsWith("/") ? root + relPath : `${root}/${relPath}`;
}

function trimSlashes(path: string): string {
  const trimmed = path.replace(/\/+$/, "");
  return trimmed === "" ? (path.startsWith("/") ? "/" : ".") : trimmed;
}
