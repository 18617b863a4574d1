/**
 * The tree walk (docs/tree-walk.md): every regular file under DIR, streamed, in one
 * deterministic order, resumable after any entry.
 *
 * - **Streamed**: files are yielded while the walk goes on. Memory holds the sorted listings
 *   of the directories on the current path and a window of `statConcurrency` lstats, never a
 *   list of the tree's files.
 * - **Sorted**: depth first, each directory's entries sorted by name (path_order.ts), so the
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

import { comparePaths, isInside } from "./path_order.ts";
import { type DirListing, EntryKind, lowerBound, sortListing } from "./dir_listing.ts";
import {
  type DirectoryOutcome,
  type EntryAt,
  type EntryOutcome,
  failure,
  isGone,
  judgeEntry,
  osReason,
  skip,
} from "./tree_entry.ts";
import { type TreeEntryEvent, type TreeEvent, type TreeFailure, TreeTally } from "./tree_events.ts";
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
  outcome: EntryOutcome;
}

interface Frame {
  relPath: string;
  id: string;
  listing: DirListing;
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

  /** A frame for directory `relPath`, starting at the cursor's name when the cursor is inside. */
  const frameOf = (relPath: string, id: string, listing: DirListing): Frame => {
    let next = 0;
    if (after !== undefined && isInside(after, relPath)) {
      const name = after.slice(relPath === "" ? 0 : relPath.length + 1).split("/", 1)[0];
      next = lowerBound(listing.names, name);
    }
    return { relPath, id, listing, next, window: [] };
  };

  /** The filters leave the entry out: a directory when nothing in it can be included. */
  const filteredOut = (relPath: string, kind: number): boolean =>
    kind === EntryKind.directory ? filter.prunes(relPath) : !filter.includes(relPath);

  const notUtf8 = (at: EntryAt, kind: number): TreeFailure | undefined => {
    if (filteredOut(at.relPath, kind)) return undefined;
    return failure(
      at,
      "not-utf8",
      kind === EntryKind.directory
        ? "directory name is not valid UTF-8; rename it (nothing in it is uploaded)"
        : "name is not valid UTF-8; rename it",
    );
  };

  const entryAt = (frame: Frame, index: number): EntryAt => {
    const name = frame.listing.names[index];
    const relPath = frame.relPath === "" ? name : `${frame.relPath}/${name}`;
    return { relPath, absPath: joinPath(root, relPath), cursor: relPath };
  };

  const prepare = async (frame: Frame, index: number, at: EntryAt): Promise<EntryOutcome> => {
    const { names, kinds } = frame.listing;
    const kind = kinds[index];
    const lossy = names[index].includes(REPLACEMENT);
    // Two names that differ only in their bad bytes read alike; the lstat below finds at most
    // one real entry under that name, so the others are not UTF-8.
    if (lossy && index > 0 && names[index - 1] === names[index]) return notUtf8(at, kind);
    if (kind === EntryKind.file && !filter.includes(at.relPath)) return undefined;
    let info: Deno.FileInfo;
    try {
      info = await fs.lstat(at.absPath);
    } catch (error) {
      const gone = isGone(error);
      if (gone && lossy) return notUtf8(at, kind);
      if (filteredOut(at.relPath, kind)) return undefined;
      return gone
        ? failure(at, "vanished", "removed while the tree was being read")
        : failure(at, "unreadable", `cannot read its attributes (${osReason(error)})`);
    }
    return judgeEntry(rules, at, info);
  };

  /** Starts the lstats of the entries ahead, up to `concurrency` in flight. */
  const fill = (frame: Frame): void => {
    while (frame.window.length < concurrency && frame.next < frame.listing.names.length) {
      const index = frame.next++;
      const at = entryAt(frame, index);
      frame.window.push(
        prepare(frame, index, at).then(
          (outcome) => ({ at, outcome }),
          (error) => ({ at, outcome: failure(at, "unreadable", osReason(error)) }),
        ),
      );
    }
  };

  const rootListing = await fs.readDir(root).catch((error) => {
    throw new UsageError(
      `Cannot read ${options.root} (${osReason(error)}); check its permissions.`,
    );
  });
  const stack: Frame[] = [];
  const onPath = new Set<string>();
  if (!rules.excludedDirs.has(rootId)) {
    stack.push(frameOf("", rootId, sortListing(rootListing)));
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
  ): Promise<{ events: TreeEntryEvent[]; frame?: Frame }> {
    if (rules.excludedDirs.has(outcome.id)) return { events: [] };
    if (onPath.has(outcome.id)) {
      return {
        events: [skip(at, "loop", "directory already on the path being walked (a link loop)")],
      };
    }
    if (filter.prunes(at.relPath)) return { events: [] };
    const events: TreeEntryEvent[] = [];
    // Entries of the same (lossy) name are not UTF-8: report them before this directory's
    // entries, whose paths come after theirs.
    const name = at.relPath.slice(at.relPath.lastIndexOf("/") + 1);
    while (name.includes(REPLACEMENT)) {
      fill(parent);
      if (parent.listing.names[parent.next - parent.window.length] !== name) break;
      const dupe = await parent.window.shift()!;
      if (dupe.outcome && dupe.outcome.kind !== "directory") events.push(dupe.outcome);
    }
    let listing: DirListing;
    try {
      listing = sortListing(await fs.readDir(at.absPath));
    } catch (error) {
      const gone = isGone(error);
      events.push(
        gone ? failure(at, "vanished", "removed while the tree was being read") : failure(
          at,
          "unreadable",
          `cannot read the directory (${osReason(error)}); fix its permissions`,
        ),
      );
      return { events };
    }
    return { events, frame: frameOf(at.relPath, outcome.id, listing) };
  }
}
