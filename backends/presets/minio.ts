import { definePreset, verifiedCrc32FullObject } from "./defaults.ts";
import type { ProviderPreset } from "./preset.ts";

/** MinIO */
export const MINIO: ProviderPreset = definePreset({
  name: "minio",
  title: "MinIO",
  docs: [
    "https://min.io/docs/minio/linux/operations/concepts/thresholds.html",
    "https://github.com/minio/minio/blob/master/docs/config/README.md",
    "https://github.com/minio/minio/blob/master/internal/etag/etag.go",
    "https://github.com/minio/minio/blob/master/cmd/api-errors.go",
    "https://github.com/minio/minio/blob/master/cmd/api-headers.go",
  ],
  endpoint: {
    // Self-hosted: only the user knows the URL. play.min.io is MinIO's public test server.
    hostPatterns: [/^play\.min\.io$/],
    // Every answer carries "Server: MinIO" (cmd/api-headers.go, setCommonHeaders):
    // https://github.com/minio/minio/blob/master/cmd/api-headers.go
    serverHeader: /^MinIO\b/,
  },
  // Self-hosted servers rarely have wildcard DNS for virtual-hosted buckets (MINIO_DOMAIN).
  forcePathStyle: true,
  region: {
    note: "MinIO's default region is us-east-1 unless the server sets MINIO_SITE_REGION.",
  },
  // Verified CRC32 per part and FULL_OBJECT at Complete (XAmzContentChecksumMismatch; proven
  // against the pinned MinIO by tests/conformance_s3_test.ts and tests/integrity_test.ts),
  // Content-MD5 BadDigest (cmd/api-errors.go). For a MinIO too old for flexible checksums, use
  // --provider generic (Content-MD5).
  checksum: { ...verifiedCrc32FullObject, trailingChecksum: true },
  // S3's part rules, the defaults (thresholds.html; its 50 TiB per object is capped at 48.8 TiB
  // by 10,000 x 5 GiB).
  // MD5 ETags and md5-of-md5s-N for multipart unless SSE or compression is on:
  // https://github.com/minio/minio/blob/master/internal/etag/etag.go
  etagIsMd5: true,
  // MINIO_API_STALE_UPLOADS_EXPIRY defaults to 24h (swept every 6h):
  // https://github.com/minio/minio/blob/master/docs/config/README.md
  unfinishedUploadTtlHours: 24,
  // Observed against MinIO (this repo's tests): Prefix "dir/" does not list "dir/a.bin".
  uploadListingByPrefix: false,
  // If-None-Match: * on PutObject and CompleteMultipartUpload answers 412 PreconditionFailed
  // where the key holds an object (observed against the pinned MinIO by
  // tests/tree_clobber_test.ts).
  conditionalWrites: true,
});
