import type { Backend } from "../backends/types.ts";
import type { BackendError } from "./errors.ts";
import type { Logger } from "./log.ts";
import { type RetryPolicy, withRetry } from "./retry.ts";

/** Marks a backend that already retries, so wrapping twice never multiplies the tries. */
const RETRYING = Symbol("retrying");

/**
 * The one retry path (rclone's pacer): `backend` with every call retried under `policy`,
 * so callers write `backend.uploadPart(...)` and never wrap a call themselves. With a
 * `logger`, each retry prints one line naming what was being done (for example
 * "Retrying part 2 in 2.0 s after try 1 of 8 failed (SlowDown): ...").
 */
export function retrying(
  backend: Backend,
  opts: {
    policy: RetryPolicy;
    logger?: Logger;
    /** Told of every retry by the name of the backend method being retried. */
    onRetry?: (method: keyof Backend) => void;
  },
): Backend {
  if ((backend as { [RETRYING]?: true })[RETRYING]) return backend;
  const { policy, logger } = opts;
  const call = <T>(
    method: keyof Backend,
    what: string,
    signal: AbortSignal,
    fn: () => Promise<T>,
  ): Promise<T> =>
    withRetry(fn, {
      policy,
      signal,
      onRetry: (error, attempt, delay) => {
        opts.onRetry?.(method);
        if (logger) logRetry(logger, policy, what, error, attempt, delay);
      },
    });
  const wrapped: Backend & { [RETRYING]: true } = {
    [RETRYING]: true,
    name: backend.name,
    limits: backend.limits,
    createMultipartUpload: (opts, signal) =>
      call(
        "createMultipartUpload",
        "creating the upload",
        signal,
        () => backend.createMultipartUpload(opts, signal),
      ),
    uploadPart: (input, signal) =>
      call(
        "uploadPart",
        `part ${input.partNumber}`,
        signal,
        () => backend.uploadPart(input, signal),
      ),
    listParts: (ref, signal) =>
      call("listParts", "listing parts", signal, () => backend.listParts(ref, signal)),
    completeMultipartUpload: (input, signal) =>
      call(
        "completeMultipartUpload",
        "completion",
        signal,
        () => backend.completeMultipartUpload(input, signal),
      ),
    abortMultipartUpload: (ref, signal) =>
      call(
        "abortMultipartUpload",
        `aborting upload ${ref.uploadId}`,
        signal,
        () => backend.abortMultipartUpload(ref, signal),
      ),
    listMultipartUploads: (opts, signal) =>
      call(
        "listMultipartUploads",
        "listing uploads",
        signal,
        () => backend.listMultipartUploads(opts, signal),
      ),
    headObject: (ref, signal, head) =>
      call(
        "headObject",
        "checking the object",
        signal,
        () => backend.headObject(ref, signal, head),
      ),
    close: () => backend.close(),
  };
  if (backend.objectPartSizes) {
    const partSizes = backend.objectPartSizes.bind(backend);
    wrapped.objectPartSizes = (ref, signal) =>
      call("objectPartSizes", "asking the part sizes", signal, () => partSizes(ref, signal));
  }
  if (backend.readObject) {
    const read = backend.readObject.bind(backend);
    wrapped.readObject = (ref, signal) =>
      call("readObject", "reading the object", signal, () => read(ref, signal));
  }
  return wrapped;
}

/** One log line per retry, so a flaky link is visible but not noisy. */
function logRetry(
  logger: Logger,
  policy: RetryPolicy,
  what: string,
  error: BackendError,
  attempt: number,
  delayMs: number,
): void {
  const code = error.details.code ?? error.details.status ?? error.kind;
  logger.warn(
    `Retrying ${what} in ${
      (delayMs / 1000).toFixed(1)
    } s after try ${attempt} of ${policy.maxAttempts} failed (${code}): ${error.message}`,
  );
}
