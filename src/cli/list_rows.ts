/**
 * What `s3mpu list` knows of each unfinished upload: when it was initiated, when it was last
 * active (its newest part, from ListParts), and whether a running s3mpu on this host drives
 * it (the registry of running uploads, src/state/active_uploads.ts). Age is measured from the
 * last activity, so an upload that is still receiving parts is never an orphan by age.
 *
 * @module
 */
import type { Backend, MultipartUploadInfo } from "../../backends/types.ts";
import { BackendError } from "../errors.ts";
import type { Logger } from "../log.ts";
import { runningHolder, type RunningUpload } from "../state/active_uploads.ts";

/** One listed upload, as `--json` prints it. */
export interface ListedUpload {
  key: string;
  uploadId: string;
  initiated: string | null;
  /** The newest of the initiation and the parts' LastModified, or null when unknown. */
  lastActivity: string | null;
  /** Parts the server holds (null when ListParts could not be asked). */
  parts: number | null;
  /** Seconds since the last activity. */
  ageSeconds: number | null;
  /** A running s3mpu on this host drives the upload: never aborted by `list --yes`. */
  inUse: RunningUpload | null;
  selected: boolean;
  /** With --yes: what happened to a selected upload. */
  result?: "aborted" | "already gone" | "bucket gone" | "failed";
  error?: string;
}

/** How many ListParts requests run at once. */
const CONCURRENCY = 4;

/**
 * The rows of `uploads`, sorted by last activity: ListParts for each (at most 4 at a time;
 * an upload that ended meanwhile is left out), and the registry's word on each. An upload
 * whose age is unknown is never selected.
 */
export async function listedUploads(
  backend: Backend,
  bucket: string,
  uploads: MultipartUploadInfo[],
  opts: { olderThanMs?: number; now: number; logger: Logger; signal: AbortSignal },
): Promise<ListedUpload[]> {
  const rows: Array<ListedUpload | undefined> = new Array(uploads.length);
  let next = 0;
  let warned = false;
  const worker = async () => {
    while (next < uploads.length) {
      const index = next++;
      const u = uploads[index];
      const ref = { bucket, key: u.key, uploadId: u.uploadId };
      let parts: Date[] | undefined;
      try {
        const listed = await backend.listParts(ref, opts.signal);
        parts = listed.map((p) => p.lastModified ?? new Date(NaN));
        if (!warned && listed.some((p) => p.lastModified === undefined)) {
          warned = true;
          opts.logger.warn(
            `The store gives no time for the parts of ${u.key}: its last activity is unknown, so it is not selected.`,
          );
        }
      } catch (error) {
        if (error instanceof BackendError && error.kind === "no_such_upload") continue; // ended
        if (error instanceof BackendError && error.kind === "aborted") throw error;
        if (!warned) {
          warned = true;
          opts.logger.warn(
            `Could not list the parts of ${u.key} (${
              (error as Error).message
            }): its last activity is unknown, so it is not selected.`,
          );
        }
      }
      rows[index] = row(u, parts, await runningHolder(ref), opts);
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  return rows.filter((r) => r !== undefined).sort((a, b) =>
    (Date.parse(a.lastActivity ?? "") || 0) - (Date.parse(b.lastActivity ?? "") || 0) ||
    a.key.localeCompare(b.key)
  );
}

function row(
  u: MultipartUploadInfo,
  parts: Date[] | undefined,
  inUse: RunningUpload | undefined,
  opts: { olderThanMs?: number; now: number },
): ListedUpload {
  // A part without a time leaves the last activity unknown: that part may be new.
  const times = [...(u.initiated ? [u.initiated.getTime()] : []), ...(parts ?? []).map(Number)];
  const known = parts !== undefined && times.length > 0 && !times.some(Number.isNaN);
  const last = known ? Math.max(...times) : undefined;
  const ageMs = last === undefined ? undefined : opts.now - last;
  return {
    key: u.key,
    uploadId: u.uploadId,
    initiated: u.initiated?.toISOString() ?? null,
    lastActivity: last === undefined ? null : new Date(last).toISOString(),
    parts: parts?.length ?? null,
    ageSeconds: ageMs === undefined ? null : Math.max(0, ageMs / 1000),
    inUse: inUse ?? null,
    selected: opts.olderThanMs !== undefined && ageMs !== undefined &&
      ageMs >= opts.olderThanMs && inUse === undefined,
  };
}

/** "in use by a running s3mpu, pid 4242": what list says of an upload it leaves alone. */
export function inUseText(inUse: RunningUpload): string {
  return `in use by a running s3mpu${inUse.pid ? `, pid ${inUse.pid}` : ""}`;
}
