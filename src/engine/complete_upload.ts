import type { CompletedUpload, UploadedPart } from "../../backends/types.ts";
import { isMd5Hex, multipartETag } from "../checksum.ts";
import { BackendError } from "../errors.ts";
import { withRetry } from "../retry.ts";
import type { JournalEntry } from "../state/parts_journal.ts";
import { logRetry } from "./part_runner.ts";
import type { UploadJob } from "./upload_job.ts";

/**
 * Completes the upload with every part in order. If Complete fails in any way — including
 * NoSuchUpload because an earlier, killed run's Complete went through — the object is
 * checked with HeadObject, and an object that matches the parts counts as success.
 */
export async function completeUpload(opts: {
  job: UploadJob;
  uploadId: string;
  parts: JournalEntry[];
  totalSize: number;
  /** When this run (or a killed earlier one) began completing; bounds the HeadObject check. */
  completingSince: Date;
  signal: AbortSignal;
}): Promise<CompletedUpload> {
  const { job, uploadId, signal } = opts;
  const parts: UploadedPart[] = opts.parts.map((p) => ({
    partNumber: p.partNumber,
    eTag: p.eTag,
    ...(p.checksum ? { checksum: p.checksum } : {}),
  }));
  try {
    return await withRetry(
      () =>
        job.backend.completeMultipartUpload({
          bucket: job.bucket,
          key: job.key,
          uploadId,
          parts,
          checksumAlgorithm: job.checksumAlgorithm,
        }, signal),
      {
        policy: job.retry,
        signal,
        onRetry: (error, attempt, delay) => logRetry(job, "completion", error, attempt, delay),
      },
    );
  } catch (error) {
    if (signal.aborted) throw error;
    job.logger.verbose(
      `Completion failed (${
        describeFailure(error)
      }); checking whether the object is already there.`,
    );
    const existing = await findCompletedObject(opts);
    if (existing) {
      job.logger.info(`The object is already complete on the server (ETag ${existing.eTag}).`);
      return existing;
    }
    throw error;
  }
}

/** The object this upload produced, if it exists; undefined when it does not (yet). */
export async function findCompletedObject(opts: {
  job: UploadJob;
  parts: JournalEntry[];
  totalSize: number;
  completingSince: Date;
  signal: AbortSignal;
}): Promise<CompletedUpload | undefined> {
  const { job, parts } = opts;
  let info;
  try {
    info = await withRetry(
      () => job.backend.headObject({ bucket: job.bucket, key: job.key }, opts.signal),
      {
        policy: job.retry,
        signal: opts.signal,
        onRetry: (error, attempt, delay) =>
          logRetry(job, "checking the object", error, attempt, delay),
      },
    );
  } catch (error) {
    if (error instanceof BackendError && error.kind === "not_found") return undefined;
    throw error;
  }
  if (info.size !== opts.totalSize) return undefined;
  const eTags = parts.map((p) => p.eTag);
  if (job.etagIsMd5 && eTags.every(isMd5Hex)) {
    if (info.eTag !== multipartETag(eTags)) return undefined;
  } else {
    // Without MD5 ETags, accept an object of the right size and part count written after
    // this upload began completing (allowing five minutes of clock skew).
    const sameParts = info.eTag.endsWith(`-${parts.length}`);
    const fresh = !info.lastModified ||
      info.lastModified.getTime() >= opts.completingSince.getTime() - 5 * 60_000;
    if (!sameParts || !fresh) return undefined;
  }
  return { eTag: info.eTag, versionId: info.versionId };
}

function describeFailure(error: unknown): string {
  if (error instanceof BackendError) {
    return `${error.details.code ?? error.details.status ?? error.kind}: ${error.message}`;
  }
  return error instanceof Error ? error.message : String(error);
}
