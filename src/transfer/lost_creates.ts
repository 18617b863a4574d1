import type { UploadJob } from "./upload_job.ts";

/**
 * Says, in one line, where an upload nobody records may have been left behind, without
 * aborting anything.
 *
 * A CreateMultipartUpload whose answer was lost (connection cut after the server acted)
 * leaves an upload nobody records, and its retry makes another; a run killed between Create
 * and writing the meta file does the same. Such an orphan holds no data but lingers until
 * the store purges it. Nothing proves that an upload in the listing was made by this run:
 * another client (or another s3mpu run with other state files) may have created an upload
 * of the same key a moment earlier, and aborting it would break that client. So this only
 * lists the uploads of the key that began in the window (time this run spent creating, or
 * three minutes after a killed run began) and hold no parts, and names them with the
 * command that reviews them. Best effort: a store that refuses the listing costs a debug line.
 */
export async function reportPossibleOrphans(opts: {
  job: UploadJob;
  uploadId: string;
  /** How long the Create, all tries included, took on this machine. */
  createMs: number;
  /** Wall-clock time (ms) this run began creating. */
  createStartedAt: number;
  /** Wall-clock time (ms) a killed earlier run began creating, from its lock file. */
  killedRunCreatingAt?: number;
  signal: AbortSignal;
}): Promise<void> {
  const { job, uploadId, signal } = opts;
  const { backend } = job.context;
  if (!backend.listMultipartUploads) return; // a store that cannot list uploads: nothing to say
  try {
    const uploads = (await backend.listMultipartUploads(
      { bucket: job.request.bucket, prefix: job.request.key },
      signal,
    )).filter((u) => u.key === job.request.key);
    const ours = uploads.find((u) => u.uploadId === uploadId)?.initiated;
    if (!ours) return;
    // Initiated has one-second resolution on some stores: allow a second either side.
    const windows: Array<[number, number]> = [[
      ours.getTime() - opts.createMs - 2_000,
      ours.getTime() + 1_000,
    ]];
    if (opts.killedRunCreatingAt !== undefined) {
      // Server clock minus ours, plus latency: maps the killed run's start onto the server.
      const offset = ours.getTime() - opts.createStartedAt;
      const start = opts.killedRunCreatingAt + offset;
      windows.push([start - 5_000, Math.min(start + 180_000, ours.getTime())]);
    }
    const suspects: string[] = [];
    for (const upload of uploads) {
      const at = upload.initiated?.getTime();
      if (upload.uploadId === uploadId || at === undefined) continue;
      if (!windows.some(([from, to]) => at >= from && at <= to)) continue;
      const ref = { bucket: job.request.bucket, key: job.request.key, uploadId: upload.uploadId };
      if ((await job.context.backend.listParts(ref, signal)).length === 0) {
        suspects.push(upload.uploadId);
      }
    }
    if (suspects.length === 0) return;
    job.context.logger.warn(
      `A create request's answer was lost (or a killed run was creating), so ${suspects.length} empty upload(s) of this key may be orphans (${
        suspects.join(", ")
      }); they are left alone because nothing proves they are this run's: review them with s3mpu list -b ${job.request.bucket} --prefix ${job.request.key} --older-than 1h.`,
    );
  } catch (error) {
    if (signal.aborted) throw error;
    job.context.logger.debug(
      `Could not check for uploads left by lost create tries: ${(error as Error).message}`,
    );
  }
}
