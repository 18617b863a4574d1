import { UsageError } from "../errors.ts";
import { STATE_FILE_MODE } from "./atomic_write.ts";

/**
 * An exclusive advisory lock on `<meta file>.lock`, held for a whole run so two processes
 * never drive one upload. The OS releases it when the process dies, so a lock left by a
 * killed run never blocks the next one.
 */
export class StateLock {
  private constructor(private readonly file: Deno.FsFile, readonly path: string) {}

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
          holder ? ` (pid ${holder.trim()})` : ""
        } is using ${metaPath}; wait for it to finish or stop it, then run again.`,
      );
    }
    await file.truncate(0);
    await file.write(new TextEncoder().encode(`${Deno.pid}\n`));
    return new StateLock(file, path);
  }

  /** Releases the lock and removes the lock file. */
  async release(): Promise<void> {
    await Deno.remove(this.path).catch(() => {});
    await this.file.unlock().catch(() => {});
    this.file.close();
  }
}
