import { dirname, join } from "node:path";

/** File mode of every state file: the owner alone reads and writes it. */
export const STATE_FILE_MODE = 0o600;

/** Opens (creating, mode 0600) a file that holds a lock: the state lock, a running-upload marker. */
export function openLockFile(path: string): Promise<Deno.FsFile> {
  return Deno.open(path, { read: true, write: true, create: true, mode: STATE_FILE_MODE });
}

/**
 * Replaces `path` with `text` so that a crash leaves either the old or the new content:
 * write a temp file beside it, fsync, rename over, fsync the directory.
 */
export async function writeFileAtomic(path: string, text: string): Promise<void> {
  const temp = join(dirname(path), `.${basename(path)}.${crypto.randomUUID().slice(0, 8)}.tmp`);
  const file = await Deno.open(temp, { write: true, createNew: true, mode: STATE_FILE_MODE });
  try {
    await writeAll(file, new TextEncoder().encode(text));
    await file.sync();
  } catch (error) {
    file.close();
    await Deno.remove(temp).catch(() => {});
    throw error;
  }
  file.close();
  await Deno.rename(temp, path);
  await syncDirectory(dirname(path));
}

/** Makes a rename or create in `dir` durable. */
export async function syncDirectory(dir: string): Promise<void> {
  if (Deno.build.os === "windows") return; // directories can't be opened for fsync there
  const handle = await Deno.open(dir, { read: true });
  try {
    await handle.sync();
  } finally {
    handle.close();
  }
}

/** Writes every byte: `write` may be short. */
export async function writeAll(file: Deno.FsFile, bytes: Uint8Array): Promise<void> {
  let written = 0;
  while (written < bytes.length) written += await file.write(bytes.subarray(written));
}

function basename(path: string): string {
  return path.slice(path.lastIndexOf("/") + 1);
}
