import { definePreset } from "./defaults.ts";
import { type ProviderPreset, S3_PART_RULES } from "./preset.ts";
import { GiB } from "../units.ts";

/** MinIO */
export const MINIO: ProviderPreset = definePreset({
  name: "minio",
  title: "MinIO",
  docs: [
    "https://min.io/docs/minio/linux/operations/concepts/thresholds.html",
    "https://github.com/minio/minio/blob/master/docs/config/README.md",
    "https://github.com/minio/minio/blob/master/internal/etag/etag.go",
    "https://github.com/minio/minio/blob/master/cmd/api-errors.go",
  ],
  endpoint: {
    // Self-hosted: only the user knows the URL. play.min.io is MinIO's public test server.
    hostPatterns: [/^play\.min\.io$/],
  },
  // Self-hosted servers rarely have wildcard DNS for virtual-hosted buckets (MINIO_DOMAIN).
  forcePathStyle: true,
  region: {
    note: "MinIO's default region is us-east-1 unless the server sets MINIO_SITE_REGION.",
  },
  checksum: {
    // MinIO accepts and verifies x-amz-checksum-* (proven against the pinned MinIO by
    // tests/conformance_s3_test.ts). s3mpu still uses WHEN_REQUIRED and sends only its own.
    sdkFlexibleChecksums: true,
    // CRC32, declared at create: MinIO verifies it (a wrong value is refused with
    // XAmzContentChecksumMismatch; tests/conformance_s3_test.ts proves it against the pinned
    // MinIO) and it costs ~1.5 s less CPU per GiB than MD5 (docs/performance in README). For
    // a MinIO too old for flexible checksums, use --provider generic (Content-MD5).
    partChecksum: "crc32",
    // FULL_OBJECT CRC32 is accepted, reported by HeadObject and GetObjectAttributes, and a wrong
    // value is refused at Complete with XAmzContentChecksumMismatch (measured against the
    // pinned MinIO, 2026-11-27; tests/integrity_test.ts).
    fullObjectChecksum: true,
    // MinIO answers a mismatching Content-MD5 with BadDigest (source, not the docs site):
    // https://github.com/minio/minio/blob/master/cmd/api-errors.go
    contentMd5Verified: true,
  },
  limits: {
    // 5 MiB to 5 GiB per part, 10,000 parts:
    // https://min.io/docs/minio/linux/operations/concepts/thresholds.html
    ...S3_PART_RULES,
    // The same page allows 50 TiB per object, but 10,000 x 5 GiB caps a multipart upload at
    // 48.8 TiB.
    maxObjectSize: 10_000 * 5 * GiB,
  },
  // MD5 ETags and md5-of-md5s-N for multipart unless SSE or compression is on:
  // https://github.com/minio/minio/blob/master/internal/etag/etag.go
  etagIsMd5: true,
  // MINIO_API_STALE_UPLOADS_EXPIRY defaults to 24h (swept every 6h):
  // https://github.com/minio/minio/blob/master/docs/config/README.md
  unfinishedUploadTtlHours: 24,
  // Observed against MinIO (this repo's tests): Prefix "dir/" does not list "dir/a.bin".
  uploadListingByPrefix: false,
});
