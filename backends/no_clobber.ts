/**
 * Writes that never overwrite: {@link withNoClobber} asks the store to store an object only
 * where its key holds none (`If-None-Match: *` on PutObject and CompleteMultipartUpload), and
 * {@link isKeyTaken} tells the store's refusal (412 PreconditionFailed) from other failures.
 * Only for stores whose preset has `conditionalWrites` (docs/providers.md): another store may
 * ignore the header and overwrite.
 * https://docs.aws.amazon.com/AmazonS3/latest/userguide/conditional-writes.html
 *
 * @module
 */
import { decorate } from "./decorate.ts";
import { BackendError } from "./errors.ts";
import type { Backend } from "./types.ts";

/** `backend` with every PutObject and CompleteMultipartUpload made conditional. */
export function withNoClobber(backend: Backend): Backend {
  return decorate(backend, (method, [first, ...rest], call) => {
    if (method !== "putObject" && method !== "completeMultipartUpload") {
      return call([first, ...rest]);
    }
    return call([{ ...(first as object), noOverwrite: true }, ...rest]);
  });
}

/** The store's answer to a conditional write whose key already holds an object. */
export function keyTaken(): BackendError {
  return new BackendError(
    "invalid_request",
    "At least one of the pre-conditions you specified did not hold",
    { code: "PreconditionFailed", status: 412 },
  );
}

/** Whether `error` (or an error it wraps) is a conditional write refused: the key is taken. */
export function isKeyTaken(error: unknown): boolean {
  for (let e = error, depth = 0; e instanceof Error && depth < 8; depth++) {
    if (
      e instanceof BackendError &&
      (e.details.status === 412 || e.details.code === "PreconditionFailed")
    ) {
      return true;
    }
    e = e.cause;
  }
  return false;
}
