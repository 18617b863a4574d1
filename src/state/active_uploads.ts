/**
 * The per-user registry of running uploads. A run's state lock sits beside its meta file,
 * which `s3mpu list` cannot find; so while an upload runs it also holds an exclusive lock on
 * a small marker file in one known directory, named by a hash of the upload. `list --yes`
 * and `abort --upload-id` look there and leave a marked upload alone. The lock is the
 * operating system's: a killed run's marker is free at once. It works for runs on the same
 * host by the same user (the same `$XDG_STATE_HOME`).
 *
 * @module
 */
import { createHash } from "node:crypto";
import { join } from "node:path";
import type { Logger } from "../log.ts";
import { openLockFile, writeAll } from "./atomic_write.ts";

/** One upload on a store, as the marker's name is made from it. */
export interface ActiveRef {
  bucket: string;
  key: string;
  uploadId: string;
}

/**
 * The registry directory: `$XDG_STATE_HOME/s3mpu/active`, by default
 * `~/.local/state/s3mpu/active`.
 */
export function activeDir(
  env: (name: string) => string | undefined = (name) => Deno.env.get(name),
): string {
  const home = env("HOME") || env("USERPROFILE") || "/";
  const xdg = env("XDG_STATE_HOME") || join(home, ".local", "state");
  return join(xdg, "s3mpu", "active");
}

/**
 * The marker of `ref` in `dir`. The endpoint is left out of the name on purpose: one store
 * has many spellings (a host name or its address, a proxy), and an upload id already names
 * one upload; the same bucket, key and id on two stores could only make `list` keep one.
 */
export function markerPath(dir: string, ref: ActiveRef): string {
  const hash = createHash("sha256").update(`${ref.bucket}\0${ref.key}\0${ref.uploadId}`);
  return join(dir, `${hash.digest("hex").slice(0, 32)}.lock`);
}

/** A held marker: the running upload's claim, released when the run ends. */
export class ActiveMarker {
  private constructor(private readonly file: Deno.FsFile, readonly path: string) {}

  /**
   * Takes the marker of `ref`. A registry that cannot be written never stops an upload: it
   * is a warning (list then cannot tell the upload runs), and so is a marker another process
   * holds (a second run driving the same upload id through other state files).
   */
  static async take(
    ref: ActiveRef,
    logger: Logger,
    dir = activeDir(),
  ): Promise<ActiveMarker | undefined> {
    const path = markerPath(dir, ref);
    let file: Deno.FsFile;
    try {
      await Deno.mkdir(dir, { recursive: true, mode: 0o700 });
      file = await openLockFile(path);
    } catch (error) {
      logger.warn(
        `Cannot mark upload ${ref.uploadId} as running in ${dir} (${
          (error as Error).message
        }); s3mpu list --yes on this host cannot tell that it runs.`,
      );
      return undefined;
    }
    // A list looking at the marker holds it for an instant: try again for a moment.
    for (let attempt = 0; attempt < 50; attempt++) {
      if (await file.tryLock(true)) {
        await file.truncate(0);
        await writeAll(file, new TextEncoder().encode(`${Deno.pid}\n`));
        await file.syncData();
        return new ActiveMarker(file, path);
      }
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const holder = await holderPid(path);
    file.close();
    logger.warn(
      `Upload ${ref.uploadId} is marked as running by another s3mpu${
        holder ? ` (pid ${holder})` : ""
      }; two runs should not drive one upload.`,
    );
    return undefined;
  }

  /** Removes the marker and releases its lock. */
  async release(): Promise<void> {
    const removed = await Deno.remove(this.path).then(() => true, () => false);
    await this.file.unlock().catch(() => {});
    this.file.close();
    // Windows cannot remove an open file: remove it once it is closed.
    if (!removed) await Deno.remove(this.path).catch(() => {});
  }
}

/** What {@link runningHolder} found: a running s3mpu holds the upload's marker. */
export interface RunningUpload {
  /** The holder's pid, as its marker says (undefined if it could not be read). */
  pid?: number;
}

/**
 * Whether a running s3mpu on this host holds the marker of `ref`: asks for a shared lock,
 * which the holder's exclusive one refuses, and lets it go at once. Changes nothing.
 */
export async function runningHolder(
  ref: ActiveRef,
  dir = activeDir(),
): Promise<RunningUpload | undefined> {
  const path = markerPath(dir, ref);
  let file: Deno.FsFile;
  try {
    file = await Deno.open(path, { read: true });
  } catch {
    return undefined; // no marker (or none readable): no run of this host registered it
  }
  try {
    if (await file.tryLock(false)) {
      await file.unlock();
      return undefined;
    }
    const pid = await holderPid(path);
    return pid === undefined ? {} : { pid };
  } finally {
    file.close();
  }
}

async function holderPid(path: string): Promise<number | undefined> {
  const text = await Deno.readTextFile(path).catch(() => "");
  const pid = Number(text.trim());
  return Number.isSafeInteger(pid) && pid > 0 ? pid : undefined;
}
