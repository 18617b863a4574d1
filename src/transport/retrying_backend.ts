import type { Backend, PortMethod } from "../../backends/types.ts";
import { decorate } from "../../backends/decorate.ts";
import type { BackendError } from "../errors.ts";
import type { Logger } from "../log.ts";
import type { Pacer } from "./pacer.ts";
import { type RetryPolicy, withRetry } from "./retry.ts";

/** Marks a backend that already retries, so wrapping twice never multiplies the tries. */
const RETRYING = Symbol("retrying");

/** What each call is doing, as a retry line names it. */
const WHAT: Record<PortMethod, (first: never) => string> = {
  createMultipartUpload: () => "creating the upload",
  uploadPart: (input: { partNumber: number }) => `part ${input.partNumber}`,
  listParts: () => "listing parts",
  completeMultipartUpload: () => "completion",
  abortMultipartUpload: (ref: { uploadId: string }) => `aborting upload ${ref.uploadId}`,
  listMultipartUploads: () => "listing uploads",
  headObject: () => "checking the object",
  objectPartSizes: () => "asking the part sizes",
  readObject: () => "reading the object",
  putObject: () => "storing the object",
};

/**
 * The one retry path (rclone's pacer): `backend` with every call retried under `policy`,
 * so callers write `backend.uploadPart(...)` and never wrap a call themselves. With a
 * `pacer` (one per store), a throttled call holds back every call's next attempt. With a
 * `logger`, each retry prints one line naming what was being done (for example
 * "Retrying part 2 in 2.0 s after try 1 of 8 failed (SlowDown): ...").
 */
export function retrying(
  backend: Backend,
  opts: {
    policy: RetryPolicy;
    pacer?: Pacer;
    logger?: Logger;
    /** Told of every retry by the name of the backend method being retried. */
    onRetry?: (method: PortMethod) => void;
  },
): Backend {
  if ((backend as { [RETRYING]?: true })[RETRYING]) return backend;
  const { policy, logger, pacer } = opts;
  const wrapped = decorate(backend, (method, args, call) =>
    withRetry(() => call(args), {
      policy,
      signal: args[1],
      pacer,
      onRetry: (error, attempt, delay) => {
        opts.onRetry?.(method);
        if (logger) logRetry(logger, policy, WHAT[method](args[0] as never), error, attempt, delay);
      },
    }));
  return Object.assign(wrapped, { [RETRYING]: true });
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
