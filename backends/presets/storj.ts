import { definePreset } from "./defaults.ts";
import type { ProviderPreset } from "./preset.ts";
import { GiB, MiB } from "../units.ts";

/** Storj (hosted S3 gateway) */
export const STORJ: ProviderPreset = definePreset({
  name: "storj",
  title: "Storj (hosted S3 gateway)",
  docs: [
    "https://storj.dev/dcs/api/s3/s3-compatibility",
    "https://storj.dev/dcs/api/s3/multipart-upload/multipart-part-size",
    "https://github.com/storj/gateway-st/issues/105",
  ],
  endpoint: {
    // https://storj.dev/dcs/api/s3/s3-compatibility (also regional gateway.<region>.storjshare.io)
    template: "https://gateway.storjshare.io",
    hostPatterns: [/(^|\.)gateway(\.[a-z0-9-]+)?\.storjshare\.io$/],
    required: false,
  },
  region: {
    note: "The gateway does not route by region (Storj's own example signs with eu1); not " +
      "confirmed as a rule.",
  },
  checksum: {
    // Flexible checksums are still being planned for the gateway
    // (https://github.com/storj/gateway-st/issues/105): WHEN_REQUIRED.
    sdkFlexibleChecksums: false,
    // Sent because it costs only CPU; verification is not documented.
    partChecksum: "md5",
  },
  limits: {
    // Hard limits: at least 5 MiB per part except the last, at most 10,000 parts, no object
    // size cap: https://storj.dev/dcs/api/s3/s3-compatibility
    minPartSize: 5 * MiB,
    // No maximum part size is documented: S3's 5 GiB is used.
    maxPartSize: 5 * GiB,
    maxParts: 10_000,
    maxObjectSize: 10_000 * 5 * GiB,
  },
  // 64 MiB is a recommendation, not a limit: smaller parts still work but become more segments,
  // which cost more and run slower:
  // https://storj.dev/dcs/api/s3/multipart-upload/multipart-part-size
  recommendedPartSize: 64 * MiB,
  // Not documented; do not assume.
  etagIsMd5: false,
  // No automatic purge documented.
  unfinishedUploadTtlHours: null,
});
