/**
 * The tree walk (docs/tree-walk.md): every regular file under DIR, streamed, in one
 * deterministic order, resumable after any entry.
 *
 * - **Streamed**: files are yielded while the walk goes on. Memory holds the sorted listings
 *   of the directories on the current path and a window of `statConcurrency` lstats, never a
 *   list of the tree's files.
 * - **Sorted**: depth first, each directory's entries sorted by {@link compareNames}, so the
 *   order is {@link comparePaths} order and the same on every host for an unchanged tree.
 * - **Resumable**: each event's cursor is its path; `after` starts the walk after a cursor,
 *   reading again only the directories on the path to it (whole subtrees before it are
 *   skipped unread).
 *
 * Links are not followed unless `followSymlinks` (a directory already on the current path,
 * by dev+ino, is then a `loop` skip); FIFOs, sockets and devices are skipped, never opened.
 * A name that is not UTF-8 reaches Deno with each bad byte replaced by U+FFFD, so that name
 * names nothing on disk: it is a `not-utf8` failure, never a file under a mangled key.
 *
 * @module
 */

import { compareNames, comparePaths, isInside, sortNames } from "./path_order.ts";
import {
  type DirectoryOutcome,
  type EntryAt,
  type EntryOutcome,
  failure,
  judgeEntry,
  osReason,
  skip,
} from "./tree_entry.ts";
import {
  type TreeEvent,
  type TreeFailure,
  type TreeFile,
  type TreeSkip,
  TreeTally,
} from "./tree_events.ts";
import { joinPath, openTree, type TreeOptions } from "./tree_root.ts";
import { UsageError } from "../errors.ts";

/** Options of {@link walkTree}. */
export interface TreeWalkOptions extends TreeOptions {
  /** Resume: yield only entries after this cursor (a relative path from an earlier walk). */
  after?: string;
  /** lstat calls in flight at once (default 32; parallel calls help network file systems). */
  statConcurrency?: number;
}

const REPLACEMENT = "\uFFFD";

interface Prepared {
  at: EntryAt;
  entry: Deno.DirEntry;
  outcome: EntryOutcome;
}

interface Frame {
  relPath: string;
  id: string;
  entries: Deno.DirEntry[];
  /** Index of the next entry to prepare; the window holds the ones before it not yet used. */
  next: number;
  window: Promise<Prepared>[];
}

/**
 * Walks DIR: yields its files, skips and failures in path order, then one `done`. Throws a
 * UsageError (exit 2) when DIR is not a readable directory.
 */
export async function* walkTree(
  options: TreeWalkOptions,
): AsyncGenerator<TreeEvent, void, undefined> {
  const { root, rootId, rules } = await openTree(options);
  const { fs, filter } = rules;
  const concurrency = Math.max(1, options.statConcurrency ?? 32);
  const tally = new TreeTally();
  let after = options.after;

  /** Whether an event at `relPath` lies after the cursor (the cursor is dropped once passed). */
  const isNew = (relPath: string): boolean => {
    if (after === undefined) return true;
    if (comparePaths(relPath, after) <= 0) return false;
    after = undefined;
    return true;
  };

  /** Where the walk of directory `relPath` starts: at the cursor's name, if it is inside. */
  const startIndex = (entries: Deno.DirEntry[], relPath: string): number => {
    if (after === undefined || !isInside(after, relPath)) return 0;
    const name = after.slice(relPath === "" ? 0 : relPath.length + 1).split("/", 1)[0];
    let low = 0;
    let high = entries.length;
    while (low < high) {
      const mid = (low + high) >> 1;
      if (compareNames(entries[mid].name, name) < 0) low = mid + 1;
      else high = mid;
    }
    return low;
  };

  const notUtf8 = (at: EntryAt, entry: Deno.DirEntry): TreeFailure | undefined => {
    if (entry.isDirectory ? filter.prunes(at.relPath) : !filter.includes(at.relPath)) {
      return undefined;
    }
    return failure(
      at,
      "not-utf8",
      entry.isDirectory
        ? "directory name is not valid UTF-8; rename it (nothing in it is uploaded)"
        : "name is not valid UTF-8; rename it",
    );
  };

  const prepare = async (frame: Frame, index: number): Promise<Prepared> => {
    const entry = frame.entries[index];
    const relPath = frame.relPath === "" ? entry.name : `${frame.relPath}/${entry.name}`;
    const at: EntryAt = { relPath, absPath: joinPath(root, relPath), cursor: relPath };
    const lossy = entry.name.includes(REPLACEMENT);
    // Two names that differ only in their bad bytes read alike; the lstat below finds at most
    // one real entry under that name, so the others are not UTF-8.
    if (lossy && index > 0 && frame.entries[index - 1].name === entry.name) {
      return { at, entry, outcome: notUtf8(at, entry) };
    }
    if (entry.isFile && !filter.includes(relPath)) return { at, entry, outcome: undefined };
    let info: Deno.FileInfo;
    try {
      info = await fs.lstat(at.absPath);
    } catch (error) {
      const gone = error instanceof Deno.errors.NotFound ||
        error instanceof Deno.errors.NotADirectory;
      if (gone && lossy) return { at, entry, outcome: notUtf8(at, entry) };
      if (entry.isDirectory ? filter.prunes(relPath) : !filter.includes(relPath)) {
        return { at, entry, outcome: undefined };
      }
      const outcome = gone
        ? failure(at, "vanished", "removed while the tree was being read")
        : failure(at, "unreadable", `cannot read its attributes (${osReason(error)})`);
      return { at, entry, outcome };
    }
    return { at, entry, outcome: await judgeEntry(rules, at, info) };
  };

  const fill = (frame: Frame): void => {
    while (frame.window.length < concurrency && frame.next < frame.entries.length) {
      const index = frame.next++;
      frame.window.push(
        prepare(frame, index).catch((error) => {
          const relPath = frame.relPath === ""
            ? frame.entries[index].name
            : `${frame.relPath}/${frame.entries[index].name}`;
          const at = { relPath, absPath: joinPath(root, relPath), cursor: relPath };
          return {
            at,
            entry: frame.entries[index],
            outcome: failure(at, "unreadable", osReason(error)),
          };
        }),
      );
    }
  };

  const rootEntries = await fs.readDir(root).catch((error) => {
    throw new UsageError(
      `Cannot read ${options.root} (${osReason(error)}); check its permissions.`,
    );
  });
  const stack: Frame[] = [];
  const onPath = new Set<string>();
  if (!rules.excludedDirs.has(rootId)) {
    const entries = sortNames(rootEntries, (entry) => entry.name);
    stack.push({ relPath: "", id: rootId, entries, next: startIndex(entries, ""), window: [] });
    onPath.add(rootId);
  }

  while (stack.length > 0) {
    const frame = stack[stack.length - 1];
    fill(frame);
    const head = frame.window.shift();
    if (head === undefined) {
      stack.pop();
      onPath.delete(frame.id);
      continue;
    }
    const { at, outcome } = await head;
    if (outcome === undefined) continue;
    if (outcome.kind !== "directory") {
      if (isNew(at.relPath)) yield tally.count(outcome);
      continue;
    }
    const found = await enterDirectory(at, outcome, frame);
    for (const event of found.events) {
      if (isNew(event.relPath)) yield tally.count(event);
    }
    if (found.frame) {
      stack.push(found.frame);
      onPath.add(found.frame.id);
    }
  }
  yield tally.done();

  /** The events a directory gives before its entries, and its frame when it is walked. */
  async function enterDirectory(
    at: EntryAt,
    outcome: DirectoryOutcome,
    parent: Frame,
  ): Promise<{ events: (TreeFile | TreeSkip | TreeFailure)[]; frame?: Frame }> {
    if (rules.excludedDirs.has(outcome.id)) return { events: [] };
    if (onPath.has(outcome.id)) {
      return {
        events: [skip(at, "loop", "directory already on the path being walked (a link loop)")],
      };
    }
    if (filter.prunes(at.relPath)) return { events: [] };
    const events: (TreeFile | TreeSkip | TreeFailure)[] = [];
    // Entries of the same (lossy) name are not UTF-8: report them before this directory's
    // entries, whose paths come after theirs.
    const name = at.relPath.slice(at.relPath.lastIndexOf("/") + 1);
    while (name.includes(REPLACEMENT)) {
      fill(parent);
      if (parent.entries[parent.next - parent.window.length]?.name !== name) break;
      const dupe = await parent.window.shift()!;
      if (dupe.outcome && dupe.outcome.kind !== "directory") events.push(dupe.outcome);
    }
    let entries: Deno.DirEntry[];
    try {
      entries = sortNames(await fs.readDir(at.absPath), (entry) => entry.name);
    } catch (error) {
      const gone = error instanceof Deno.errors.NotFound ||
        error instanceof Deno.errors.NotADirectory;
      events.push(
        gone ? failure(at, "vanished", "removed while the tree was being read") : failure(
          at,
          "unreadable",
          `cannot read the directory (${osReason(error)}); fix its permissions`,
        ),
      );
      return { events };
    }
    const frame = { relPath: at.relPath, id: outcome.id, entries, next: 0, window: [] };
    frame.next = startIndex(entries, at.relPath);
    return { events, frame };
  }
}
