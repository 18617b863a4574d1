/**
 * A part body fed to the node:http handler as a stream of slices: a part read from the file as
 * it is sent (never whole in memory), and paced so a rate limit and byte progress act as the
 * bytes leave. The handler pipes a Readable into the request and keeps the explicit
 * Content-Length (fetch would drop it on a stream; see DESIGN.md), so the node handler is the
 * one to use with it.
 *
 * @module
 */
import { Readable, type Writable } from "node:stream";
import { UploadPartCommand, type UploadPartCommandInput } from "@aws-sdk/client-s3";

/** Bytes of one buffer handed to the socket. */
const SLOT_BYTES = 64 * 1024;
/** Buffers per body: writes in flight at once, and all the memory a body holds. */
const SLOTS = 4;

/**
 * A Readable for the SDK's node:http handler, which pipes it into the request. Its `pipe`
 * copies the slices of `slices` (made for this send from `signal`, which ends their waits)
 * into {@link SLOTS} buffers of its own and writes them, each buffer free again when its
 * write calls back: the source may reuse its buffers at once, and a body holds 256 KiB
 * whatever the part size, with no garbage left for the collector. A failure of the source
 * (it changed, a read failed) goes to `failed`: a pipe would not end the request, so the
 * caller cancels it. Destroying the Readable stops the copying and closes the source.
 */
export function pacedBody(
  slices: (signal: AbortSignal) => AsyncIterable<Uint8Array>,
  signal: AbortSignal,
  failed: (error: unknown) => void,
): Readable {
  const closed = new AbortController();
  const both = AbortSignal.any([signal, closed.signal]);
  const body = new Readable({ read() {} });
  body.once("close", () => closed.abort(new Error("request body closed")));
  body.pipe = (<T extends NodeJS.WritableStream>(dest: T): T => {
    copyInto(slices(both), dest as unknown as Writable, both).catch((error) => {
      // A failed write is the request's own failure (a reset), which it reports itself.
      if (!both.aborted && !(error instanceof WriteFailed)) failed(error);
      body.destroy();
    });
    return dest;
  }) as typeof body.pipe;
  return body;
}

/** The request's socket refused a write: the request fails on its own. */
class WriteFailed extends Error {}

async function copyInto(
  source: AsyncIterable<Uint8Array>,
  dest: Writable,
  signal: AbortSignal,
): Promise<void> {
  const free: Uint8Array[] = Array.from({ length: SLOTS }, () => new Uint8Array(SLOT_BYTES));
  let wake: (() => void) | undefined;
  let writeError: unknown;
  const returned = (slot: Uint8Array) => (error?: Error | null) => {
    if (error) writeError ??= error;
    free.push(slot);
    wake?.();
  };
  const take = async (): Promise<Uint8Array> => {
    for (;;) {
      signal.throwIfAborted();
      if (writeError) throw new WriteFailed(String(writeError), { cause: writeError });
      const slot = free.pop();
      if (slot) return slot;
      await new Promise<void>((resolve) => {
        const done = () => {
          signal.removeEventListener("abort", done);
          wake = undefined;
          resolve();
        };
        wake = done;
        signal.addEventListener("abort", done, { once: true });
      });
    }
  };
  for await (const slice of source) {
    for (let at = 0; at < slice.length; at += SLOT_BYTES) {
      const slot = await take();
      const length = Math.min(SLOT_BYTES, slice.length - at);
      slot.set(slice.subarray(at, at + length));
      dest.write(slot.subarray(0, length), returned(slot));
    }
  }
  signal.throwIfAborted();
  dest.end();
}

/**
 * An UploadPart command whose body is `body`, a {@link pacedBody}. The SDK's signer signs a
 * stream as UNSIGNED-PAYLOAD; with `payloadSha256` (where the transport does not protect the
 * body: plain HTTP beyond loopback) that hash of the bytes is signed instead.
 */
export function pacedPartCommand(
  params: UploadPartCommandInput,
  body: Readable,
  payloadSha256: string | undefined,
): UploadPartCommand {
  const command = new UploadPartCommand({ ...params, Body: body });
  if (payloadSha256) {
    command.middlewareStack.add(
      (next) => (args) => {
        const request = args.request as { headers?: Record<string, string> };
        if (request.headers) request.headers["x-amz-content-sha256"] = payloadSha256;
        return next(args);
      },
      { step: "build", name: "s3mpuPacedPayloadHash" },
    );
  }
  return command;
}
