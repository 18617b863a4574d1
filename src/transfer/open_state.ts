import type { Backend } from "../../backends/types.ts";
import { NeedsDecisionError, RESTART, S3mpuError, say, UsageError } from "../errors.ts";
import { classifyFailure } from "./failure.ts";
import { abortUpload } from "./abort_upload.ts";
import { retrying } from "../transport/retrying_backend.ts";
import { type PartPlan, planParts, replanParts } from "../plan/part_plan.ts";
import type { UploadMeta } from "../state/meta_file.ts";
import type { JournalContents } from "../state/parts_journal.ts";
import { sourceChanges } from "../plan/source_fingerprint.ts";
import type { RecordedStore, RunJob, UploadJob } from "./upload_job.ts";
import { checkObjectOptions } from "./object_options_check.ts";

/** What the run starts from: a recorded upload to resume, or a plan for a new one. */
export type StartingPoint =
  | { kind: "resume"; meta: UploadMeta; plan: PartPlan; journal: JournalContents }
  | { kind: "new"; plan: PartPlan };

/**
 * Reads the state files and checks them against the command, before any network call but
 * the abort of --restart. State files that are not this upload's are refused (exit 2, see
 * state_paths.ts); a recorded upload that can't go on as asked is a NeedsDecisionError.
 */
export async function openState(job: RunJob, signal: AbortSignal): Promise<StartingPoint> {
  const { logger } = job.context;
  const { state } = job;
  const recorded = await state.recorded({ bucket: job.request.bucket, key: job.request.key });
  const { meta, journalUploadIds: journalIds } = recorded;
  if (job.request.restart) {
    // Plan first: a command that can't start a new upload must not abort the old one.
    const plan = newPlan(job);
    await abandonRecorded(job, meta, journalIds, signal);
    return { kind: "new", plan };
  }
  if (!meta) {
    if (journalIds.size > 0) {
      throw new NeedsDecisionError(
        say`${state.journalName} records parts of an earlier upload, but its meta file ${state.name} is missing. Restore the meta file to resume, or run with ${RESTART} to start over.`,
      );
    }
    return { kind: "new", plan: newPlan(job) };
  }
  checkSameStore(job, meta);
  checkSameUpload(job, meta);
  checkObjectOptions(state.name, meta.objectOptions, job.request.objectOptions);
  const plan = planForRecorded(job, meta);
  const journal = await state.readJournal(meta.uploadId);
  for (const warning of journal.warnings) logger.warn(warning);
  return { kind: "resume", meta, plan, journal };
}

function newPlan(job: UploadJob): PartPlan {
  // An empty file has no parts: it is put whole (put_whole.ts).
  const { source } = job.request;
  if (!source.chunkSizes && source.fingerprint.size === 0) {
    return { fileSize: 0, partSize: 0, partCount: 0 };
  }
  return planParts({ ...planInput(job), preferredPartSize: job.rules.preferredPartSize });
}

/** The source as the planner sees it, with the user's -s and the store's limits. */
function planInput(job: UploadJob) {
  const { source, requestedPartSize } = job.request;
  return {
    fileSize: source.fingerprint.size,
    ...(source.chunkSizes ? { chunkSizes: source.chunkSizes } : {}),
    requestedPartSize,
    limits: job.context.backend.limits,
  };
}

/** The store a meta file records, or undefined for a seed file that records none. */
function recordedStore(meta: UploadMeta): RecordedStore | undefined {
  if (meta.provider === undefined && meta.endpoint === undefined && meta.region === undefined) {
    return undefined;
  }
  return { endpoint: meta.endpoint, region: meta.region, provider: meta.provider };
}

/** What differs between the recorded store and this run's, as "endpoint A → B" phrases. */
function storeDifferences(job: UploadJob, recorded: RecordedStore): string[] {
  const differences: string[] = [];
  const where = (endpoint: string | undefined) => endpoint ?? "AWS (no --endpoint-url)";
  if (recorded.provider !== undefined && recorded.endpoint !== job.rules.endpoint) {
    differences.push(`endpoint ${where(recorded.endpoint)}, not ${where(job.rules.endpoint)}`);
  }
  if (recorded.region && job.rules.region && recorded.region !== job.rules.region) {
    differences.push(`region ${recorded.region}, not ${job.rules.region}`);
  }
  if (recorded.provider && recorded.provider !== job.rules.provider) {
    differences.push(`provider ${recorded.provider}, not ${job.rules.provider}`);
  }
  return differences;
}

/** A resume must talk to the store the upload lives on; anything else needs a decision. */
function checkSameStore(job: RunJob, meta: UploadMeta): void {
  const recorded = recordedStore(meta);
  if (!recorded) return;
  const differences = storeDifferences(job, recorded);
  if (differences.length === 0) return;
  const flags = [
    recorded.endpoint ? `--endpoint-url ${recorded.endpoint}` : undefined,
    recorded.region ? `--region ${recorded.region}` : undefined,
    recorded.provider ? `--provider ${recorded.provider}` : undefined,
  ].filter(Boolean).join(" ");
  throw new NeedsDecisionError(
    say`${job.state.name} records upload ${meta.uploadId} on ${
      differences.join(", ")
    }. Pass ${flags} to resume it there, or ${RESTART} to abort it there and start over on this run's store.`,
    { code: "store_changed" },
  );
}

function checkSameUpload(job: RunJob, meta: UploadMeta): void {
  const metaPath = job.state.name;
  if (meta.bucket !== job.request.bucket || meta.key !== job.request.key) {
    throw new NeedsDecisionError(
      say`${metaPath} records an upload to s3://${meta.bucket}/${meta.key}, not s3://${job.request.bucket}/${job.request.key}. Pass other -m/-a files, or ${RESTART} to abandon that upload.`,
    );
  }
  const recorded = meta.source;
  const now = job.request.source.fingerprint;
  if (!recorded) {
    job.context.logger.warn(
      `${metaPath} has no record of the source (written by the original tool); trusting that it has not changed since.`,
    );
    return;
  }
  if (recorded.kind !== now.kind) {
    throw new NeedsDecisionError(
      say`${metaPath} records an upload from a ${
        recorded.kind === "file" ? "file (-f)" : "chunk directory (-d/-p)"
      }; pass the same kind of source, or ${RESTART}.`,
    );
  }
  const changes = sourceChanges(recorded, now, { sameRun: false });
  if (changes.length > 0) {
    throw new NeedsDecisionError(
      say`The source changed since the upload began (${
        changes.join("; ")
      }); the stored parts no longer match it. Run again with ${RESTART} to upload it from the start.`,
    );
  }
  if (recorded.path !== now.path) {
    job.context.logger.warn(
      `The source moved from ${recorded.path} to ${now.path}; same size and mtime (its inode and change time are compared only at the same path), resuming.`,
    );
  }
}

function planForRecorded(job: RunJob, meta: UploadMeta): PartPlan {
  const recorded = meta.splitSize;
  const metaPath = job.state.name;
  const replanned = replanParts({ ...planInput(job), recordedPartSize: recorded });
  if (!("conflict" in replanned)) return replanned.plan;
  switch (replanned.conflict) {
    case "chunk_size":
      throw new NeedsDecisionError(
        say`The chunks are now ${replanned.partSize} bytes each, but the upload in ${metaPath} was begun with ${recorded}-byte chunks; restore the original chunks to resume, or run with ${RESTART} to upload these.`,
      );
    case "split_size":
      throw new NeedsDecisionError(
        say`The upload in ${metaPath} uses a split size of ${recorded} bytes, not ${replanned.requested}; omit -s (or pass -s ${recorded}) to resume, or ${RESTART} to start over with the new size.`,
      );
    case "invalid":
      throw new NeedsDecisionError(
        say`The upload in ${metaPath} cannot be completed: ${replanned.reason} Run again with ${RESTART} to upload with a valid split size.`,
      );
  }
}

/**
 * --restart: abort the recorded upload where it lives (and any other upload id the journal
 * names), then remove the state files, which the caller proved are this upload's.
 */
async function abandonRecorded(
  job: RunJob,
  meta: UploadMeta | undefined,
  journalIds: Set<string>,
  signal: AbortSignal,
): Promise<void> {
  const ids = new Set<string>(journalIds);
  if (meta) ids.add(meta.uploadId);
  const recorded = meta ? recordedStore(meta) : undefined;
  const elsewhere = recorded !== undefined && storeDifferences(job, recorded).length > 0;
  let backend = job.context.backend;
  if (elsewhere) {
    if (!job.context.backendForRecorded) {
      throw new UsageError(
        `${job.state.name} records an upload on another store (${
          recorded.endpoint ?? "AWS"
        }); abort it there first with s3mpu abort -m ${job.state.name}.`,
      );
    }
    backend = retrying(await job.context.backendForRecorded(recorded), {
      policy: job.context.retry,
      logger: job.context.logger,
    });
    job.context.logger.info(
      `Restarting: aborting the recorded upload on its own store, ${recorded.endpoint ?? "AWS"}.`,
    );
  }
  try {
    for (const uploadId of ids) {
      try {
        await abortQuietly(
          backend,
          { bucket: job.request.bucket, key: job.request.key, uploadId },
          signal,
          job,
        );
      } catch (error) {
        if (!elsewhere) throw error;
        // Name the recorded store, not this run's: that is the one that failed.
        const where = recorded.endpoint ?? "AWS";
        const user = classifyFailure(error, {
          stateKept: false,
          what: say`abort the recorded upload ${uploadId} on its store ${where} (${RESTART})`,
          endpoint: where,
        });
        throw new S3mpuError(
          say`${user.wording} Nothing was changed; if that store is gone for good, move ${job.state.name} and ${job.state.journalName} away yourself.`,
          user.exitCode,
          { code: user.code, cause: error },
        );
      }
    }
  } finally {
    if (backend !== job.context.backend) backend.close();
  }
  await job.state.discard();
}

async function abortQuietly(
  backend: Backend,
  ref: { bucket: string; key: string; uploadId: string },
  signal: AbortSignal,
  job: UploadJob,
): Promise<void> {
  const outcome = await abortUpload(backend, ref, signal);
  job.context.logger.info(
    outcome === "aborted"
      ? `Restarting: aborted the earlier upload ${ref.uploadId}.`
      : `Restarting: the earlier upload ${ref.uploadId} is already gone.`,
  );
}
