import type { Backend } from "../../backends/types.ts";
import type { UploadJob } from "./upload_job.ts";

/**
 * Aborts uploads of this key that a CreateMultipartUpload made but nobody recorded.
 *
 * A Create whose answer is lost (connection cut after the server acted) leaves an upload
 * nobody records; the retry, or the HTTP client's own silent replay of the request, makes
 * another. A run killed between Create and writing the meta file does the same. Such an
 * orphan holds no parts but lingers until the store's purge. After Create, this lists the
 * uploads of the exact key and aborts those that hold no parts and that the server started
 * within the time this run spent creating, or (when the lock file says a killed run was
 * creating) within three minutes after that run began. Times are compared on the server's
 * clock, anchored on our own upload's start. Anything else is left alone. Best effort: a
 * store that refuses the listing only costs a debug line.
 */
export async function abortLostCreates(opts: {
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
  const backend: Backend = job.backend;
  try {
    const uploads = (await backend.listMultipartUploads(
      { bucket: job.bucket, prefix: job.key },
      signal,
    )).filter((u) => u.key === job.key);
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
    for (const upload of uploads) {
      const at = upload.initiated?.getTime();
      if (upload.uploadId === uploadId || at === undefined) continue;
      if (!windows.some(([from, to]) => at >= from && at <= to)) continue;
      const ref = { bucket: job.bucket, key: job.key, uploadId: upload.uploadId };
      const parts = await backend.listParts(ref, signal);
      if (parts.length > 0) continue;
      await backend.abortMultipartUpload(ref, signal);
      job.logger.info(
        `Aborted upload ${upload.uploadId}: an earlier try of creating the upload (or a killed run) made it, but its answer was lost.`,
      );
    }
  } catch (error) {
    if (signal.aborted) throw error;
    job.logger.debug(
      `Could not check for uploads left by lost create tries: ${(error as Error).message}`,
    );
  }
}
