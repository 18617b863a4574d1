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
/** Buffers per body: all the memory a body holds. A checked source holds 3 at once. */
const SLOTS = 4;

/**
 * A Readable for the SDK's node:http handler, which pipes it into the request. Its `pipe`
 * writes the slices of `slices` (made for this send from `signal`, which ends their waits)
 * from {@link SLOTS} buffers of its own, each free again once its writes have called back:
 * a source that reads into the buffers `take` lends it is written without a copy, any other
 * slice is copied into one first (its source may reuse its buffer at once). A body so holds
 * 256 KiB whatever the part size, and leaves no garbage for the collector. A failure of the
 * source (it changed, a read failed) goes to `failed`: a pipe would not end the request, so
 * the caller cancels it. Destroying the Readable stops the writing and closes the source.
 */
export function pacedBody(
  slices: (signal: AbortSignal, take: () => Promise<Uint8Array>) => AsyncIterable<Uint8Array>,
  signal: AbortSignal,
  failed: (error: unknown) => void,
): Readable {
  const closed = new AbortController();
  const both = AbortSignal.any([signal, closed.signal]);
  const body = new Readable({ read() {} });
  let slots: Slots | undefined;
  body.once("close", () => {
    closed.abort(new Error("request body closed"));
    // Something may hold on to the body after its request (an abort listener of the
    // transport's): its buffers must not stay with it, or every part would leave 256 KiB.
    slots?.dispose();
  });
  body.pipe = (<T extends NodeJS.WritableStream>(dest: T): T => {
    slots = new Slots(both);
    writeSlices(slices(both, slots.take), dest as unknown as Writable, slots!, both).catch(
      (error) => {
        // A failed write is the request's own failure (a reset), which it reports itself.
        if (!both.aborted && !(error instanceof WriteFailed)) failed(error);
        body.destroy();
      },
    );
    return dest;
  }) as typeof body.pipe;
  return body;
}

/** The request's socket refused a write: the request fails on its own. */
class WriteFailed extends Error {}

/**
 * A body's buffers. One is free again once the source has moved on from it (a slice of
 * another buffer was written after it, or the source ended) and all its writes called back.
 */
class Slots {
  #free: ArrayBuffer[] = Array.from({ length: SLOTS }, () => new ArrayBuffer(SLOT_BYTES));
  readonly #mine = new Set<ArrayBufferLike>(this.#free);
  readonly #writes = new Map<ArrayBufferLike, number>();
  #current?: ArrayBufferLike;
  #waiters: Array<() => void> = [];
  #error: unknown;

  constructor(readonly signal: AbortSignal) {}

  /** Lends a free buffer, waiting for one. */
  take = async (): Promise<Uint8Array> => {
    for (;;) {
      this.signal.throwIfAborted();
      if (this.#error) throw new WriteFailed(String(this.#error), { cause: this.#error });
      const buffer = this.#free.pop();
      if (buffer) return new Uint8Array(buffer);
      await new Promise<void>((resolve) => {
        const done = () => {
          this.signal.removeEventListener("abort", done);
          resolve();
        };
        this.#waiters.push(done);
        this.signal.addEventListener("abort", done, { once: true });
      });
    }
  };

  isMine(slice: Uint8Array): boolean {
    return this.#mine.has(slice.buffer);
  }

  /** `slice` (of one of these buffers) is being written; returns the write's callback. */
  writing(slice: Uint8Array): (error?: Error | null) => void {
    const buffer = slice.buffer;
    if (this.#current !== buffer) this.#moveOn(buffer);
    this.#writes.set(buffer, (this.#writes.get(buffer) ?? 0) + 1);
    return (error) => {
      if (error) this.#error ??= error;
      this.#writes.set(buffer, this.#writes.get(buffer)! - 1);
      this.#release(buffer);
    };
  }

  /** The source is done with the buffer written last (it moved on, or ended). */
  #moveOn(next?: ArrayBufferLike): void {
    const previous = this.#current;
    this.#current = next;
    if (previous) this.#release(previous);
  }

  end(): void {
    this.#moveOn(undefined);
  }

  /** Lets go of every buffer: the body is closed. */
  dispose(): void {
    this.#free = [];
    this.#mine.clear();
    this.#writes.clear();
    this.#current = undefined;
    this.#error ??= new Error("request body closed");
  }

  #release(buffer: ArrayBufferLike): void {
    if (buffer === this.#current || (this.#writes.get(buffer) ?? 0) > 0) return;
    if (!this.#mine.has(buffer)) return; // disposed
    this.#writes.delete(buffer);
    this.#free.push(buffer as ArrayBuffer);
    this.#waiters.splice(0).forEach((wake) => wake());
  }
}

async function writeSlices(
  source: AsyncIterable<Uint8Array>,
  dest: Writable,
  slots: Slots,
  signal: AbortSignal,
): Promise<void> {
  for await (const slice of source) {
    if (slots.isMine(slice)) {
      dest.write(slice, slots.writing(slice));
      continue;
    }
    for (let at = 0; at < slice.length; at += SLOT_BYTES) {
      const slot = await slots.take();
      const length = Math.min(SLOT_BYTES, slice.length - at);
      slot.set(slice.subarray(at, at + length));
      const part = slot.subarray(0, length);
      const done = slots.writing(part);
      slots.end(); // a copy is never touched again
      dest.write(part, done);
    }
  }
  slots.end();
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
