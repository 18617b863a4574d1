/**
 * A part's body: bytes in memory, or a stream read again from the source on every send, so a
 * part in flight never has to be held whole. Helpers for backends that need one or the other.
 *
 * @module
 */

/**
 * A part's bytes read on demand. Each `open` yields them again from the source (a retry
 * re-reads the file); the iterable throws if they are not the bytes the checksum was
 * computed over, before the last slice is yielded. A slice is valid only until the next one
 * is asked for (the source reuses its buffers): copy or write it out before that. With
 * `take`, the stream reads into the buffers it lends instead and never touches one again
 * once a slice of it was yielded, so the consumer may write them out without a copy.
 */
export interface PartStream {
  readonly size: number;
  open(signal: AbortSignal, take?: () => Promise<Uint8Array>): AsyncIterable<Uint8Array>;
  /**
   * How many slices read into lent buffers the stream holds before yielding them (a checked
   * stream holds its last one back): the consumer lends that many buffers more. Absent: 0.
   */
  readonly heldSlices?: number;
}

/** What UploadPartInput.body holds. */
export type PartBody = Uint8Array | PartStream;

/** The body's length in bytes. */
export function bodySize(body: PartBody): number {
  return body instanceof Uint8Array ? body.length : body.size;
}

/** The body as slices: one for bytes in memory, the stream's own for a stream. */
export function bodySlices(
  body: PartBody,
  signal: AbortSignal,
  take?: () => Promise<Uint8Array>,
): AsyncIterable<Uint8Array> {
  if (!(body instanceof Uint8Array)) return body.open(signal, take);
  return (async function* () {
    yield body;
  })();
}

/** Collects the slices into one buffer (fresh for a stream; a copy of bytes in memory). */
export async function collectSlices(
  slices: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  let length = 0;
  for await (const slice of slices) {
    parts.push(slice.slice());
    length += slice.length;
  }
  if (parts.length === 1) return parts[0];
  const out = new Uint8Array(length);
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}
