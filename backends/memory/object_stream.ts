/** The memory store's GetObject body: the stored bytes, or a range of them, in 64 KiB pieces. */
import { invalid } from "./s3_rules.ts";

const PIECE = 64 * 1024;

/**
 * A stream of `body`, or of `range` of it (S3's Range: a start past the end is
 * InvalidRange, an end past the end is cut at the end).
 */
export function byteStream(
  body: Uint8Array,
  range?: { offset: number; length: number },
): ReadableStream<Uint8Array> {
  const start = range?.offset ?? 0;
  if (range && (start >= body.length || range.length < 1)) {
    throw invalid("InvalidRange", "The requested range is not satisfiable.");
  }
  const end = range ? Math.min(body.length, start + range.length) : body.length;
  let at = start;
  return new ReadableStream({
    pull(controller) {
      if (at >= end) return controller.close();
      controller.enqueue(body.slice(at, Math.min(end, at + PIECE)));
      at += PIECE;
    },
  });
}
