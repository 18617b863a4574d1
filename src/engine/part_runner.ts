import { type BackendError, InterruptedError } from "../errors.ts";
import type { SourcePart } from "../part_source.ts";
import { withRetry } from "../retry.ts";
import type { JournalEntry, JournalWriter } from "../state/parts_journal.ts";
import { checkedPartStream, FIRST_PASS_BYTES, type PartSums, sumPart } from "./part_stream.ts";
import type { UploadJob } from "./upload_job.ts";

/**
 * Sends `pending` parts with `job.threads` workers pulling from one queue. Each part is
 * streamed from the file (see part_stream.ts), so memory does not grow with the part size;
 * every try, retries included, sums and reads the part from the file again. A part counts as done only once its journal line is
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
    const scratch = new Uint8Array(FIRST_PASS_BYTES);
    try {
      while (!job.stopSignal.aborted && !cancel.signal.aborted) {
        const next = queue.next();
        if (next.done) return;
        await sendPart({ ...opts, part: next.value, reader, scratch, signal: cancel.signal });
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
  scratch: Uint8Array;
  journal: JournalWriter;
  done: Map<number, JournalEntry>;
  signal: AbortSignal;
}): Promise<void> {
  const { job, part, signal } = opts;
  const started = performance.now();
  const algorithm = job.checksumAlgorithm;
  let sums: PartSums | undefined;
  const uploaded = await withRetry(
    async () => {
      sums = await sumPart(opts.reader, part, algorithm, opts.scratch);
      return job.backend.uploadPart({
        bucket: job.bucket,
        key: job.key,
        uploadId: opts.uploadId,
        partNumber: part.partNumber,
        body: checkedPartStream(opts.reader, part, algorithm, sums),
        checksum: sums.checksum,
      }, signal);
    },
    {
      policy: job.retry,
      signal,
      onRetry: (error, attempt, delay) =>
        logRetry(job, `part ${part.partNumber}`, error, attempt, delay),
    },
  );
  const checksum = sums!.checksum;
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
