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
