import { definePreset } from "./defaults.ts";
import { type ProviderPreset, S3_PART_RULES } from "./preset.ts";
import { GiB } from "../units.ts";

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
  ],
  endpoint: {
    // Self-hosted (`weed server -s3` or `weed s3`): only the user knows the URL.
    hostPatterns: [],
  },
  // Virtual-hosted buckets only with -s3.domainName.
  forcePathStyle: true,
  region: {
    note: "SeaweedFS does not route by region; any region signs (us-east-1 is used).",
  },
  checksum: {
    // SeaweedFS checks x-amz-checksum-* on UploadPart and answers a mismatch with BadDigest
    // (s3api_object_handlers_put.go, putToFiler); proven by the conformance suite's crc32 case
    // through scripts/test_more_stores.sh.
    sdkFlexibleChecksums: true,
    // CRC32: declared at create and listed at Complete. ListParts does not report it (see
    // deviations), which s3mpu's resume handles by reading such parts locally.
    partChecksum: "crc32",
    // A FULL_OBJECT CRC32 is kept and a wrong value refused at Complete (measured 2026-11-27
    // against the pinned build: versitygw and SeaweedFS BadDigest, Garage InvalidDigest).
    fullObjectChecksum: true,
    // The source compares Content-MD5 with the body (putToFiler: BadDigest), but the wiki
    // does not promise it: false, the conservative reading.
    contentMd5Verified: false,
  },
  limits: {
    // Non-last parts below 5 MiB fail Complete with EntityTooSmall (filer_multipart.go,
    // multiPartMinSize); ListParts lists up to 10,000 parts (maxPartsList in
    // s3api_object_handlers_multipart.go). No maximum part size documented: S3's 5 GiB.
    ...S3_PART_RULES,
    maxObjectSize: 10_000 * 5 * GiB,
  },
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
