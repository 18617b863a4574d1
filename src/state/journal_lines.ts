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
 * longest line), up to `limit` bytes, in batches (one per chunk read: a million lines are not a
 * million awaits). Bytes after the last newline (a write torn by a crash) are never yielded. A
 * file that does not exist yields nothing.
 */
export async function* journalLines(
  path: string,
  limit = Number.POSITIVE_INFINITY,
): AsyncGenerator<JournalLine[]> {
  let file: Deno.FsFile;
  try {
    file = await Deno.open(path, { read: true });
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return;
    throw error;
  }
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
      const last = bytes.lastIndexOf(NEWLINE);
      if (last === -1) {
        carry = bytes.slice();
        continue;
      }
      yield splitLines(bytes, last, carryStart);
      carryStart += last + 1;
      // Copied: `chunk` is overwritten by the next read.
      carry = bytes.slice(last + 1);
    }
  } finally {
    file.close();
  }
}

/** The lines of `bytes` up to the newline at `last`, `bytes` starting at file offset `base`. */
function splitLines(bytes: Uint8Array, last: number, base: number): JournalLine[] {
  const lines: JournalLine[] = [];
  // One decode for the whole run of lines: a newline byte never occurs inside a UTF-8
  // sequence, so splitting the text matches splitting the bytes.
  const whole = decode(bytes.subarray(0, last));
  const texts = whole?.split("\n");
  let from = 0;
  for (let k = 0; from <= last; k++) {
    const at = bytes.indexOf(NEWLINE, from);
    const text = texts ? texts[k] : decode(bytes.subarray(from, at));
    lines.push({ text, start: base + from, end: base + at + 1 });
    from = at + 1;
  }
  return lines;
}

const decoder = new TextDecoder("utf-8", { fatal: true });

function decode(bytes: Uint8Array): string | undefined {
  try {
    return decoder.decode(bytes);
  } catch {
    return undefined;
  }
}
