import { S3_LIMITS } from "../../backends/types.ts";
import { GiB, MiB, TiB } from "../../backends/units.ts";
import { assertEquals, assertOk, assertThrows } from "../../backends/testing/assert.ts";
import { UsageError } from "../errors.ts";
import { planStream, streamCapacity, streamPartSize } from "./stream_plan.ts";

const EQUAL = { ...S3_LIMITS, equalPartSizes: true, maxObjectSize: 5 * TiB };

Deno.test("without a size, a stream's parts start at 16 MiB and grow to the object limit", () => {
  const plan = planStream({ limits: S3_LIMITS });
  assertEquals(plan.partSize, 16 * MiB);
  assertEquals([streamPartSize(plan, 1), streamPartSize(plan, 1000)], [16 * MiB, 16 * MiB]);
  assertEquals(streamPartSize(plan, 1001), 32 * MiB);
  assertEquals(streamPartSize(plan, 10_000), S3_LIMITS.maxPartSize, "never above the maximum");
  assertOk(streamCapacity(plan, S3_LIMITS.maxParts) >= S3_LIMITS.maxObjectSize);
});

Deno.test("--expected-size keeps the expected stream in equal parts, with room to grow", () => {
  const plan = planStream({ limits: S3_LIMITS, expectedSize: 1 * TiB });
  // 1 TiB in 90% of 10,000 parts: 117 MiB parts (whole MiB), as aws-cli sizes a known stream.
  assertEquals(plan.partSize, 117 * MiB);
  assertEquals(streamPartSize(plan, plan.growth.after), plan.partSize);
  assertOk(plan.growth.after * plan.partSize >= 1 * TiB);
  assertOk(streamCapacity(plan, S3_LIMITS.maxParts) >= S3_LIMITS.maxObjectSize);
  const small = planStream({ limits: S3_LIMITS, expectedSize: 100 * MiB });
  assertEquals([small.partSize, small.growth.after], [16 * MiB, 7]);
});

Deno.test("a store that needs equal parts gets one size that holds the object limit", () => {
  const plan = planStream({ limits: EQUAL });
  assertEquals(plan.growth.every, 0);
  assertEquals(streamPartSize(plan, 9_999), plan.partSize);
  assertOk(plan.partSize * EQUAL.maxParts >= EQUAL.maxObjectSize);
  const sized = planStream({ limits: EQUAL, expectedSize: 100 * GiB });
  assertEquals(sized.partSize, 16 * MiB, "100 GiB fits 10,000 parts of 16 MiB");
});

Deno.test("-s sets the first parts' size, within the store's part sizes", () => {
  assertEquals(planStream({ limits: S3_LIMITS, requestedPartSize: 8 * MiB }).partSize, 8 * MiB);
  assertThrows(() => planStream({ limits: S3_LIMITS, requestedPartSize: MiB }), UsageError);
  assertThrows(() => planStream({ limits: S3_LIMITS, expectedSize: 6 * TiB }), UsageError);
});
