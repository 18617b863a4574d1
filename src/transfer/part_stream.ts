/**
 * A part sent as it is read from the source, never whole in memory, with its checksum still
 * the checksum of the bytes sent: a first pass reads the part to compute it (the header must
 * go before the body), and the send reads the part again, sums it again, and fails before its
 * last slice leaves if the two differ, so bytes that changed between the passes are never
 * stored under the first pass's checksum.
 *
 * @module
 */
import type { PartStream } from "../../backends/part_body.ts";
import type { ChecksumAlgorithm, PartChecksum } from "../../backends/types.ts";
import { checksumHasher } from "../../backends/checksum.ts";
import { NeedsDecisionError, RESTART, say } from "../errors.ts";
import type { PartReader, SourcePart } from "../plan/part_source.ts";

/**
 * Bytes per read. A part being sent reads into two buffers of this size in turn (the slice
 * held back for the check, and the next), so memory does not depend on the part size.
 */
export const READ_SLICE_BYTES = 64 * 1024;

/**
 * Bytes per read of the first pass, into one buffer per worker: each read is a trip to
 * Deno's blocking-I/O threads, so larger reads cost less CPU (1 MiB reads save ~0.1 s per GiB
 * over 256 KiB ones). The workers' buffers together stay within 8 MiB: 1 MiB each up to
 * `-t 8`, down to 256 KiB from `-t 32`.
 */
export function firstPassBytes(threads: number): number {
  const share = Math.floor(8 * 1024 * 1024 / Math.max(1, threads) / (256 * 1024)) * 256 * 1024;
  return Math.min(1024 * 1024, Math.max(256 * 1024, share));
}

// The send is checked against the first pass with CRC32 whatever the part's checksum: it is
// native and cheap, and an MD5 computed twice cost a second ~1.5 s per GiB.
const CHECK_ALGORITHM: ChecksumAlgorithm = "crc32";

/** A part's checksum (to send), and the sum its send must reproduce. */
export interface PartSums {
  checksum: PartChecksum;
  check: string;
}

/** The first pass: reads the part through `scratch` (reused) and sums it. */
export async function sumPart(
  reader: PartReader,
  part: SourcePart,
  algorithm: ChecksumAlgorithm,
  scratch: Uint8Array,
): Promise<PartSums> {
  const sending = checksumHasher(algorithm);
  const checking = algorithm === CHECK_ALGORITHM ? sending : checksumHasher(CHECK_ALGORITHM);
  for await (const slice of reader.slices(part, [scratch])) {
    sending.update(slice);
    if (checking !== sending) checking.update(slice);
  }
  const value = sending.value();
  return { checksum: { algorithm, value }, check: checking === sending ? value : checking.value() };
}

/**
 * The part as a stream read from the source on every `open`, each slice valid until the next
 * is asked for (consumers copy or write it before that). The last slice is held back
 * until the bytes read sum to `sums.check`; otherwise the iteration throws a
 * NeedsDecisionError (exit 4: the file is being changed under the upload), so the send never
 * completes and no part is stored under a checksum of other bytes.
 */
export function checkedPartStream(
  reader: PartReader,
  part: SourcePart,
  sums: PartSums,
): PartStream {
  return {
    size: part.size,
    open: (signal, take) => checkedSlices(reader, part, sums, signal, take),
    heldSlices: 1,
  };
}

async function* checkedSlices(
  reader: PartReader,
  part: SourcePart,
  sums: PartSums,
  signal: AbortSignal,
  take?: () => Promise<Uint8Array>,
): AsyncGenerator<Uint8Array> {
  const hasher = checksumHasher(CHECK_ALGORITHM);
  let held: Uint8Array | undefined;
  const into = take ?? [new Uint8Array(READ_SLICE_BYTES), new Uint8Array(READ_SLICE_BYTES)];
  for await (const slice of reader.slices(part, into)) {
    signal.throwIfAborted();
    hasher.update(slice);
    if (held) yield held;
    held = slice;
  }
  if (hasher.value() !== sums.check) {
    throw new NeedsDecisionError(
      say`The source changed during the upload (part ${part.partNumber}'s bytes changed between its checksum pass and its send); nothing was completed. Run again with ${RESTART} to upload it as it is now.`,
    );
  }
  if (held) yield held;
}

/** The CRC32 of the bytes a stream yielded on its last pass that reached the end. */
export interface StreamSum {
  crc32?: string;
}

/**
 * The part as a stream read from the source on every `open`, unchecked: for a checksum the
 * store's adapter sums as the bytes leave (a trailing checksum), which is of the bytes sent.
 * With `sum`, the bytes are also summed with CRC32 as they are yielded (for a journal line
 * whose trailing checksum is another algorithm).
 */
export function partStream(reader: PartReader, part: SourcePart, sum?: StreamSum): PartStream {
  let opens = 0;
  return {
    size: part.size,
    open: (_signal, take) => {
      const slices = reader.slices(
        part,
        take ?? [new Uint8Array(READ_SLICE_BYTES), new Uint8Array(READ_SLICE_BYTES)],
      );
      // Only the latest open may set the sum: a try given up may finish reading after it.
      const mine = ++opens;
      return sum ? summed(slices, (crc32) => mine === opens && (sum.crc32 = crc32)) : slices;
    },
  };
}

async function* summed(
  slices: AsyncIterable<Uint8Array>,
  done: (crc32: string) => void,
): AsyncGenerator<Uint8Array> {
  const hasher = checksumHasher(CHECK_ALGORITHM);
  for await (const slice of slices) {
    hasher.update(slice); // before the slice is handed on: it is valid only until the next
    yield slice;
  }
  done(hasher.value());
}

/** The MD5 and CRC32 (base64) of the bytes a {@link summedPartStream} sent last. */
export interface SentSums {
  md5: string;
  crc32: string;
}

/**
 * The part as a stream read from the source on every `open`, its MD5 and CRC32 summed as the
 * bytes leave (each slice before it is yielded), for a store that gets no checksum header:
 * the part is read once, and `sums()` gives the sums of the last send (a retry's `open`
 * starts them again), to journal and to compare with the ETag the store answers. `sums()`
 * throws unless that send read the whole part.
 */
export function summedPartStream(
  reader: PartReader,
  part: SourcePart,
): { stream: PartStream; sums(): SentSums } {
  // Each open sums into its own record: a try the request gave up may still be read while a
  // retry's open reads again, and must not add to the retry's sums.
  let last = { md5: checksumHasher("md5"), crc32: checksumHasher("crc32"), summed: 0 };
  async function* slices(signal: AbortSignal, take?: () => Promise<Uint8Array>) {
    const mine = { md5: checksumHasher("md5"), crc32: checksumHasher("crc32"), summed: 0 };
    last = mine;
    const into = take ?? [new Uint8Array(READ_SLICE_BYTES), new Uint8Array(READ_SLICE_BYTES)];
    for await (const slice of reader.slices(part, into)) {
      signal.throwIfAborted();
      mine.md5.update(slice);
      mine.crc32.update(slice);
      mine.summed += slice.length;
      yield slice;
    }
  }
  return {
    stream: { size: part.size, open: slices },
    sums: () => {
      const { md5, crc32, summed } = last;
      if (summed !== part.size) {
        throw new Error(
          `part ${part.partNumber} was summed over ${summed} of its ${part.size} bytes`,
        );
      }
      return { md5: md5.value(), crc32: crc32.value() };
    },
  };
}
