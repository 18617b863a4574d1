import { definePreset, verifiedCrc32FullObject } from "./defaults.ts";
import type { ProviderPreset } from "./preset.ts";

/** SeaweedFS (S3 gateway) */
export const SEAWEEDFS: ProviderPreset = definePreset({
  name: "seaweedfs",
  title: "SeaweedFS (S3 gateway)",
  docs: [
    "https://github.com/seaweedfs/seaweedfs/wiki/Amazon-S3-API",
    "https://github.com/seaweedfs/seaweedfs/blob/master/weed/s3api/filer_multipart.go",
    "https://github.com/seaweedfs/seaweedfs/blob/master/weed/s3api/s3api_object_handlers_multipart.go",
    "https://github.com/seaweedfs/seaweedfs/blob/master/weed/s3api/s3api_bucket_handlers.go",
    "https://github.com/seaweedfs/seaweedfs/blob/master/weed/s3api/s3api_object_handlers_put.go",
    "https://github.com/seaweedfs/seaweedfs/blob/master/weed/s3api/stats.go",
  ],
  endpoint: {
    // Self-hosted (`weed server -s3` or `weed s3`): only the user knows the URL.
    hostPatterns: [],
    // "Server: SeaweedFS <version>" on S3 answers where the gateway sets it (weed/s3api/stats.go,
    // track); some releases leave it out, and then the store is not recognised.
    serverHeader: /^SeaweedFS\b/,
  },
  // Virtual-hosted buckets only with -s3.domainName.
  forcePathStyle: true,
  region: {
    note: "SeaweedFS does not route by region; any region signs (us-east-1 is used).",
  },
  // Verified CRC32 per part (s3api_object_handlers_put.go: BadDigest; conformance suite via
  // scripts/test_more_stores.sh), FULL_OBJECT kept (measured 2026-11-27). ListParts omits it
  // (see deviations). Content-MD5 is compared in the source (putToFiler) but the wiki does
  // not promise it: false, the conservative reading.
  checksum: { ...verifiedCrc32FullObject, contentMd5Verified: false },
  // S3's part rules, the defaults: EntityTooSmall below 5 MiB (filer_multipart.go), 10,000
  // parts listed (s3api_object_handlers_multipart.go), no maximum part size documented.
  // Part ETags are the MD5 of the part and the completed ETag is md5-of-md5s-N
  // (filer_multipart.go: calculateMultipartETag).
  etagIsMd5: true,
  // No default purge of unfinished uploads documented.
  unfinishedUploadTtlHours: null,
  deviations: {
    // ListParts builds each Part from size, ETag and date only (filer_multipart.go,
    // listObjectParts); observed: no ChecksumCRC32 in its answer.
    listPartsOmitsChecksums: true,
    // A missing bucket is created on upload for identities with the Admin action
    // (s3api_bucket_handlers.go: ErrAutoCreatePermissionDenied / ErrAutoCreateDisabled).
    createsMissingBucket: true,
  },
});
