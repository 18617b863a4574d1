import { definePreset, verifiedCrc32FullObject } from "./defaults.ts";
import type { ProviderPreset } from "./preset.ts";

/** Versity S3 Gateway (versitygw) */
export const VERSITYGW: ProviderPreset = definePreset({
  name: "versitygw",
  title: "Versity S3 Gateway (versitygw)",
  docs: [
    "https://github.com/versity/versitygw/blob/main/backend/common.go",
    "https://github.com/versity/versitygw/blob/main/backend/posix/posix.go",
    "https://github.com/versity/versitygw/blob/main/s3api/utils/csum-reader.go",
    "https://github.com/versity/versitygw/blob/main/s3api/utils/unsigned-chunk-reader.go",
    "https://github.com/versity/versitygw/blob/main/s3api/controllers/base.go",
    "https://github.com/versity/versitygw/blob/main/cmd/internal/gwcli/posix.go",
    "https://github.com/versity/versitygw/blob/main/cmd/versitygw/main.go",
  ],
  endpoint: {
    // Self-hosted gateway in front of a POSIX file system, S3 or Azure: only the user knows
    // the URL.
    hostPatterns: [],
    // Every answer carries "Server: VERSITYGW" (observed against versitygw 1.8.0, errors and
    // unsigned requests included).
    serverHeader: /^VERSITYGW\b/,
  },
  // Virtual-hosted buckets only with --virtual-domain (cmd/versitygw/main.go).
  forcePathStyle: true,
  region: {
    // --region defaults to us-east-1 (cmd/versitygw/main.go).
    default: "us-east-1",
    note: "The gateway's --region (VGW_REGION), us-east-1 unless its operator changed it.",
  },
  // Verified CRC32 and Content-MD5 while the part is stored (s3api/utils/csum-reader.go:
  // BadDigest; conformance suite against versitygw 1.8.0), FULL_OBJECT kept (measured
  // 2026-11-27 against the pinned build). A trailing CRC32 (aws-chunked,
  // STREAMING-UNSIGNED-PAYLOAD-TRAILER) is taken and checked (s3api/utils/unsigned-chunk-reader.go;
  // tests/streaming_test.ts against the pinned build), so parts are read once.
  checksum: { ...verifiedCrc32FullObject, trailingChecksum: true },
  // S3's part rules, the defaults: 5 MiB minimum checked at Complete (backend/common.go,
  // posix.go: EntityTooSmall), 10,000 parts (s3api/controllers/base.go); no maximum in posix.
  // By default part ETags are MD5s and the completed ETag is md5-of-md5s-N
  // (posix.go: ComputeMultipartETagFromPartETags). Not so with --data-integrity-etag: see
  // deviations.nonMd5ETags.
  etagIsMd5: true,
  // The POSIX backend has no sweeper for unfinished uploads (posix.go).
  unfinishedUploadTtlHours: null,
  deviations: {
    // `posix --data-integrity-etag` (cmd/internal/gwcli/posix.go) replaces MD5 ETags with
    // "ALGO-<checksum>": parts "CRC64NVME-<base64>", a CRC64NVME multipart object
    // "CRC64NVME-<whole-object checksum>" without a -N suffix, composite ones "ALGO-<...>-N"
    // (posix.go, the dataIntegrityEtag comment).
    nonMd5ETags: {
      pattern: /^"?(CRC32|CRC32C|CRC64NVME|SHA1|SHA256)-[A-Za-z0-9+/=]+(-\d+)?"?$/,
      mode: "versitygw posix --data-integrity-etag",
    },
  },
  // If-None-Match: * on PutObject and CompleteMultipartUpload answers 412 PreconditionFailed
  // where the key holds an object (observed against versitygw 1.8.0 by
  // tests/tree_clobber_test.ts).
  conditionalWrites: true,
});
