import type { UploadedPart } from "../../backends/types.ts";
import type { SourcePart } from "../part_source.ts";
import type { JournalEntry } from "../state/parts_journal.ts";
import type { Logger } from "../log.ts";

/** The parts that count as done, and the server parts the journal lacked (to record). */
export interface Reconciled {
  done: Map<number, JournalEntry>;
  adopted: JournalEntry[];
}

/**
 * Merges the journal with the server's ListParts; the server is the truth. A part counts
 * as done only if the server has it at the planned size. A server part missing from the
 * journal (crash between upload and fsync) is adopted when it carries what Complete needs;
 * a journal part the server lacks is sent again.
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
  const done = new Map<number, JournalEntry>();
  const adopted: JournalEntry[] = [];
  const byNumber = new Map(server.map((p) => [p.partNumber, p]));
  let wrongSize = 0;
  let missing = 0;
  for (const part of planned) {
    const remote = byNumber.get(part.partNumber);
    const local = journal.get(part.partNumber);
    if (!remote) {
      if (local) missing++;
      continue;
    }
    if (remote.size !== undefined && remote.size !== part.size) {
      wrongSize++;
      continue;
    }
    const checksum = local?.eTag === remote.eTag
      ? local.checksum ?? remote.checksum
      : remote.checksum;
    if (needsChecksum && !checksum) continue;
    const entry: JournalEntry = {
      eTag: remote.eTag,
      partNumber: part.partNumber,
      uploadId,
      size: part.size,
      offset: part.offset,
      ...(checksum ? { checksum } : {}),
    };
    done.set(part.partNumber, entry);
    if (!local || local.eTag !== remote.eTag) adopted.push(entry);
  }
  if (missing > 0) {
    logger.warn(
      `The parts file lists ${missing} part(s) the server does not have; sending them again.`,
    );
  }
  if (wrongSize > 0) {
    logger.warn(`${wrongSize} part(s) on the server have the wrong size; sending them again.`);
  }
  if (adopted.length > 0) {
    logger.info(`Recorded ${adopted.length} part(s) the server has but the parts file lacked.`);
  }
  return { done, adopted };
}
