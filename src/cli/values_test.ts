import { assertEquals, assertThrows } from "../../backends/testing/assert.ts";
import {
  checkBucketName,
  checkKey,
  OBJECT_SIZE_BOUNDS,
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

const RATE = { minBytes: 8 * 1024, maxBytes: 100 * 1024 ** 3 };

Deno.test("parseRate reads a size per second, with or without /s", () => {
  assertEquals(parseRate("--limit-rate", "20MiB", RATE), 20 * 1024 ** 2);
  assertEquals(parseRate("--limit-rate", "10MB/s", RATE), 10 * 1024 ** 2);
  assertEquals(parseRate("--limit-rate", "500k", RATE), 500 * 1024);
  assertThrows(() => parseRate("--limit-rate", "fast", RATE), UsageError, /--limit-rate/);
});

Deno.test("a rate has its own range, not an object's", () => {
  for (const bad of ["-5", "1KB", "0"]) {
    assertThrows(
      () => parseRate("--limit-rate", bad, RATE),
      UsageError,
      new RegExp(`--limit-rate takes a rate from 8KiB to 100GiB per second; got "${bad}"`),
      bad,
    );
  }
  assertThrows(
    () => parseRate("--limit-rate", "10TB", RATE),
    UsageError,
    /--limit-rate takes at most 100GiB per second \(omit --limit-rate for no limit\); got "10TB"/,
  );
  assertEquals(parseRate("--limit-rate", "100GiB/s", RATE), RATE.maxBytes);
});

Deno.test("a negative value gets the option's range, for sizes and durations", () => {
  const split = { ...OBJECT_SIZE_BOUNDS, rangeText: "a part size from 5 MiB to 5 GiB" };
  assertThrows(
    () => parseByteSize("-s", "-1", split),
    UsageError,
    /-s takes a part size from 5 MiB to 5 GiB; got "-1"/,
  );
  assertThrows(
    () => parseByteSize("-s", "-5MiB"),
    UsageError,
    /-s takes a whole number of bytes from 1 to 5 TiB .*; got "-5MiB"/,
  );
  assertThrows(
    () => parseDuration("--older-than", "-1d"),
    UsageError,
    /--older-than takes a duration from 0s to 3650d; got "-1d"/,
  );
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
