import { assertEquals, assertThrows } from "../../backends/testing/assert.ts";
import { DEFAULT_PART_SIZE, plannedParts, planParts, replanParts } from "./part_plan.ts";
import { S3_LIMITS } from "../../backends/types.ts";
import { UsageError } from "../errors.ts";
import { MiB } from "../testing/files.ts";

const GiB = 1024 * MiB;

Deno.test("planParts picks sizes within the limits", () => {
  const cases: Array<[string, number, number | undefined, number, number]> = [
    // name, file size, requested, expected part size, expected count
    ["one byte", 1, undefined, DEFAULT_PART_SIZE, 1],
    ["exactly one default part", DEFAULT_PART_SIZE, undefined, DEFAULT_PART_SIZE, 1],
    ["one byte over a part", DEFAULT_PART_SIZE + 1, undefined, DEFAULT_PART_SIZE, 2],
    ["1 GiB default", GiB, undefined, DEFAULT_PART_SIZE, 64],
    ["explicit 5 MiB", 12 * MiB, 5 * MiB, 5 * MiB, 3],
    ["explicit exact minimum", 5 * MiB, 5 * MiB, 5 * MiB, 1],
    ["default grows past 10,000 parts", 200 * GiB, undefined, 21 * MiB, 9753],
    [
      "default at the 10,000 edge",
      10_000 * DEFAULT_PART_SIZE,
      undefined,
      DEFAULT_PART_SIZE,
      10_000,
    ],
    ["one byte past the edge grows", 10_000 * DEFAULT_PART_SIZE + 1, undefined, 17 * MiB, 9412],
    ["5 TiB fits", 5 * 1024 * GiB, undefined, 525 * MiB, 9987],
  ];
  for (const [name, fileSize, requested, partSize, count] of cases) {
    const plan = planParts({ fileSize, requestedPartSize: requested, limits: S3_LIMITS });
    assertEquals([plan.partSize, plan.partCount], [partSize, count], name);
    assertEquals(plan.partCount <= S3_LIMITS.maxParts, true, name);
  }
});

Deno.test("planParts honours a provider's larger minimum and smaller part count", () => {
  const storj = { ...S3_LIMITS, minPartSize: 64 * MiB };
  assertEquals(planParts({ fileSize: GiB, limits: storj }).partSize, 64 * MiB);
  assertEquals(
    planParts({ fileSize: GiB, limits: S3_LIMITS, preferredPartSize: 64 * MiB }).partSize,
    64 * MiB,
  );
  const scaleway = { ...S3_LIMITS, maxParts: 1000 };
  const plan = planParts({ fileSize: 100 * GiB, limits: scaleway });
  assertEquals([plan.partSize, plan.partCount], [103 * MiB, 995]);
});

Deno.test("planParts refuses bad sizes with a message naming the fix", () => {
  const cases: Array<[string, number, number | undefined, RegExp]> = [
    ["empty file", 0, undefined, /empty/],
    ["seed default below 5 MiB", 100 * MiB, 5_000_000, /below .* minimum .* -s 5242880/],
    ["above 5 GiB", 100 * GiB, 6 * GiB, /above .* maximum/],
    ["too many parts", 100 * GiB, 5 * MiB, /20480 parts.*Use -s 10737419 or more/],
    ["larger than 5 TiB", 5 * 1024 * GiB + 1, undefined, /larger than/],
  ];
  for (const [name, fileSize, requested, message] of cases) {
    assertThrows(
      () => planParts({ fileSize, requestedPartSize: requested, limits: S3_LIMITS }),
      UsageError,
      message,
      name,
    );
  }
});

Deno.test("planParts plans a chunk directory as one part per chunk, whatever -s asks", () => {
  const chunkSizes = [6 * MiB, 6 * MiB, MiB];
  const plan = planParts({ fileSize: 13 * MiB, chunkSizes, limits: S3_LIMITS });
  assertEquals([plan.partSize, plan.partCount, plan.fileSize], [6 * MiB, 3, 13 * MiB]);
  assertEquals(plannedParts(plan).map((p) => [p.offset, p.size]), [
    [0, 6 * MiB],
    [6 * MiB, 6 * MiB],
    [12 * MiB, MiB],
  ]);
  assertThrows(
    () =>
      planParts({ fileSize: 13 * MiB, chunkSizes, requestedPartSize: 5 * MiB, limits: S3_LIMITS }),
    UsageError,
    /does not match the chunks/,
  );
  assertThrows(
    () => planParts({ fileSize: 4, chunkSizes: [2, 2], limits: S3_LIMITS }),
    UsageError,
    /below the store.s minimum part size/,
  );
});

Deno.test("replanParts keeps a recorded upload's part size, or says why it cannot", () => {
  const limits = S3_LIMITS;
  const fileSize = 12 * MiB;
  assertEquals(
    replanParts({ fileSize, limits, recordedPartSize: 5 * MiB }),
    { plan: { fileSize, partSize: 5 * MiB, partCount: 3 } },
  );
  assertEquals(
    replanParts({ fileSize, limits, recordedPartSize: 5 * MiB, requestedPartSize: 6 * MiB }),
    { conflict: "split_size", requested: 6 * MiB },
  );
  const tooSmall = replanParts({ fileSize, limits, recordedPartSize: MiB });
  assertEquals("conflict" in tooSmall && tooSmall.conflict, "invalid");
  const chunks = [6 * MiB, 6 * MiB];
  assertEquals(
    replanParts({ fileSize, chunkSizes: chunks, limits, recordedPartSize: 5 * MiB }),
    { conflict: "chunk_size", partSize: 6 * MiB },
  );
});
