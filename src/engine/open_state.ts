import type { Backend } from "../../backends/types.ts";
import { BackendError, NeedsDecisionError, UsageError } from "../errors.ts";
import { type PartPlan, planParts } from "../part_plan.ts";
import { readMeta, type UploadMeta } from "../state/meta_file.ts";
import { type JournalContents, readJournal } from "../state/parts_journal.ts";
import { sourceChanges } from "../source_changes.ts";
import type { UploadJob } from "./upload_job.ts";
import { checkObjectOptions } from "./object_options_check.ts";

/** What the run starts from: a recorded upload to resume, or a plan for a new one. */
export type StartingPoint =
  | { kind: "resume"; meta: UploadMeta; plan: PartPlan; journal: JournalContents }
  | { kind: "new"; plan: PartPlan };

/**
 * Reads the state files and checks them against the command, before any network call but
 * the abort of --restart. Throws NeedsDecisionError when the recorded upload can't go on.
 */
export async function openState(job: UploadJob, signal: AbortSignal): Promise<StartingPoint> {
  const { logger, metaPath, partsPath } = job;
  let meta: UploadMeta | undefined;
  try {
    meta = await readMeta(metaPath);
  } catch (error) {
    if (!(job.restart && error instanceof NeedsDecisionError)) throw error;
    logger.warn(`${error.message.split(";")[0]}; starting over as --restart asks.`);
  }
  if (job.restart) {
    await abandonRecorded(job, meta, signal);
    meta = undefined;
  } else if (!meta) {
    await refuseOrphanJournal(job);
  }
  if (!meta) {
    const plan = planParts({
      fileSize: job.source.fingerprint.size,
      requestedPartSize: job.requestedPartSize ?? job.source.fixedPartSize,
      limits: job.backend.limits,
      preferredPartSize: job.preferredPartSize,
    });
    return { kind: "new", plan };
  }
  checkSameUpload(job, meta);
  checkObjectOptions(job.metaPath, meta.objectOptions, job.objectOptions);
  const plan = planForRecorded(job, meta);
  const journal = await readJournal(partsPath, meta.uploadId);
  for (const warning of journal.warnings) logger.warn(warning);
  return { kind: "resume", meta, plan, journal };
}

function checkSameUpload(job: UploadJob, meta: UploadMeta): void {
  const { metaPath } = job;
  if (meta.bucket !== job.bucket || meta.key !== job.key) {
    throw new NeedsDecisionError(
      `${metaPath} records an upload to s3://${meta.bucket}/${meta.key}, not s3://${job.bucket}/${job.key}. Pass other -m/-a files, or --restart to abandon that upload.`,
    );
  }
  const recorded = meta.source;
  const now = job.source.fingerprint;
  if (!recorded) {
    job.logger.warn(
      `${metaPath} has no record of the source (written by the original tool); trusting that it has not changed since.`,
    );
    return;
  }
  if (recorded.kind !== now.kind) {
    throw new NeedsDecisionError(
      `${metaPath} records an upload from a ${
        recorded.kind === "file" ? "file (-f)" : "chunk directory (-d/-p)"
      }; pass the same kind of source, or --restart.`,
    );
  }
  const changes = sourceChanges(recorded, now, { sameRun: false });
  if (changes.length > 0) {
    throw new NeedsDecisionError(
      `The source changed since the upload began (${
        changes.join(", ")
      }); the stored parts no longer match it. Run again with --restart to upload it from the start.`,
    );
  }
  if (recorded.path !== now.path) {
    job.logger.warn(
      `The source moved from ${recorded.path} to ${now.path}; same size and time, resuming.`,
    );
  }
}

function planForRecorded(job: UploadJob, meta: UploadMeta): PartPlan {
  const recorded = meta.splitSize;
  const wanted = job.requestedPartSize ?? job.source.fixedPartSize;
  if (wanted !== undefined && wanted !== recorded) {
    throw new NeedsDecisionError(
      `The upload in ${job.metaPath} uses a split size of ${recorded} bytes, not ${wanted}; omit -s (or pass -s ${recorded}) to resume, or --restart to start over with the new size.`,
    );
  }
  try {
    return planParts({
      fileSize: job.source.fingerprint.size,
      requestedPartSize: recorded,
      limits: job.backend.limits,
    });
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    throw new NeedsDecisionError(
      `The upload in ${job.metaPath} cannot be completed: ${error.message} Run again with --restart to upload with a valid split size.`,
    );
  }
}

async function refuseOrphanJournal(job: UploadJob): Promise<void> {
  const text = await Deno.readTextFile(job.partsPath).catch(() => "");
  if (text.trim() !== "") {
    throw new NeedsDecisionError(
      `${job.partsPath} records parts of an earlier upload, but its meta file ${job.metaPath} is missing. Restore the meta file to resume, or run with --restart to start over.`,
    );
  }
}

/** --restart: abort the recorded upload (and any named in an orphan journal), clear state. */
async function abandonRecorded(
  job: UploadJob,
  meta: UploadMeta | undefined,
  signal: AbortSignal,
): Promise<void> {
  const ids = new Set<string>();
  if (meta) ids.add(meta.uploadId);
  const text = await Deno.readTextFile(job.partsPath).catch(() => "");
  for (const match of text.matchAll(/"uploadId"\s*:\s*"([^"]+)"/g)) ids.add(match[1]);
  const bucket = meta?.bucket ?? job.bucket;
  const key = meta?.key ?? job.key;
  for (const uploadId of ids) {
    await abortQuietly(job.backend, { bucket, key, uploadId }, signal, job);
  }
  await Deno.remove(job.partsPath).catch(() => {});
  await Deno.remove(job.metaPath).catch(() => {});
}

async function abortQuietly(
  backend: Backend,
  ref: { bucket: string; key: string; uploadId: string },
  signal: AbortSignal,
  job: UploadJob,
): Promise<void> {
  try {
    await backend.abortMultipartUpload(ref, signal);
    job.logger.info(`Restarting: aborted the earlier upload ${ref.uploadId}.`);
  } catch (error) {
    if (error instanceof BackendError && error.kind === "no_such_upload") {
      job.logger.info(`Restarting: the earlier upload ${ref.uploadId} is already gone.`);
      return;
    }
    throw error;
  }
}
