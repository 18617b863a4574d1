/**
 * A part body fed to the node:http handler in slices, so a rate limit and byte progress act
 * as the bytes leave. The handler pipes a Readable into the request and keeps the explicit
 * Content-Length (fetch would drop it on a stream; see DESIGN.md), so the node handler is
 * the one to use with it.
 *
 * @module
 */
import { Readable } from "node:stream";

/**
 * A Readable of `body`'s bytes as `pace` yields them. The slices' waits end when `signal`
 * aborts or the stream is destroyed (a cancelled or failed request).
 */
export function pacedBody(
  body: Uint8Array,
  pace: (body: Uint8Array, signal: AbortSignal) => AsyncIterable<Uint8Array>,
  signal: AbortSignal,
): Readable {
  const closed = new AbortController();
  const both = AbortSignal.any([signal, closed.signal]);
  const stream = Readable.from(pace(body, both), { objectMode: false });
  stream.once("close", () => closed.abort(new Error("request body closed")));
  return stream;
}
