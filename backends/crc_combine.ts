/**
 * CRC combination: the CRC of `A‖B` from `crc(A)`, `crc(B)` and `B`'s length, without the
 * bytes. It lets the whole object's CRC (S3's FULL_OBJECT checksum) come from the per-part
 * CRCs the engine already computed, with no second read of the file.
 *
 * Arithmetic in GF(2) modulo the reflected polynomial, as zlib's `crc32_combine` does: the
 * CRC of A shifted past |B| zero bytes is `crc(A) · x^(8·|B|) mod P`, and CRCs are linear.
 *
 * @example
 * ```ts
 * const whole = combineCrc("crc32", crcOfPart1, crcOfPart2, part2Length);
 * ```
 * @module
 */

/** The reflected 32-bit polynomials of the CRCs S3 combines. */
const POLYNOMIALS = {
  crc32: 0xedb88320,
  crc32c: 0x82f63b78,
} as const;

/** A CRC that {@link combineCrc} can combine. */
export type CombinableCrc = keyof typeof POLYNOMIALS;

const powerTables = new Map<number, Uint32Array>();

/** `a · b mod P`, both reflected (bit 31 is x^0). */
function multiplyModP(a: number, b: number, poly: number): number {
  let m = 0x80000000;
  let product = 0;
  for (;;) {
    if (a & m) {
      product ^= b;
      if ((a & (m - 1)) === 0) break;
    }
    m >>>= 1;
    b = b & 1 ? (b >>> 1) ^ poly : b >>> 1;
  }
  return product >>> 0;
}

/** `x^(2^k) mod P` for k = 0..31, computed once per polynomial. */
function powers(poly: number): Uint32Array {
  let table = powerTables.get(poly);
  if (table) return table;
  table = new Uint32Array(32);
  let p = 0x40000000; // x^1
  for (let k = 0; k < 32; k++) {
    table[k] = p;
    p = multiplyModP(p, p, poly);
  }
  powerTables.set(poly, table);
  return table;
}

/** `x^(8·bytes) mod P`; `bytes` may exceed 2^32 (up to Number.MAX_SAFE_INTEGER). */
function shiftFactor(bytes: number, poly: number): number {
  const table = powers(poly);
  let p = 0x80000000; // x^0
  let k = 3; // 8 = 2^3
  for (let n = bytes; n > 0; n = Math.floor(n / 2), k++) {
    if (n % 2 === 1) p = multiplyModP(table[k & 31], p, poly);
  }
  return p;
}

/** The CRC of `A‖B` given `crc(A)`, `crc(B)` and the length of B in bytes. */
export function combineCrc(
  algorithm: CombinableCrc,
  crcA: number,
  crcB: number,
  lengthB: number,
): number {
  const poly = POLYNOMIALS[algorithm];
  return (multiplyModP(shiftFactor(lengthB, poly), crcA >>> 0, poly) ^ crcB) >>> 0;
}

/** The CRC of the concatenation of parts, from each part's CRC and length, in order. */
export function combineCrcs(
  algorithm: CombinableCrc,
  parts: ReadonlyArray<{ crc: number; length: number }>,
): number {
  let crc = 0; // the CRC of zero bytes
  for (const part of parts) crc = combineCrc(algorithm, crc, part.crc, part.length);
  return crc;
}
