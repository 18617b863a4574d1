import type { CompletedUpload, UploadedPart } from "../../backends/types.ts";
import { BackendError, NeedsDecisionError, RESTART, say } from "../errors.ts";
import type { JournalEntry } from "../state/parts_journal.ts";
import { type ExpectedObject, fullObjectOf, type ProofName } from "./object_proof.ts";
import { findOwnObject, proveStored } from "./stored_proof.ts";
import type { RunJob } from "./upload_job.ts";
import type { UploadSession } from "./upload_session.ts";
import { describeProof } from "./object_proof.ts";
import { lostCompleteMessage, lostCompleteWaitMs } from "./finish_gone.ts";

/** What completing needs besides the job. */
export interface CompleteRequest {
  job: RunJob;
  /** The upload being completed: its id and the checksum its parts carry. */
  session: UploadSession;
  parts: JournalEntry[];
  /** What the object must prove to be (see object_proof.ts). */
  expected: ExpectedObject;
  /** When this upload was created: an object older than that is not its result. */
  createdAt: Date;
  signal: AbortSignal;
}

/**
 * Completes the upload with every part in order, then proves that the stored object is the
 * bytes sent (HeadObject's checksum or MD5 ETag, else a read-back: stored_proof.ts) before
 * anything counts as done; the result names the proof.
 *
 * If Complete fails in any way (including NoSuchUpload because an earlier, killed run's
 * Complete went through or is still running) an object at the key counts as this upload's
 * only when it is proved and not older than the upload; otherwise the failure stands.
 */
export async function completeUpload(
  req: CompleteRequest,
): Promise<CompletedUpload & { proof: ProofName }> {
  const { job, session, signal, expected } = req;
  const parts: UploadedPart[] = req.parts.map((p) => ({
    partNumber: p.partNumber,
    eTag: p.eTag,
    ...(p.checksum ? { checksum: p.checksum } : {}),
  }));
  const whole = session.checksumType === "FULL_OBJECT"
    ? fullObjectOf(expected, session.checksumAlgorithm)
    : undefined;
  let completed: CompletedUpload;
  try {
    completed = await job.context.backend.completeMultipartUpload({
      bucket: job.request.bucket,
      key: job.request.key,
      uploadId: session.uploadId,
      parts,
      checksumAlgorithm: session.checksumAlgorithm,
      ...(whole ? { fullObjectChecksum: whole.value, checksumType: "FULL_OBJECT" } : {}),
    }, signal);
  } catch (error) {
    if (signal.aborted) throw error;
    job.context.logger.verbose(
      `Completion failed (${describeFailure(error)}); checking whether the object is there.`,
    );
    // The upload vanished under our Complete: another Complete of it (a killed run's, or
    // ours whose answer was lost) went through or is still running.
    const gone = error instanceof BackendError && error.kind === "no_such_upload";
    const settled = await findOwnObject({
      ...proofOf(req),
      createdAt: req.createdAt,
      waitMs: gone ? lostCompleteWaitMs(job) : 0,
    });
    if (!settled.object) {
      if (gone) {
        throw new NeedsDecisionError(lostCompleteMessage(job, settled.reason), {
          cause: error,
          code: "upload_gone",
        });
      }
      throw error;
    }
    job.context.logger.info(
      `The object is already complete on the server (ETag ${settled.object.eTag}, proved by ${
        describeProof(settled.object.proof)
      }).`,
    );
    await abortIfOpen(req);
    return settled.object;
  }
  const proof = await proveStored({
    ...proofOf(req),
    advice:
      say`State kept in ${job.state.name}; run again with ${RESTART} to upload the file again.`,
  }, completed);
  return { ...completed, proof };
}

function proofOf(req: CompleteRequest) {
  return {
    job: req.job,
    expected: req.expected,
    parts: req.parts,
    algorithm: req.session.checksumAlgorithm,
    signal: req.signal,
  };
}

/**
 * After settling on an object, this run's own upload (its id is in the meta file, so it is
 * provably ours) may still be open if its Complete really failed: abort it so it is not billed.
 */
async function abortIfOpen(req: CompleteRequest): Promise<void> {
  const { job, signal } = req;
  const { uploadId } = req.session;
  try {
    await job.context.backend.abortMultipartUpload({
      bucket: job.request.bucket,
      key: job.request.key,
      uploadId,
    }, signal);
    job.context.logger.info(`Aborted this run's upload ${uploadId}, which was still open.`);
  } catch (error) {
    if (error instanceof BackendError && error.kind === "no_such_upload") return;
    job.context.logger.warn(
      `Could not abort this run's upload ${uploadId} (${
        describeFailure(error)
      }); find it with s3mpu list -b ${job.request.bucket} --prefix ${job.request.key}.`,
    );
  }
}

function describeFailure(error: unknown): string {
  if (error instanceof BackendError) {
    return `${error.details.code ?? error.details.status ?? error.kind}: ${error.message}`;
  }
  return error instanceof Error ? error.message : String(error);
}
