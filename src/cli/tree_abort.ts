/**
 * `s3mpu abort DIR s3://BUCKET/PREFIX/`: aborts every multipart upload a tree job's journals
 * record as open or given up (AbortMultipartUpload; one already gone counts as aborted), then
 * removes the job's state directory. It takes the job's lock first, so it refuses a job a
 * running upload drives. Objects already stored are never deleted.
 *
 * @module
 */
import { ExitCode } from "../errors.ts";
import type { Logger } from "../log.ts";
import { JobDir } from "../state/job_dir.ts";
import { readGenerations } from "../state/job_view.ts";
import { type CommandOutcome, printReport } from "./command.ts";
import type { Flags, OptionSpec } from "./parse.ts";
import { existingJob, jobWords, treeTarget } from "./tree_target.ts";
import { type Aborted, abortOne, withStore } from "./with_store.ts";

/** One upload the job recorded, and what aborting it did. */
interface TreeAborted extends Aborted {
  key: string;
}

/** Aborts the tree job the flags name and removes its state directory. */
export async function runTreeAbort(
  flags: Flags,
  logger: Logger,
  args: string[],
  specs: OptionSpec[],
): Promise<CommandOutcome> {
  const { plan, store } = await treeTarget(flags, args, specs, logger);
  let found: { jobId: string; path: string };
  try {
    found = await existingJob(plan, "usage");
  } catch (error) {
    store.backend.close();
    throw error;
  }
  // Held until the directory is gone: no upload run can start driving the job meanwhile.
  const dir = await JobDir.open(plan.stateDir, plan.identity).catch((error) => {
    store.backend.close();
    throw error;
  });
  try {
    const results: TreeAborted[] = [];
    await withStore(store, logger, async ({ backend }, signal) => {
      const uploads = new Map<string, string>(); // upload id → key, over every generation
      for (const generation of await readGenerations(dir.path)) {
        for (const open of generation.inFlight) {
          uploads.set(open.uploadId, plan.prefix + open.path);
        }
        for (const given of generation.abandoned) {
          uploads.set(given.uploadId, plan.prefix + given.path);
        }
      }
      for (const [uploadId, key] of uploads) {
        const done = await abortOne(backend, { bucket: plan.bucket, key, uploadId }, signal, {
          checkFirst: true,
          forget: flags.forget === true,
          metaPath: dir.path,
        });
        results.push({ ...done, key });
      }
    }, { json: flags.json === true });
    await Deno.remove(dir.path, { recursive: true });
    const lines = results.map((u) =>
      u.result === "aborted"
        ? `Aborted upload ${u.uploadId} of s3://${plan.bucket}/${u.key}; the server deletes its parts.`
        : u.result === "bucket gone"
        ? `The bucket ${plan.bucket} no longer exists, so upload ${u.uploadId} is gone with it.`
        : `Upload ${u.uploadId} of s3://${plan.bucket}/${u.key} was already gone from the server.`
    );
    lines.push(
      `Removed the job's state directory ${dir.path} (${
        jobWords(plan.identity)
      }); the objects already stored under s3://${plan.bucket}/${plan.prefix} are kept.`,
    );
    printReport(flags, lines.join("\n"));
    return {
      exitCode: ExitCode.ok,
      json: {
        jobId: found.jobId,
        bucket: plan.bucket,
        prefix: plan.prefix,
        uploads: results,
        removedStateDir: dir.path,
      },
    };
  } finally {
    await dir.release();
  }
}
