import type { UploadedPart } from "../../backends/types.ts";
import type { SourcePart } from "../plan/part_source.ts";
import type { JournalEntry } from "../state/parts_journal.ts";
import type { Logger } from "../log.ts";

/**
 * What a resumed run does with one planned part, decided from the journal and the server's
 * ListParts alone. `s3mpu status` reports these same fates, so it says what resume will do.
 *
 * - "kept": the server has it as journaled; nothing to do.
 * - "adopt": the server has it and the journal lacks it (or names another ETag): recorded
 *   from the listing.
 * - "adopt_after_read": the same, but the upload needs part checksums and the server lists
 *   none for it (SeaweedFS): the part is read from the source and checksummed locally (its
 *   MD5 compared with the ETag where ETags are MD5s), then recorded; sent again only if the
 *   MD5 differs.
 * - "resend_missing": journaled but not on the server: sent again.
 * - "resend_wrong_size": on the server at another size than planned: sent again.
 * - "send": on neither: sent.
 */
export type PartFate =
  | "kept"
  | "adopt"
  | "adopt_after_read"
  | "resend_missing"
  | "resend_wrong_size"
  | "send";

/**
 * Whether Complete must list a checksum for every part: uploads created with a flexible
 * checksum (crc32, crc32c, sha256). Shared with `s3mpu status`, which must predict resume.
 */
export function needsPartChecksums(meta: { checksumAlgorithm?: string }): boolean {
  const algorithm = meta.checksumAlgorithm ?? "none";
  return algorithm !== "none" && algorithm !== "md5";
}

/** Decides every planned part's {@link PartFate}; pure. */
export function partFates(opts: {
  planned: Pick<SourcePart, "partNumber" | "size">[];
  journal: Map<number, JournalEntry>;
  server: UploadedPart[];
  needsChecksum: boolean;
}): Map<number, PartFate> {
  const byNumber = new Map(opts.server.map((p) => [p.partNumber, p]));
  const fates = new Map<number, PartFate>();
  for (const part of opts.planned) {
    const remote = byNumber.get(part.partNumber);
    const local = opts.journal.get(part.partNumber);
    let fate: PartFate;
    if (!remote) {
      fate = local ? "resend_missing" : "send";
    } else if (remote.size !== undefined && remote.size !== part.size) {
      fate = "resend_wrong_size";
    } else if (opts.needsChecksum && !checksumFor(local, remote)) {
      fate = "adopt_after_read";
    } else {
      fate = local?.eTag === remote.eTag ? "kept" : "adopt";
    }
    fates.set(part.partNumber, fate);
  }
  return fates;
}

/**
 * The checksum known for a server part: the journal's when it names the same ETag, else the
 * server's listed one, but only for an upload of a flexible checksum (`listed`): what a
 * server lists is a flexible checksum (another client's CRC32, say), never the Content-MD5 an
 * md5 upload's journal means by `checksum`.
 */
function checksumFor(
  local: JournalEntry | undefined,
  remote: UploadedPart,
  listed = true,
): string | undefined {
  const own = local?.eTag === remote.eTag ? local.checksum : undefined;
  return own ?? (listed ? remote.checksum : undefined);
}

/** A server part that counts only once its bytes are read and checksummed locally. */
export interface UnconfirmedPart {
  part: SourcePart;
  remote: UploadedPart;
}

/** The parts that count as done, the server parts the journal lacked, and those to read. */
export interface Reconciled {
  done: Map<number, JournalEntry>;
  adopted: JournalEntry[];
  /** Parts whose fate is "adopt_after_read" (see {@link partFates}). */
  unconfirmed: UnconfirmedPart[];
}

/**
 * Merges the journal with the server's ListParts; the server is the truth. A part counts
 * as done only if the server has it at the planned size. A server part missing from the
 * journal (crash between upload and fsync) is adopted when it carries what Complete needs,
 * or else returned as unconfirmed for the caller to checksum from the source; a journal
 * part the server lacks is sent again.
 */
export function reconcile(opts: {
  uploadId: string;
  planned: SourcePart[];
  journal: Map<number, JournalEntry>;
  server: UploadedPart[];
  needsChecksum: boolean;
  logger: Logger;
}): Reconciled {
  const { uploadId, planned, journal, server, needsChecksum, logger } = opts;
  const fates = partFates({ planned, journal, server, needsChecksum });
  const byNumber = new Map(server.map((p) => [p.partNumber, p]));
  const done = new Map<number, JournalEntry>();
  const adopted: JournalEntry[] = [];
  const unconfirmed: UnconfirmedPart[] = [];
  const count = (fate: PartFate) => [...fates.values()].filter((f) => f === fate).length;
  for (const part of planned) {
    const fate = fates.get(part.partNumber)!;
    const remote = byNumber.get(part.partNumber)!;
    if (fate === "adopt_after_read") unconfirmed.push({ part, remote });
    if (fate !== "kept" && fate !== "adopt") continue;
    const local = journal.get(part.partNumber);
    const checksum = checksumFor(local, remote, needsChecksum);
    // The journal's own CRC32 of the bytes sent holds for the part the server has as journaled.
    const crc32 = local?.eTag === remote.eTag ? local.crc32 : undefined;
    const entry: JournalEntry = {
      eTag: remote.eTag,
      partNumber: part.partNumber,
      uploadId,
      size: part.size,
      offset: part.offset,
      ...(checksum ? { checksum } : {}),
      ...(crc32 ? { crc32 } : {}),
    };
    done.set(part.partNumber, entry);
    if (fate === "adopt") adopted.push(entry);
  }
  if (count("resend_missing") > 0) {
    logger.warn(
      `The parts file lists ${
        count("resend_missing")
      } part(s) the server does not have; sending them again.`,
    );
  }
  if (count("resend_wrong_size") > 0) {
    logger.warn(
      `${
        count("resend_wrong_size")
      } part(s) on the server have the wrong size; sending them again.`,
    );
  }
  if (adopted.length > 0) {
    logger.info(`Recorded ${adopted.length} part(s) the server has but the parts file lacked.`);
  }
  return { done, adopted, unconfirmed };
}
