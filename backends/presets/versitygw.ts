import { definePreset } from "./defaults.ts";
import { type ProviderPreset, S3_PART_RULES } from "./preset.ts";
import { GiB } from "../units.ts";

/** Versity S3 Gateway (versitygw) */
export const VERSITYGW: ProviderPreset = definePreset({
  name: "versitygw",
  title: "Versity S3 Gateway (versitygw)",
  docs: [
    "https://github.com/versity/versitygw/blob/main/backend/common.go",
    "https://github.com/versity/versitygw/blob/main/backend/posix/posix.go",
    "https://github.com/versity/versitygw/blob/main/s3api/utils/csum-reader.go",
    "https://github.com/versity/versitygw/blob/main/s3api/controllers/base.go",
    "https://github.com/versity/versitygw/blob/main/cmd/internal/gwcli/posix.go",
    "https://github.com/versity/versitygw/blob/main/cmd/versitygw/main.go",
  ],
  endpoint: {
    // Self-hosted gateway in front of a POSIX file system, S3 or Azure: only the user knows
    // the URL.
    hostPatterns: [],
  },
  // Virtual-hosted buckets only with --virtual-domain (cmd/versitygw/main.go).
  forcePathStyle: true,
  region: {
    // --region defaults to us-east-1 (cmd/versitygw/main.go).
    default: "us-east-1",
    note: "The gateway's --region (VGW_REGION), us-east-1 unless its operator changed it.",
  },
  checksum: {
    // The gateway reads x-amz-checksum-* headers and trailers and checks them while it
    // stores the part (s3api/utils/csum-reader.go); proven by the conformance suite's crc32
    // case against versitygw 1.8.0 (tests/conformance_s3_test.ts).
    sdkFlexibleChecksums: true,
    // CRC32, verified at UploadPart (BadDigest) and listed by ListParts (posix.go), for the
    // same CPU reason as AWS.
    partChecksum: "crc32",
    // A FULL_OBJECT CRC32 is kept and a wrong value refused at Complete (measured 2026-11-27
    // against the pinned build: versitygw and SeaweedFS BadDigest, Garage InvalidDigest).
    fullObjectChecksum: true,
    // Content-MD5 is checked by the same reader and a mismatch is BadDigest
    // (s3api/utils/csum-reader.go).
    contentMd5Verified: true,
  },
  limits: {
    // Non-last parts of at least backend.MinPartSize, 5 MiB, checked at Complete
    // (backend/common.go, posix.go: EntityTooSmall); part numbers up to 10,000
    // (s3api/controllers/base.go maxPartNumber). No part size maximum in the POSIX backend:
    // S3's 5 GiB is kept.
    ...S3_PART_RULES,
    maxObjectSize: 10_000 * 5 * GiB,
  },
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
});
