/** The part ETag check: silent until the store has shown MD5 ETags, then a retryable error. */
import { assertEquals, assertThrows } from "../testing/assert.ts";
import { BackendError } from "../errors.ts";
import { md5Base64ToHex } from "../etag.ts";
import { PartETagCheck } from "./part_etag_check.ts";

const HELLO = "XUFAKrxLKna5cZ2REBfFkg=="; // MD5 of "hello"
const HELLO_HEX = "5d41402abc4b2a76b9719d911017c592";
const OTHER_HEX = "0123456789abcdef0123456789abcdef";

Deno.test("md5Base64ToHex gives the hex an MD5 ETag shows", () => {
  assertEquals(md5Base64ToHex(HELLO), HELLO_HEX);
});

Deno.test("a mismatching ETag before any match proves nothing (another ETag scheme)", () => {
  const check = new PartETagCheck();
  check.check(1, HELLO, OTHER_HEX); // no throw
  check.check(2, HELLO, "not-hex"); // no throw
});

Deno.test("once a part's ETag was its MD5, another part's other MD5 is damage, retryable", () => {
  const check = new PartETagCheck();
  check.check(1, HELLO, HELLO_HEX.toUpperCase());
  const error = assertThrows(() => check.check(2, HELLO, OTHER_HEX), BackendError);
  assertEquals((error as BackendError).retryable, true);
  assertEquals((error as BackendError).details.code, "PartETagMismatch");
  check.check(3, HELLO, "abc-2"); // not an MD5: not compared
});
