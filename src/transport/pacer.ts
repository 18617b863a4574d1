/**
 * One store's shared pace (rclone's pacer keeps one sleep state per backend): when the store
 * throttles one request (503 SlowDown, 429), no request's next attempt starts before the
 * wait is over, so hundreds of requests in flight slow down together instead of each
 * hammering on until it is throttled itself.
 *
 * @module
 */
import { sleep } from "./retry.ts";

/** The gate every attempt of one store's requests passes (see {@link withRetry}). */
export class Pacer {
  #openAt = 0;

  constructor(private readonly now: () => number = () => performance.now()) {}

  /**
   * Resolves once the gate is open (at once when no throttle is pending), or as soon as
   * `signal` aborts: the attempt then fails as an aborted call does (adapters check the
   * signal first), so a stop is reported as a stop.
   */
  async wait(signal: AbortSignal): Promise<void> {
    for (let left = this.waitMs; left > 0 && !signal.aborted; left = this.waitMs) {
      await sleep(left, signal).catch(() => {});
    }
  }

  /** The store said slow down: no attempt starts in the next `ms` milliseconds. */
  throttle(ms: number): void {
    this.#openAt = Math.max(this.#openAt, this.now() + ms);
  }

  /** Milliseconds until the gate opens (0 when open). */
  get waitMs(): number {
    return Math.max(0, this.#openAt - this.now());
  }
}
