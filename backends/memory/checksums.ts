/**
 * Part checksums as S3 sends them in `x-amz-checksum-*` and `Content-MD5` headers:
 * base64 of the digest, CRCs as 4 big-endian bytes. Deno has no built-in CRC32 or CRC32C,
 * so both are small table-based implementations here.
 */
import { createHash } from "node:crypto";
import { Buffer } from "node:buffer";
import type { ChecksumAlgorithm } from "../types.ts";

function makeTable(polynomial: number): Uint32Array {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ polynomial : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
}

/** Reflected polynomials: IEEE 802.3 (zlib, S3 CRC32) and Castagnoli (S3 CRC32C). */
const CRC32_TABLE = makeTable(0xedb88320);
const CRC32C_TABLE = makeTable(0x82f63b78);

function crc(table: Uint32Array, bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (let i = 0; i < bytes.length; i++) c = table[(c ^ bytes[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/** CRC-32 (IEEE, as zlib and S3's CRC32 compute it) of `bytes`, as an unsigned integer. */
export function crc32(bytes: Uint8Array): number {
  return crc(CRC32_TABLE, bytes);
}

/** CRC-32C (Castagnoli, S3's CRC32C) of `bytes`, as an unsigned integer. */
export function crc32c(bytes: Uint8Array): number {
  return crc(CRC32C_TABLE, bytes);
}

function uint32Base64(value: number): string {
  const out = Buffer.alloc(4);
  out.writeUInt32BE(value >>> 0, 0);
  return out.toString("base64");
}

/** Hex MD5 of `bytes` (S3's single-part ETag). */
export function md5Hex(bytes: Uint8Array): string {
  return createHash("md5").update(bytes).digest("hex");
}

/**
 * The base64 checksum S3 expects for `bytes` under `algorithm` ("md5" gives the
 * Content-MD5 value). Returns "" for "none".
 */
export function computeChecksum(algorithm: ChecksumAlgorithm, bytes: Uint8Array): string {
  switch (algorithm) {
    case "none":
      return "";
    case "md5":
      return createHash("md5").update(bytes).digest("base64");
    case "sha256":
      return createHash("sha256").update(bytes).digest("base64");
    case "crc32":
      return uint32Base64(crc32(bytes));
    case "crc32c":
      return uint32Base64(crc32c(bytes));
  }
}

/**
 * S3's ETag for a completed multipart upload: hex MD5 of the concatenated binary MD5s of
 * the parts, then "-" and the part count. `partETags` are the parts' hex MD5 ETags in
 * part-number order (quotes allowed).
 */
export function multipartETag(partETags: string[]): string {
  const hash = createHash("md5");
  for (const eTag of partETags) hash.update(Buffer.from(eTag.replaceAll('"', ""), "hex"));
  return `${hash.digest("hex")}-${partETags.length}`;
}
