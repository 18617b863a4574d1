/**
 * The lines of a list file (or stdin), streamed: each line's bytes without its `\n`, with its
 * number (from 1). Memory holds one read and the longest line, never the whole list, so a list
 * of millions of paths streams like the walk does.
 *
 * @module
 */

import { UsageError } from "../errors.ts";
import { osReason } from "./tree_entry.ts";

/** One line of a list. */
export interface ListLine {
  /** 1 for the first line. */
  number: number;
  /** The line's bytes, without the `\n` that ended it. */
  bytes: Uint8Array;
}

/** The lines of `input`; a last line without `\n` counts, an empty input has none. */
export async function* listLines(input: ReadableStream<Uint8Array>): AsyncGenerator<ListLine> {
  let number = 0;
  let carry: Uint8Array = new Uint8Array(0);
  for await (const chunk of input) {
    let start = 0;
    let at = chunk.indexOf(NEWLINE);
    while (at >= 0) {
      yield { number: ++number, bytes: join(carry, chunk.subarray(start, at)) };
      carry = new Uint8Array(0);
      start = at + 1;
      at = chunk.indexOf(NEWLINE, start);
    }
    carry = join(carry, chunk.subarray(start));
  }
  if (carry.length > 0) yield { number: ++number, bytes: carry };
}

/** The bytes of the list at `path`, or of stdin for `-`; a list that cannot be read is a UsageError. */
export async function openList(path: string): Promise<ReadableStream<Uint8Array>> {
  if (path === "-") return Deno.stdin.readable;
  try {
    const file = await Deno.open(path);
    return file.readable;
  } catch (error) {
    throw new UsageError(
      `Cannot read the list ${path} (${osReason(error)}); name a readable file, or - for stdin.`,
    );
  }
}

const NEWLINE = 0x0a;

function join(a: Uint8Array, b: Uint8Array): Uint8Array {
  if (a.length === 0) return b.slice();
  const joined = new Uint8Array(a.length + b.length);
  joined.set(a);
  joined.set(b, a.length);
  return joined;
}
