import { UsageError } from "../errors.ts";
import { type Flags, str } from "./parse.ts";

/** The local source a command was given: `-f FILE`, or `-d DIR -p PREFIX` (a chunk directory). */
export type SourceFlags =
  | { kind: "file"; file: string }
  | { kind: "chunks"; dir: string; prefix: string };

/**
 * Reads -f, or -d with -p, as upload and verify take them: one of the two, -p with -d, and
 * the directory without its trailing slashes. No source at all is undefined: the command says
 * what it needs.
 */
export function sourceFlags(flags: Flags): SourceFlags | undefined {
  const file = str(flags, "file-path");
  const dir = str(flags, "dir-path");
  if (file !== undefined && dir !== undefined) {
    throw new UsageError("Pass either -f FILE or -d DIR with -p PREFIX, not both.");
  }
  if (dir === undefined) return file === undefined ? undefined : { kind: "file", file };
  const prefix = str(flags, "prefix");
  if (prefix === undefined) {
    throw new UsageError("-d needs -p PREFIX: the chunk files' name prefix.");
  }
  return { kind: "chunks", dir: dir.replace(/\/+$/, "") || "/", prefix };
}
