import { assertEquals } from "./testing/assert.ts";
import { checksumHasher, crc32c, md5Hex, multipartETag, partChecksum } from "./checksum.ts";
import { createHash } from "node:crypto";

const text = (s: string) => new TextEncoder().encode(s);

Deno.test("partChecksum matches known vectors", () => {
  // "123456789" is the standard check input: CRC-32 0xCBF43926, CRC-32C 0xE3069283.
  assertEquals(partChecksum("crc32", text("123456789")).value, btoa("\xcb\xf4\x39\x26"));
  assertEquals(crc32c(text("123456789")), 0xe3069283);
  assertEquals(partChecksum("crc32c", text("123456789")).value, btoa("\xe3\x06\x92\x83"));
  assertEquals(partChecksum("md5", text("")).value, "1B2M2Y8AsgTpgAmY7PhCfg==");
  assertEquals(
    partChecksum("sha256", text("abc")).value,
    "ungWv48Bz+pBQUDeXa4iI7ADYaOWF3qctBD/YfIAFa0=",
  );
  assertEquals(partChecksum("none", text("abc")).value, "");
});

Deno.test("multipartETag is the MD5 of the part MD5s with the count", () => {
  const parts = [text("a".repeat(10)), text("b".repeat(3))];
  const md5s = parts.map((p) => createHash("md5").update(p).digest());
  const expected = createHash("md5").update(new Uint8Array([...md5s[0], ...md5s[1]])).digest("hex");
  assertEquals(
    multipartETag(parts.map((p) => createHash("md5").update(p).digest("hex"))),
    `${expected}-2`,
  );
});

Deno.test("CRC vectors: empty input, RFC 3720 B.4, every byte value", () => {
  assertEquals(crc32c(new Uint8Array()), 0);
  assertEquals(crc32c(new Uint8Array(32)), 0x8a9136aa);
  assertEquals(crc32c(new Uint8Array(32).fill(0xff)), 0x62a8ab43);
  const all = new Uint8Array(256 * 40).map((_, i) => i & 0xff);
  assertEquals(partChecksum("crc32", all).value, btoa("\xbb\xce\x3b\x9d"));
  assertEquals(partChecksum("crc32", new Uint8Array()).value, "AAAAAA==");
});

Deno.test("multipartETag accepts quoted part ETags", () => {
  const parts = [text("aaaaa"), text("bbb")];
  assertEquals(multipartETag(parts.map(md5Hex)), "72d27afac8e2fbd3662861b9d607a02c-2");
  assertEquals(
    multipartETag(parts.map((p) => `"${md5Hex(p)}"`)),
    "72d27afac8e2fbd3662861b9d607a02c-2",
  );
});

Deno.test("checksumHasher's value can be asked twice (a trailer, then the journal line)", () => {
  for (const algorithm of ["md5", "sha256", "crc32", "crc32c"] as const) {
    const hasher = checksumHasher(algorithm);
    hasher.update(text("abc"));
    const first = hasher.value();
    assertEquals([first, hasher.value()], [first, partChecksum(algorithm, text("abc")).value]);
  }
});
