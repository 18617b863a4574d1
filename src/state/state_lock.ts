import { UsageError } from "../errors.ts";
import { STATE_FILE_MODE, writeAll } from "./atomic_write.ts";

/**
 * An exclusive advisory lock on `<meta file>.lock`, held for a whole run so two processes
 * never drive one upload. The OS releases it when the process dies, so a lock left by a
 * killed run never blocks the next one.
 */
export class StateLock {
  private constructor(
    private readonly file: Deno.FsFile,
    readonly path: string,
    /** What a killed earlier run left in the lock file (its pid and note), "" if nothing. */
    readonly leftBehind: string,
  ) {}

  /** Takes the lock or fails at once with a message naming the other run. */
  static async acquire(metaPath: string): Promise<StateLock> {
    const path = `${metaPath}.lock`;
    let file: Deno.FsFile;
    try {
      file = await Deno.open(path, {
        read: true,
        write: true,
        create: true,
        mode: STATE_FILE_MODE,
      });
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
    await lock.note("");
    return lock;
  }

  /**
   * Rewrites the lock file as the pid plus `note` (fsync'd), e.g. "creating <time>" while a
   * CreateMultipartUpload is on its way, so a run that finds it left behind knows that a
   * killed run may have created an upload it never recorded.
   */
  async note(note: string): Promise<void> {
    await this.file.truncate(0);
    await this.file.seek(0, Deno.SeekMode.Start);
    const text = `${Deno.pid}\n${note ? `${note}\n` : ""}`;
    await writeAll(this.file, new TextEncoder().encode(text));
    await this.file.syncData();
  }

  /** Releases the lock and removes the lock file. */
  async release(): Promise<void> {
    await Deno.remove(this.path).catch(() => {});
    await this.file.unlock().catch(() => {});
    this.file.close();
  }
}
