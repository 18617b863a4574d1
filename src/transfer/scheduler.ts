/**
 * One budget for every transfer in a run: request slots shared by all objects' parts, bytes
 * in flight, and the rate limit. `-t` stays the parts in flight per object; the scheduler
 * caps them all together, so a batch of many objects never opens more requests (or reads
 * more files at once) than one budget allows.
 *
 * @module
 */
import type { TokenBucket } from "../../backends/rate_limit.ts";

/** The limits of a {@link Scheduler}. */
export interface Budget {
  /** Part requests in flight at once, over all objects (each holds one source file open). */
  requestSlots: number;
  /** Part bytes in flight at once (a part larger than the budget takes it all). Default: no cap. */
  bytesInFlight?: number;
  /** --limit-rate: the token bucket every part body's slices draw from. */
  rate?: TokenBucket;
}

/** Grants request slots and in-flight bytes in order of asking. */
export class Scheduler {
  readonly rate?: TokenBucket;
  readonly #slots: Gate;
  readonly #bytes: Gate | undefined;

  constructor(budget: Budget) {
    this.rate = budget.rate;
    this.#slots = new Gate(Math.max(1, budget.requestSlots));
    this.#bytes = budget.bytesInFlight === undefined ? undefined : new Gate(budget.bytesInFlight);
  }

  /** Runs `send` holding a request slot and `bytes` of the budget; rejects if `signal` aborts first. */
  async withSlot<T>(bytes: number, signal: AbortSignal, send: () => Promise<T>): Promise<T> {
    await this.#slots.take(1, signal);
    const weight = this.#bytes ? Math.min(bytes, this.#bytes.capacity) : 0;
    try {
      if (this.#bytes) await this.#bytes.take(weight, signal);
      try {
        return await send();
      } finally {
        this.#bytes?.give(weight);
      }
    } finally {
      this.#slots.give(1);
    }
  }

  /** Request slots free now (for tests and diagnostics). */
  get freeSlots(): number {
    return this.#slots.free;
  }
}

/** A counting semaphore whose waiters are served first come, first served. */
class Gate {
  #free: number;
  readonly #waiting: Array<{ n: number; go: () => void }> = [];

  constructor(readonly capacity: number) {
    this.#free = capacity;
  }

  get free(): number {
    return this.#free;
  }

  take(n: number, signal: AbortSignal): Promise<void> {
    signal.throwIfAborted();
    if (this.#waiting.length === 0 && this.#free >= n) {
      this.#free -= n;
      return Promise.resolve();
    }
    return new Promise((resolve, reject) => {
      const waiter = {
        n,
        go: () => {
          signal.removeEventListener("abort", onAbort);
          resolve();
        },
      };
      const onAbort = () => {
        this.#waiting.splice(this.#waiting.indexOf(waiter), 1);
        reject(signal.reason);
        this.#serve();
      };
      signal.addEventListener("abort", onAbort, { once: true });
      this.#waiting.push(waiter);
    });
  }

  give(n: number): void {
    this.#free += n;
    this.#serve();
  }

  #serve(): void {
    while (this.#waiting.length > 0 && this.#free >= this.#waiting[0].n) {
      const next = this.#waiting.shift()!;
      this.#free -= next.n;
      next.go();
    }
  }
}
