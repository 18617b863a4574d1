import type { Backend } from "../../backends/types.ts";
import { BackendError, NeedsDecisionError, S3mpuError, UsageError } from "../errors.ts";
import { classifyFailure } from "./failure.ts";
import { retrying } from "../retrying_backend.ts";
import { type PartPlan, planParts } from "../part_plan.ts";
import { planChunks } from "../part_source.ts";
import type { UploadMeta } from "../state/meta_file.ts";
import { type JournalContents, readJournal } from "../state/parts_journal.ts";
import { sourceChanges } from "../source_changes.ts";
import { checkOwnedJournal, readOwnedMeta } from "../state/state_paths.ts";
import type { RecordedStore, UploadJob } from "./upload_job.ts";
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
export async function openState(job: UploadJob, signal: AbortSignal): Promise<StartingPoint> {
  const { logger } = job.context;
  const { metaPath, partsPath } = job.request;
  const meta = await readOwnedMeta(metaPath, { bucket: job.request.bucket, key: job.request.key });
  const journalIds = (await checkOwnedJournal(partsPath, meta?.uploadId, metaPath)).uploadIds;
  if (job.request.restart) {
    // Plan first: a command that can't start a new upload must not abort the old one.
    const plan = newPlan(job);
    await abandonRecorded(job, meta, journalIds, signal);
    return { kind: "new", plan };
  }
  if (!meta) {
    if (journalIds.size > 0) {
      throw new NeedsDecisionError(
        `${partsPath} records parts of an earlier upload, but its meta file ${metaPath} is missing. Restore the meta file to resume, or run with --restart to start over.`,
      );
    }
    return { kind: "new", plan: newPlan(job) };
  }
  checkSameStore(job, meta);
  checkSameUpload(job, meta);
  checkObjectOptions(job.request.metaPath, meta.objectOptions, job.request.objectOptions);
  const plan = planForRecorded(job, meta);
  const journal = await readJournal(partsPath, meta.uploadId);
  for (const warning of journal.warnings) logger.warn(warning);
  return { kind: "resume", meta, plan, journal };
}

function newPlan(job: UploadJob): PartPlan {
  if (job.request.source.fingerprint.kind === "chunks") {
    return planChunks(
      job.request.source,
      job.context.backend.limits,
      job.request.requestedPartSize,
    );
  }
  // An empty file has no parts: it is put whole (put_whole.ts).
  if (job.request.source.fingerprint.size === 0) return { fileSize: 0, partSize: 0, partCount: 0 };
  return planParts({
    fileSize: job.request.source.fingerprint.size,
    requestedPartSize: job.request.requestedPartSize ?? job.request.source.fixedPartSize,
    limits: job.context.backend.limits,
    preferredPartSize: job.rules.preferredPartSize,
  });
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
function checkSameStore(job: UploadJob, meta: UploadMeta): void {
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
    `${job.request.metaPath} records upload ${meta.uploadId} on ${
      differences.join(", ")
    }. Pass ${flags} to resume it there, or --restart to abort it there and start over on this run's store.`,
    { code: "store_changed" },
  );
}

function checkSameUpload(job: UploadJob, meta: UploadMeta): void {
  const { metaPath } = job.request;
  if (meta.bucket !== job.request.bucket || meta.key !== job.request.key) {
    throw new NeedsDecisionError(
      `${metaPath} records an upload to s3://${meta.bucket}/${meta.key}, not s3://${job.request.bucket}/${job.request.key}. Pass other -m/-a files, or --restart to abandon that upload.`,
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
      `${metaPath} records an upload from a ${
        recorded.kind === "file" ? "file (-f)" : "chunk directory (-d/-p)"
      }; pass the same kind of source, or --restart.`,
    );
  }
  const changes = sourceChanges(recorded, now, { sameRun: false });
  if (changes.length > 0) {
    throw new NeedsDecisionError(
      `The source changed since the upload began (${
        changes.join("; ")
      }); the stored parts no longer match it. Run again with --restart to upload it from the start.`,
    );
  }
  if (recorded.path !== now.path) {
    job.context.logger.warn(
      `The source moved from ${recorded.path} to ${now.path}; same size and mtime (its inode and change time are compared only at the same path), resuming.`,
    );
  }
}

function planForRecorded(job: UploadJob, meta: UploadMeta): PartPlan {
  const recorded = meta.splitSize;
  if (job.request.source.fingerprint.kind === "chunks") {
    const plan = planChunks(
      job.request.source,
      job.context.backend.limits,
      job.request.requestedPartSize,
    );
    if (plan.partSize !== recorded) {
      throw new NeedsDecisionError(
        `The chunks are now ${plan.partSize} bytes each, but the upload in ${job.request.metaPath} was begun with ${recorded}-byte chunks; restore the original chunks to resume, or run with --restart to upload these.`,
      );
    }
    return plan;
  }
  const wanted = job.request.requestedPartSize ?? job.request.source.fixedPartSize;
  if (wanted !== undefined && wanted !== recorded) {
    throw new NeedsDecisionError(
      `The upload in ${job.request.metaPath} uses a split size of ${recorded} bytes, not ${wanted}; omit -s (or pass -s ${recorded}) to resume, or --restart to start over with the new size.`,
    );
  }
  try {
    return planParts({
      fileSize: job.request.source.fingerprint.size,
      requestedPartSize: recorded,
      limits: job.context.backend.limits,
    });
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    throw new NeedsDecisionError(
      `The upload in ${job.request.metaPath} cannot be completed: ${error.message} Run again with --restart to upload with a valid split size.`,
    );
  }
}

/**
 * --restart: abort the recorded upload where it lives (and any other upload id the journal
 * names), then remove the state files, which the caller proved are this upload's.
 */
async function abandonRecorded(
  job: UploadJob,
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
        `${job.request.metaPath} records an upload on another store (${
          recorded.endpoint ?? "AWS"
        }); abort it there first with s3mpu abort -m ${job.request.metaPath}.`,
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
          what: `abort the recorded upload ${uploadId} on its store ${where} (--restart)`,
          endpoint: where,
        });
        throw new S3mpuError(
          `${user.message} Nothing was changed; if that store is gone for good, move ${job.request.metaPath} and ${job.request.partsPath} away yourself.`,
          user.exitCode,
          { code: user.code, cause: error },
        );
      }
    }
  } finally {
    if (backend !== job.context.backend) backend.close();
  }
  await Deno.remove(job.request.partsPath).catch(() => {});
  await Deno.remove(job.request.metaPath).catch(() => {});
}

async function abortQuietly(
  backend: Backend,
  ref: { bucket: string; key: string; uploadId: string },
  signal: AbortSignal,
  job: UploadJob,
): Promise<void> {
  try {
    await backend.abortMultipartUpload(ref, signal);
    job.context.logger.info(`Restarting: aborted the earlier upload ${ref.uploadId}.`);
  } catch (error) {
    if (error instanceof BackendError && error.kind === "no_such_upload") {
      job.context.logger.info(`Restarting: the earlier upload ${ref.uploadId} is already gone.`);
      return;
    }
    throw error;
  }
}
