/**
 * The state store: where an upload keeps what an interrupted run needs to go on. The transfer
 * layer drives an upload through this interface alone; it never sees a path or a file.
 * Today's implementation is the meta file plus the parts journal (file_state_store.ts,
 * formats in docs/state-files.md); a store for many objects implements the same.
 *
 * @module
 */
import type { Logger } from "../log.ts";
import type { UploadMeta } from "./meta_file.ts";
import type { JournalContents, JournalEntry } from "./parts_journal.ts";

/** Where one object's upload state is kept. */
export interface StateStore {
  /**
   * Takes the object's lock, so no other run drives the same upload (a second run fails at
   * once, exit 2), and opens its state. Close the result to release the lock.
   */
  open(): Promise<ObjectState>;
}

/** What is recorded for an object before a run changes anything. */
export interface Recorded {
  /** The recorded upload, if any. */
  meta?: UploadMeta;
  /** The upload ids the journal names (empty for no journal). */
  journalUploadIds: Set<string>;
}

/** The appending side of a journal: a part counts once its record is durable. */
export interface PartsJournal {
  /** Records one part durably; resolves once it is on disk. */
  append(entry: JournalEntry): Promise<void>;
  /** Records several parts with one durable write. */
  appendMany(entries: JournalEntry[]): Promise<void>;
  /** Waits for pending records and closes. */
  close(): Promise<void>;
}

/** Lines a state store reports of what it did (the run's logger fits). */
export interface StateLog {
  info(message: string): void;
  warn(message: string): void;
}

/** One object's state, opened and locked for one run. */
export interface ObjectState {
  /** How messages name the state (the meta file's path): "State kept in NAME". */
  readonly name: string;
  /** How messages name the parts journal. */
  readonly journalName: string;
  /**
   * What is recorded, refusing state that is not s3mpu's or, with `expect`, records another
   * bucket and key (a UsageError, exit 2; see docs/state-paths.md). Changes nothing.
   */
  recorded(expect?: { bucket: string; key: string }): Promise<Recorded>;
  /** The journal's parts of `uploadId`, with warnings about lines it skipped. */
  readJournal(uploadId: string): Promise<JournalContents>;
  /**
   * Opens the journal for appending, first cutting off a torn tail at `validLength` (0 for a
   * new upload). Fails, before any upload is created, when the journal cannot be written.
   */
  openJournal(validLength: number): Promise<PartsJournal>;
  /** Records the upload durably (an atomic replace). */
  writeMeta(meta: UploadMeta): Promise<void>;
  /** When a killed earlier run began creating an upload it never recorded, if it did. */
  creatingSince(): Date | undefined;
  /** Records durably that a create begins at `at` (see {@link creatingSince}). */
  markCreating(at: Date): Promise<void>;
  /** Clears the mark of {@link markCreating}: the upload id is recorded. */
  markCreated(): Promise<void>;
  /**
   * Registers the upload as driven by this run in the host's registry of running uploads
   * (docs/state-files.md), so `s3mpu list --yes` leaves it alone; released by {@link close}.
   * A registry that cannot be written is a warning on `log`, never a failure.
   */
  markActive(upload: { bucket: string; key: string; uploadId: string }, log: Logger): Promise<void>;
  /** Whether an upload is recorded, so the same command resumes it. */
  isKept(): Promise<boolean>;
  /**
   * After a create that failed: removes a journal this run opened new, when no upload is
   * recorded, so nothing empty is left behind.
   */
  dropUnrecorded(): Promise<void>;
  /**
   * Forgets the recorded upload (after it was aborted): removes its state, and names what
   * was there to remove.
   */
  discard(): Promise<string[]>;
  /** The upload is stored: removes its state, reporting what it did through `log`. */
  finish(log: StateLog): Promise<void>;
  /** Releases the lock. */
  close(): Promise<void>;
}
