/**
 * `"abc"` → `abc`: S3 returns ETags quoted; the port, the journal and the seed's files carry
 * them without quotes.
 *
 * @example
 * ```ts
 * stripQuotes('"9b2cf535f27731c974343645a3985328"'); // "9b2cf535f27731c974343645a3985328"
 * ```
 */
export function stripQuotes(eTag: string): string {
  return eTag.replace(/^"(.*)"$/, "$1");
}

/**
 * A base64 MD5 (as sent in Content-MD5) as the lowercase hex an MD5 ETag shows.
 *
 * @example
 * ```ts
 * md5Base64ToHex("XUFAKrxLKna5cZ2REBfFkg=="); // "5d41402abc4b2a76b9719d911017c592" (MD5 of "hello")
 * ```
 */
export function md5Base64ToHex(value: string): string {
  return Array.from(atob(value), (c) => c.charCodeAt(0).toString(16).padStart(2, "0")).join("");
}
