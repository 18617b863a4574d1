/**
 * What each S3-compatible provider allows, as data: part-size rules, which checksum s3mpu
 * sends with a part, whether ETags are MD5s, how long an unfinished upload survives. The
 * engine and the S3 adapter read these instead of branching on provider names.
 *
 * Every value carries the documentation it comes from. Where the documentation does not
 * settle a value, the comment says so and the value is the conservative one: the choice that
 * can fail early with a clear message rather than late on the server or silently.
 *
 * The README's provider table is rendered from this file by backends/provider_table.ts.
 */
import type { BackendLimits, ChecksumAlgorithm } from "./types.ts";

const MiB = 1024 * 1024;
const GiB = 1024 * MiB;
const TiB = 1024 * GiB;
/** Decimal units, used where a provider writes "GB"/"TB" and does not say which it means. */
const GB = 1_000_000_000;
const TB = 1_000_000_000_000;

/** The rules of one S3-compatible provider. */
export interface ProviderPreset {
  /** Value of `--provider`, lowercase, e.g. "aws", "r2"; "generic" for any other store. */
  name: string;
  /** Human-readable name, e.g. "Amazon S3". */
  title: string;
  /** Documentation URLs that back the values below (each value's comment names its own). */
  docs: string[];
  /** Where the provider's S3 API lives. */
  endpoint: {
    /**
     * URL with `{placeholders}` the user fills in (e.g. `https://s3.{region}.amazonaws.com`),
     * or undefined for self-hosted servers whose URL only the user knows.
     */
    template?: string;
    /** Host names that identify this provider unambiguously, for `detectPreset`. */
    hostPatterns: RegExp[];
    /**
     * Whether the user must pass `--endpoint`: true when the URL cannot be built from
     * defaults alone (self-hosted, or the template needs an account ID or a location that has
     * no sensible default).
     */
    required: boolean;
  };
  /** Whether the client should address buckets as `https://host/bucket/key`. */
  forcePathStyle: boolean;
  /** The region to sign requests with (SigV4 credential scope). */
  region: {
    /**
     * Region used when the user gives none. Empty when it must come from the user or from
     * the endpoint host (see `regionFromEndpoint`).
     */
    default: string;
    /** What the region means for this provider and where to find it. */
    note: string;
  };
  /** Integrity checking of uploaded parts. */
  checksum: {
    /**
     * Whether the store accepts the `x-amz-checksum-*` / `x-amz-trailer` headers that
     * @aws-sdk/client-s3 >= 3.729 adds by default (`requestChecksumCalculation:
     * WHEN_SUPPORTED`). When false the client must use `WHEN_REQUIRED`. False unless the
     * provider documents support, since `WHEN_REQUIRED` never breaks an upload.
     */
    sdkFlexibleChecksums: boolean;
    /**
     * What s3mpu sends with every part: a flexible checksum (`x-amz-checksum-*`, declared at
     * CreateMultipartUpload and listed again at Complete), `md5` (the `Content-MD5` header),
     * or `none`.
     */
    partChecksum: ChecksumAlgorithm;
    /**
     * Whether the store keeps and validates a FULL_OBJECT checksum (the CRC of the whole
     * object, declared at create and sent at Complete) for `partChecksum`. When false, a
     * flexible `partChecksum` gives a COMPOSITE object checksum (checksum of the part
     * checksums, `-N`), and `md5` leaves the MD5 ETags as the only content proof.
     */
    fullObjectChecksum: boolean;
    /**
     * Whether the provider documents that it rejects a part whose `Content-MD5` does not
     * match (BadDigest). When false, a `Content-MD5` s3mpu sends may be ignored.
     */
    contentMd5Verified: boolean;
  };
  /** Part-size rules, in bytes, that the part planner must respect. */
  limits: BackendLimits;
  /**
   * Part size the provider recommends over its hard minimum (performance or cost), in bytes.
   * The planner should not choose smaller parts unless the user asks for them.
   */
  recommendedPartSize?: number;
  /**
   * Whether ETags follow S3's de facto scheme: a part's ETag (and a single-part object's) is
   * the hex MD5 of its bytes, and a completed multipart upload's ETag is the MD5 of the
   * concatenated binary part MD5s followed by `-N`. Even where true, server-side encryption
   * with customer or KMS keys changes ETags, so a mismatch must mean "cannot verify", never
   * "corrupt".
   */
  etagIsMd5: boolean;
  /**
   * Hours after which the provider deletes an unfinished multipart upload by default (a later
   * resume then gets NoSuchUpload), or null when it documents no automatic purge (a bucket
   * lifecycle rule may still set one).
   */
  unfinishedUploadTtlHours: number | null;
  /**
   * Whether ListMultipartUploads honours `Prefix` as a key prefix. MinIO matches it as an
   * exact object name, so s3mpu lists everything and filters itself there. Default true.
   */
  uploadListingByPrefix?: boolean;
}

/** S3's own limits: 5 MiB to 5 GiB per part (the last may be smaller), 10,000 parts. */
const S3_PART_RULES = {
  // https://docs.aws.amazon.com/AmazonS3/latest/userguide/qfacts.html
  minPartSize: 5 * MiB,
  maxPartSize: 5 * GiB,
  maxParts: 10_000,
  equalPartSizes: false,
} as const;

const AWS: ProviderPreset = {
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
    default: "us-east-1",
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
};

const MINIO: ProviderPreset = {
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
    required: true,
  },
  // Self-hosted servers rarely have wildcard DNS for virtual-hosted buckets (MINIO_DOMAIN).
  forcePathStyle: true,
  region: {
    default: "us-east-1",
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
};

const CEPH: ProviderPreset = {
  name: "ceph",
  title: "Ceph Object Gateway (RGW)",
  docs: [
    "https://docs.ceph.com/en/latest/radosgw/config-ref/",
    "https://docs.ceph.com/en/latest/radosgw/s3/",
    "https://github.com/ceph/ceph/blob/main/src/rgw/rgw_op.cc",
  ],
  endpoint: {
    // Self-hosted: only the user knows the URL.
    hostPatterns: [],
    required: true,
  },
  // Virtual-hosted buckets need rgw_dns_name and wildcard DNS, which many clusters lack:
  // https://docs.ceph.com/en/latest/radosgw/config-ref/
  forcePathStyle: true,
  region: {
    default: "us-east-1",
    note: "The zonegroup's api_name if the cluster sets one. Not confirmed in the Ceph docs " +
      "that RGW accepts us-east-1 for the default zonegroup.",
  },
  checksum: {
    // x-amz-checksum-* support arrived only in recent RGW releases (ceph/ceph PR 49986);
    // clusters run older ones, so WHEN_REQUIRED.
    sdkFlexibleChecksums: false,
    partChecksum: "md5",
    // Content-MD5 per part; the object's proof is its multipart ETag, where it is an MD5.
    fullObjectChecksum: false,
    // RGWPutObj (which also serves UploadPart) compares a supplied Content-MD5 and fails with
    // BadDigest (source, not the docs): https://github.com/ceph/ceph/blob/main/src/rgw/rgw_op.cc
    contentMd5Verified: true,
  },
  limits: {
    // Defaults of rgw_multipart_min_part_size (5 MiB), rgw_max_put_size (5 GiB) and
    // rgw_multipart_part_upload_limit (10,000); an operator may change them:
    // https://docs.ceph.com/en/latest/radosgw/config-ref/
    ...S3_PART_RULES,
    // RGW caps only the part count and size, so the object cap is their product.
    maxObjectSize: 10_000 * 5 * GiB,
  },
  // RGW stores the MD5 of the data as ETag and builds md5-of-md5s-N at completion (source:
  // https://github.com/ceph/ceph/blob/main/src/rgw/rgw_op.cc); not stated in the docs.
  etagIsMd5: true,
  // No default purge documented; RGW honours AbortIncompleteMultipartUpload lifecycle rules.
  unfinishedUploadTtlHours: null,
};

const R2: ProviderPreset = {
  name: "r2",
  title: "Cloudflare R2",
  docs: [
    "https://developers.cloudflare.com/r2/objects/multipart-objects/",
    "https://developers.cloudflare.com/r2/platform/limits/",
    "https://developers.cloudflare.com/r2/api/s3/api/",
  ],
  endpoint: {
    // https://developers.cloudflare.com/r2/api/s3/api/
    template: "https://{account}.r2.cloudflarestorage.com",
    // Every host under r2.cloudflarestorage.com: account endpoints, jurisdiction ones
    // (<account>.eu.r2...) and virtual-hosted buckets in front of them.
    hostPatterns: [/\.r2\.cloudflarestorage\.com$/],
    // The account ID is part of the host.
    required: true,
  },
  forcePathStyle: true,
  region: {
    // https://developers.cloudflare.com/r2/api/s3/api/ (empty and us-east-1 alias to auto)
    default: "auto",
    note: "R2 buckets have no region; sign with auto.",
  },
  checksum: {
    // R2 lists CRC32/CRC32C/SHA composite checksums as supported
    // (https://developers.cloudflare.com/r2/api/s3/api/), but SDK 3.729's default headers broke
    // UploadPart on R2 when they shipped and trailer support is not documented: WHEN_REQUIRED.
    sdkFlexibleChecksums: false,
    partChecksum: "md5",
    // Content-MD5 per part; the object's proof is its multipart ETag, where it is an MD5.
    fullObjectChecksum: false,
    // UploadPart lists Content-MD5 as implemented: https://developers.cloudflare.com/r2/api/s3/api/
    contentMd5Verified: true,
  },
  limits: {
    // 5 MiB to 5 GiB per part, all but the last of one size, 10,000 parts:
    // https://developers.cloudflare.com/r2/objects/multipart-objects/
    minPartSize: 5 * MiB,
    maxPartSize: 5 * GiB,
    maxParts: 10_000,
    equalPartSizes: true,
    // 5 GiB less than 5 TiB: https://developers.cloudflare.com/r2/platform/limits/
    maxObjectSize: 5 * TiB - 5 * GiB,
  },
  // Part ETags are MD5s and the final ETag is md5-of-md5s-N for uploads created after
  // 2023-06-21: https://developers.cloudflare.com/r2/objects/multipart-objects/
  etagIsMd5: true,
  // Default lifecycle aborts incomplete uploads after 7 days:
  // https://developers.cloudflare.com/r2/objects/multipart-objects/
  unfinishedUploadTtlHours: 7 * 24,
};

const B2: ProviderPreset = {
  name: "b2",
  title: "Backblaze B2",
  docs: [
    "https://www.backblaze.com/docs/cloud-storage-s3-compatible-api",
    "https://www.backblaze.com/docs/cloud-storage-use-the-aws-sdk-for-javascript-v3-with-backblaze-b2",
    "https://www.backblaze.com/apidocs/introduction-to-the-s3-compatible-api",
    "https://www.backblaze.com/apidocs/s3-upload-part",
    "https://www.backblaze.com/apidocs/s3-create-multipart-upload",
  ],
  endpoint: {
    // https://www.backblaze.com/apidocs/introduction-to-the-s3-compatible-api
    template: "https://s3.{region}.backblazeb2.com",
    hostPatterns: [/(^|\.)s3\.[a-z0-9-]+\.backblazeb2\.com$/],
    // The region (e.g. us-west-004) belongs to the account and has no default.
    required: true,
  },
  // B2 accepts both styles (same page); path-style avoids bucket-name DNS issues.
  forcePathStyle: true,
  region: {
    default: "",
    note: "The region in the bucket's endpoint, e.g. us-west-004 in " +
      "s3.us-west-004.backblazeb2.com; the account has a single region.",
  },
  checksum: {
    // B2 rejects the SDK's default checksum headers; Backblaze's AWS SDK for JavaScript v3 guide
    // covers the workaround:
    // https://www.backblaze.com/docs/cloud-storage-use-the-aws-sdk-for-javascript-v3-with-backblaze-b2
    sdkFlexibleChecksums: false,
    // Sent because S3 clients have sent Content-MD5 since the start and it costs only CPU;
    // whether B2 checks it is not documented.
    partChecksum: "md5",
    // Content-MD5 per part; the object's proof is its multipart ETag, where it is an MD5.
    fullObjectChecksum: false,
    // Neither S3 Put Object nor S3 Upload Part lists Content-MD5 among its headers:
    // https://www.backblaze.com/apidocs/s3-upload-part
    contentMd5Verified: false,
  },
  limits: {
    // Part numbers 1 to 10,000: https://www.backblaze.com/apidocs/s3-upload-part
    // Parts from 5 MB (5,000,000 bytes) to 5 GiB:
    // https://www.backblaze.com/apidocs/s3-create-multipart-upload
    // 5 MiB is used as the minimum: it satisfies both readings of "5 MB".
    ...S3_PART_RULES,
    // B2 is widely reported to allow 10 TB files, not confirmed here: S3's 5 TiB is used.
    maxObjectSize: 5 * TiB,
  },
  // Not documented for the S3 API; do not assume.
  etagIsMd5: false,
  // No default purge documented (B2 lifecycle rules can cancel unfinished large files).
  unfinishedUploadTtlHours: null,
};

const GCS: ProviderPreset = {
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
  forcePathStyle: true,
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
    partChecksum: "md5",
    // Content-MD5 per part; the object's proof is its multipart ETag, where it is an MD5.
    fullObjectChecksum: false,
    // GCS checks a part against its Content-MD5 (or x-goog-hash):
    // https://cloud.google.com/storage/docs/xml-api/put-object-multipart
    contentMd5Verified: true,
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
};

const WASABI: ProviderPreset = {
  name: "wasabi",
  title: "Wasabi",
  docs: [
    "https://docs.wasabi.com/docs/rest-api-introduction",
    "https://docs.wasabi.com/docs/how-does-wasabi-handle-multipart-uploads",
    "https://knowledgebase.wasabi.com/hc/en-us/articles/360030872392-How-does-Wasabi-handle-multipart-uploads-",
  ],
  endpoint: {
    // The docs name s3.wasabisys.com (us-east-1): https://docs.wasabi.com/docs/rest-api-introduction
    // Regional hosts s3.<region>.wasabisys.com come from Wasabi's service-URL list, which
    // was not re-read here.
    template: "https://s3.{region}.wasabisys.com",
    hostPatterns: [/(^|\.)s3(\.[a-z0-9-]+)?\.wasabisys\.com$/],
    required: false,
  },
  // Wasabi recommends path-style requests: https://docs.wasabi.com/docs/rest-api-introduction
  forcePathStyle: true,
  region: {
    default: "us-east-1",
    note: "The bucket's Wasabi region, e.g. eu-central-1; it also selects the endpoint.",
  },
  checksum: {
    // Not documented; uploads with the SDK's default checksums are reported to fail on Wasabi
    // (stonith404/pingvin-share issue 788). WHEN_REQUIRED.
    sdkFlexibleChecksums: false,
    partChecksum: "md5",
    // Content-MD5 per part; the object's proof is its multipart ETag, where it is an MD5.
    fullObjectChecksum: false,
    // BadDigest is in Wasabi's error table: https://docs.wasabi.com/docs/rest-api-introduction
    contentMd5Verified: true,
  },
  limits: {
    // Wasabi follows AWS's multipart rules apart from lifecycle handling:
    // https://docs.wasabi.com/docs/how-does-wasabi-handle-multipart-uploads
    ...S3_PART_RULES,
    // Wasabi's FAQ gives "5 terabytes" per object (quoted, not read on wasabi.com here); the
    // decimal reading is the smaller one.
    maxObjectSize: 5 * TB,
  },
  // Not documented; do not assume.
  etagIsMd5: false,
  // An older Wasabi article says uncommitted multipart uploads are deleted after a fixed 30
  // days; the current page bills them as active storage for 30 days and adds lifecycle
  // rules without restating the deletion. 30 days is the conservative reading:
  // https://knowledgebase.wasabi.com/hc/en-us/articles/360030872392-How-does-Wasabi-handle-multipart-uploads-
  unfinishedUploadTtlHours: 30 * 24,
};

const DIGITALOCEAN: ProviderPreset = {
  name: "digitalocean",
  title: "DigitalOcean Spaces",
  docs: [
    "https://docs.digitalocean.com/products/spaces/details/limits/",
  ],
  endpoint: {
    template: "https://{datacenter}.digitaloceanspaces.com",
    hostPatterns: [/(^|\.)digitaloceanspaces\.com$/],
    // The datacenter (nyc3, fra1, ...) has no default.
    required: true,
  },
  // Both path-style and virtual-hosted requests work for API access:
  // https://docs.digitalocean.com/products/spaces/details/limits/
  forcePathStyle: true,
  region: {
    default: "us-east-1",
    note: "The endpoint selects the datacenter; DigitalOcean's SDK examples sign with " +
      "us-east-1 (not re-confirmed here).",
  },
  checksum: {
    // Not documented: WHEN_REQUIRED.
    sdkFlexibleChecksums: false,
    // Sent because it costs only CPU; verification is not documented.
    partChecksum: "md5",
    // Content-MD5 per part; the object's proof is its multipart ETag, where it is an MD5.
    fullObjectChecksum: false,
    contentMd5Verified: false,
  },
  limits: {
    // Parts at least 5 MiB (except the last) and at most 5 GB, at most 10,000 parts, 5 TB per
    // multipart upload: https://docs.digitalocean.com/products/spaces/details/limits/
    // "GB"/"TB" are read as decimal, the smaller reading.
    minPartSize: 5 * MiB,
    maxPartSize: 5 * GB,
    maxParts: 10_000,
    equalPartSizes: false,
    maxObjectSize: 5 * TB,
  },
  // Not documented; do not assume.
  etagIsMd5: false,
  // Incomplete multipart uploads are deleted after 30 days (90 days in earlier versions of the
  // page): https://docs.digitalocean.com/products/spaces/details/limits/
  unfinishedUploadTtlHours: 30 * 24,
};

const SCALEWAY: ProviderPreset = {
  name: "scaleway",
  title: "Scaleway Object Storage",
  docs: [
    "https://www.scaleway.com/en/docs/storage/object/api-cli/multipart-uploads/",
    "https://www.scaleway.com/en/docs/object-storage/reference-content/supported-checksums/",
    "https://www.scaleway.com/en/docs/faq/objectstorage/",
  ],
  endpoint: {
    // <bucket>.s3.<region>.scw.cloud, e.g. s3.fr-par.scw.cloud:
    // https://www.scaleway.com/en/docs/storage/object/api-cli/multipart-uploads/
    template: "https://s3.{region}.scw.cloud",
    hostPatterns: [/(^|\.)s3\.[a-z0-9-]+\.scw\.cloud$/],
    required: true,
  },
  // Bucket names with dots need the path form; path-style works for all buckets:
  // https://www.scaleway.com/en/docs/faq/objectstorage/
  forcePathStyle: true,
  region: {
    default: "",
    note: "The bucket's region, e.g. fr-par, nl-ams or pl-waw, as in s3.fr-par.scw.cloud.",
  },
  checksum: {
    // CRC32, CRC32C, SHA-1, SHA-256 (full-object and composite) and CRC64NVME are supported:
    // https://www.scaleway.com/en/docs/object-storage/reference-content/supported-checksums/
    sdkFlexibleChecksums: true,
    // CRC32 for the same CPU reason as AWS (native in Deno); composite CRC32 is listed.
    partChecksum: "crc32",
    // Not documented for this store: COMPOSITE (flexible) or MD5 ETags only.
    fullObjectChecksum: false,
    // Not documented either way.
    contentMd5Verified: false,
  },
  limits: {
    // 1 to 1,000 parts, 5 MB to 5 GB per part (the last may be smaller), 5 TB per object:
    // https://www.scaleway.com/en/docs/storage/object/api-cli/multipart-uploads/
    // "5 MB" minimum is read as 5 MiB and "5 GB"/"5 TB" maxima as decimal: the stricter side.
    minPartSize: 5 * MiB,
    maxPartSize: 5 * GB,
    maxParts: 1_000,
    equalPartSizes: false,
    maxObjectSize: 5 * TB,
  },
  // Not documented; do not assume.
  etagIsMd5: false,
  // No automatic purge documented.
  unfinishedUploadTtlHours: null,
};

const STORJ: ProviderPreset = {
  name: "storj",
  title: "Storj (hosted S3 gateway)",
  docs: [
    "https://storj.dev/dcs/api/s3/s3-compatibility",
    "https://storj.dev/dcs/api/s3/multipart-upload/multipart-part-size",
    "https://github.com/storj/gateway-st/issues/105",
  ],
  endpoint: {
    // https://storj.dev/dcs/api/s3/s3-compatibility (also regional gateway.<region>.storjshare.io)
    template: "https://gateway.storjshare.io",
    hostPatterns: [/(^|\.)gateway(\.[a-z0-9-]+)?\.storjshare\.io$/],
    required: false,
  },
  forcePathStyle: true,
  region: {
    default: "us-east-1",
    note: "The gateway does not route by region (Storj's own example signs with eu1); not " +
      "confirmed as a rule.",
  },
  checksum: {
    // Flexible checksums are still being planned for the gateway
    // (https://github.com/storj/gateway-st/issues/105): WHEN_REQUIRED.
    sdkFlexibleChecksums: false,
    // Sent because it costs only CPU; verification is not documented.
    partChecksum: "md5",
    // Content-MD5 per part; the object's proof is its multipart ETag, where it is an MD5.
    fullObjectChecksum: false,
    contentMd5Verified: false,
  },
  limits: {
    // Hard limits: at least 5 MiB per part except the last, at most 10,000 parts, no object
    // size cap: https://storj.dev/dcs/api/s3/s3-compatibility
    minPartSize: 5 * MiB,
    // No maximum part size is documented: S3's 5 GiB is used.
    maxPartSize: 5 * GiB,
    maxParts: 10_000,
    equalPartSizes: false,
    maxObjectSize: 10_000 * 5 * GiB,
  },
  // 64 MiB is a recommendation, not a limit: smaller parts still work but become more segments,
  // which cost more and run slower:
  // https://storj.dev/dcs/api/s3/multipart-upload/multipart-part-size
  recommendedPartSize: 64 * MiB,
  // Not documented; do not assume.
  etagIsMd5: false,
  // No automatic purge documented.
  unfinishedUploadTtlHours: null,
};

const GENERIC: ProviderPreset = {
  name: "generic",
  title: "Other S3-compatible store",
  docs: [
    "https://docs.aws.amazon.com/AmazonS3/latest/userguide/qfacts.html",
    "https://docs.aws.amazon.com/sdkref/latest/guide/feature-dataintegrity.html",
    "https://github.com/minio/minio/blob/master/docs/config/README.md",
  ],
  endpoint: {
    hostPatterns: [],
    required: true,
  },
  // Custom endpoints need path-style (design brief, section 4).
  forcePathStyle: true,
  region: {
    default: "us-east-1",
    note: "Whatever the store expects; most self-hosted stores accept us-east-1.",
  },
  checksum: {
    // Unknown store: do not send headers it may reject.
    sdkFlexibleChecksums: false,
    // Content-MD5 is as old as S3 and accepted everywhere; whether it is checked is unknown.
    partChecksum: "md5",
    // Content-MD5 per part; the object's proof is its multipart ETag, where it is an MD5.
    fullObjectChecksum: false,
    contentMd5Verified: false,
  },
  limits: {
    // S3's rules, which every S3-compatible store claims (Scaleway's 1,000 parts is the known
    // exception and has its own preset). Equal part sizes cost nothing and satisfy R2-like
    // stores; the object cap is the classic 5 TiB.
    ...S3_PART_RULES,
    equalPartSizes: true,
    maxObjectSize: 5 * TiB,
  },
  // Several stores do not use MD5 ETags (design brief, section 4).
  etagIsMd5: false,
  // Unknown: assume the shortest default purge known among S3-compatible servers, MinIO's 24 h
  // (https://github.com/minio/minio/blob/master/docs/config/README.md).
  unfinishedUploadTtlHours: 24,
  // Unknown servers may be MinIO-like: filter upload listings on our side.
  uploadListingByPrefix: false,
};

function freeze(preset: ProviderPreset): ProviderPreset {
  Object.freeze(preset.docs);
  Object.freeze(preset.endpoint.hostPatterns);
  Object.freeze(preset.endpoint);
  Object.freeze(preset.region);
  Object.freeze(preset.checksum);
  Object.freeze(preset.limits);
  return Object.freeze(preset);
}

/** Every known provider, in the order the README lists them; "generic" is last. */
export const PRESETS: readonly ProviderPreset[] = Object.freeze(
  [AWS, MINIO, CEPH, R2, B2, GCS, WASABI, DIGITALOCEAN, SCALEWAY, STORJ, GENERIC].map(freeze),
);

/** Names accepted by `--provider`, in table order. */
export function presetNames(): string[] {
  return PRESETS.map((preset) => preset.name);
}

/** The preset called `name` (case-insensitive); throws an Error listing the valid names. */
export function getPreset(name: string): ProviderPreset {
  const wanted = name.trim().toLowerCase();
  const preset = PRESETS.find((candidate) => candidate.name === wanted);
  if (preset) return preset;
  throw new Error(
    `Unknown provider "${name}". Use one of: ${presetNames().join(", ")} ` +
      `("generic" fits any other S3-compatible store).`,
  );
}

/**
 * The preset an endpoint URL belongs to: AWS when no endpoint is given, the provider whose
 * host pattern matches, or undefined for localhost, IP addresses, unknown hosts and
 * unparseable input (the caller then uses "generic"). A bare host name is accepted.
 */
export function detectPreset(endpoint: string | undefined): ProviderPreset | undefined {
  if (endpoint === undefined) return AWS;
  const host = hostOf(endpoint);
  if (host === undefined || isLocalOrIp(host)) return undefined;
  return PRESETS.find((preset) => preset.endpoint.hostPatterns.some((re) => re.test(host)));
}

/**
 * The `{region}` an endpoint host carries for a preset whose template has one, e.g.
 * "us-west-004" for https://s3.us-west-004.backblazeb2.com and the B2 preset; undefined when
 * the template has no `{region}` or the host does not fit it.
 */
export function regionFromEndpoint(preset: ProviderPreset, endpoint: string): string | undefined {
  const template = preset.endpoint.template;
  const host = hostOf(endpoint);
  if (!template?.includes("{region}") || host === undefined) return undefined;
  const templateHost = new URL(template.replace(/\{(\w+)\}/g, "x-$1-x")).hostname;
  const pattern = templateHost
    .replace(/[.*+?^$()|[\]\\]/g, "\\$&")
    .replace("x-region-x", "(?<region>[a-z0-9-]+)")
    .replace(/x-\w+-x/g, "[a-z0-9-]+");
  // Virtual-hosted requests put the bucket in front of the template's host.
  return new RegExp(`(?:^|\\.)${pattern}$`).exec(host)?.groups?.region;
}

function hostOf(endpoint: string): string | undefined {
  const text = endpoint.trim();
  if (text === "") return undefined;
  try {
    const url = new URL(/^[a-z][a-z0-9+.-]*:\/\//i.test(text) ? text : `https://${text}`);
    return url.hostname.toLowerCase().replace(/\.$/, "");
  } catch {
    return undefined;
  }
}

function isLocalOrIp(host: string): boolean {
  return host === "localhost" || host.endsWith(".localhost") ||
    /^\d{1,3}(\.\d{1,3}){3}$/.test(host) || host.startsWith("[");
}
