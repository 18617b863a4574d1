import { BackendError, InterruptedError } from "../errors.ts";
import type { SourcePart } from "../plan/part_source.ts";
import type { JournalEntry } from "../state/parts_journal.ts";
import type { UploadJob } from "./upload_job.ts";
import type { UploadSession } from "./upload_session.ts";
import {
  checkedPartStream,
  firstPassBytes,
  partStream,
  type StreamSum,
  summedPartStream,
  sumPart,
} from "./part_stream.ts";
import type { UploadedPart, UploadPartInput } from "../../backends/types.ts";
import { slicer, type TokenBucket } from "../../backends/rate_limit.ts";
import type { TransferEvents } from "./events.ts";

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
    // The first pass's buffer, made only where a part needs one (a checksum header).
    let buffer: Uint8Array | undefined;
    const scratch = () => buffer ??= new Uint8Array(firstPassBytes(job.request.threads));
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
  /** The worker's buffer for the checksum pass (made on first use). */
  scratch: () => Uint8Array;
  signal: AbortSignal;
}): Promise<void> {
  const { scheduler } = opts.job.context;
  // The run's budget: a request slot (and its bytes) shared with every other object's parts.
  if (scheduler) await scheduler.withSlot(opts.part.size, opts.signal, () => send(opts));
  else await send(opts);
}

async function send(opts: Parameters<typeof sendPart>[0]): Promise<void> {
  const { job, session, part } = opts;
  const { events } = job.context;
  const started = performance.now();
  const backend = job.context.backend;
  const paced = pacing(job.context.scheduler?.rate, events);
  let sent: Awaited<ReturnType<typeof sendOnce>>;
  try {
    sent = await sendOnce(opts, paced?.paceBody);
  } catch (error) {
    paced?.ended(0);
    throw error;
  }
  paced?.ended(part.size);
  const { uploaded, checksum, crc32 } = sent;
  if (!checksum && session.checksumAlgorithm !== "none") {
    throw new BackendError(
      "invalid_request",
      `${backend.name} accepted part ${part.partNumber} but returned no ${session.checksumAlgorithm} checksum for it.`,
    );
  }
  const entry: JournalEntry = {
    eTag: uploaded.eTag,
    partNumber: part.partNumber,
    uploadId: session.uploadId,
    size: part.size,
    offset: part.offset,
    ...(checksum ? { checksum } : {}),
    ...(crc32 ? { crc32 } : {}),
  };
  await session.partSent(entry);
  events?.partDone?.({
    partNumber: part.partNumber,
    size: part.size,
    label: checksum || uploaded.eTag,
    seconds: (performance.now() - started) / 1000,
  });
}

/**
 * The body pacing of one part's send, when a rate limit or a byte watcher needs the body in
 * slices: each try of the request counts its own bytes (a retry withdraws the last try's),
 * and `ended` says how the send ended (the bytes that landed, or 0).
 */
function pacing(rate: TokenBucket | undefined, events: TransferEvents | undefined) {
  if (!rate && !events?.bytesSent) return undefined;
  let sent = 0;
  const slice = slicer({
    bucket: rate,
    sent: (bytes) => {
      sent += bytes;
      events?.bytesSent?.(bytes);
    },
  });
  const withdraw = (landed: number) => {
    events?.requestEnded?.(sent, landed);
    sent = 0;
  };
  return {
    paceBody: (slices: AsyncIterable<Uint8Array>, signal: AbortSignal) => {
      if (sent > 0) withdraw(0); // a retry: the last try's bytes did not land
      return slice(slices, signal);
    },
    ended: withdraw,
  };
}

/**
 * Sends the part the one way its checksum allows (docs/guarantees.md, "How each part is
 * checked"): a trailing checksum summed as the bytes leave (read once); no header, MD5 and
 * CRC32 summed as the bytes leave for an md5 part whose store is not sent Content-MD5 (read
 * once; the MD5 is compared with the ETag before Complete, see resend_damaged.ts); or a first
 * pass for the header's checksum, then a send checked against it (read twice). Returns the
 * answer, the part's checksum, and its CRC32 where that is another value.
 */
async function sendOnce(
  opts: Parameters<typeof sendPart>[0],
  paceBody?: UploadPartInput["paceBody"],
): Promise<{
  uploaded: UploadedPart;
  checksum: string;
  crc32?: string;
}> {
  const { job, session, part, signal, reader } = opts;
  const algorithm = session.checksumAlgorithm;
  const backend = job.context.backend;
  const ref = {
    bucket: job.request.bucket,
    key: job.request.key,
    uploadId: session.uploadId,
    partNumber: part.partNumber,
    ...(paceBody ? { paceBody } : {}),
  };
  const flexible = algorithm !== "none" && algorithm !== "md5";
  if (flexible && backend.trailingChecksums === true) {
    // Every part's journal line gets a CRC32 of the bytes sent, whatever its checksum.
    const tap: StreamSum | undefined = algorithm !== "crc32" ? {} : undefined;
    const uploaded = await backend.uploadPart({
      ...ref,
      body: partStream(reader, part, tap),
      checksum: { algorithm, value: "", trailing: true },
    }, signal);
    return { uploaded, checksum: uploaded.checksum ?? "", crc32: tap?.crc32 };
  }
  if (!flexible && !job.rules.md5Header) {
    const summed = summedPartStream(reader, part);
    const uploaded = await backend.uploadPart({
      ...ref,
      body: summed.stream,
      checksum: { algorithm: "none", value: "" },
    }, signal);
    const sums = summed.sums();
    return { uploaded, checksum: algorithm === "md5" ? sums.md5 : "", crc32: sums.crc32 };
  }
  const sums = await sumPart(reader, part, algorithm, opts.scratch());
  const uploaded = await backend.uploadPart({
    ...ref,
    body: checkedPartStream(reader, part, sums),
    checksum: sums.checksum,
  }, signal);
  // The send was checked with CRC32 (part_stream.ts): journal it beside another checksum.
  return {
    uploaded,
    checksum: sums.checksum.value,
    ...(algorithm !== "crc32" ? { crc32: sums.check } : {}),
  };
}
