import { partChecksum } from "../checksum.ts";
import { type BackendError, InterruptedError } from "../errors.ts";
import type { SourcePart } from "../part_source.ts";
import { withRetry } from "../retry.ts";
import type { JournalEntry, JournalWriter } from "../state/parts_journal.ts";
import type { UploadJob } from "./upload_job.ts";

/**
 * Sends `pending` parts with `job.threads` workers pulling from one queue. Each worker owns
 * a file handle and one part-sized buffer, reused for every part it sends (a retry re-sends
 * the same bytes read from the file). A part counts as done only once its journal line is
 * fsync'd. The first unrecoverable error cancels the other workers; a stop signal lets
 * in-flight parts finish for `stopGraceMs`, then cancels them.
 */
export async function uploadParts(opts: {
  job: UploadJob;
  uploadId: string;
  partSize: number;
  pending: SourcePart[];
  journal: JournalWriter;
  done: Map<number, JournalEntry>;
}): Promise<void> {
  const { job, pending } = opts;
  const cancel = new AbortController();
  let failure: unknown;
  const fail = (error: unknown) => {
    failure ??= error;
    cancel.abort(error);
  };
  let graceTimer: ReturnType<typeof setTimeout> | undefined;
  const onStop = () => {
    job.logger.info(
      `Stopping: letting parts in flight finish (up to ${job.stopGraceMs / 1000} s).`,
    );
    graceTimer = setTimeout(() => cancel.abort(new InterruptedError()), job.stopGraceMs);
  };
  job.stopSignal.addEventListener("abort", onStop, { once: true });
  const queue = pending[Symbol.iterator]();
  const worker = async () => {
    const reader = await job.source.openReader();
    const buffer = new Uint8Array(opts.partSize);
    try {
      while (!job.stopSignal.aborted && !cancel.signal.aborted) {
        const next = queue.next();
        if (next.done) return;
        await sendPart({ ...opts, part: next.value, reader, buffer, signal: cancel.signal });
      }
    } catch (error) {
      fail(error);
    } finally {
      reader.close();
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.min(job.threads, pending.length) }, worker));
  } finally {
    clearTimeout(graceTimer);
    job.stopSignal.removeEventListener("abort", onStop);
  }
  if (job.stopSignal.aborted) throw new InterruptedError();
  if (failure !== undefined) throw failure;
}

async function sendPart(opts: {
  job: UploadJob;
  uploadId: string;
  part: SourcePart;
  reader: Awaited<ReturnType<UploadJob["source"]["openReader"]>>;
  buffer: Uint8Array;
  journal: JournalWriter;
  done: Map<number, JournalEntry>;
  signal: AbortSignal;
}): Promise<void> {
  const { job, part, signal } = opts;
  const started = performance.now();
  const body = await opts.reader.read(part, opts.buffer);
  const checksum = partChecksum(job.checksumAlgorithm, body);
  const uploaded = await withRetry(
    () =>
      job.backend.uploadPart({
        bucket: job.bucket,
        key: job.key,
        uploadId: opts.uploadId,
        partNumber: part.partNumber,
        body,
        checksum,
      }, signal),
    {
      policy: job.retry,
      signal,
      onRetry: (error, attempt, delay) =>
        logRetry(job, `part ${part.partNumber}`, error, attempt, delay),
    },
  );
  const entry: JournalEntry = {
    eTag: uploaded.eTag,
    partNumber: part.partNumber,
    uploadId: opts.uploadId,
    size: part.size,
    offset: part.offset,
    ...(checksum.value ? { checksum: checksum.value } : {}),
  };
  await opts.journal.append(entry);
  opts.done.set(part.partNumber, entry);
  job.progress?.partDone(part.size);
  const seconds = Math.round((performance.now() - started) / 1000);
  job.logger.info(
    `Done uploading ${part.partNumber} - ${
      checksum.value || uploaded.eTag
    }. Completed in ${seconds} seconds.`,
  );
}

/** One log line per retry, so a flaky link is visible but not noisy. */
export function logRetry(
  job: UploadJob,
  what: string,
  error: BackendError,
  attempt: number,
  delayMs: number,
): void {
  const code = error.details.code ?? error.details.status ?? error.kind;
  job.logger.warn(
    `Retrying ${what} in ${
      (delayMs / 1000).toFixed(1)
    } s after try ${attempt} of ${job.retry.maxAttempts} failed (${code}): ${error.message}`,
  );
}
