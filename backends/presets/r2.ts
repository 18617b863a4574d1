import { definePreset } from "./defaults.ts";
import type { ProviderPreset } from "./preset.ts";
import { GiB, MiB, TiB } from "../units.ts";

/** Cloudflare R2 */
export const R2: ProviderPreset = definePreset({
  name: "r2",
  title: "Cloudflare R2",
  docs: [
    "https://developers.cloudflare.com/r2/objects/multipart-objects/",
    "https://developers.cloudflare.com/r2/platform/limits/",
    "https://developers.cloudflare.com/r2/api/s3/api/",
  ],
  endpoint: {
    // https://developers.cloudflare.com/r2/api/s3/api/
    template: "https://{account}.r2.cloudflarestorage.com",
    // Every host under r2.cloudflarestorage.com: account endpoints, jurisdiction ones
    // (<account>.eu.r2...) and virtual-hosted buckets in front of them.
    hostPatterns: [/\.r2\.cloudflarestorage\.com$/],
    // The account ID is part of the host.
    required: true,
  },
  region: {
    // https://developers.cloudflare.com/r2/api/s3/api/ (empty and us-east-1 alias to auto)
    default: "auto",
    note: "R2 buckets have no region; sign with auto.",
  },
  checksum: {
    // R2 lists CRC32/CRC32C/SHA composite checksums as supported
    // (https://developers.cloudflare.com/r2/api/s3/api/), but SDK 3.729's default headers broke
    // UploadPart on R2 when they shipped and trailer support is not documented: WHEN_REQUIRED.
    sdkFlexibleChecksums: false,
    // UploadPart lists Content-MD5 as implemented: https://developers.cloudflare.com/r2/api/s3/api/
    contentMd5Verified: true,
  },
  limits: {
    // 5 MiB to 5 GiB per part, all but the last of one size, 10,000 parts:
    // https://developers.cloudflare.com/r2/objects/multipart-objects/
    minPartSize: 5 * MiB,
    maxPartSize: 5 * GiB,
    maxParts: 10_000,
    equalPartSizes: true,
    // 5 GiB less than 5 TiB: https://developers.cloudflare.com/r2/platform/limits/
    maxObjectSize: 5 * TiB - 5 * GiB,
  },
  // Part ETags are MD5s and the final ETag is md5-of-md5s-N for uploads created after
  // 2023-06-21: https://developers.cloudflare.com/r2/objects/multipart-objects/
  etagIsMd5: true,
  // Default lifecycle aborts incomplete uploads after 7 days:
  // https://developers.cloudflare.com/r2/objects/multipart-objects/
  unfinishedUploadTtlHours: 7 * 24,
});
