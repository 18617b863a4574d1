/** Abort helpers shared by the in-memory and fault-injecting backends. */
import { BackendError } from "../errors.ts";

/** The BackendError a cancelled call throws. */
export function abortedError(signal: AbortSignal): BackendError {
  return new BackendError("aborted", "The request was cancelled.", {
    code: "Aborted",
    cause: signal.reason,
  });
}

/** Throws {@link abortedError} when `signal` is already aborted. */
export function throwIfAborted(signal: AbortSignal): void {
  if (signal.aborted) throw abortedError(signal);
}

/**
 * Waits `ms` milliseconds, or rejects with a BackendError of kind "aborted" as soon as
 * `signal` aborts. Clears its timer either way, so tests do not leak it.
 */
export function abortableSleep(ms: number, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.reject(abortedError(signal));
  return new Promise((resolve, reject) => {
    const onAbort = () => {
      clearTimeout(timer);
      reject(abortedError(signal));
    };
    const timer = setTimeout(() => {
      signal.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal.addEventListener("abort", onAbort, { once: true });
  });
}
