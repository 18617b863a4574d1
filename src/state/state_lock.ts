import { UsageError } from "../errors.ts";
import type { Logger } from "../log.ts";
import { ActiveMarker, type ActiveRef } from "./active_uploads.ts";
import { openLockFile, writeAll } from "./atomic_write.ts";

/**
 * The lock file's text: the holder's pid, then while a CreateMultipartUpload is on its way
 * a line "creating <ISO time>". Only this file writes or reads that format.
 */
const LOCK_TEXT = /^(\d+)\n(?:creating (\S+)\n)?$/;

/** Whether `text` is what an s3mpu run writes into its lock file ("" counts: never written). */
export function isLockFileText(text: string): boolean {
  return text === "" || LOCK_TEXT.test(text);
}

/**
 * An exclusive advisory lock on `<meta file>.lock`, held for a whole run so two processes
 * never drive one upload. The OS releases it when the process dies, so a lock left by a
 * killed run never blocks the next one.
 */
export class StateLock {
  /** The upload's marker in the registry of running uploads, once {@link markActive} took it. */
  #active: ActiveMarker | undefined;

  private constructor(
    private readonly file: Deno.FsFile,
    readonly path: string,
    /** What a killed earlier run left in the lock file (its pid and note), "" if nothing. */
    private readonly leftBehind: string,
  ) {}

  /**
   * When a killed earlier run began a CreateMultipartUpload it never recorded (see
   * {@link markCreating}), or undefined when the lock file says no such thing.
   */
  creatingSince(): Date | undefined {
    const at = LOCK_TEXT.exec(this.leftBehind)?.[2];
    const time = at === undefined ? NaN : Date.parse(at);
    return Number.isNaN(time) ? undefined : new Date(time);
  }

  /**
   * Records (fsync'd) that a CreateMultipartUpload began at `at`, so a run that finds this
   * lock file left behind knows a killed run may have created an upload it never recorded.
   */
  markCreating(at: Date): Promise<void> {
    return this.write(`creating ${at.toISOString()}`);
  }

  /** Clears the mark of {@link markCreating}: the upload id is recorded in the meta file. */
  markCreated(): Promise<void> {
    return this.write("");
  }

  /**
   * Marks the upload as driven by this run in the per-user registry of running uploads
   * (active_uploads.ts), so `s3mpu list --yes` leaves it alone; released with the lock.
   */
  async markActive(ref: ActiveRef, logger: Logger): Promise<void> {
    if (this.#active) return;
    this.#active = await ActiveMarker.take(ref, logger);
  }

  /** Takes the lock or fails at once with a message naming the other run. */
  static async acquire(metaPath: string): Promise<StateLock> {
    const path = `${metaPath}.lock`;
    let file: Deno.FsFile;
    try {
      file = await openLockFile(path);
    } catch (error) {
      throw new UsageError(
        `Cannot create the lock file ${path}: ${
          (error as Error).message
        }. Check that the state directory exists and is writable.`,
      );
    }
    if (!(await file.tryLock(true))) {
      const holder = await Deno.readTextFile(path).catch(() => "");
      file.close();
      throw new UsageError(
        `Another s3mpu run${
          holder.trim() ? ` (pid ${holder.trim().split("\n")[0]})` : ""
        } is using ${metaPath}; wait for it to finish or stop it, then run again.`,
      );
    }
    // A normal run removes its lock file, so any content here is from a killed run.
    const leftBehind = await Deno.readTextFile(path).catch(() => "");
    const lock = new StateLock(file, path, leftBehind);
    await lock.write("");
    return lock;
  }

  /** Rewrites the lock file as the pid plus `note` (fsync'd). */
  private async write(note: string): Promise<void> {
    await this.file.truncate(0);
    await this.file.seek(0, Deno.SeekMode.Start);
    const text = `${Deno.pid}\n${note ? `${note}\n` : ""}`;
    await writeAll(this.file, new TextEncoder().encode(text));
    await this.file.syncData();
  }

  /** Releases the lock and removes the lock file (and the running-upload marker). */
  async release(): Promise<void> {
    await this.#active?.release();
    this.#active = undefined;
    await Deno.remove(this.path).catch(() => {});
    await this.file.unlock().catch(() => {});
    this.file.close();
  }
}
