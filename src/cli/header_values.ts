/**
 * The values of object options that travel as HTTP headers: `--metadata`, `--tagging` and the
 * object's own headers (`--content-disposition`...). A value that a store would refuse, or
 * store as something else than the user typed, is refused here, before anything is created,
 * with the option and the fix named: a raw non-ASCII header value breaks the request's
 * signature (the store then blames the credentials), and HTTP drops a value's outer spaces.
 *
 * @module
 */
import { UsageError } from "../errors.ts";

/** S3's limit on user metadata: names and values together, in bytes of UTF-8. */
export const MAX_METADATA_BYTES = 2048;

/** S3's limits on object tags. */
export const TAG_LIMITS = { maxTags: 10, maxKeyChars: 128, maxValueChars: 256 } as const;

/**
 * The characters S3 allows in tag keys and values: letters, digits and spaces of any script,
 * and `_ . : / = + - @` (the tag restrictions in the AWS tagging documentation).
 */
const TAG_CHARACTERS = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$/u;

/**
 * Checks a header-valued option: printable US-ASCII only (HTTP header values are ASCII, and
 * S3 takes no other encoding of them), without leading or trailing spaces (HTTP drops those).
 * `fix` says what to write instead of a non-ASCII value.
 */
export function checkHeaderValue(option: string, value: string, fix: string): void {
  const bad = [...value].find((c) => (c < " " && c !== "\t") || c > "~");
  if (bad !== undefined) {
    const what = bad > "\x7f" ? `the non-ASCII character "${bad}"` : "a control character";
    throw new UsageError(
      `${option}: ${JSON.stringify(value)} holds ${what}, and S3 takes only US-ASCII here. ${fix}`,
    );
  }
  if (value !== value.trim()) {
    throw new UsageError(
      `${option}: ${
        JSON.stringify(value)
      } starts or ends with a space, which HTTP drops on the way to the store; remove it.`,
    );
  }
}

/**
 * `--metadata`: `k=v,k2=v2` or a JSON object of strings. Names must be header tokens and may
 * appear once (header names ignore case, so `k` and `K` are one name); values are checked by
 * {@link checkHeaderValue}; the whole fits S3's 2 KB.
 */
export function parseMetadata(text: string): Record<string, string> {
  let entries: Array<[string, unknown]>;
  if (text.trim().startsWith("{")) {
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      throw new UsageError(`--metadata is not valid JSON: ${text}`);
    }
    if (typeof value !== "object" || value === null || Array.isArray(value)) {
      throw new UsageError('--metadata JSON must be an object such as {"k":"v"}.');
    }
    entries = Object.entries(value);
  } else {
    entries = text.split(",").map((pair) => {
      const at = pair.indexOf("=");
      return at < 0 ? [pair, undefined] : [pair.slice(0, at), pair.slice(at + 1)];
    });
  }
  const out: Record<string, string> = {};
  const seen = new Map<string, string>();
  let bytes = 0;
  for (const [k, v] of entries) {
    const key = k.trim();
    if (!/^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/.test(key) || typeof v !== "string") {
      throw new UsageError(
        `--metadata takes k=v,k2=v2 (or JSON {"k":"v"}) with header-safe names; "${k}" is not.`,
      );
    }
    const earlier = seen.get(key.toLowerCase());
    if (earlier !== undefined) {
      throw new UsageError(
        `--metadata names "${key}" twice${
          earlier === key ? "" : ` (as "${earlier}" too: names ignore case)`
        }; give each name once.`,
      );
    }
    seen.set(key.toLowerCase(), key);
    checkHeaderValue(
      `--metadata value of "${key}"`,
      v,
      `Encode the value yourself (for example percent-encoded, ü as %C3%BC) and decode it when reading, or put it in --tagging, which takes any letters.`,
    );
    bytes += new TextEncoder().encode(key + v).length;
    out[key] = v;
  }
  if (bytes > MAX_METADATA_BYTES) {
    throw new UsageError(
      `--metadata is ${bytes} bytes (names and values); S3 allows at most ${MAX_METADATA_BYTES}.`,
    );
  }
  return out;
}

/**
 * `--tagging`: URL-encoded `k=v&k2=v2`, as aws-cli takes it. Each key and value is decoded
 * (`+` is a space, as stores read it), checked against S3's tag rules, and encoded again, so
 * what is sent is the exact tag set the user wrote: `k=ü` goes as `k=%C3%BC`, and a broken
 * escape such as `%ZZ` is refused here instead of by the store. Returns the encoded set.
 */
export function parseTagging(text: string): string {
  const tags = new Map<string, string>();
  for (const pair of text.split("&")) {
    if (pair === "") continue;
    const at = pair.indexOf("=");
    if (at < 0) {
      throw new UsageError(
        `--tagging takes URL-encoded pairs such as "k=v&k2=v2"; "${pair}" has no "=" (write "${pair}=" for an empty value).`,
      );
    }
    const key = decodeTagPart(pair.slice(0, at), pair);
    const value = decodeTagPart(pair.slice(at + 1), pair);
    checkTag(key, value);
    if (tags.has(key)) {
      throw new UsageError(`--tagging names the tag "${key}" twice; give each key once.`);
    }
    tags.set(key, value);
  }
  if (tags.size === 0) {
    throw new UsageError(`--tagging takes URL-encoded pairs such as "k=v&k2=v2"; got "${text}".`);
  }
  if (tags.size > TAG_LIMITS.maxTags) {
    throw new UsageError(
      `--tagging: S3 allows at most ${TAG_LIMITS.maxTags} tags per object; got ${tags.size}.`,
    );
  }
  return [...tags].map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`)
    .join("&");
}

function decodeTagPart(encoded: string, pair: string): string {
  try {
    return decodeURIComponent(encoded.replaceAll("+", " "));
  } catch {
    const escape = /%(?![0-9a-f]{2})..?|%[89a-f][0-9a-f]/i.exec(encoded)?.[0] ?? "%";
    throw new UsageError(
      `--tagging "${pair}": "${escape}" is not a valid URL escape of UTF-8 text (the tags are URL-encoded: %20 is a space, %C3%BC is ü); fix the escape.`,
    );
  }
}

function checkTag(key: string, value: string): void {
  const keyChars = [...key].length;
  if (keyChars === 0 || keyChars > TAG_LIMITS.maxKeyChars) {
    throw new UsageError(
      `--tagging: a tag key must be 1 to ${TAG_LIMITS.maxKeyChars} characters; "${key}" is ${keyChars}.`,
    );
  }
  if ([...value].length > TAG_LIMITS.maxValueChars) {
    throw new UsageError(
      `--tagging: the value of tag "${key}" is longer than S3's ${TAG_LIMITS.maxValueChars} characters.`,
    );
  }
  if (key.toLowerCase().startsWith("aws:")) {
    throw new UsageError(`--tagging: tag keys starting with "aws:" are reserved by AWS.`);
  }
  for (const [what, text] of [["key", key], ["value", value]] as const) {
    if (!TAG_CHARACTERS.test(text)) {
      const bad = [...text].find((c) => !TAG_CHARACTERS.test(c));
      throw new UsageError(
        `--tagging: the ${what} ${JSON.stringify(text)} holds ${
          JSON.stringify(bad)
        }, which S3 does not allow in tags (letters, digits, spaces and _ . : / = + - @ only).`,
      );
    }
  }
}
