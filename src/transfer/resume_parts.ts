import type { UploadedPart } from "../../backends/types.ts";
import { checksumHasher, isMd5Hex } from "../../backends/checksum.ts";
import { createHash } from "node:crypto";
import { firstPassBytes } from "./part_stream.ts";
import { BackendError } from "../errors.ts";
import type { SourcePart } from "../plan/part_source.ts";
import type { UploadMeta } from "../state/meta_file.ts";
import type { JournalEntry } from "../state/parts_journal.ts";
import { needsPartChecksums, reconcile, type UnconfirmedPart } from "./reconcile.ts";
import type { UploadJob } from "./upload_job.ts";
import type { UploadSession } from "./upload_session.ts";

/**
 * From this many journaled parts before the journal's first gap on, a resume lists only the
 * parts from the gap on before sending, and checks the journaled head while sending.
 * Below it, one listing costs about one ListParts page anyway.
 */
export const CHECK_WHILE_SENDING_MIN_PARTS = 1_000;

/** What is still being checked after a resume (see {@link resumeParts}). */
export interface ResumedParts {
  /**
   * Starts checking the journaled head against the server; resolves to the parts the server
   * lacks (to send again before Complete). Call it once the parts to send are known.
   */
  checkHead?: () => Promise<SourcePart[]>;
}

/**
 * Merges the journal with the server's parts into the session's done parts; the server is
 * the truth, and no part counts for Complete before the server has confirmed it.
 *
 * Listing every part of a large upload is slow on some stores (MinIO reads each part's
 * metadata: about 3 s for 10,000 parts), and the answer mostly confirms what the journal
 * says. So when the journal holds a long unbroken run of parts from part 1, only the parts
 * after that run are listed (S3's PartNumberMarker) before sending starts; the run itself
 * counts provisionally and is checked against a full listing while the missing parts are
 * sent, and whatever the server lacks is sent after them. Returns "gone" when the server no
 * longer knows the upload. (The marker is the run's last part, which the server has: MinIO
 * and moto list nothing after a marker naming no part. Were it lost, the tail is merely sent
 * again.)
 */
export async function resumeParts(opts: {
  job: UploadJob;
  meta: UploadMeta;
  session: UploadSession;
  planned: SourcePart[];
  journaled: Map<number, JournalEntry>;
  signal: AbortSignal;
}): Promise<ResumedParts | "gone"> {
  const { job, meta, session, planned, journaled, signal } = opts;
  const gap = planned.find((p) => !journaled.has(p.partNumber));
  const headEnd = gap === undefined ? 0 : gap.partNumber - 1;
  /** Reconciles `parts` with the server's; records what the journal lacked; returns the confirmed. */
  const confirm = async (parts: SourcePart[], server: UploadedPart[]) => {
    const merged = reconcile({
      uploadId: meta.uploadId,
      planned: parts,
      journal: journaled,
      server,
      needsChecksum: needsPartChecksums(meta),
      logger: job.context.logger,
    });
    const read = await adoptAfterReading(job, meta, merged.unconfirmed, signal);
    for (const entry of read) merged.done.set(entry.partNumber, entry);
    await session.record([...merged.adopted, ...read]);
    return merged.done;
  };

  if (headEnd < CHECK_WHILE_SENDING_MIN_PARTS) {
    const server = await listOrGone(job, meta, signal);
    if (server === "gone") return "gone";
    for (const entry of (await confirm(planned, server)).values()) session.count(entry);
    return {};
  }

  const tail = await listOrGone(job, meta, signal, headEnd);
  if (tail === "gone") return "gone";
  const head = planned.slice(0, headEnd);
  for (const entry of (await confirm(planned.slice(headEnd), tail)).values()) {
    session.count(entry);
  }
  for (const part of head) session.count(journaled.get(part.partNumber)!);
  const checkHead = async () => {
    job.context.logger.verbose(
      `Checking parts 1–${headEnd} of the parts file against the server while sending the rest.`,
    );
    const server = await listParts(job, meta, signal);
    const confirmed = await confirm(head, server);
    const resend: SourcePart[] = [];
    for (const part of head) {
      const entry = confirmed.get(part.partNumber);
      if (entry) {
        session.count(entry);
      } else {
        session.forget(part.partNumber);
        resend.push(part);
      }
    }
    return resend;
  };
  return { checkHead };
}

/**
 * Adopts server parts the journal lacks whose checksum the server does not list (SeaweedFS):
 * reads each from the source and computes the upload's checksum, which costs a read of the
 * part instead of sending it again. Where ETags are MD5s, a part whose MD5 differs from its
 * ETag holds other bytes and is left out, to be sent again. Returns the entries to record.
 */
async function adoptAfterReading(
  job: UploadJob,
  meta: UploadMeta,
  unconfirmed: UnconfirmedPart[],
  signal: AbortSignal,
): Promise<JournalEntry[]> {
  if (unconfirmed.length === 0) return [];
  const algorithm = meta.checksumAlgorithm!;
  const adopted: JournalEntry[] = [];
  let differing = 0;
  const reader = await job.request.source.openReader();
  try {
    // Streamed through one buffer: a part is never held whole.
    const buffer = new Uint8Array(firstPassBytes(1));
    for (const { part, remote } of unconfirmed) {
      signal.throwIfAborted();
      const compareMd5 = job.rules.etagIsMd5 && isMd5Hex(remote.eTag);
      const sum = checksumHasher(algorithm);
      const crc32 = algorithm === "crc32" ? undefined : checksumHasher("crc32");
      const md5 = createHash("md5");
      for await (const slice of reader.slices(part, [buffer])) {
        sum.update(slice);
        crc32?.update(slice);
        if (compareMd5) md5.update(slice);
      }
      if (compareMd5 && md5.digest("hex") !== remote.eTag.toLowerCase()) {
        differing++;
        continue;
      }
      adopted.push({
        eTag: remote.eTag,
        partNumber: part.partNumber,
        uploadId: meta.uploadId,
        size: part.size,
        offset: part.offset,
        checksum: sum.value(),
        ...(crc32 ? { crc32: crc32.value() } : {}),
      });
    }
  } finally {
    reader.close();
  }
  if (adopted.length > 0) {
    job.context.logger.info(
      `Read ${adopted.length} part(s) the server has but does not list a ${algorithm} checksum for, and recorded them with their checksum computed from the file.`,
    );
  }
  if (differing > 0) {
    job.context.logger.warn(
      `${differing} part(s) on the server have an ETag that is not the MD5 of the file's bytes; sending them again.`,
    );
  }
  return adopted;
}

async function listOrGone(
  job: UploadJob,
  meta: UploadMeta,
  signal: AbortSignal,
  afterPartNumber?: number,
): Promise<UploadedPart[] | "gone"> {
  try {
    return await listParts(job, meta, signal, afterPartNumber);
  } catch (error) {
    if (error instanceof BackendError && error.kind === "no_such_upload") return "gone";
    throw error;
  }
}

function listParts(
  job: UploadJob,
  meta: UploadMeta,
  signal: AbortSignal,
  afterPartNumber?: number,
): Promise<UploadedPart[]> {
  const ref = { bucket: meta.bucket, key: meta.key, uploadId: meta.uploadId };
  return job.context.backend.listParts(afterPartNumber ? { ...ref, afterPartNumber } : ref, signal);
}
