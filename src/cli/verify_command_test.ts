import { createHash } from "node:crypto";
import { S3_LIMITS } from "../../backends/types.ts";
import { multipartETag } from "../checksum.ts";
import { assertEquals, assertMatch, assertOk } from "../testing/assert.ts";
import { candidatePartSizes, compare, etagParts, partMd5s } from "./verify_command.ts";

const MiB = 1024 * 1024;
const LIMITS = { ...S3_LIMITS };

function md5(bytes: Uint8Array): string {
  return createHash("md5").update(bytes).digest("hex");
}

async function tempFile(size: number) {
  const dir = await Deno.makeTempDir();
  const path = `${dir}/f.bin`;
  const bytes = new Uint8Array(size);
  for (let i = 0; i < size; i += 65536) {
    crypto.getRandomValues(bytes.subarray(i, Math.min(size, i + 65536)));
  }
  await Deno.writeFile(path, bytes);
  return { path, bytes, cleanup: () => Deno.remove(dir, { recursive: true }) };
}

function expectedETag(bytes: Uint8Array, partSize: number): string {
  const md5s: string[] = [];
  for (let at = 0; at < bytes.length; at += partSize) {
    md5s.push(md5(bytes.subarray(at, at + partSize)));
  }
  return multipartETag(md5s);
}

Deno.test("etagParts reads the part count", () => {
  assertEquals(etagParts("9b2cf535f27731c974343645a3985328-3"), 3);
  assertEquals(etagParts("9b2cf535f27731c974343645a3985328"), 1);
  assertEquals(etagParts("not-an-md5"), null);
});

Deno.test("candidatePartSizes: the requested size, the planner's, size/N rounded and exact", () => {
  const size = 40_000_000;
  // 8 parts: 5 MiB (size/8 rounded up to a MiB) and 5,000,000 (exact, and the seed's default).
  assertEquals(candidatePartSizes(size, 8, LIMITS), [5 * MiB, 5_000_000]);
  // 3 parts: the planner's 16 MiB first.
  assertEquals(candidatePartSizes(size, 3, LIMITS).slice(0, 3), [16 * MiB, 13 * MiB, 13_333_334]);
  assertEquals(candidatePartSizes(size, 3, LIMITS).length, 5, "capped");
  // A requested size that fits is the only one tried; one that does not is dropped.
  assertEquals(candidatePartSizes(size, 3, LIMITS, 15 * MiB), [15 * MiB]);
  assertEquals(candidatePartSizes(size, 8, LIMITS, 8 * MiB), [5 * MiB, 5_000_000]);
  assertEquals(candidatePartSizes(size, 1, LIMITS), [size]);
  for (const n of [2, 7, 100]) {
    for (const ps of candidatePartSizes(123_456_789, n, LIMITS)) {
      assertEquals(Math.ceil(123_456_789 / ps), n, `${ps} gives ${n} parts`);
    }
  }
});

Deno.test("partMd5s reads once in blocks, for several part sizes at once", async () => {
  const file = await tempFile(1_000_003);
  for (const block of [4096, 65536, 333_333, 8 * MiB]) {
    const [a, b, c] = await partMd5s(file.path, [100_000, 262_144, 1_000_003], block);
    assertEquals(a.length, 11);
    assertEquals(a[10], md5(file.bytes.subarray(1_000_000)));
    assertEquals(
      b,
      [0, 1, 2, 3].map((i) => md5(file.bytes.subarray(i * 262_144, (i + 1) * 262_144))),
    );
    assertEquals(c, [md5(file.bytes)]);
  }
  await file.cleanup();
});

Deno.test("compare: multipart ETag match found without -s, mismatch after a change", async () => {
  const file = await tempFile(12 * MiB + 1000);
  const eTag = expectedETag(file.bytes, 5 * MiB);
  const base = {
    file: file.path,
    size: file.bytes.length,
    where: "s3://b/k",
    limits: LIMITS,
    etagIsMd5: true,
    providerName: "minio",
  };
  const ok = await compare({ ...base, object: { size: file.bytes.length, eTag } });
  assertEquals([ok.match, ok.strength, ok.method, ok.partSize], [
    true,
    "strong",
    "multipart-etag",
    5 * MiB,
  ]);
  assertMatch(ok.message, /^Match: /);
  const other = expectedETag(file.bytes.map((b) => b ^ 1), 5 * MiB);
  const bad = await compare({ ...base, object: { size: file.bytes.length, eTag: other } });
  assertEquals([bad.match, bad.strength], [false, "strong"]);
  assertMatch(bad.message, /^Mismatch: s3:\/\/b\/k is not .*: its ETag .* matches none/);
  assertOk(!bad.message.includes("\n"), "one line");
  const withS = await compare({
    ...base,
    requested: 5 * MiB,
    object: { size: file.bytes.length, eTag: other },
  });
  assertEquals(withS.triedPartSizes, [5 * MiB]);
  assertEquals(withS.message.includes("pass that with -s"), false);
  const size = await compare({ ...base, object: { size: 5, eTag } });
  assertEquals([size.match, size.method], [false, "size"]);
  await file.cleanup();
});

Deno.test("compare: single-part MD5, and the weaker check where ETags are not MD5s", async () => {
  const file = await tempFile(70_000);
  const base = {
    file: file.path,
    size: file.bytes.length,
    where: "s3://b/k",
    limits: LIMITS,
    etagIsMd5: true,
    providerName: "aws",
  };
  const single = await compare({ ...base, object: { size: 70_000, eTag: md5(file.bytes) } });
  assertEquals([single.match, single.method], [true, "md5"]);
  const wrong = "0".repeat(32);
  const differs = await compare({ ...base, object: { size: 70_000, eTag: wrong } });
  assertEquals([differs.match, differs.method], [false, "md5"]);
  const weak = await compare({
    ...base,
    etagIsMd5: false,
    providerName: "r2",
    object: { size: 70_000, eTag: wrong },
  });
  assertEquals([weak.match, weak.strength, weak.method], [true, "weak", "size"]);
  assertMatch(weak.message, /weaker check.*r2 provider preset says the store's ETags are not MD5s/);
  const opaque = await compare({ ...base, object: { size: 70_000, eTag: "opaque-etag" } });
  assertEquals([opaque.match, opaque.strength], [true, "weak"]);
  const big = 40 * MiB;
  const impossible = await compare({
    ...base,
    etagIsMd5: false,
    size: big,
    object: { size: big, eTag: `${wrong}-20000` },
  });
  assertEquals(impossible.match, false, "more parts than the store allows");
  await file.cleanup();
});
