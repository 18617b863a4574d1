/**
 * The end of a run whose object is stored: its result (the --json output) and the state
 * files removed.
 *
 * @module
 */
import type { UploadMeta } from "../state/meta_file.ts";
import type { UploadJob, UploadResult } from "./upload_job.ts";

/**
 * The result of a run whose object is stored: the state files go (unless `keepState`: a run
 * that made none), and the job's bucket and key and the time since `startedAt` join what the
 * run found (fields in UploadResult order, which `--json` prints).
 */
export async function finished(
  job: UploadJob,
  startedAt: number,
  found: Omit<UploadResult, "bucket" | "key" | "seconds">,
  opts: { madeState?: boolean } = {},
): Promise<UploadResult> {
  if (opts.madeState ?? true) await removeState(job);
  const { checksumAlgorithm, proof, ...rest } = found;
  return {
    bucket: job.request.bucket,
    key: job.request.key,
    ...rest,
    seconds: (performance.now() - startedAt) / 1000,
    checksumAlgorithm,
    proof,
  };
}

async function removeState(job: UploadJob): Promise<void> {
  for (const path of [job.request.partsPath, job.request.metaPath]) {
    await Deno.remove(path).catch((error) => {
      if (!(error instanceof Deno.errors.NotFound)) {
        job.context.logger.warn(`Could not remove ${path}: ${error.message}.`);
      }
    });
  }
  job.context.logger.info(
    `Removed the state files ${job.request.metaPath} and ${job.request.partsPath}.`,
  );
}

/** When the upload was created, for the age check of a settled object. */
export function createdAtOf(meta: UploadMeta): Date {
  const at = Date.parse(meta.createdAt ?? "");
  // Seed files carry no time: any object may be the upload's, so only content decides.
  return new Date(Number.isNaN(at) ? 0 : at);
}
