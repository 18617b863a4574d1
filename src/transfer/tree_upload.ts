/**
 * A directory tree's upload: the job run's files (streamed while the walk goes on) through
 * the batch runner under one budget. Files below the multipart threshold go by PutObject,
 * larger ones by the multipart engine with their state in the job's journal. One file's
 * failure is recorded with its reason and the rest go on; a failure of the whole store
 * (missing bucket, rejected credentials) stops the job at once. See docs/trees.md.
 *
 * @module
 */
import { join } from "node:path";
import { withUploadOptions } from "../../backends/with_upload_options.ts";
import { isKeyTaken } from "../../backends/no_clobber.ts";
import type { ObjectOptions } from "../../backends/object_options.ts";
import type { Backend, ChecksumAlgorithm } from "../../backends/types.ts";
import { InterruptedError, ResumableError, type S3mpuError } from "../errors.ts";
import type { Logger } from "../log.ts";
import type { RecordedObjectOptions } from "../object_options.ts";
import { openFileSource } from "../plan/part_source.ts";
import type { JobRun, WorkItem } from "../state/job_run.ts";
import { lstatFile } from "../state/job_walk.ts";
import { sameStat } from "../state/job_records.ts";
import { jobStateStore } from "../state/job_state_store.ts";
import type { RetryPolicy } from "../transport/retry.ts";
import type { Pacer } from "../transport/pacer.ts";
import { retrying } from "../transport/retrying_backend.ts";
import { abortUpload } from "./abort_upload.ts";
import { runBatch } from "./batch_runner.ts";
import type { TransferEvents } from "./events.ts";
import { classifyFailure } from "./failure.ts";
import { runUpload } from "./object_upload.ts";
import { type PutRules, putSmallFile } from "./put_small.ts";
import type { Scheduler } from "./scheduler.ts";
import type { TreeOutcomes } from "./tree_outcomes.ts";
import type { StoreRules, UploadJob } from "./upload_job.ts";

/** Error codes that are the store's or the setup's, not one file's: they stop the whole job. */
const JOB_LEVEL = new Set([
  "no_such_bucket",
  "credentials_rejected",
  "no_credentials",
  "credentials_expired",
  "wrong_region",
  "tls",
  "unreachable",
]);

/** What a tree upload watcher is told, besides each object's transfer events. */
export interface TreeEvents {
  /** A file is handed out to upload (the total grows while the walk runs). */
  found?(item: { relPath: string; size: number }): void;
  /** The walk is over: the totals are final. */
  walkDone?(): void;
  /** A file starts; its transfer events (bytes as they leave) go to the result. */
  started?(item: { relPath: string; size: number }): TransferEvents | undefined;
  /** A file ended (stored, or failed with its reason). */
  ended?(item: { relPath: string; size: number }, stored: boolean): void;
}

/** Everything a tree upload needs; built by the CLI, or by tests directly. */
export interface TreeJob {
  run: JobRun;
  /** How messages name the job's state (its directory). */
  stateName: string;
  /** DIR: the files' paths are DIR joined with their relative paths. */
  root: string;
  bucket: string;
  /** The keys' prefix: a file's key is the prefix followed by its relative path. */
  prefix: string;
  /** Files of at least this size go by multipart upload. */
  multipartThreshold: number;
  /** Files in flight at once. */
  concurrency: number;
  /** Parts in flight per large file (-t). */
  threads: number;
  requestedPartSize?: number;
  checksumAlgorithm: ChecksumAlgorithm;
  checksumChosen: boolean;
  rules: StoreRules;
  /** false (--no-read-back): objects nothing else proves are kept with a warning. */
  readBack: boolean;
  /** The store, with the run's request options applied. */
  backend: Backend;
  retry: RetryPolicy;
  pacer?: Pacer;
  logger: Logger;
  stopSignal: AbortSignal;
  stopGraceMs: number;
  /** Request slots over all files and parts, and the rate limit. */
  scheduler: Scheduler;
  /** Bytes of small files read into memory at once. */
  putBudget: Scheduler;
  /** The object options of one file (its content type is guessed from its name). */
  optionsFor(relPath: string): { objectOptions?: ObjectOptions; recorded?: RecordedObjectOptions };
  /** A failure's one-line message in the front end's words. */
  describe(error: S3mpuError): string;
  outcomes: TreeOutcomes;
  events?: TreeEvents;
}

/** How a tree upload ended. */
export interface TreeRunEnd {
  /** A stop signal ended it before every file was tried. */
  interrupted: boolean;
  /** The failure that stopped the whole job, if one did. */
  jobError?: S3mpuError;
}

/** Uploads every file the job's run hands out; returns how it ended. Closes the run. */
export async function uploadTree(job: TreeJob): Promise<TreeRunEnd> {
  const stopJob = new AbortController();
  const signal = AbortSignal.any([job.stopSignal, stopJob.signal]);
  const putRules: PutRules = {
    backend: retrying(job.backend, { policy: job.retry, pacer: job.pacer, logger: job.logger }),
    checksumAlgorithm: job.checksumAlgorithm,
    etagIsMd5: job.rules.etagIsMd5,
    readBack: job.readBack,
    logger: job.logger,
    scheduler: job.scheduler,
    putBudget: job.putBudget,
  };
  let jobError: S3mpuError | undefined;
  const batch = await runBatch({
    tasks: handedOut(job),
    concurrency: job.concurrency,
    stopSignal: signal,
    classify: (error) => classifyFailure(error, { stateKept: true, stateName: job.stateName }),
    run: async (item: WorkItem) => {
      const events = job.events?.started?.({ relPath: item.relPath, size: item.stat.size });
      try {
        await uploadOne(job, item, putRules, events, signal);
        job.outcomes.uploaded++;
        job.outcomes.uploadedBytes += item.stat.size;
        job.events?.ended?.({ relPath: item.relPath, size: item.stat.size }, true);
      } catch (raw) {
        if (isKeyTaken(raw) && !signal.aborted) {
          // --no-clobber and the key holds an object: left as it is, its upload given up.
          await item.object.skip("exists");
          job.outcomes.exists++;
          job.logger.verbose(`${JSON.stringify(item.relPath)}: its key already holds an object.`);
          job.events?.ended?.({ relPath: item.relPath, size: item.stat.size }, false);
          return;
        }
        const error = await fileFailure(job, item, raw, signal);
        if (error instanceof InterruptedError) throw error;
        if (JOB_LEVEL.has(error.code)) {
          jobError ??= error;
          stopJob.abort();
          throw error;
        }
        await item.object.fail({
          code: error.code,
          exitCode: error.exitCode,
          message: job.describe(error),
          startOver: START_OVER.has(error.code),
        });
        job.outcomes.fail({
          path: item.relPath,
          code: error.code,
          exitCode: error.exitCode,
          message: job.describe(error),
        });
        job.logger.warn(`${JSON.stringify(item.relPath)}: ${job.describe(error)}`);
        job.events?.ended?.({ relPath: item.relPath, size: item.stat.size }, false);
        throw error;
      }
    },
  });
  try {
    if (!batch.interrupted && !jobError) await abortAbandoned(job, signal);
  } finally {
    await job.run.close();
  }
  return { interrupted: batch.interrupted && !jobError, ...(jobError ? { jobError } : {}) };
}

/** The run's work, counted as it is handed out. */
async function* handedOut(job: TreeJob): AsyncGenerator<WorkItem> {
  for await (const item of job.run.work()) {
    job.outcomes.found++;
    job.outcomes.foundBytes += item.stat.size;
    job.events?.found?.({ relPath: item.relPath, size: item.stat.size });
    yield item;
  }
  job.events?.walkDone?.();
}

async function uploadOne(
  job: TreeJob,
  item: WorkItem,
  putRules: PutRules,
  events: TransferEvents | undefined,
  signal: AbortSignal,
): Promise<void> {
  const path = join(job.root, item.relPath);
  const options = job.optionsFor(item.relPath);
  const open = item.object.readMeta() !== undefined;
  if (item.stat.size === 0 || (item.stat.size < job.multipartThreshold && !open)) {
    const done = await putSmallFile(
      {
        bucket: job.bucket,
        key: item.key,
        path,
        stat: item.stat,
        ...(options.objectOptions ? { objectOptions: options.objectOptions } : {}),
      },
      { ...putRules, events },
      signal,
    );
    await item.object.finish({
      eTag: done.eTag,
      ...(done.versionId ? { versionId: done.versionId } : {}),
      proof: done.proof,
    });
    return;
  }
  const upload: UploadJob = {
    request: {
      bucket: job.bucket,
      key: item.key,
      source: await openFileSource(path),
      ...(job.requestedPartSize !== undefined ? { requestedPartSize: job.requestedPartSize } : {}),
      threads: job.threads,
      state: jobStateStore(item.object, job.stateName),
      restart: false,
      checksumAlgorithm: job.checksumAlgorithm,
      checksumChosen: job.checksumChosen,
      readBack: job.readBack,
      ...(options.recorded ? { objectOptions: options.recorded } : {}),
    },
    rules: job.rules,
    context: {
      backend: withUploadOptions(job.backend, { objectOptions: options.objectOptions }),
      retry: job.retry,
      ...(job.pacer ? { pacer: job.pacer } : {}),
      logger: quieter(job.logger, item.relPath),
      ...(events ? { events } : {}),
      scheduler: job.scheduler,
      stopSignal: signal,
      stopGraceMs: job.stopGraceMs,
    },
  };
  const result = await runUpload(upload);
  await item.object.finish({
    eTag: result.eTag,
    ...(result.versionId ? { versionId: result.versionId } : {}),
    proof: result.proof,
  });
}

/**
 * Failures after which a large file's upload cannot be finished: its upload is gone, or its
 * object is not the file's bytes. Where a single file waits for a restart, a tree gives the
 * upload up, so the next run sends the file again (docs/trees.md).
 */
const START_OVER = new Set(["not_proved", "upload_gone"]);

/**
 * The failure of one file, classified. A file that vanished or changed during its upload is
 * said so whatever the engine saw (exit 3: the next run leaves it out or sends it as it is).
 */
async function fileFailure(
  job: TreeJob,
  item: WorkItem,
  raw: unknown,
  signal: AbortSignal,
): Promise<S3mpuError> {
  if (signal.aborted && typeof (raw as S3mpuError)?.exitCode !== "number") {
    return new InterruptedError();
  }
  const error = classifyFailure(raw, {
    stateKept: item.object.readMeta() !== undefined,
    stateName: job.stateName,
    bucket: job.bucket,
    ...(job.rules.endpoint ? { endpoint: job.rules.endpoint } : {}),
  });
  if (error instanceof InterruptedError || JOB_LEVEL.has(error.code)) return error;
  const now = await lstatFile(join(job.root, item.relPath)).catch(() => undefined);
  if (!now) {
    return new ResumableError(
      "The file vanished during its upload; the next run leaves it out.",
      { code: "vanished", cause: raw },
    );
  }
  if (!sameStat(now, item.stat)) {
    return new ResumableError(
      "The file changed during its upload; run the same command again to upload it as it is then.",
      { code: "source_changed", cause: raw },
    );
  }
  return error;
}

/** Aborts the uploads the run gave up (their file changed or went away). */
async function abortAbandoned(job: TreeJob, signal: AbortSignal): Promise<void> {
  const backend = retrying(job.backend, {
    policy: job.retry,
    pacer: job.pacer,
    logger: job.logger,
  });
  for (const abandoned of job.run.uploadsToAbort()) {
    try {
      await abortUpload(backend, {
        bucket: job.bucket,
        key: job.prefix + abandoned.p,
        uploadId: abandoned.u,
      }, signal);
      await job.run.recordAborted(abandoned.u);
    } catch (error) {
      job.logger.warn(
        `Could not abort the abandoned upload ${abandoned.u} of ${JSON.stringify(abandoned.p)}: ${
          (error as Error).message
        }; the next run tries again.`,
      );
    }
  }
}

/** The engine's lines for one file of a tree: its info lines only with -v, prefixed by its path. */
function quieter(logger: Logger, relPath: string): Logger {
  const named = (message: string) => `${JSON.stringify(relPath)}: ${message}`;
  return {
    level: logger.level,
    info: (m) => logger.verbose(named(m)),
    warn: (m) => logger.warn(named(m)),
    verbose: (m) => logger.verbose(named(m)),
    debug: (m) => logger.debug(named(m)),
    error: (m) => logger.error(named(m)),
  };
}
