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
import type { BodyFrame } from "./aws_chunked.ts";

/**
 * Buffers per body, at least: the one being written and the one being read into. A source
 * that holds slices back before yielding them (a checked one holds one) gets one buffer more
 * per slice held (`heldSlices`), or it would wait for a buffer only its own next read frees.
 */
const SLOTS = 2;
/**
 * What the bodies of all parts in flight hold together with {@link SLOTS} buffers each, at
 * most (but 64 KiB buffers). Two buffers of a size keep the socket as busy as four did
 * (measured: the same CPU and wall at -t 4 and -t 16) for half the memory.
 */
const BODIES_BUDGET = 8 * 1024 * 1024;
const MIN_SLOT = 64 * 1024;
const MAX_SLOT = 1024 * 1024;

/**
 * The size of a body's buffers when `partsInFlight` parts are sent at once: as large as
 * the budget allows, up to 1 MiB. Larger buffers mean fewer reads and socket writes (each a
 * trip to Deno's I/O threads): 1 MiB buffers cost about a third less CPU than 64 KiB ones.
 */
export function slotBytesFor(partsInFlight: number): number {
  const share = Math.floor(BODIES_BUDGET / (Math.max(1, partsInFlight) * SLOTS) / MIN_SLOT);
  return Math.min(MAX_SLOT, Math.max(MIN_SLOT, share * MIN_SLOT));
}

/**
 * A Readable for the SDK's node:http handler, which pipes it into the request. Its `pipe`
 * writes the slices of `slices` (made for this send from `signal`, which ends their waits)
 * from {@link SLOTS} buffers of its own, plus one per slice the source holds back
 * (`heldSlices`; `slotBytes` each, see {@link slotBytesFor}), each free again once its
 * writes have called back:
 * a source that reads into the buffers `take` lends it is written without a copy, any other
 * slice is copied into one first (its source may reuse its buffer at once). A body so holds
 * the same few buffers whatever the part size, reused from body to body. A failure of the
 * source (it changed, a read failed) goes to `failed`: a pipe would not end the request, so
 * the caller cancels it. Destroying the Readable stops the writing and closes the source.
 * With `frame`, the bytes go out aws-chunked, their checksum in the trailer.
 */
export function pacedBody(
  slices: (signal: AbortSignal, take: () => Promise<Uint8Array>) => AsyncIterable<Uint8Array>,
  signal: AbortSignal,
  failed: (error: unknown) => void,
  opts: { frame?: BodyFrame; slotBytes?: number; heldSlices?: number } = {},
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
    slots = new Slots(both, opts.slotBytes ?? MIN_SLOT, SLOTS + (opts.heldSlices ?? 0));
    const source = slices(both, slots.take);
    writeSlices(source, dest as unknown as Writable, slots!, both, opts.frame).catch(
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

/**
 * Idle buffers of closed bodies, reused by the next ones: a part's body then allocates
 * nothing, and the memory stays that of the parts in flight, whatever the part count.
 */
const spare: ArrayBuffer[] = [];
/** Spares kept at most (enough for 32 parts in flight, each holding a slice back). */
const MAX_SPARE = 32 * (SLOTS + 1);

/** The request's socket refused a write: the request fails on its own. */
class WriteFailed extends Error {}

/**
 * A body's buffers. One is free again once the source has moved on from it (a slice of
 * another buffer was written after it, or the source ended) and all its writes called back.
 */
class Slots {
  #free: ArrayBuffer[];
  readonly #mine: Set<ArrayBufferLike>;
  readonly #writes = new Map<ArrayBufferLike, number>();
  #current?: ArrayBufferLike;
  #waiters: Array<() => void> = [];
  #error: unknown;

  constructor(readonly signal: AbortSignal, readonly bytes: number, count: number) {
    this.#free = Array.from({ length: count }, () => {
      const reused = spare.pop();
      return reused?.byteLength === bytes ? reused : new ArrayBuffer(bytes);
    });
    this.#mine = new Set<ArrayBufferLike>(this.#free);
  }

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

  /**
   * Lets go of every buffer: the body is closed. The idle ones go back to the spares for the
   * next body; one still being written (a failed request) is left to the collector.
   */
  dispose(): void {
    spare.push(...this.#free.splice(0, MAX_SPARE - spare.length));
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

/**
 * Writes the source's slices to the request, one write at a time: each waits for the
 * previous one's callback, so the socket's own buffering bounds what is queued, and Node's
 * writev path (which joins queued writes into a new buffer: a copy of every byte, and over
 * TLS ~18 MiB more memory at -t 16) never runs.
 */
async function writeSlices(
  source: AsyncIterable<Uint8Array>,
  dest: Writable,
  slots: Slots,
  signal: AbortSignal,
  frame?: BodyFrame,
): Promise<void> {
  let last: Promise<void> = Promise.resolve();
  const put = (bytes: Uint8Array, done?: (error?: Error | null) => void) => {
    last = last.then(() =>
      new Promise<void>((resolve) =>
        dest.write(bytes, (error) => {
          done?.(error);
          resolve();
        })
      )
    );
  };
  const writeData = (data: Uint8Array) => put(data, slots.writing(data));
  const send = frame
    ? (data: Uint8Array) => {
      frame.data(data, writeData, (bytes) => put(bytes));
      if (frame.copies) slots.writing(data)(); // copied: its buffer is free
    }
    : writeData;
  for await (const slice of source) {
    if (slots.isMine(slice)) {
      send(slice);
    } else {
      for (let at = 0; at < slice.length; at += slots.bytes) {
        const slot = await slots.take();
        const length = Math.min(slots.bytes, slice.length - at);
        slot.set(slice.subarray(at, at + length));
        send(slot.subarray(0, length));
        slots.end(); // a copy is never touched again
      }
    }
    // A copying frame frees the slice's buffer at once: wait for its writes instead, or the
    // source would run ahead and queue the whole part in memory.
    if (frame?.copies) await last;
  }
  slots.end();
  signal.throwIfAborted();
  if (frame) put(frame.finish());
  await last;
  dest.end();
}

/**
 * An UploadPart command whose body is `body`, a {@link pacedBody}, with `headers` set over
 * the serialized ones: the SDK's signer signs a stream as UNSIGNED-PAYLOAD, so a signed
 * payload's SHA-256 (plain HTTP beyond loopback) or an aws-chunked body's framing goes here.
 */
export function pacedPartCommand(
  params: UploadPartCommandInput,
  body: Readable,
  headers: Record<string, string>,
): UploadPartCommand {
  const command = new UploadPartCommand({ ...params, Body: body });
  if (Object.keys(headers).length > 0) {
    command.middlewareStack.add(
      (next) => (args) => {
        const request = args.request as { headers?: Record<string, string> };
        if (request.headers) Object.assign(request.headers, headers);
        return next(args);
      },
      { step: "build", name: "s3mpuPacedPartHeaders" },
    );
  }
  return command;
}
