/**
 * A recorded upload the server no longer knows: done if the object it was building is at
 * the key and proved (an earlier run's Complete went through), and, when a run was
 * completing it, looked for again for a while (that Complete may still be running on the
 * server) before the only advice left is --restart.
 *
 * @module
 */
import { NeedsDecisionError, RESTART, say, type Wording } from "../errors.ts";
import type { SourcePart } from "../plan/part_source.ts";
import type { UploadMeta } from "../state/meta_file.ts";
import type { JournalEntry } from "../state/parts_journal.ts";
import { describeProof, expectedObject } from "./object_proof.ts";
import { findOwnObject } from "./stored_proof.ts";
import type { RunJob, UploadJob, UploadResult } from "./upload_job.ts";
import { createdAtOf, finished } from "./upload_result.ts";

/** How long a possibly running Complete is waited for, by default. */
export const LOST_COMPLETE_WAIT_MS = 20_000;

/** The job's wait for a Complete that may still be running on the server. */
export function lostCompleteWaitMs(job: UploadJob): number {
  return job.context.lostCompleteWaitMs ?? LOST_COMPLETE_WAIT_MS;
}

/**
 * The advice when a Complete may still be running and nothing proved is there yet: run
 * again later; --restart (which sends every part again) only if it persists.
 */
export function lostCompleteMessage(job: RunJob, reason: string): Wording {
  return say`The multipart upload recorded in ${job.state.name} no longer exists on the server, and no object proved to be its result is at the key yet (${reason}; looked for ${
    Math.round(lostCompleteWaitMs(job) / 1000)
  } s). A run was completing it, and the server may still be finishing that Complete: run the same command again in a few minutes. Only if it still says so was the upload aborted or purged: then run again with ${RESTART}, which sends every part again.`;
}

/**
 * The recorded upload is unknown to the server. If the object it was building exists and is
 * proved, an earlier run's Complete went through and this run has nothing left to do;
 * otherwise the upload was aborted or purged (or its Complete is still running) and only the
 * user can decide to start over.
 */
export async function finishGone(
  job: RunJob,
  meta: UploadMeta,
  journaled: Map<number, JournalEntry>,
  planned: SourcePart[],
  signal: AbortSignal,
  startedAt: number,
): Promise<UploadResult> {
  const allJournaled = planned.every((p) => journaled.has(p.partNumber));
  const parts = planned.map((p) => ({ ...journaled.get(p.partNumber)!, size: p.size }));
  const totalSize = planned.reduce((n, p) => n + p.size, 0);
  const algorithm = meta.checksumAlgorithm ?? "md5";
  const completing = allJournaled && meta.completing !== undefined;
  const settled = allJournaled
    ? await findOwnObject({
      job,
      expected: expectedObject(algorithm, parts, totalSize),
      parts,
      algorithm,
      createdAt: createdAtOf(meta),
      signal,
      waitMs: completing ? lostCompleteWaitMs(job) : 0,
    })
    : { reason: "not every part is in the parts file" };
  if (!settled.object) {
    throw new NeedsDecisionError(
      completing
        ? lostCompleteMessage(job, settled.reason)
        : say`The multipart upload recorded in ${job.state.name} no longer exists on the server (aborted, or purged as unfinished), and no object proved to be its result is at the key (${settled.reason}). Run again with ${RESTART} to upload from the start.`,
      { code: "upload_gone" },
    );
  }
  const existing = settled.object;
  job.context.logger.info(
    `The upload was already completed by an earlier run (ETag ${existing.eTag}, proved by ${
      describeProof(existing.proof)
    }); nothing left to send.`,
  );
  return await finished(job, startedAt, {
    uploadId: meta.uploadId,
    eTag: existing.eTag,
    versionId: existing.versionId,
    size: totalSize,
    partSize: meta.splitSize,
    parts: parts.length,
    partsUploaded: 0,
    checksumAlgorithm: algorithm,
    proof: existing.proof,
  });
}
