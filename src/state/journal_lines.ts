/** One complete line of a journal file and where it lies. */
export interface JournalLine {
  /** The line's text without its newline; undefined when it is not valid UTF-8. */
  text: string | undefined;
  /** Byte offset of the line's first byte. */
  start: number;
  /** Byte offset just after its newline. */
  end: number;
}

const NEWLINE = 10;
const CHUNK = 1 << 16;

/**
 * Streams the newline-terminated lines of `path` in constant memory (one 64 KiB chunk plus the
 * longest line), up to `limit` bytes. Bytes after the last newline (a write torn by a crash)
 * are never yielded. A file that does not exist yields nothing.
 */
export async function* journalLines(
  path: string,
  limit = Number.POSITIVE_INFINITY,
): AsyncGenerator<JournalLine> {
  let file: Deno.FsFile;
  try {
    file = await Deno.open(path, { read: true });
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return;
    throw error;
  }
  const decoder = new TextDecoder("utf-8", { fatal: true });
  const chunk = new Uint8Array(CHUNK);
  let carry = new Uint8Array(0);
  let carryStart = 0;
  let readTotal = 0;
  try {
    while (readTotal < limit) {
      const wanted = Math.min(CHUNK, limit - readTotal);
      const n = await file.read(chunk.subarray(0, wanted));
      if (n === null || n === 0) break;
      readTotal += n;
      let bytes = chunk.subarray(0, n);
      if (carry.length > 0) {
        const joined = new Uint8Array(carry.length + n);
        joined.set(carry);
        joined.set(bytes, carry.length);
        bytes = joined;
      }
      let from = 0;
      for (let at = bytes.indexOf(NEWLINE); at !== -1; at = bytes.indexOf(NEWLINE, from)) {
        const start = carryStart + from;
        yield {
          text: decode(decoder, bytes.subarray(from, at)),
          start,
          end: start + at - from + 1,
        };
        from = at + 1;
      }
      carryStart += from;
      // Copied: `chunk` is overwritten by the next read.
      carry = bytes.slice(from);
    }
  } finally {
    file.close();
  }
}

function decode(decoder: TextDecoder, bytes: Uint8Array): string | undefined {
  try {
    return decoder.decode(bytes);
  } catch {
    return undefined;
  }
}
