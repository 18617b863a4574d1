import { NeedsDecisionError, RESTART, ResumableError, say } from "../errors.ts";
import type { SourcePart } from "../plan/part_source.ts";
import { retrying } from "../transport/retrying_backend.ts";
import type { Backend } from "../../backends/types.ts";
import type { UploadMeta } from "../state/meta_file.ts";
import { UploadSession } from "./upload_session.ts";
import { completeUpload } from "./complete_upload.ts";
import { finishGone } from "./finish_gone.ts";
import { putWhole } from "./put_whole.ts";
import { createdAtOf, finished } from "./upload_result.ts";
import { expectedObject } from "./object_proof.ts";
import { resendDamaged } from "./resend_damaged.ts";
import { toUserError } from "./failure.ts";
import { reportPossibleOrphans } from "./lost_creates.ts";
import { openState } from "./open_state.ts";
import { plannedParts } from "../plan/part_plan.ts";
import { uploadParts } from "./part_runner.ts";
import { resumeParts } from "./resume_parts.ts";
import { recordMissing } from "../plan/source_fingerprint.ts";
import type { RunJob, UploadJob, UploadResult } from "./upload_job.ts";

/**
 * Runs one upload from wherever its state files say it stands:
 * new → initiated → uploading → completing → completed.
 *
 * The meta file records the upload id before any part is sent; each part is journaled
 * (fsync'd) before it counts; completion is marked before Complete is sent so a killed
 * run is recognised. On success the state files are removed. Every failure is a
 * {@link S3mpuError} whose exit code says whether re-running resumes.
 */
export async function runUpload(asked: UploadJob): Promise<UploadResult> {
  const startedAt = performance.now();
  // Every call of the run goes through one retry path; `retried` tells which calls needed it.
  const retried = new Set<keyof Backend>();
  const { context } = asked;
  const state = await asked.request.state.open();
  const job: RunJob = {
    ...asked,
    context: {
      ...context,
      backend: retrying(context.backend, {
        policy: context.retry,
        pacer: context.pacer,
        logger: context.logger,
        onRetry: (method) => retried.add(method),
      }),
    },
    state,
    retried,
  };
  // Network calls outside the part workers stop at once on SIGINT: the state is consistent
  // between calls, and an interrupted Create or Complete is recognised by the next run.
  const signal = job.context.stopSignal;
  try {
    return await drive(job, signal, startedAt);
  } catch (error) {
    throw toUserError(error, {
      stateName: state.name,
      stateKept: await state.isKept(),
      bucket: job.request.bucket,
      endpoint: job.rules.endpoint,
    });
  } finally {
    await state.close();
  }
}

async function drive(job: RunJob, signal: AbortSignal, startedAt: number): Promise<UploadResult> {
  const { logger } = job.context;
  const { state } = job;
  const start = await openState(job, signal);
  const plan = start.plan;
  // Nothing to split (an empty file): one PutObject, no state files.
  if (start.kind === "new" && plan.partCount === 0) return await putWhole(job, signal, startedAt);
  const planned = plannedParts(plan);
  // Open the journal before any upload is created, so an unwritable directory fails first.
  const journal = await state.openJournal(start.kind === "resume" ? start.journal.validLength : 0);
  try {
    let meta: UploadMeta;
    let session: UploadSession;
    let checkHead: (() => Promise<SourcePart[]>) | undefined;
    if (start.kind === "new") {
      try {
        meta = await initiate(job, plan.partSize, plan.partCount, signal);
      } catch (error) {
        await state.dropUnrecorded(); // nothing was recorded: leave no empty journal behind
        throw error;
      }
      session = new UploadSession(meta, journal);
    } else {
      meta = upgradeMeta(job, start.meta, plan.partCount);
      await job.state.markActive(meta, logger); // s3mpu list --yes leaves a running upload alone
      if (job.request.checksumChosen && meta.checksumAlgorithm !== job.request.checksumAlgorithm) {
        throw new NeedsDecisionError(
          say`The upload in ${state.name} was begun with --checksum-algorithm ${meta.checksumAlgorithm}, not ${job.request.checksumAlgorithm}: every part of one upload carries the same checksum. Omit --checksum-algorithm to resume, or pass ${RESTART} to start over with ${job.request.checksumAlgorithm}.`,
        );
      }
      logger.info(`Continuing multipart upload from ${state.name}.`);
      session = new UploadSession(meta, journal);
      const resumed = await resumeParts({
        job,
        meta,
        session,
        planned,
        journaled: start.journal.parts,
        signal,
      });
      if (resumed === "gone") {
        return await finishGone(job, meta, start.journal.parts, planned, signal, startedAt);
      }
      checkHead = resumed.checkHead;
      await state.writeMeta(meta);
      logger.info(`${session.done.size} parts have already been uploaded.`);
    }
    logger.verbose(
      `Part size ${plan.partSize} bytes, ${plan.partCount} parts, checksum ${session.checksumAlgorithm}, ${job.request.threads} threads.`,
    );
    const pending = session.pending(planned);
    logger.info(`Will upload ${pending.length} chunks.`);
    job.context.events?.objectStarted?.({
      totalBytes: plan.fileSize,
      totalParts: plan.partCount,
      doneBytes: session.doneBytes(planned),
      doneParts: session.done.size,
    });
    const send = (parts: SourcePart[]) => uploadParts({ job, session, pending: parts });
    const resent = await sendWhileChecking(job, send(pending), checkHead, send) +
      await resendDamaged(job, session, planned, send);
    job.context.events?.objectSent?.();
    // Bytes changed after their part was read would make an object that is not the file.
    await job.request.source.checkUnchanged();
    const completingSince = meta.completing ? new Date(meta.completing.startedAt) : new Date();
    meta = { ...meta, completing: { startedAt: completingSince.toISOString() } };
    await state.writeMeta(meta);
    const parts = session.completedParts(planned);
    const completed = await completeUpload({
      job,
      session,
      parts,
      expected: expectedObject(session.checksumAlgorithm, parts, plan.fileSize),
      createdAt: createdAtOf(meta),
      signal,
    });
    await session.close();
    return await finished(job, startedAt, {
      uploadId: session.uploadId,
      eTag: completed.eTag,
      versionId: completed.versionId,
      location: completed.location,
      size: plan.fileSize,
      partSize: plan.partSize,
      parts: plan.partCount,
      partsUploaded: pending.length + resent,
      checksumAlgorithm: session.checksumAlgorithm,
      proof: completed.proof,
    });
  } finally {
    await journal.close().catch(() => {});
  }
}

async function initiate(
  job: RunJob,
  partSize: number,
  partCount: number,
  signal: AbortSignal,
): Promise<UploadMeta> {
  const { state } = job;
  job.context.logger.info(`Initiating multipart upload in ${state.name}.`);
  // A run killed between Create and the meta file's write left an upload nobody records;
  // its state says when it began creating (see reportPossibleOrphans).
  const killedWhileCreating = state.creatingSince();
  const createStartedAt = Date.now();
  await state.markCreating(new Date(createStartedAt));
  const createStarted = performance.now();
  const uploadId = await job.context.backend.createMultipartUpload({
    bucket: job.request.bucket,
    key: job.request.key,
    checksumAlgorithm: job.request.checksumAlgorithm,
    ...(job.rules.checksumType ? { checksumType: job.rules.checksumType } : {}),
  }, signal);
  const createMs = performance.now() - createStarted;
  // From here on, s3mpu list --yes on this host leaves the upload alone.
  const { bucket, key } = job.request;
  await job.state.markActive({ bucket, key, uploadId }, job.context.logger);
  const now = new Date().toISOString();
  const meta: UploadMeta = {
    bucket: job.request.bucket,
    key: job.request.key,
    uploadId,
    splitSize: partSize,
    source: job.request.source.fingerprint,
    partCount,
    checksumAlgorithm: job.request.checksumAlgorithm,
    ...(job.rules.checksumType ? { checksumType: job.rules.checksumType } : {}),
    provider: job.rules.provider,
    ...(job.rules.providerDetected ? { providerDetected: job.rules.providerDetected } : {}),
    ...(job.rules.endpoint ? { endpoint: job.rules.endpoint } : {}),
    ...(job.rules.region ? { region: job.rules.region } : {}),
    ...(job.request.objectOptions ? { objectOptions: job.request.objectOptions } : {}),
    createdAt: now,
  };
  try {
    await state.writeMeta(meta);
  } catch (error) {
    // Without a meta file no run could ever resume or abort this upload: abort it now.
    await job.context.backend.abortMultipartUpload({
      bucket: job.request.bucket,
      key: job.request.key,
      uploadId,
    }, signal)
      .catch(() => {});
    throw new ResumableError(
      `Cannot write the meta file ${state.name}: ${
        (error as Error).message
      }. The new upload was aborted; fix the cause (disk full?) and run the same command again.`,
      { cause: error },
    );
  }
  await state.markCreated();
  if (job.retried.has("createMultipartUpload") || killedWhileCreating) {
    await reportPossibleOrphans({
      job,
      uploadId,
      createMs,
      createStartedAt,
      ...(killedWhileCreating ? { killedRunCreatingAt: killedWhileCreating.getTime() } : {}),
      signal,
    });
  }
  return meta;
}

/** Fills in what a seed-written meta file lacks. Seed uploads sent Content-MD5 per part. */
function upgradeMeta(job: UploadJob, meta: UploadMeta, partCount: number): UploadMeta {
  return {
    ...meta,
    source: recordMissing(meta.source, job.request.source.fingerprint),
    partCount,
    checksumAlgorithm: meta.checksumAlgorithm ?? "md5",
    // Uploads recorded before FULL_OBJECT support used per-part (composite) checksums.
    ...(meta.checksumType || !isFlexible(meta.checksumAlgorithm ?? "md5")
      ? {}
      : { checksumType: "COMPOSITE" as const }),
    provider: meta.provider ?? job.rules.provider,
    // A seed file records no store: record this run's, which later resumes are checked against.
    ...(meta.provider === undefined && job.rules.endpoint ? { endpoint: job.rules.endpoint } : {}),
    ...(meta.provider === undefined && job.rules.region ? { region: job.rules.region } : {}),
  };
}

function isFlexible(algorithm: string): boolean {
  return algorithm !== "md5" && algorithm !== "none";
}

/**
 * Waits for the parts being sent and for the check of the journaled head (see
 * resumeParts), then sends what the check found missing. Returns how many that was.
 */
async function sendWhileChecking(
  job: UploadJob,
  sending: Promise<void>,
  checkHead: (() => Promise<SourcePart[]>) | undefined,
  send: (parts: SourcePart[]) => Promise<void>,
): Promise<number> {
  if (!checkHead) {
    await sending;
    return 0;
  }
  const [sent, checked] = await Promise.allSettled([sending, checkHead()]);
  if (sent.status === "rejected") throw sent.reason;
  if (checked.status === "rejected") throw checked.reason;
  const missing = checked.value;
  if (missing.length > 0) {
    for (const part of missing) job.context.events?.partLost?.(part.size);
    job.context.logger.info(`Will upload ${missing.length} more chunks.`);
    await send(missing);
  }
  return missing.length;
}
