/**
 * The end of a run whose object is stored: its result (the --json output) and the state
 * files removed.
 *
 * @module
 */
import type { UploadMeta } from "../state/meta_file.ts";
import type { RunJob, UploadResult } from "./upload_job.ts";

/**
 * The result of a run whose object is stored: the state files go (unless `keepState`: a run
 * that made none), and the job's bucket and key and the time since `startedAt` join what the
 * run found (fields in UploadResult order, which `--json` prints).
 */
export async function finished(
  job: RunJob,
  startedAt: number,
  found: Omit<UploadResult, "bucket" | "key" | "seconds">,
  opts: { madeState?: boolean } = {},
): Promise<UploadResult> {
  if (opts.madeState ?? true) await job.state.finish(job.context.logger);
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

/** When the upload was created, for the age check of a settled object. */
export function createdAtOf(meta: UploadMeta): Date {
  const at = Date.parse(meta.createdAt ?? "");
  // Seed files carry no time: any object may be the upload's, so only content decides.
  return new Date(Number.isNaN(at) ? 0 : at);
}
