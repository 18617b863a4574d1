import type { MultipartStore, ObjectRef } from "../../backends/types.ts";
import { BackendError } from "../errors.ts";

/** What aborting one upload did. */
export type AbortOutcome = "aborted" | "already gone";

/**
 * Aborts one upload; NoSuchUpload means it is already gone, which is what was wanted. With
 * `checkFirst`, ListParts asks first whether the upload exists, because some stores (MinIO)
 * answer an abort of an unknown upload with success, which would hide that it was gone. Any
 * other failure is the store's BackendError, for the caller to word.
 */
export async function abortUpload(
  backend: MultipartStore,
  ref: ObjectRef & { uploadId: string },
  signal: AbortSignal,
  opts: { checkFirst?: boolean } = {},
): Promise<AbortOutcome> {
  try {
    if (opts.checkFirst) await backend.listParts(ref, signal);
    await backend.abortMultipartUpload(ref, signal);
    return "aborted";
  } catch (error) {
    if (error instanceof BackendError && error.kind === "no_such_upload") return "already gone";
    throw error;
  }
}
