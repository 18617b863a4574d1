/**
 * The upload of a stream (standard input, a FIFO, `<(…)`): read once, front to back, its
 * parts held in memory while they are sent. The state is the file upload's (meta file,
 * fsync'd journal, the same durability order); what differs is that the parts are known
 * only as they are read, and that a resume cannot seek: it reads the stream again from the
 * start and checks each journaled part against its checksum (stream_replay.ts) instead of
 * sending it. The stored object is proved as a file's is (object_proof.ts), and the result
 * carries the size, CRC32 and SHA-256 of the bytes read.
 *
 * @module
 */
import type { UploadedPart } from "../../backends/types.ts";
import { formatBytes, MiB } from "../../backends/units.ts";
import { BackendError, NeedsDecisionError, RESTART, say } from "../errors.ts";
import { base64ToUint32 } from "../../backends/checksum.ts";
import type { JournalEntry } from "../state/parts_journal.ts";
import type { StreamDigest } from "../plan/stream_source.ts";
import type { StreamPlan } from "../plan/stream_plan.ts";
import { isStreamSource } from "../plan/stream_source.ts";
import type { UploadMeta } from "../state/meta_file.ts";
import { completeUpload } from "./complete_upload.ts";
import { finishGone } from "./finish_gone.ts";
import { type ExpectedObject, expectedObject, fullObjectOf } from "./object_proof.ts";
import { checkSameChecksum, initiate, runWith } from "./object_upload.ts";
import { createdAtOf, finished } from "./upload_result.ts";
import { openState } from "./open_state.ts";
import { putWhole } from "./put_whole.ts";
import { uploadParts } from "./part_runner.ts";
import { replayStream } from "./stream_replay.ts";
import type { RunJob, UploadJob, UploadResult } from "./upload_job.ts";
import { UploadSession } from "./upload_session.ts";

/** Uploads the job's stream source, or resumes it from the same stream (see the module). */
export function runStreamUpload(job: UploadJob): Promise<UploadResult> {
  return runWith(job, driveStream);
}

async function driveStream(
  job: RunJob,
  signal: AbortSignal,
  startedAt: number,
): Promise<UploadResult> {
  const { logger } = job.context;
  const { state } = job;
  const source = job.request.source;
  if (!isStreamSource(source)) throw new Error("runStreamUpload needs a stream source");
  const start = await openState(job, signal);
  // An empty stream is an empty object, put whole as an empty file is (no parts, no state).
  if (start.kind === "new" && await source.isEmpty(signal)) {
    return { ...await putWhole(job, signal, startedAt), read: source.digest() };
  }
  const plan: StreamPlan = { partSize: start.plan.partSize, growth: start.plan.growth! };
  const journal = await state.openJournal(start.kind === "resume" ? start.journal.validLength : 0);
  const journaled = start.kind === "resume" ? start.journal.parts : new Map();
  try {
    let meta: UploadMeta;
    let server: Map<number, UploadedPart> | undefined = new Map();
    if (start.kind === "new") {
      try {
        meta = await initiate(job, plan.partSize, 0, signal, plan.growth);
      } catch (error) {
        await state.dropUnrecorded();
        throw error;
      }
    } else {
      meta = start.meta;
      await state.markActive(meta, logger); // s3mpu list --yes leaves a running upload alone
      checkSameChecksum(job, meta);
      logger.info(
        `Continuing multipart upload from ${state.name}: reading the stream again and checking the ${start.journal.parts.size} part(s) it stored.`,
      );
      server = await listOrGone(job, meta, signal);
    }
    const session = new UploadSession(meta, journal);
    logger.verbose(memoryLine(plan, job.request.threads));
    const replay = replayStream({
      job,
      source,
      plan,
      session,
      journaled,
      server,
    });
    await uploadParts({ job, session, pending: replay.parts });
    const end = replay.end();
    // uploadParts returns without an error only when the stream was read to its end.
    if (!end) throw new Error("the stream's parts ended without its end");
    const parts = session.completedParts(end.parts);
    const read = source.digest();
    const expected = streamExpected(job, session, parts, read);
    const summary = {
      uploadId: session.uploadId,
      size: end.size,
      partSize: plan.partSize,
      parts: end.parts.length,
      partsUploaded: end.parts.length - end.kept,
      checksumAlgorithm: session.checksumAlgorithm,
    };
    if (!server) {
      // Every part was journaled and checked against the stream: an earlier run may have
      // completed the object, which must then be proved to be these parts.
      return { ...await finishGone(job, meta, journaled, end.parts, signal, startedAt), read };
    }
    const completingSince = meta.completing ? meta.completing.startedAt : new Date().toISOString();
    meta = { ...meta, partCount: end.parts.length, completing: { startedAt: completingSince } };
    await state.writeMeta(meta);
    const completed = await completeUpload({
      job,
      session,
      parts,
      expected,
      createdAt: createdAtOf(meta),
      signal,
    });
    await session.close();
    return await finished(job, startedAt, {
      ...summary,
      eTag: completed.eTag,
      versionId: completed.versionId,
      location: completed.location,
      proof: completed.proof,
      read,
    });
  } finally {
    await journal.close().catch(() => {});
  }
}

/**
 * The object the parts make. Its FULL_OBJECT CRC32, combined from the journal's part values,
 * must be the CRC32 summed as this run read the stream: the proof then compares the store's
 * own CRC32 with the bytes read, and parts that do not add up to them are never completed.
 */
function streamExpected(
  job: RunJob,
  session: UploadSession,
  parts: JournalEntry[],
  read: StreamDigest,
): ExpectedObject {
  const expected = expectedObject(session.checksumAlgorithm, parts, read.size);
  const whole = fullObjectOf(expected, "crc32");
  const partsCrc = whole ? (base64ToUint32(whole.value) >>> 0).toString(16).padStart(8, "0") : "";
  if (partsCrc !== read.crc32) {
    throw new NeedsDecisionError(
      say`The parts recorded in ${job.state.journalName} do not add up to the stream read (their CRC32 ${
        partsCrc || "is missing"
      }, the stream's ${read.crc32}); nothing was completed. Run again with ${RESTART} to upload this stream.`,
      { code: "stream_differs" },
    );
  }
  return expected;
}

/** The -v line that says what the stream's parts hold in memory at most. */
function memoryLine(plan: StreamPlan, threads: number): string {
  const { after, every, max } = plan.growth;
  const growth = every === 0
    ? "all of one size (the store needs equal parts)"
    : `doubling every ${every} parts after part ${after}, up to ${formatBytes(max)}`;
  const held = (threads + 1) * plan.partSize;
  return `Stream: parts of ${plan.partSize / MiB} MiB (${growth}), at most ${
    held / MiB
  } MiB in memory (-t ${threads} parts in flight plus one being read).`;
}

/** The server's parts by number, or undefined when it no longer knows the upload. */
async function listOrGone(
  job: RunJob,
  meta: UploadMeta,
  signal: AbortSignal,
): Promise<Map<number, UploadedPart> | undefined> {
  try {
    const parts = await job.context.backend.listParts({
      bucket: meta.bucket,
      key: meta.key,
      uploadId: meta.uploadId,
    }, signal);
    return new Map(parts.map((p) => [p.partNumber, p]));
  } catch (error) {
    if (error instanceof BackendError && error.kind === "no_such_upload") return undefined;
    throw error;
  }
}
