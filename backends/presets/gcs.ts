import { definePreset } from "./defaults.ts";
import { type ProviderPreset, S3_PART_RULES } from "./preset.ts";
import { TiB } from "../units.ts";

/** Google Cloud Storage (XML API) */
export const GCS: ProviderPreset = definePreset({
  name: "gcs",
  title: "Google Cloud Storage (XML API)",
  docs: [
    "https://cloud.google.com/storage/docs/multipart-uploads",
    "https://cloud.google.com/storage/docs/xml-api/put-object-multipart",
    "https://cloud.google.com/storage/quotas",
    "https://cloud.google.com/storage/docs/aws-simple-migration",
  ],
  endpoint: {
    // The XML API endpoint: https://cloud.google.com/storage/docs/aws-simple-migration
    template: "https://storage.googleapis.com",
    hostPatterns: [/^([a-z0-9._-]+\.)?storage\.googleapis\.com$/],
    required: false,
  },
  region: {
    default: "auto",
    note: "GCS HMAC (SigV4) requests are signed with auto; the bucket's location does not " +
      "matter. Not re-confirmed in the stored docs.",
  },
  checksum: {
    // GCS's S3-compatible XML API rejects the SDK's default checksum headers (design brief,
    // section 4); Google documents only Content-MD5 and x-goog-hash for parts:
    // https://cloud.google.com/storage/docs/xml-api/put-object-multipart
    sdkFlexibleChecksums: false,
    // GCS checks a part against its Content-MD5 (or x-goog-hash):
    // https://cloud.google.com/storage/docs/xml-api/put-object-multipart
    contentMd5Verified: true,
    // That check is the only per-part one (ETags are not assumed to be MD5s): worth the
    // first pass over each part it needs.
    md5Header: true,
  },
  limits: {
    // Part numbers 1 to 10,000: https://cloud.google.com/storage/docs/xml-api/put-object-multipart
    // The part-size bounds sit in the quotas page, which could not be read here: S3's 5 MiB to
    // 5 GiB are assumed (GCS calls its XML multipart upload S3-compatible).
    ...S3_PART_RULES,
    // 5 TiB per object: https://cloud.google.com/storage/quotas
    maxObjectSize: 5 * TiB,
  },
  // Objects assembled by an XML API multipart upload have no MD5 hash:
  // https://cloud.google.com/storage/docs/multipart-uploads
  etagIsMd5: false,
  // No limit on how long an unfinished upload may stay (lifecycle rules can remove them):
  // https://cloud.google.com/storage/docs/multipart-uploads
  unfinishedUploadTtlHours: null,
});
