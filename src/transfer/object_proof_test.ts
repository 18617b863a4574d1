/**
 * The multipart-ETag proof of Content-MD5 parts is made of the MD5s sent, and a part whose
 * ETag is another MD5 counts as damaged once another part's ETag showed to be its MD5.
 */
import { assertEquals } from "../../backends/testing/assert.ts";
import { md5Hex, multipartETag } from "../../backends/checksum.ts";
import type { JournalEntry } from "../state/parts_journal.ts";
import { damagedParts, expectedObject } from "./object_proof.ts";

const bytes = (n: number) => new Uint8Array(10).fill(n);
const md5Base64 = (b: Uint8Array) => btoa(String.fromCharCode(...hexBytes(md5Hex(b))));
const hexBytes = (hex: string) => hex.match(/../g)!.map((h) => parseInt(h, 16));
const part = (n: number, eTag: string, checksum?: string): JournalEntry => ({
  partNumber: n,
  eTag,
  uploadId: "u",
  size: 10,
  ...(checksum ? { checksum } : {}),
});

Deno.test("a Content-MD5 part whose ETag is another MD5 is damaged once another part's ETag is its MD5", () => {
  const good = part(1, md5Hex(bytes(1)), md5Base64(bytes(1)));
  const damaged = part(2, md5Hex(bytes(9)), md5Base64(bytes(2)));
  assertEquals(damagedParts("md5", [good, damaged]), [2]);
  // No part showed MD5 ETags (another scheme, e.g. SSE-KMS): nothing is damaged.
  assertEquals(damagedParts("md5", [damaged]), []);
  // The proof's ETag is made of the MD5s sent, not the ETags answered.
  const expected = expectedObject("md5", undefined, [good, damaged], 20);
  assertEquals(expected.eTag, multipartETag([md5Hex(bytes(1)), md5Hex(bytes(2))]));
  assertEquals(expected.eTagsShownMd5, true);
});

Deno.test("a journal checksum that is no MD5 (a CRC32, or not base64) is not taken for one", () => {
  const crc = part(1, md5Hex(bytes(1)), "AAAAAA==");
  const junk = part(2, md5Hex(bytes(2)), "not base64!");
  const good = part(3, md5Hex(bytes(3)), md5Base64(bytes(3)));
  assertEquals(damagedParts("md5", [crc, junk, good]), []);
  assertEquals(damagedParts("crc32", [part(1, md5Hex(bytes(1)), md5Base64(bytes(2)))]), []);
});
