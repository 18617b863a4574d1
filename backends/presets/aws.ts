import { definePreset } from "./defaults.ts";
import { type ProviderPreset, S3_PART_RULES } from "./preset.ts";
import { GiB } from "../units.ts";

/** Amazon S3 */
export const AWS: ProviderPreset = definePreset({
  name: "aws",
  title: "Amazon S3",
  docs: [
    "https://docs.aws.amazon.com/AmazonS3/latest/userguide/qfacts.html",
    "https://docs.aws.amazon.com/sdkref/latest/guide/feature-dataintegrity.html",
    "https://docs.aws.amazon.com/AmazonS3/latest/API/API_UploadPart.html",
    "https://docs.aws.amazon.com/AmazonS3/latest/API/API_Object.html",
    "https://docs.aws.amazon.com/AmazonS3/latest/API/API_AbortIncompleteMultipartUpload.html",
  ],
  endpoint: {
    template: "https://s3.{region}.amazonaws.com",
    // Regional, legacy global, dash-style (s3-us-west-2), dualstack/FIPS/accelerate, virtual-
    // hosted (bucket.s3...) and China (.amazonaws.com.cn) hosts.
    hostPatterns: [/(^|\.)s3([.-][a-z0-9-]+)*\.amazonaws\.com(\.cn)?$/],
    required: false,
  },
  // AWS prefers virtual-hosted addressing and has deprecated path-style for new buckets.
  forcePathStyle: false,
  region: {
    note: "The bucket's AWS region, e.g. eu-west-1 (the S3 console shows it).",
  },
  checksum: {
    // The SDK's default CRC32 headers are S3's own feature:
    // https://docs.aws.amazon.com/sdkref/latest/guide/feature-dataintegrity.html
    sdkFlexibleChecksums: true,
    // S3 verifies a flexible checksum on every UploadPart (same page). CRC32 rather than
    // CRC32C because of CPU cost here: Deno's node:zlib has a native crc32 (about 3 GB/s on
    // x86-64 with Deno 2.9.6), while CRC32C has no native binding in Deno and runs
    // table-driven in JavaScript (src/checksum.ts: about 290 MB/s on the same machine), which
    // a fast link can outrun.
    // Both are 32-bit CRCs with the same error detection for this purpose; CRC32 is also the
    // SDK's own default, so S3-side tooling shows the same algorithm.
    partChecksum: "crc32",
    // S3 keeps FULL_OBJECT CRC-64/NVME, CRC-32 and CRC-32C checksums of multipart objects and
    // rejects a Complete whose value does not match the bytes:
    // https://docs.aws.amazon.com/AmazonS3/latest/userguide/checking-object-integrity.html
    fullObjectChecksum: true,
    // UploadPart rejects a mismatching Content-MD5 with BadDigest:
    // https://docs.aws.amazon.com/AmazonS3/latest/API/API_UploadPart.html
    contentMd5Verified: true,
  },
  limits: {
    ...S3_PART_RULES,
    // The current user guide gives 48.8 TiB, i.e. exactly 10,000 x 5 GiB (older pages and
    // translations, and S3_LIMITS in types.ts, still say 5 TiB):
    // https://docs.aws.amazon.com/AmazonS3/latest/userguide/qfacts.html
    maxObjectSize: 10_000 * 5 * GiB,
  },
  // Objects stored as plaintext or with SSE-S3 have MD5 ETags; SSE-C/SSE-KMS ones do not, and
  // AWS calls multipart ETags opaque (md5-of-md5s-N is observed, not documented):
  // https://docs.aws.amazon.com/AmazonS3/latest/API/API_Object.html
  etagIsMd5: true,
  // No default purge; only an AbortIncompleteMultipartUpload lifecycle rule removes them:
  // https://docs.aws.amazon.com/AmazonS3/latest/API/API_AbortIncompleteMultipartUpload.html
  unfinishedUploadTtlHours: null,
});
