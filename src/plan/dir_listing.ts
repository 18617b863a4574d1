/**
 * A directory's entries in a compact form: the names, and what readdir said each one is (its
 * d_type). Deno's `DirEntry` objects cost about 380 bytes each on the V8 heap (measured with
 * Deno 2.9: 37.7 MiB retained for 100,000 entries, 4 MiB for their names alone), and the walk
 * keeps the listing of every directory on its current path, so it keeps only this.
 *
 * @module
 */

import { compareNames } from "./path_order.ts";

/** What readdir said an entry is; `unknown` when the file system does not say (or another type). */
export const EntryKind = { unknown: 0, file: 1, directory: 2, symlink: 3 } as const;

/** One directory's entries: `kinds[i]` is an {@link EntryKind} of `names[i]`. */
export interface DirListing {
  names: string[];
  kinds: Uint8Array;
}

/** Reads the directory at `path` (unsorted). */
export async function readListing(path: string): Promise<DirListing> {
  const names: string[] = [];
  const kinds: number[] = [];
  for await (const entry of Deno.readDir(path)) {
    names.push(entry.name);
    kinds.push(
      entry.isFile
        ? EntryKind.file
        : entry.isDirectory
        ? EntryKind.directory
        : entry.isSymlink
        ? EntryKind.symlink
        : EntryKind.unknown,
    );
  }
  return { names, kinds: Uint8Array.from(kinds) };
}

/** `listing` sorted by {@link compareNames} (a new listing; equal names stay adjacent). */
export function sortListing(listing: DirListing): DirListing {
  const order = Array.from(listing.names.keys()).sort((a, b) =>
    compareNames(listing.names[a], listing.names[b])
  );
  return {
    names: order.map((i) => listing.names[i]),
    kinds: Uint8Array.from(order, (i) => listing.kinds[i]),
  };
}

/** The index of the first name in sorted `names` that is not before `name`. */
export function lowerBound(names: readonly string[], name: string): number {
  let low = 0;
  let high = names.length;
  while (low < high) {
    const mid = (low + high) >> 1;
    if (compareNames(names[mid], name) < 0) low = mid + 1;
    else high = mid;
  }
  return low;
}
