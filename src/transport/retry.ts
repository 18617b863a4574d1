import { BackendError } from "../errors.ts";
import type { Pacer } from "./pacer.ts";

/** How hard to try before giving up. One policy for every call the engine makes. */
export interface RetryPolicy {
  /** Tries in all, including the first. */
  maxAttempts: number;
  /** First backoff; doubles each try. */
  baseDelayMs: number;
  /** Cap on a single backoff (and on a server's Retry-After). */
  maxDelayMs: number;
}

/** Defaults: 8 tries spanning about a minute and a half, enough to ride out a dropped link. */
export const DEFAULT_RETRY: RetryPolicy = { maxAttempts: 8, baseDelayMs: 500, maxDelayMs: 20_000 };

/**
 * Runs `fn` until it succeeds, retrying BackendErrors that are retryable with exponential
 * backoff and full jitter; a throttled error's Retry-After is honoured as the minimum wait.
 * Anything else, and the last failure, is rethrown as is.
 *
 * With a `pacer` (one per store), every attempt first waits at its gate, and a throttled
 * error closes the gate for the backoff: the store's other requests wait too, not only this one.
 */
export async function withRetry<T>(
  fn: (attempt: number) => Promise<T>,
  opts: {
    policy: RetryPolicy;
    signal: AbortSignal;
    pacer?: Pacer;
    onRetry?: (error: BackendError, attempt: number, delayMs: number) => void;
    random?: () => number;
  },
): Promise<T> {
  const random = opts.random ?? Math.random;
  for (let attempt = 1;; attempt++) {
    try {
      await opts.pacer?.wait(opts.signal);
      return await fn(attempt);
    } catch (error) {
      if (
        !(error instanceof BackendError) || !error.retryable ||
        attempt >= opts.policy.maxAttempts || opts.signal.aborted
      ) throw error;
      const delay = backoffDelay(opts.policy, attempt, error.details.retryAfterMs, random);
      opts.onRetry?.(error, attempt, delay);
      if (opts.pacer && error.kind === "throttled") opts.pacer.throttle(delay);
      else await sleep(delay, opts.signal);
    }
  }
}

/** Full-jitter backoff for try `attempt` (1-based), never shorter than `retryAfterMs`. */
export function backoffDelay(
  policy: RetryPolicy,
  attempt: number,
  retryAfterMs: number | undefined,
  random: () => number,
): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
  const jittered = Math.round(random() * ceiling);
  return Math.min(policy.maxDelayMs, Math.max(jittered, retryAfterMs ?? 0));
}

/** Resolves after `ms`, or rejects with the signal's reason as soon as it aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal!.reason);
    };
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}
