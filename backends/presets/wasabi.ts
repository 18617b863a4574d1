import { definePreset } from "./defaults.ts";
import { type ProviderPreset, S3_PART_RULES, TB } from "./preset.ts";

/** Wasabi */
export const WASABI: ProviderPreset = definePreset({
  name: "wasabi",
  title: "Wasabi",
  docs: [
    "https://docs.wasabi.com/docs/rest-api-introduction",
    "https://docs.wasabi.com/docs/how-does-wasabi-handle-multipart-uploads",
    "https://knowledgebase.wasabi.com/hc/en-us/articles/360030872392-How-does-Wasabi-handle-multipart-uploads-",
  ],
  endpoint: {
    // The docs name s3.wasabisys.com (us-east-1): https://docs.wasabi.com/docs/rest-api-introduction
    // Regional hosts s3.<region>.wasabisys.com come from Wasabi's service-URL list, which
    // was not re-read here.
    template: "https://s3.{region}.wasabisys.com",
    hostPatterns: [/(^|\.)s3(\.[a-z0-9-]+)?\.wasabisys\.com$/],
    required: false,
  },
  // Wasabi recommends path-style requests: https://docs.wasabi.com/docs/rest-api-introduction
  forcePathStyle: true,
  region: {
    note: "The bucket's Wasabi region, e.g. eu-central-1; it also selects the endpoint.",
  },
  checksum: {
    // Not documented; uploads with the SDK's default checksums are reported to fail on Wasabi
    // (stonith404/pingvin-share issue 788). WHEN_REQUIRED.
    sdkFlexibleChecksums: false,
    // BadDigest is in Wasabi's error table: https://docs.wasabi.com/docs/rest-api-introduction
    contentMd5Verified: true,
    // That check is the only per-part one (ETags are not assumed to be MD5s): worth the
    // first pass over each part it needs.
    md5Header: true,
  },
  limits: {
    // Wasabi follows AWS's multipart rules apart from lifecycle handling:
    // https://docs.wasabi.com/docs/how-does-wasabi-handle-multipart-uploads
    ...S3_PART_RULES,
    // Wasabi's FAQ gives "5 terabytes" per object (quoted, not read on wasabi.com here); the
    // decimal reading is the smaller one.
    maxObjectSize: 5 * TB,
  },
  // Not documented; do not assume.
  etagIsMd5: false,
  // An older Wasabi article says uncommitted multipart uploads are deleted after a fixed 30
  // days; the current page bills them as active storage for 30 days and adds lifecycle
  // rules without restating the deletion. 30 days is the conservative reading:
  // https://knowledgebase.wasabi.com/hc/en-us/articles/360030872392-How-does-Wasabi-handle-multipart-uploads-
  unfinishedUploadTtlHours: 30 * 24,
});
