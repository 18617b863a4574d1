import { assertEquals, assertThrows } from "../../backends/testing/assert.ts";
import {
  checkBucketName,
  checkKey,
  parseByteSize,
  parseDuration,
  parseIntIn,
  parseRate,
} from "./values.ts";
import { UsageError } from "../errors.ts";

Deno.test("parseByteSize reads bytes and binary units", () => {
  const cases: Array<[string, number]> = [
    ["5242880", 5242880],
    ["16MiB", 16 * 1024 ** 2],
    ["16m", 16 * 1024 ** 2],
    ["1GiB", 1024 ** 3],
    ["64 KiB", 64 * 1024],
    ["1.5GiB", 1.5 * 1024 ** 3],
    // aws-cli's convention: KB/MB/GB are powers of 1,024 too.
    ["64MB", 64 * 1024 ** 2],
    ["8kb", 8 * 1024],
    ["2GB", 2 * 1024 ** 3],
    ["1TB", 1024 ** 4],
  ];
  for (const [text, bytes] of cases) assertEquals(parseByteSize("-s", text), bytes, text);
  for (const bad of ["", "0", "-5", "abc", "5XB", "0.3"]) {
    assertThrows(() => parseByteSize("-s", bad), UsageError, /-s/, bad);
  }
});

Deno.test("parseIntIn and parseDuration check their ranges", () => {
  assertEquals(parseIntIn("-t", "8", 1, 64), 8);
  for (const bad of ["0", "65", "x", "1.5", ""]) {
    assertThrows(() => parseIntIn("-t", bad, 1, 64), UsageError, /from 1 to 64/, bad);
  }
  assertEquals(parseDuration("--older-than", "24h"), 86_400_000);
  assertEquals(parseDuration("--older-than", "90"), 90_000);
  assertThrows(() => parseDuration("--older-than", "soon"), UsageError);
});

Deno.test("bucket and key names follow S3's rules", () => {
  for (const ok of ["my-bucket", "a.b.c", "abc", "x".repeat(63)]) checkBucketName(ok);
  for (
    const bad of ["ab", "My-Bucket", "-abc", "abc-", "a..b", "192.168.1.1", "a_b", "x".repeat(64)]
  ) {
    assertThrows(() => checkBucketName(bad), UsageError, /Bucket name/, bad);
  }
  checkKey("data/input.txt");
  assertThrows(() => checkKey(""), UsageError, /empty/);
  assertThrows(() => checkKey("é".repeat(513)), UsageError, /1,024/);
});

Deno.test("parseRate reads a size per second, with or without /s", () => {
  assertEquals(parseRate("--limit-rate", "20MiB"), 20 * 1024 ** 2);
  assertEquals(parseRate("--limit-rate", "10MB/s"), 10 * 1024 ** 2);
  assertEquals(parseRate("--limit-rate", "500k"), 500 * 1024);
  assertThrows(() => parseRate("--limit-rate", "fast"), UsageError, /--limit-rate/);
});

Deno.test("durations have bounds: --request-timeout 0s is refused", () => {
  const bounds = { minMs: 1000, maxMs: 3_600_000 };
  assertEquals(parseDuration("--request-timeout", "1s", bounds), 1000);
  assertEquals(parseDuration("--request-timeout", "1h", bounds), 3_600_000);
  for (const bad of ["0s", "0", "2h"]) {
    assertThrows(
      () => parseDuration("--request-timeout", bad, bounds),
      UsageError,
      /from 1s to 1h/,
      bad,
    );
  }
});
