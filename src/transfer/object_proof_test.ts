/**
 * What proves an object: values s3mpu computed from the bytes it read against values the
 * store computed; never the store's answers fed back (a multipart ETag of its part ETags).
 */
import { assertEquals } from "../../backends/testing/assert.ts";
import {
  computeChecksum,
  fullObjectChecksum,
  md5Hex,
  multipartETag,
} from "../../backends/checksum.ts";
import type { JournalEntry } from "../state/parts_journal.ts";
import { damagedParts, expectedObject, proveObject, sameChecksum } from "./object_proof.ts";

const bytes = (n: number) => new Uint8Array(10).fill(n);
const md5Base64 = (b: Uint8Array) => btoa(String.fromCharCode(...hexBytes(md5Hex(b))));
const hexBytes = (hex: string) => hex.match(/../g)!.map((h) => parseInt(h, 16));
const part = (n: number, eTag: string, checksum?: string, crc32?: string): JournalEntry => ({
  partNumber: n,
  eTag,
  uploadId: "u",
  size: 10,
  ...(checksum ? { checksum } : {}),
  ...(crc32 ? { crc32 } : {}),
});
const trusted = { etagIsMd5: true };
const untrusted = { etagIsMd5: false };

Deno.test("a Content-MD5 part whose ETag is another MD5 is damaged once another part's ETag is its MD5", () => {
  const good = part(1, md5Hex(bytes(1)), md5Base64(bytes(1)));
  const damaged = part(2, md5Hex(bytes(9)), md5Base64(bytes(2)));
  assertEquals(damagedParts("md5", [good, damaged]), [2]);
  // No part showed MD5 ETags (another scheme, e.g. SSE-KMS): nothing is damaged.
  assertEquals(damagedParts("md5", [damaged]), []);
  // The proof's ETag is made of the MD5s sent, not the ETags answered.
  const expected = expectedObject("md5", [good, damaged], 20);
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

Deno.test("no multipart ETag is built from the ETags the store answered", () => {
  // crc32 parts carry no MD5 of ours: the ETags are the store's, so nothing to compare.
  const parts = [1, 2].map((n) => part(n, md5Hex(bytes(n)), computeChecksum("crc32", bytes(n))));
  const expected = expectedObject("crc32", parts, 20);
  assertEquals(expected.eTag, undefined);
  const found = { eTag: multipartETag(parts.map((p) => p.eTag)), size: 20 };
  assertEquals(proveObject(found, expected, trusted).proved, false);
});

Deno.test("the journal's CRC32 of an md5 upload gives the FULL_OBJECT CRC32 to compare", () => {
  const parts = [1, 2].map((n) =>
    part(n, md5Hex(bytes(n)), md5Base64(bytes(n)), computeChecksum("crc32", bytes(n)))
  );
  const expected = expectedObject("md5", parts, 20);
  const whole = computeChecksum("crc32", new Uint8Array([...bytes(1), ...bytes(2)]));
  assertEquals(expected.checksums, [{ algorithm: "crc32", value: whole, type: "FULL_OBJECT" }]);
  const stored = { algorithm: "crc32" as const, value: whole, type: "FULL_OBJECT" as const };
  assertEquals(proveObject({ eTag: "x", size: 20, checksum: stored }, expected, untrusted), {
    proved: true,
    by: "full-object-crc32",
  });
});

Deno.test("a FULL_OBJECT checksum that differs is final, whatever the ETag says", () => {
  const parts = [1, 2].map((n) =>
    part(n, md5Hex(bytes(n)), md5Base64(bytes(n)), computeChecksum("crc32", bytes(n)))
  );
  const expected = expectedObject("md5", parts, 20);
  const found = {
    eTag: expected.eTag!, // the ETag matches
    size: 20,
    checksum: { algorithm: "crc32" as const, value: "AAAAAA==", type: "FULL_OBJECT" as const },
  };
  const proof = proveObject(found, expected, trusted);
  assertEquals([proof.proved, !proof.proved && proof.mismatch], [false, true]);
});

Deno.test("an MD5 ETag counts only where the preset says ETags are MD5s and nothing encrypted them", () => {
  const parts = [1, 2].map((n) => part(n, md5Hex(bytes(n)), md5Base64(bytes(n))));
  const expected = expectedObject("md5", parts, 20);
  const same = { eTag: expected.eTag!, size: 20 };
  const other = { eTag: multipartETag([md5Hex(bytes(7)), md5Hex(bytes(8))]), size: 20 };
  assertEquals(proveObject(same, expected, trusted), { proved: true, by: "multipart-etag" });
  assertEquals(proveObject(other, expected, trusted).proved, false);
  assertEquals((proveObject(other, expected, trusted) as { mismatch: boolean }).mismatch, true);
  // Not promised to be MD5s (it may echo the Content-MD5 sent), or changed by SSE-KMS:
  // neither a proof nor a difference; the object is read back.
  for (
    const [found, rules] of [[same, untrusted], [other, untrusted], [{
      ...other,
      encryption: "aws:kms",
    }, trusted]] as const
  ) {
    const proof = proveObject(found, expected, rules);
    assertEquals([proof.proved, (proof as { mismatch: boolean }).mismatch], [false, false]);
  }
});

Deno.test("a composite value without its -N, or without its type, is matched by its digest", () => {
  const sums = [1, 2].map((n) => computeChecksum("sha256", bytes(n)));
  const parts = [1, 2].map((n) => part(n, md5Hex(bytes(n)), sums[n - 1]));
  const expected = expectedObject("sha256", parts, 20);
  const composite = expected.checksums.find((c) => c.type === "COMPOSITE")!;
  const digest = composite.value.replace(/-2$/, "");
  assertEquals(sameChecksum(digest, composite.value), true);
  assertEquals(sameChecksum(`${digest}-3`, composite.value), false);
  // Named COMPOSITE but without its -N; or of no named type (guessed FULL_OBJECT).
  for (const typeGuessed of [false, true]) {
    const checksum = {
      algorithm: "sha256" as const,
      value: digest,
      type: typeGuessed ? "FULL_OBJECT" as const : "COMPOSITE" as const,
      ...(typeGuessed ? { typeGuessed } : {}),
    };
    const found = { eTag: "x", size: 20, checksum };
    assertEquals(proveObject(found, expected, untrusted), {
      proved: true,
      by: "composite-checksum",
    });
  }
  // A named FULL_OBJECT value is not taken for a composite one.
  const named = { algorithm: "sha256" as const, value: digest, type: "FULL_OBJECT" as const };
  assertEquals(
    proveObject({ eTag: "x", size: 20, checksum: named }, expected, untrusted).proved,
    false,
  );
});

Deno.test("a FULL_OBJECT CRC32 kept under CRC32C's name (moto) is the store's CRC32", () => {
  const parts = [1, 2].map((n) =>
    part(
      n,
      md5Hex(bytes(n)),
      computeChecksum("crc32c", bytes(n)),
      computeChecksum("crc32", bytes(n)),
    )
  );
  const expected = expectedObject("crc32c", parts, 20);
  const crc32 = fullObjectChecksum("crc32", parts.map((p) => ({ checksum: p.crc32!, size: 10 })));
  const found = {
    eTag: "x",
    size: 20,
    checksum: { algorithm: "crc32c" as const, value: crc32, type: "FULL_OBJECT" as const },
  };
  assertEquals(proveObject(found, expected, untrusted), { proved: true, by: "full-object-crc32" });
});

Deno.test("a size that differs is final", () => {
  const expected = expectedObject("md5", [part(1, md5Hex(bytes(1)), md5Base64(bytes(1)))], 10);
  const proof = proveObject({ eTag: expected.eTag!, size: 11 }, expected, trusted);
  assertEquals([proof.proved, (proof as { mismatch: boolean }).mismatch], [false, true]);
});
