import { definePreset, verifiedCrc32FullObject } from "./defaults.ts";
import type { ProviderPreset } from "./preset.ts";

/** Garage */
export const GARAGE: ProviderPreset = definePreset({
  name: "garage",
  title: "Garage",
  docs: [
    "https://garagehq.deuxfleurs.fr/documentation/reference-manual/s3-compatibility/",
    "https://docs.rs/crate/garage_api_s3/2.5.0/source/multipart.rs",
    "https://docs.rs/crate/garage_api_s3/2.5.0/source/list.rs",
    "https://docs.rs/crate/garage_api_common/2.5.0/source/signature/checksum.rs",
    "https://docs.rs/crate/garage_api_s3/2.5.0/source/encryption.rs",
    "https://docs.rs/crate/garage_model/2.5.0/source/s3/lifecycle_worker.rs",
    "https://garagehq.deuxfleurs.fr/documentation/reference-manual/configuration/",
  ],
  endpoint: {
    // Self-hosted: only the user knows the URL.
    hostPatterns: [],
  },
  // Virtual-hosted buckets need [s3_api] root_domain and wildcard DNS (configuration page).
  forcePathStyle: true,
  region: {
    // Requests must be signed for the configured [s3_api] s3_region; Garage's own examples
    // use "garage" (configuration page). There is no server-independent default.
    default: "garage",
    note: "The cluster's [s3_api] s3_region from garage.toml (\"garage\" in Garage's examples).",
  },
  // Verified CRC32 per part and at Complete (signature/checksum.rs, multipart.rs; a mismatch is
  // InvalidDigest, see deviations), FULL_OBJECT kept (measured 2026-11-27 against the pinned
  // build), Content-MD5 BadDigest (signature/checksum.rs).
  checksum: verifiedCrc32FullObject,
  // S3's part rules, the defaults: Garage enforces no minimum part size (see deviations) and no
  // part count below S3's; they are kept so the part plan stays portable.
  // ETags are MD5s, multipart ones md5-of-md5s-N (multipart.rs); SSE-C objects get random
  // ones (encryption.rs, etag_from_md5).
  etagIsMd5: true,
  // No default purge; AbortIncompleteMultipartUpload lifecycle rules are applied by
  // garage_model's s3/lifecycle_worker.rs.
  unfinishedUploadTtlHours: null,
  deviations: {
    // Complete checks only that part numbers increase, not sizes (multipart.rs); observed:
    // non-last parts of 1 byte complete.
    acceptsSmallParts: true,
    // A wrong x-amz-checksum-crc32 is InvalidDigest, not BadDigest
    // (signature/checksum.rs); observed against Garage 2.5.0.
    checksumMismatchCode: "InvalidDigest",
  },
});
