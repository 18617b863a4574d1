/**
 * The state store of one object as two files, the seed's formats extended
 * (docs/state-files.md): a meta file written atomically, a JSON Lines parts journal with one
 * fsync'd line per part, and `META_FILE.lock` held for the run.
 *
 * @module
 */
import { UsageError } from "../errors.ts";
import type { Logger } from "../log.ts";
import { type UploadMeta, writeMeta } from "./meta_file.ts";
import { JournalWriter, readJournal } from "./parts_journal.ts";
import { StateLock } from "./state_lock.ts";
import { checkOwnedJournal, readOwnedMeta } from "./state_paths.ts";
import type { ObjectState, PartsJournal, Recorded, StateLog, StateStore } from "./state_store.ts";

/** Where the files are: paths already checked by the state path rules (state_paths.ts). */
export interface StateFiles {
  metaPath: string;
  partsPath: string;
  /** fsync the journal after each part (default true; off only to measure its cost). */
  fsync?: boolean;
}

/** The state store of the object whose state files are `files`. */
export function fileStateStore(files: StateFiles): StateStore & StateFiles {
  return {
    ...files,
    open: async () => new FileState(files, await StateLock.acquire(files.metaPath)),
  };
}

class FileState implements ObjectState {
  readonly name: string;
  readonly journalName: string;
  #journalIsNew = false;
  #journal: JournalWriter | undefined;

  constructor(private readonly files: StateFiles, private readonly lock: StateLock) {
    this.name = files.metaPath;
    this.journalName = files.partsPath;
  }

  async recorded(expect?: { bucket: string; key: string }): Promise<Recorded> {
    const meta = await readOwnedMeta(this.files.metaPath, expect);
    const { uploadIds } = await checkOwnedJournal(this.files.partsPath, meta?.uploadId, this.name);
    return { ...(meta ? { meta } : {}), journalUploadIds: uploadIds };
  }

  readJournal(uploadId: string) {
    return readJournal(this.files.partsPath, uploadId);
  }

  async openJournal(validLength: number): Promise<PartsJournal> {
    const path = this.files.partsPath;
    this.#journalIsNew = !(await exists(path));
    try {
      this.#journal = await JournalWriter.open(path, validLength, { fsync: this.files.fsync });
    } catch (error) {
      throw new UsageError(
        `Cannot write the parts file ${path}: ${
          (error as Error).message
        }. Check that its directory exists and is writable.`,
      );
    }
    return this.#journal;
  }

  writeMeta(meta: UploadMeta): Promise<void> {
    return writeMeta(this.files.metaPath, meta);
  }

  creatingSince(): Date | undefined {
    return this.lock.creatingSince();
  }

  markCreating(at: Date): Promise<void> {
    return this.lock.markCreating(at);
  }

  markCreated(): Promise<void> {
    return this.lock.markCreated();
  }

  markActive(upload: { bucket: string; key: string; uploadId: string }, log: Logger) {
    return this.lock.markActive(upload, log);
  }

  isKept(): Promise<boolean> {
    return exists(this.files.metaPath);
  }

  async dropUnrecorded(): Promise<void> {
    if (!this.#journalIsNew || await this.isKept()) return;
    await this.#journal?.close().catch(() => {});
    await Deno.remove(this.files.partsPath).catch(() => {});
  }

  async discard(): Promise<string[]> {
    const removed: string[] = [];
    for (const path of [this.files.partsPath, this.files.metaPath]) {
      try {
        await Deno.remove(path);
        removed.push(path);
      } catch (error) {
        if (!(error instanceof Deno.errors.NotFound)) throw error;
      }
    }
    return removed;
  }

  async finish(log: StateLog): Promise<void> {
    for (const path of [this.files.partsPath, this.files.metaPath]) {
      await Deno.remove(path).catch((error) => {
        if (!(error instanceof Deno.errors.NotFound)) {
          log.warn(`Could not remove ${path}: ${error.message}.`);
        }
      });
    }
    log.info(`Removed the state files ${this.files.metaPath} and ${this.files.partsPath}.`);
  }

  close(): Promise<void> {
    return this.lock.release();
  }
}

function exists(path: string): Promise<boolean> {
  return Deno.stat(path).then(() => true, () => false);
}
