/**
 * --limit-rate: one token bucket shared by every worker, over the bytes as they are sent.
 * A part body is fed to the socket in slices, each after taking its bytes' tokens, so the
 * rate is smooth within a part rather than bursts with sleeps between parts.
 *
 * @module
 */

/** Bytes handed to the socket per slice. */
export const SLICE_BYTES = 64 * 1024;

/** The lowest --limit-rate: below it, a worker could wait longer than the stall timeout. */
export const MIN_RATE = 8 * 1024;

/**
 * The highest --limit-rate, 100 GiB/s: above any link a host has, so a larger value is a typo
 * (a limit that never binds is no limit; omit the option for that).
 */
export const MAX_RATE = 100 * 1024 ** 3;

/**
 * Slice size for a limit: 64 KiB, or an eighth of a second's worth when the limit is low, so
 * a worker queued behind 63 others still sends something every 8 s (well within the 60 s
 * request timeout that would otherwise take a slow limit for a stalled connection).
 */
export function sliceBytesFor(rate: number | undefined): number {
  if (rate === undefined) return SLICE_BYTES;
  return Math.max(1024, Math.min(SLICE_BYTES, Math.floor(rate / 8)));
}

/** A token bucket: `rate` tokens (bytes) per second, holding at most `burst`. */
export class TokenBucket {
  #tokens: number;
  #last: number;
  /** Waiters in arrival order, so no worker starves. */
  #queue: Promise<void> = Promise.resolve();

  constructor(
    readonly rate: number,
    readonly burst = Math.max(sliceBytesFor(rate), Math.floor(rate / 10)),
    private readonly now: () => number = () => performance.now(),
    private readonly sleep: (ms: number, signal: AbortSignal) => Promise<void> = abortableSleep,
  ) {
    if (!(rate > 0)) throw new RangeError("rate must be above 0");
    this.#tokens = 0;
    this.#last = now();
  }

  /** Resolves once `bytes` tokens are taken (one caller at a time, in order). */
  take(bytes: number, signal: AbortSignal): Promise<void> {
    const turn = this.#queue.then(() => this.#takeNow(bytes, signal));
    this.#queue = turn.catch(() => {});
    return turn;
  }

  async #takeNow(bytes: number, signal: AbortSignal): Promise<void> {
    for (;;) {
      signal.throwIfAborted();
      this.#refill();
      // A slice larger than the burst is let through once the bucket is full, going negative.
      const need = Math.min(bytes, this.burst);
      if (this.#tokens >= need) {
        this.#tokens -= bytes;
        return;
      }
      await this.sleep(((need - this.#tokens) / this.rate) * 1000, signal);
    }
  }

  #refill(): void {
    const t = this.now();
    this.#tokens = Math.min(this.burst, this.#tokens + ((t - this.#last) / 1000) * this.rate);
    this.#last = t;
  }
}

/**
 * The body slicer for UploadPartInput.paceBody: yields the body's slices cut to at most
 * {@link sliceBytesFor} the limit, each after `bucket` grants it (when there is a limit), and
 * reports each slice to `sent`.
 */
export function slicer(opts: {
  bucket?: TokenBucket;
  sent?: (bytes: number) => void;
}): (slices: AsyncIterable<Uint8Array>, signal: AbortSignal) => AsyncIterable<Uint8Array> {
  const size = sliceBytesFor(opts.bucket?.rate);
  return async function* (slices, signal) {
    for await (const body of slices) {
      for (let offset = 0; offset < body.length; offset += size) {
        const slice = body.subarray(offset, Math.min(body.length, offset + size));
        if (opts.bucket) await opts.bucket.take(slice.length, signal);
        opts.sent?.(slice.length);
        yield slice;
      }
    }
  };
}

function abortableSleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const timer = setTimeout(done, Math.max(1, ms));
    function done() {
      signal.removeEventListener("abort", onAbort);
      resolve();
    }
    function onAbort() {
      clearTimeout(timer);
      reject(signal.reason);
    }
    signal.addEventListener("abort", onAbort, { once: true });
  });
}
