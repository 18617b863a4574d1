import { assertEquals } from "../testing/assert.ts";
import { definePreset } from "./defaults.ts";
import { S3_PART_RULES } from "./preset.ts";

Deno.test("a provider's overrides win field by field; the rest are the defaults", () => {
  const preset = definePreset({
    name: "x",
    title: "X",
    docs: [],
    region: { note: "any" },
    checksum: { partChecksum: "crc32" },
    limits: { maxParts: 1_000 },
  });
  assertEquals(preset.checksum, {
    sdkFlexibleChecksums: false,
    partChecksum: "crc32",
    fullObjectChecksum: false,
    contentMd5Verified: false,
  });
  assertEquals(preset.limits.maxParts, 1_000);
  assertEquals(preset.limits.minPartSize, S3_PART_RULES.minPartSize);
  assertEquals(preset.region, { default: "us-east-1", note: "any" });
  assertEquals([preset.forcePathStyle, preset.etagIsMd5, preset.endpoint.required], [
    true,
    false,
    true,
  ]);
});
