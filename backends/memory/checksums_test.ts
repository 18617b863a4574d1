import { assertEquals } from "../../src/testing/assert.ts";
import { computeChecksum, crc32, crc32c, md5Hex, multipartETag } from "./checksums.ts";

const digits = new TextEncoder().encode("123456789");

Deno.test("crc32 and crc32c match the standard check values", () => {
  assertEquals(crc32(digits), 0xcbf43926);
  assertEquals(crc32c(digits), 0xe3069283);
  assertEquals(crc32(new Uint8Array()), 0);
  assertEquals(crc32c(new Uint8Array()), 0);
  // RFC 3720, appendix B.4.
  assertEquals(crc32c(new Uint8Array(32)), 0x8a9136aa);
  assertEquals(crc32c(new Uint8Array(32).fill(0xff)), 0x62a8ab43);
  // zlib.crc32 over every byte value, repeated.
  const all = new Uint8Array(256 * 40).map((_, i) => i & 0xff);
  assertEquals(crc32(all), 0xbbce3b9d);
});

Deno.test("computeChecksum gives the base64 header values S3 expects", () => {
  assertEquals(computeChecksum("none", digits), "");
  assertEquals(computeChecksum("crc32", digits), "y/Q5Jg==");
  assertEquals(computeChecksum("crc32c", digits), "4waSgw==");
  assertEquals(computeChecksum("md5", digits), "JfnnlDI7RTiF9RgfG2JNCw==");
  assertEquals(
    computeChecksum("sha256", digits),
    "FeKw08M4keuw8e9gnsQZQgwg4yDOlMZfvIwzEkSOsiU=",
  );
});

Deno.test("multipartETag is the MD5 of the binary part MD5s with a count suffix", () => {
  const parts = [new TextEncoder().encode("aaaaa"), new TextEncoder().encode("bbb")];
  const expected = "72d27afac8e2fbd3662861b9d607a02c-2";
  assertEquals(multipartETag(parts.map(md5Hex)), expected);
  assertEquals(multipartETag(parts.map((p) => `"${md5Hex(p)}"`)), expected);
});
