import type { Backend } from "../../backends/types.ts";
import { BackendError, type S3mpuError, UsageError } from "../errors.ts";
import { abortUpload } from "../transfer/abort_upload.ts";
import { classifyFailure } from "../transfer/failure.ts";
import { retrying } from "../transport/retrying_backend.ts";
import type { Logger } from "../log.ts";
import type { StoreConfig } from "./backend_config.ts";
import { onStopSignals } from "./stop_signals.ts";

/**
 * The one way a read-only or cleanup command (status, list, verify, abort) talks to a
 * store: `use` gets the resolved store with its backend wrapped in the retry path and a
 * signal that Ctrl-C (SIGINT, SIGTERM, SIGHUP) aborts; the backend is closed afterwards.
 */
export async function withStore<T>(
  store: StoreConfig | Promise<StoreConfig>,
  logger: Logger,
  use: (store: StoreConfig, signal: AbortSignal) => Promise<T>,
  opts: { json?: boolean } = {},
): Promise<T> {
  const resolved = await store;
  const stop = onStopSignals(logger, opts);
  try {
    const backend = retrying(resolved.backend, {
      policy: resolved.retry,
      pacer: resolved.pacer,
      logger,
    });
    return await use({ ...resolved, backend }, stop.signal);
  } finally {
    stop.dispose();
    resolved.backend.close();
  }
}

/**
 * Turns a backend failure of a read-only or cleanup command into a one-line user error:
 * `what` says what was being asked ("list the upload's parts").
 */
export function storeError(error: unknown, what: string): S3mpuError {
  return classifyFailure(error, { stateKept: false, what });
}

/** What a cleanup command did to one upload id. */
export interface Aborted {
  uploadId: string;
  result: "aborted" | "already gone" | "bucket gone";
}

/**
 * Aborts one upload for `abort` and `list` (see abortUpload). A missing bucket means the
 * upload is gone with it: "bucket gone" with `forget`, else a UsageError naming --forget
 * when there are state files (`metaPath`) to remove.
 */
export async function abortOne(
  backend: Backend,
  ref: { bucket: string; key: string; uploadId: string },
  signal: AbortSignal,
  opts: { checkFirst?: boolean; forget?: boolean; metaPath?: string } = {},
): Promise<Aborted> {
  try {
    return { uploadId: ref.uploadId, result: await abortUpload(backend, ref, signal, opts) };
  } catch (error) {
    if (error instanceof BackendError && error.kind === "no_such_bucket") {
      if (opts.forget) return { uploadId: ref.uploadId, result: "bucket gone" };
      throw new UsageError(
        `The bucket ${ref.bucket} does not exist (NoSuchBucket), so upload ${ref.uploadId} is gone with it; ${
          opts.metaPath
            ? `run the same abort command with --forget to remove its state files (${opts.metaPath})`
            : "there is nothing to abort"
        }.`,
        { code: "no_such_bucket", cause: error },
      );
    }
    throw storeError(error, `abort upload ${ref.uploadId} of s3://${ref.bucket}/${ref.key}`);
  }
}
