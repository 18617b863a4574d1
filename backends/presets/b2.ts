import { definePreset } from "./defaults.ts";
import { type ProviderPreset, S3_PART_RULES } from "./preset.ts";
import { TiB } from "../units.ts";

/** Backblaze B2 */
export const B2: ProviderPreset = definePreset({
  name: "b2",
  title: "Backblaze B2",
  docs: [
    "https://www.backblaze.com/docs/cloud-storage-s3-compatible-api",
    "https://www.backblaze.com/docs/cloud-storage-use-the-aws-sdk-for-javascript-v3-with-backblaze-b2",
    "https://www.backblaze.com/apidocs/introduction-to-the-s3-compatible-api",
    "https://www.backblaze.com/apidocs/s3-upload-part",
    "https://www.backblaze.com/apidocs/s3-create-multipart-upload",
  ],
  endpoint: {
    // https://www.backblaze.com/apidocs/introduction-to-the-s3-compatible-api
    template: "https://s3.{region}.backblazeb2.com",
    hostPatterns: [/(^|\.)s3\.[a-z0-9-]+\.backblazeb2\.com$/],
    // The region (e.g. us-west-004) belongs to the account and has no default.
    required: true,
  },
  // B2 accepts both styles (same page); path-style avoids bucket-name DNS issues.
  forcePathStyle: true,
  region: {
    default: "",
    note: "The region in the bucket's endpoint, e.g. us-west-004 in " +
      "s3.us-west-004.backblazeb2.com; the account has a single region.",
  },
  checksum: {
    // B2 rejects the SDK's default checksum headers; Backblaze's AWS SDK for JavaScript v3 guide
    // covers the workaround:
    // https://www.backblaze.com/docs/cloud-storage-use-the-aws-sdk-for-javascript-v3-with-backblaze-b2
    sdkFlexibleChecksums: false,
    // Sent because S3 clients have sent Content-MD5 since the start and it costs only CPU;
    // whether B2 checks it is not documented.
    partChecksum: "md5",
    // Neither S3 Put Object nor S3 Upload Part lists Content-MD5 among its headers:
    // https://www.backblaze.com/apidocs/s3-upload-part
    contentMd5Verified: false,
  },
  limits: {
    // Part numbers 1 to 10,000: https://www.backblaze.com/apidocs/s3-upload-part
    // Parts from 5 MB (5,000,000 bytes) to 5 GiB:
    // https://www.backblaze.com/apidocs/s3-create-multipart-upload
    // 5 MiB is used as the minimum: it satisfies both readings of "5 MB".
    ...S3_PART_RULES,
    // B2 is widely reported to allow 10 TB files, not confirmed here: S3's 5 TiB is used.
    maxObjectSize: 5 * TiB,
  },
  // Not documented for the S3 API; do not assume.
  etagIsMd5: false,
  // No default purge documented (B2 lifecycle rules can cancel unfinished large files).
  unfinishedUploadTtlHours: null,
});
