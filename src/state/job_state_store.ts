/**
 * The state store of one object of a tree job: the engine's meta file and parts journal as
 * records in the job's journal (docs/tree-state.md, "The per-object view"), so a large file of
 * a tree is uploaded, and resumed part by part, by the same engine as a single file, with no
 * file per object. The job holds the lock for all its objects; the run gives the object its
 * outcome ("d", "s" or "e") once the engine is done.
 *
 * @module
 */
import type { JobObject } from "./job_object.ts";
import type { UploadMeta } from "./meta_file.ts";
import type { JournalContents, JournalEntry } from "./parts_journal.ts";
import type { Logger } from "../log.ts";
import { ActiveMarker } from "./active_uploads.ts";
import type { ObjectState, PartsJournal, Recorded, StateStore } from "./state_store.ts";

/**
 * A {@link StateStore} over `object`'s records; `name` is how messages name the state (the
 * job's directory). Removing the state when the object is stored writes nothing here: the
 * run records "done" with the object's ETag once the engine returns.
 */
export function jobStateStore(object: JobObject, name: string): StateStore {
  return { open: () => Promise.resolve(new JobObjectState(object, name)) };
}

class JobObjectState implements ObjectState {
  readonly journalName: string;
  /** The object's marker in the registry of running uploads, while its multipart upload runs. */
  #active: ActiveMarker | undefined;

  constructor(private readonly object: JobObject, readonly name: string) {
    this.journalName = name;
  }

  recorded(): Promise<Recorded> {
    const meta = this.object.readMeta();
    const ids = new Set<string>();
    if (meta && this.object.readParts(meta.uploadId).size > 0) ids.add(meta.uploadId);
    return Promise.resolve({ ...(meta ? { meta } : {}), journalUploadIds: ids });
  }

  readJournal(uploadId: string): Promise<JournalContents> {
    // The job's journal was read (and a torn tail cut) when the run opened it.
    return Promise.resolve({
      parts: this.object.readParts(uploadId),
      warnings: [],
      validLength: 0,
    });
  }

  openJournal(): Promise<PartsJournal> {
    const object = this.object;
    return Promise.resolve({
      append: (entry: JournalEntry) => object.appendPart(entry),
      appendMany: (entries: JournalEntry[]) => object.appendParts(entries),
      close: () => Promise.resolve(),
    });
  }

  writeMeta(meta: UploadMeta): Promise<void> {
    return this.object.writeMeta(meta);
  }

  // A create whose answer was lost leaves an upload no record names; the job's uploads are
  // under its prefix, where `s3mpu list` finds them (docs/trees.md).
  creatingSince(): Date | undefined {
    return undefined;
  }

  markCreating(): Promise<void> {
    return Promise.resolve();
  }

  markCreated(): Promise<void> {
    return Promise.resolve();
  }

  // A large file's multipart upload is marked running like a single file's, so `s3mpu list
  // --yes` on this host leaves it alone (docs/state-files.md, the registry).
  async markActive(upload: { bucket: string; key: string; uploadId: string }, log: Logger) {
    if (this.#active) return;
    this.#active = await ActiveMarker.take(upload, log);
  }

  isKept(): Promise<boolean> {
    return Promise.resolve(this.object.readMeta() !== undefined);
  }

  dropUnrecorded(): Promise<void> {
    return Promise.resolve();
  }

  discard(): Promise<string[]> {
    return Promise.resolve([]);
  }

  finish(): Promise<void> {
    return Promise.resolve();
  }

  async close(): Promise<void> {
    await this.#active?.release();
    this.#active = undefined;
  }
}
