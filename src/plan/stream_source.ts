/**
 * A source read once, front to back: standard input (`-`), a FIFO, or a process
 * substitution (`<(…)`, a /dev/fd/N pipe). It can be neither sized nor read twice, so each
 * part is held in memory from its read until the server has it and its journal line is on
 * disk (at most `-t` parts in flight plus the one being filled; docs/pipes.md). While it
 * is read, the stream's CRC32 and SHA-256 are summed, for the user to compare with what the
 * producer wrote.
 *
 * @module
 */
import { createHash } from "node:crypto";
import { resolve } from "node:path";
import * as zlib from "node:zlib";
import { InterruptedError, UsageError } from "../errors.ts";
import type { PartReader, PartSource } from "./part_source.ts";

const crc32 = (zlib as unknown as { crc32(data: Uint8Array, value?: number): number }).crc32;

/** What a stream's bytes summed to, as read. */
export interface StreamDigest {
  size: number;
  /** CRC32 of the bytes read, hex (as `crc32` and `7z h` print it). */
  crc32: string;
  /** SHA-256 of the bytes read, hex (as `sha256sum` prints it). */
  sha256: string;
}

/** A source of unknown length: parts are read in order and held until {@link partDone}. */
export interface StreamSource extends PartSource {
  /**
   * Reads part `partNumber`: the next `size` bytes, fewer only where the stream ends (0 at
   * its end). The bytes are held for the part's sends (openReader) until {@link partDone}.
   * A stop ends the wait at once with an InterruptedError.
   */
  readPart(partNumber: number, size: number, signal: AbortSignal): Promise<Uint8Array>;
  /** The bytes read so far: their count, CRC32 and SHA-256. */
  digest(): StreamDigest;
  /**
   * Whether the stream ends before its first byte, found by one read whose bytes (if any)
   * the first {@link readPart} takes first: an empty stream is put whole, with no upload.
   */
  isEmpty(signal: AbortSignal): Promise<boolean>;
}

/** Whether `source` is read as a stream (its parts must come from {@link StreamSource.readPart}). */
export function isStreamSource(source: PartSource): source is StreamSource {
  return source.fingerprint.kind === "stream";
}

/**
 * Whether `path` names a stream: `-` (standard input), or a FIFO, character device or
 * socket (a process substitution's /dev/fd/N is a pipe), looked at but never opened. A
 * missing path is not.
 */
export function isStreamPath(path: string): boolean {
  if (path === "-") return true;
  try {
    const info = Deno.statSync(path);
    return info.isFifo === true || info.isCharDevice === true || info.isSocket === true;
  } catch {
    return false;
  }
}

/** Opens `-` (standard input) or the FIFO at `path` for reading once. */
export async function openStreamSource(path: string): Promise<StreamSource> {
  let input: { read(p: Uint8Array): Promise<number | null> };
  if (path === "-") {
    input = Deno.stdin;
  } else {
    try {
      input = await Deno.open(path, { read: true });
    } catch (error) {
      throw new UsageError(`Cannot read the stream ${path}: ${(error as Error).message}.`);
    }
  }
  return streamSource(input, path === "-" ? "-" : resolve(path));
}

/**
 * A stream source over `input` (anything with a `read` that fills a view and returns the
 * count, or null at the end). Exported for tests, which feed it from memory.
 */
export function streamSource(
  input: { read(p: Uint8Array): Promise<number | null> },
  name: string,
): StreamSource {
  const held = new Map<number, Uint8Array>();
  const spare: Uint8Array[] = [];
  const sha256 = createHash("sha256");
  let crc = 0;
  let size = 0;
  let ended = false;
  let pending: Promise<number | null> | undefined;
  // Bytes read ahead by isEmpty, which the next readPart takes first.
  let carry: Uint8Array | undefined;
  const readOnce = async (view: Uint8Array, signal: AbortSignal): Promise<number | null> => {
    // A read cannot be cancelled: a stop leaves it pending, and the next read (if any) takes
    // its result first, so no byte is lost or read twice.
    pending ??= input.read(view);
    const stopped = new Promise<"stopped">((resolve) => {
      if (signal.aborted) resolve("stopped");
      signal.addEventListener("abort", () => resolve("stopped"), { once: true });
    });
    const n = await Promise.race([pending, stopped]);
    if (n === "stopped") throw new InterruptedError();
    pending = undefined;
    return n;
  };
  return {
    fingerprint: { kind: "stream", path: name, size: 0, mtimeMs: 0 },
    files: name === "-" ? [] : [name],
    readPart: async (partNumber, want, signal) => {
      // Spares of another size (the parts grew) are let go.
      let buffer = spare.pop();
      while (buffer && buffer.length !== want) buffer = spare.pop();
      buffer ??= new Uint8Array(want);
      let filled = 0;
      if (carry) {
        buffer.set(carry.subarray(0, want));
        filled = Math.min(want, carry.length);
        carry = carry.length > want ? carry.subarray(want) : undefined;
      }
      while (filled < want && !ended) {
        const n = await readOnce(buffer.subarray(filled), signal);
        if (n === null) ended = true;
        else filled += n;
      }
      const bytes = buffer.subarray(0, filled);
      sha256.update(bytes);
      crc = crc32(bytes, crc);
      size += filled;
      held.set(partNumber, bytes);
      return bytes;
    },
    partDone: (part) => {
      const bytes = held.get(part.partNumber);
      held.delete(part.partNumber);
      // Full-size buffers are reused by the next parts: memory stays that of the parts held.
      if (bytes && bytes.byteOffset === 0 && bytes.length === bytes.buffer.byteLength) {
        spare.push(bytes);
      }
    },
    isEmpty: async (signal) => {
      if (size > 0 || carry) return false;
      if (ended) return true;
      const ahead = new Uint8Array(64 * 1024);
      const n = await readOnce(ahead, signal);
      if (n === null) {
        ended = true;
        return true;
      }
      if (n > 0) carry = ahead.subarray(0, n);
      return false;
    },
    digest: () => ({
      size,
      crc32: (crc >>> 0).toString(16).padStart(8, "0"),
      sha256: sha256.copy().digest("hex"),
    }),
    openReader: () => Promise.resolve(heldReader(held)),
    // The bytes sent are the bytes read, held unchanged: nothing can change under them.
    checkUnchanged: () => Promise.resolve(),
  };
}

/** Reads a held part: views of its bytes, or copies into the buffers a consumer lends. */
function heldReader(held: Map<number, Uint8Array>): PartReader {
  return {
    slices: async function* (part, into) {
      const bytes = held.get(part.partNumber);
      if (!bytes || bytes.length !== part.size) {
        throw new Error(`part ${part.partNumber} of the stream is not held`);
      }
      for (let offset = 0, turn = 0; offset < bytes.length; turn++) {
        if (typeof into === "function") {
          const buffer = await into();
          const slice = buffer.subarray(0, Math.min(buffer.length, bytes.length - offset));
          slice.set(bytes.subarray(offset, offset + slice.length));
          offset += slice.length;
          yield slice;
        } else {
          const length = Math.min(into[turn % into.length].length, bytes.length - offset);
          yield bytes.subarray(offset, offset + length);
          offset += length;
        }
      }
    },
    close: () => {},
  };
}
