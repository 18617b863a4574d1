import { BackendError, InterruptedError } from "../errors.ts";
import type { SourcePart } from "../part_source.ts";
import type { JournalEntry } from "../state/parts_journal.ts";
import type { UploadJob } from "./upload_job.ts";
import type { UploadSession } from "./upload_session.ts";
import {
  checkedPartStream,
  firstPassBytes,
  partStream,
  type StreamSum,
  sumPart,
} from "./part_stream.ts";

/**
 * Sends `pending` parts with `job.request.threads` workers pulling from one queue. Each part is
 * streamed from the file (see part_stream.ts), never whole in memory, so memory does not grow
 * with the part size; a retry (the backend's retrying decorator sends the part again) reads
 * it from the file again. A part counts as done only once its journal line is
 * fsync'd. The first unrecoverable error cancels the other workers; a stop signal lets
 * in-flight parts finish for `stopGraceMs`, then cancels them.
 */
export async function uploadParts(opts: {
  job: UploadJob;
  session: UploadSession;
  pending: SourcePart[];
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
    job.context.logger.info(
      `Stopping: letting parts in flight finish (up to ${job.context.stopGraceMs / 1000} s).`,
    );
    graceTimer = setTimeout(() => cancel.abort(new InterruptedError()), job.context.stopGraceMs);
  };
  job.context.stopSignal.addEventListener("abort", onStop, { once: true });
  const queue = pending[Symbol.iterator]();
  const worker = async () => {
    const reader = await job.request.source.openReader();
    const scratch = new Uint8Array(firstPassBytes(job.request.threads));
    try {
      while (!job.context.stopSignal.aborted && !cancel.signal.aborted) {
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
    await Promise.all(
      Array.from({ length: Math.min(job.request.threads, pending.length) }, worker),
    );
  } finally {
    clearTimeout(graceTimer);
    job.context.stopSignal.removeEventListener("abort", onStop);
  }
  if (job.context.stopSignal.aborted) throw new InterruptedError();
  if (failure !== undefined) throw failure;
}

async function sendPart(opts: {
  job: UploadJob;
  session: UploadSession;
  part: SourcePart;
  reader: Awaited<ReturnType<UploadJob["request"]["source"]["openReader"]>>;
  /** The worker's buffer for the checksum pass. */
  scratch: Uint8Array;
  signal: AbortSignal;
}): Promise<void> {
  const { job, session, part, signal } = opts;
  const started = performance.now();
  const algorithm = session.checksumAlgorithm;
  const backend = job.context.backend;
  // A store that takes the checksum after the body gets the part read once, summed as it
  // leaves; otherwise a first pass sums it for the header, and the send is checked against it.
  const trailing = backend.trailingChecksums === true && algorithm !== "none" &&
    algorithm !== "md5";
  const sums = trailing ? undefined : await sumPart(opts.reader, part, algorithm, opts.scratch);
  // Every part's journal line gets a CRC32 of the bytes sent, whatever its checksum.
  const tap: StreamSum | undefined = trailing && algorithm !== "crc32" ? {} : undefined;
  const uploaded = await backend.uploadPart({
    bucket: job.request.bucket,
    key: job.request.key,
    uploadId: session.uploadId,
    partNumber: part.partNumber,
    body: sums ? checkedPartStream(opts.reader, part, sums) : partStream(opts.reader, part, tap),
    checksum: sums?.checksum ?? { algorithm, value: "", trailing: true },
  }, signal);
  const checksum = sums?.checksum ?? { algorithm, value: uploaded.checksum ?? "" };
  if (!checksum.value && algorithm !== "none") {
    throw new BackendError(
      "invalid_request",
      `${backend.name} accepted part ${part.partNumber} but returned no ${algorithm} checksum for it.`,
    );
  }
  const entry: JournalEntry = {
    eTag: uploaded.eTag,
    partNumber: part.partNumber,
    uploadId: session.uploadId,
    size: part.size,
    offset: part.offset,
    ...(checksum.value ? { checksum: checksum.value } : {}),
    ...(algorithm !== "crc32" && (sums?.check ?? tap?.crc32)
      ? { crc32: sums?.check ?? tap?.crc32 }
      : {}),
  };
  await session.partSent(entry);
  job.context.progress?.partDone(part.size);
  const seconds = Math.round((performance.now() - started) / 1000);
  job.context.logger.info(
    `Done uploading ${part.partNumber} - ${
      checksum.value || uploaded.eTag
    }. Completed in ${seconds} seconds.`,
  );
}
