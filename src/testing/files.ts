/**
 * Files for tests: the one random-file fixture that the engine unit tests
 * (src/testing/engine_fixture.ts) and the CLI tests (tests/support/cli.ts,
 * tests/support/reliability.ts) all build on, and whether a path exists.
 *
 * @example
 * ```ts
 * const file = await randomFile(12 * MiB);
 * try {
 *   // upload file.path, compare with file.bytes
 * } finally {
 *   await file.cleanup();
 * }
 * ```
 *
 * @module
 */

/** One mebibyte, shared with the code (backends/units.ts). */
export { MiB } from "../../backends/units.ts";

/** A temp dir holding one file of random bytes. */
export interface RandomFile {
  dir: string;
  path: string;
  bytes: Uint8Array;
  /** Removes the dir and everything the test put in it. */
  cleanup(): Promise<void>;
}

/** `size` random bytes (crypto.getRandomValues fills at most 64 KiB per call). */
export function randomBytes(size: number): Uint8Array {
  const bytes = new Uint8Array(size);
  for (let offset = 0; offset < size; offset += 65536) {
    crypto.getRandomValues(bytes.subarray(offset, Math.min(size, offset + 65536)));
  }
  return bytes;
}

/** A new temp dir (named `prefix`…) with a file `name` of `size` random bytes. */
export async function randomFile(
  size: number,
  name = "source.bin",
  prefix = "s3mpu-test-",
): Promise<RandomFile> {
  const dir = await Deno.makeTempDir({ prefix });
  const path = `${dir}/${name}`;
  const bytes = randomBytes(size);
  await Deno.writeFile(path, bytes);
  return { dir, path, bytes, cleanup: () => Deno.remove(dir, { recursive: true }) };
}

/** Whether `path` exists (a dangling symbolic link does not). */
export function exists(path: string): Promise<boolean> {
  return Deno.stat(path).then(() => true, () => false);
}

/** Overwrites the file at `path` with `bytes` from `offset` on, in place: its size stays. */
export async function overwriteAt(path: string, offset: number, bytes: Uint8Array): Promise<void> {
  using file = await Deno.open(path, { write: true });
  await file.seek(offset, Deno.SeekMode.Start);
  await file.write(bytes);
}

/** Appends `count` zero bytes to the file at `path`. */
export function appendZeros(path: string, count: number): Promise<void> {
  return Deno.writeFile(path, new Uint8Array(count), { append: true });
}
