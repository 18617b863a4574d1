/**
 * Object keys for the files of a tree: the prefix followed by the file's path relative to DIR
 * with `/` separators, byte for byte (spaces, unicode, `+`, `%` kept; nothing is encoded or
 * normalized). S3 keys are at most 1,024 bytes of UTF-8; a longer one is a per-file failure.
 *
 * @module
 */

/** S3's limit on a key's length, in bytes of UTF-8. */
export const MAX_KEY_BYTES = 1024;

/** The key of the file at `relPath` (relative to DIR, `/`-separated) under `prefix`. */
export function treeKey(prefix: string, relPath: string): string {
  return prefix + relPath;
}

/**
 * The prefix a destination `s3://BUCKET/PREFIX` gives a tree's keys: PREFIX with a `/` added
 * when it has none at its end, as aws-cli does for a recursive copy (the destination names a
 * directory); an empty PREFIX (the bucket's top) stays empty.
 */
export function directoryPrefix(prefix: string): string {
  return prefix === "" || prefix.endsWith("/") ? prefix : `${prefix}/`;
}

/** The length of `text` in bytes of UTF-8 (a lone surrogate counts 3, as U+FFFD). */
export function utf8Length(text: string): number {
  let bytes = 0;
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    if (unit < 0x80) bytes += 1;
    else if (unit < 0x800) bytes += 2;
    else if (unit >= 0xd800 && unit < 0xdc00 && isLowSurrogate(text.charCodeAt(i + 1))) {
      bytes += 4;
      i++;
    } else bytes += 3;
  }
  return bytes;
}

/** Why `key` cannot be an S3 key (a one-line message), or undefined when it can. */
export function keyProblem(key: string): string | undefined {
  // At most 3 bytes per UTF-16 unit: short keys need no count.
  if (key.length * 3 <= MAX_KEY_BYTES) return undefined;
  const bytes = utf8Length(key);
  if (bytes <= MAX_KEY_BYTES) return undefined;
  return `its key would be ${bytes} bytes of UTF-8, over S3's limit of ${MAX_KEY_BYTES}; ` +
    `shorten its path or the prefix`;
}

function isLowSurrogate(unit: number): boolean {
  return unit >= 0xdc00 && unit < 0xe000;
}
