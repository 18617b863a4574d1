import { BackendError, InterruptedError } from "../errors.ts";
import type { SourcePart } from "../plan/part_source.ts";
import type { JournalEntry } from "../state/parts_journal.ts";
import type { UploadJob } from "./upload_job.ts";
import type { UploadSession } from "./upload_session.ts";
import { checkedPartStream, firstPassBytes, partStream, sumPart } from "./part_stream.ts";
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
  /** The parts to send; a stream's come as they are read (an async iterable, pulled in turn). */
  pending: SourcePart[] | AsyncIterable<SourcePart>;
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
  const queue = partQueue(pending);
  const worker = async () => {
    const reader = await job.request.source.openReader();
    const scratch = new Uint8Array(firstPassBytes(job.request.threads));
    try {
      while (!job.context.stopSignal.aborted && !cancel.signal.aborted) {
        const next = await queue.next();
        if (next.done) return;
        await sendPart({ ...opts, part: next.value, reader, scratch, signal: cancel.signal });
        job.request.source.partDone?.(next.value);
      }
    } catch (error) {
      fail(error);
    } finally {
      reader.close();
    }
  };
  try {
    await Promise.all(
      Array.from({ length: Math.min(job.request.threads, queue.length) }, worker),
    );
  } finally {
    clearTimeout(graceTimer);
    job.context.stopSignal.removeEventListener("abort", onStop);
  }
  if (job.context.stopSignal.aborted) throw new InterruptedError();
  if (failure !== undefined) throw failure;
}

/**
 * The parts as one queue the workers pull from: an array's in order, or an async iterable's
 * one pull at a time (an async iterator must not be advanced by two callers at once).
 */
function partQueue(pending: SourcePart[] | AsyncIterable<SourcePart>) {
  if (Array.isArray(pending)) {
    const it = pending[Symbol.iterator]();
    return { length: pending.length, next: () => Promise.resolve(it.next()) };
  }
  const it = pending[Symbol.asyncIterator]();
  let pulling: Promise<unknown> = Promise.resolve();
  return {
    length: Infinity,
    next: (): Promise<IteratorResult<SourcePart>> => {
      const result = pulling.then(() => it.next());
      pulling = result.catch(() => {});
      return result;
    },
  };
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
  const { scheduler } = opts.job.context;
  // The run's budget: a request slot (and its bytes) shared with every other object's parts.
  if (scheduler) await scheduler.withSlot(opts.part.size, opts.signal, () => send(opts));
  else await send(opts);
}

async function send(opts: Parameters<typeof sendPart>[0]): Promise<void> {
  const { job, session, part, signal } = opts;
  const { events } = job.context;
  const started = performance.now();
  const algorithm = session.checksumAlgorithm;
  const backend = job.context.backend;
  // A store that takes the checksum after the body gets the part read once, summed as it
  // leaves; otherwise a first pass sums it for the header, and the send is checked against it.
  const trailing = backend.trailingChecksums === true && algorithm !== "none" &&
    algorithm !== "md5";
  const sums = trailing ? undefined : await sumPart(opts.reader, part, algorithm, opts.scratch);
  const paced = pacing(job.context.scheduler?.rate, events);
  let uploaded;
  try {
    uploaded = await backend.uploadPart({
      bucket: job.request.bucket,
      key: job.request.key,
      uploadId: session.uploadId,
      partNumber: part.partNumber,
      body: sums ? checkedPartStream(opts.reader, part, sums) : partStream(opts.reader, part),
      checksum: sums?.checksum ?? { algorithm, value: "", trailing: true },
      ...(paced ? { paceBody: paced.paceBody } : {}),
    }, signal);
  } catch (error) {
    paced?.ended(0);
    throw error;
  }
  paced?.ended(part.size);
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
  };
  await session.partSent(entry);
  events?.partDone?.({
    partNumber: part.partNumber,
    size: part.size,
    label: checksum.value || uploaded.eTag,
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
