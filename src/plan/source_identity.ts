/**
 * One source identity per run: every handle a part reads through is proved (fstat: device,
 * inode, size, mtime and change time) to be the file the run began with, unchanged, when it
 * is opened and again once the part's bytes are read. Deno has no pread, so each read opens
 * the path again; without this proof a rename of the path would feed another file's bytes
 * into the object.
 *
 * @module
 */
import { NeedsDecisionError, RESTART, say, UsageError } from "../errors.ts";
import { fileChanges, type FileStamp } from "./source_fingerprint.ts";

/** A file's stamp from a stat of it (of a handle, or of its path). */
export function stampOf(info: Deno.FileInfo): FileStamp {
  return {
    size: info.size,
    mtimeMs: info.mtime?.getTime() ?? 0,
    ...(info.ino !== null ? { ino: info.ino } : {}),
    ...(info.dev !== null ? { dev: info.dev } : {}),
    ...(info.ctime ? { ctimeMs: info.ctime.getTime() } : {}),
  };
}

/**
 * Opens `path` once to stamp it: the stamp of the handle (what is read), and a one-line
 * UsageError when it cannot be read.
 */
export async function stampByOpening(path: string): Promise<FileStamp> {
  let file: Deno.FsFile;
  try {
    file = await Deno.open(path, { read: true });
  } catch (error) {
    const reason = error instanceof Deno.errors.PermissionDenied
      ? "permission denied"
      : (error as Error).message;
    throw new UsageError(`Cannot read ${path}: ${reason}. Check its permissions.`);
  }
  try {
    return stampOf(await file.stat());
  } finally {
    file.close();
  }
}

/** A source that changed while it was being read (exit 4); `changes` says what, in words. */
export class SourceChangedError extends NeedsDecisionError {
  constructor(readonly changes: string[]) {
    super(
      say`The source changed during the upload (${
        changes.join("; ")
      }), so the parts sent may not be the file's bytes; nothing was completed. Run again with ${RESTART} to upload it as it is now.`,
    );
  }
}

/** The exit-4 error of a source that changed while the run read it. */
export function changedDuringRun(changes: string[]): SourceChangedError {
  return new SourceChangedError(changes);
}

/**
 * Opens `path` for reading and proves the handle is the file `expected` stamped, unchanged:
 * otherwise closes it and throws a NeedsDecisionError naming `what` and the difference.
 */
export async function openProved(
  path: string,
  expected: FileStamp,
  what: string,
): Promise<Deno.FsFile> {
  let file: Deno.FsFile;
  try {
    file = await Deno.open(path, { read: true });
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
    throw changedDuringRun([`${what} is gone`]);
  }
  try {
    await provedUnchanged(file, expected, what);
    return file;
  } catch (error) {
    file.close();
    throw error;
  }
}

/** Throws a NeedsDecisionError unless the open `file` is still `expected`'s file, unchanged. */
export async function provedUnchanged(
  file: Deno.FsFile,
  expected: FileStamp,
  what: string,
): Promise<void> {
  const changes = fileChanges(expected, stampOf(await file.stat()), {
    sameRun: true,
    samePath: true,
  });
  if (changes.length > 0) throw changedDuringRun([`${what}: ${changes.join(", ")}`]);
}

/** Time past a second's end after which the kernel's (coarse) clock has surely moved on. */
const CLOCK_MARGIN_MS = 50;

/**
 * Waits, when one of the change times is in the current second, until that second is over.
 * Deno gives change times in whole seconds, so a change made later in the same second as the
 * one stamped could not be told from it; once the second is over, any change made while the
 * bytes are read moves the change time. Costs at most a second, only for files changed just
 * before the run.
 */
export async function settleChangeTimes(stamps: readonly FileStamp[]): Promise<void> {
  const wait = changeTimeWait(stamps, Date.now());
  if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
}

/** How long {@link settleChangeTimes} waits at `now` (ms since the epoch); 0: not at all. */
export function changeTimeWait(stamps: readonly FileStamp[], now: number): number {
  // Only whole-second change times are coarse; finer ones already tell changes apart.
  const coarse = stamps.map((s) => s.ctimeMs ?? 0).filter((ms) => ms % 1000 === 0);
  const latest = Math.max(0, ...coarse);
  const wait = Math.floor(latest / 1000) * 1000 + 1000 + CLOCK_MARGIN_MS - now;
  // A change time in the future (the clock stepped back) is not waited for: it cannot help.
  return wait > 0 && wait <= 1000 + CLOCK_MARGIN_MS ? wait : 0;
}
