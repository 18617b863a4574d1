/**
 * A tree upload's source as a job run walks it: the walk of DIR (or a `--files-from` list)
 * started after a cursor, its files with their stat and cursor, and every other entry as a
 * "passed" mark (so a resumed walk does not pass it again) after telling `onEntry` about it.
 *
 * @module
 */
import { filesFrom } from "./files_from.ts";
import type { TreeCursor, TreeFailure, TreeSkip } from "./tree_events.ts";
import type { TreeOptions } from "./tree_root.ts";
import { walkTree } from "./tree_walk.ts";

/** A file of the walk, as a job run records it. */
export interface SourceFile {
  relPath: string;
  cursor: TreeCursor;
  size: number;
  mtimeMs: number;
  ctimeMs: number;
  ino: number;
}

/** An entry the walk went past that is no file to upload. */
export interface SourcePassed {
  passed: true;
  cursor: TreeCursor;
}

/** Where the files come from: the walk of DIR, or a list of paths relative to it. */
export interface TreeSourceOptions extends TreeOptions {
  /** `--files-from`: a list's path, or `-` for stdin. */
  filesFrom?: string;
  /** Told of each skip and failure, in walk order (the run reports and counts them). */
  onEntry(event: TreeSkip | TreeFailure): void;
}

/** Starts the enumeration after `after` (undefined: from the start). */
export function startSource(
  options: TreeSourceOptions,
): (after: TreeCursor | undefined) => AsyncIterable<SourceFile | SourcePassed> {
  return async function* (after) {
    const events = options.filesFrom !== undefined
      ? filesFrom({
        ...options,
        list: options.filesFrom,
        ...(typeof after === "number" ? { after } : {}),
      })
      : walkTree({ ...options, ...(typeof after === "string" ? { after } : {}) });
    for await (const event of events) {
      if (event.kind === "done") continue;
      if (event.kind === "file") {
        yield {
          relPath: event.relPath,
          cursor: event.cursor,
          size: event.size,
          mtimeMs: event.mtimeMs,
          ctimeMs: event.ctimeMs,
          ino: event.ino,
        };
        continue;
      }
      options.onEntry(event);
      yield { passed: true, cursor: event.cursor };
    }
  };
}
