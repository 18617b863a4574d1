import { definePreset, verifiedCrc32FullObject } from "./defaults.ts";
import type { ProviderPreset } from "./preset.ts";

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
  // S3 verifies CRC32 at UploadPart (feature-dataintegrity.html), keeps FULL_OBJECT CRCs
  // (checking-object-integrity.html) and refuses a bad Content-MD5 (API_UploadPart.html):
  // https://docs.aws.amazon.com/AmazonS3/latest/userguide/checking-object-integrity.html
  // Trailing checksums (aws-chunked, x-amz-trailer) are what AWS's own SDKs send by default:
  // https://docs.aws.amazon.com/AmazonS3/latest/API/sigv4-streaming-trailers.html
  checksum: { ...verifiedCrc32FullObject, trailingChecksum: true },
  // S3's part rules and 48.8 TiB (10,000 x 5 GiB) per object, the defaults (qfacts.html; older
  // pages and S3_LIMITS in types.ts still say 5 TiB).
  // Objects stored as plaintext or with SSE-S3 have MD5 ETags; SSE-C/SSE-KMS ones do not, and
  // AWS calls multipart ETags opaque (md5-of-md5s-N is observed, not documented):
  // https://docs.aws.amazon.com/AmazonS3/latest/API/API_Object.html
  etagIsMd5: true,
  // No default purge; only an AbortIncompleteMultipartUpload lifecycle rule removes them:
  // https://docs.aws.amazon.com/AmazonS3/latest/API/API_AbortIncompleteMultipartUpload.html
  unfinishedUploadTtlHours: null,
  // If-None-Match: * on PutObject and CompleteMultipartUpload: 412 PreconditionFailed where
  // the key holds an object, 409 ConditionalRequestConflict on a race (send it again):
  // https://docs.aws.amazon.com/AmazonS3/latest/userguide/conditional-writes.html
  conditionalWrites: true,
});
