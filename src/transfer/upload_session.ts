import type { ChecksumAlgorithm, ChecksumType } from "../../backends/types.ts";
import type { SourcePart } from "../plan/part_source.ts";
import type { UploadMeta } from "../state/meta_file.ts";
import type { JournalEntry } from "../state/parts_journal.ts";
import type { PartsJournal } from "../state/state_store.ts";

/**
 * One multipart upload as this run drives it (rclone's per-upload ChunkWriter): its id,
 * the checksum every part carries, the journal, and the parts that count as done. The
 * engine makes it once the upload is initiated or opened; it alone writes the done parts,
 * so a part counts only through {@link partSent}, {@link record} or {@link count}.
 */
export class UploadSession {
  readonly uploadId: string;
  /** The checksum of the recorded upload (a resumed one keeps the one it began with). */
  readonly checksumAlgorithm: ChecksumAlgorithm;
  readonly checksumType?: ChecksumType;
  readonly #journal: PartsJournal;
  readonly #done = new Map<number, JournalEntry>();

  constructor(meta: UploadMeta, journal: PartsJournal) {
    this.uploadId = meta.uploadId;
    this.checksumAlgorithm = meta.checksumAlgorithm ?? "md5";
    if (meta.checksumType) this.checksumType = meta.checksumType;
    this.#journal = journal;
  }

  /** The parts that count as done, by part number. */
  get done(): ReadonlyMap<number, JournalEntry> {
    return this.#done;
  }

  /** A part the server just accepted: journaled (fsync'd) first, then counted. */
  async partSent(entry: JournalEntry): Promise<void> {
    await this.#journal.append(entry);
    this.#done.set(entry.partNumber, entry);
  }

  /** Parts found on the server that the journal lacked: journaled in one write, then counted. */
  async record(entries: JournalEntry[]): Promise<void> {
    await this.#journal.appendMany(entries);
    for (const entry of entries) this.#done.set(entry.partNumber, entry);
  }

  /** Counts a part the journal already holds. */
  count(entry: JournalEntry): void {
    this.#done.set(entry.partNumber, entry);
  }

  /** Stops counting a part the server turned out to lack; it is sent again. */
  forget(partNumber: number): void {
    this.#done.delete(partNumber);
  }

  /** The planned parts not yet done, in order. */
  pending(planned: SourcePart[]): SourcePart[] {
    return planned.filter((p) => !this.#done.has(p.partNumber));
  }

  /** Bytes of the planned parts already done. */
  doneBytes(planned: SourcePart[]): number {
    return planned.filter((p) => this.#done.has(p.partNumber)).reduce((n, p) => n + p.size, 0);
  }

  /** Every planned part's entry for Complete, with its planned size; all must be done. */
  completedParts(planned: SourcePart[]): JournalEntry[] {
    return planned.map((p) => ({ ...this.#done.get(p.partNumber)!, size: p.size }));
  }

  /** Waits for pending journal writes and closes the journal. */
  close(): Promise<void> {
    return this.#journal.close();
  }
}
